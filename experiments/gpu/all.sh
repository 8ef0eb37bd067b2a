#!/usr/bin/env bash
# The GPU check of issue 13, one script for one NVIDIA GPU, run from binaries built beforehand (≈ 8.5 min on one H200,
# measured part by part on 2026-12-04: mnist ≈ 6 min, step ≈ 2 min, spmd 10 s):
#   mnist      the MNIST pipeline on a U-Net (preset mnist-gpu: EDM teacher → CMT → ECT from cmt, diffusion and
#              scratch, MNIST-FID of 5000 samples), through the CUDA PJRT plugin (pjrt_cuda.sh)
#   step       cifar10_step.sh: the CIFAR-10 U-Net's EDM training step, GoMLX/XLA vs PyTorch (FP32 and TF32)
#   spmd       spmd_check.sh: data-parallel training against the single-device path (PASS/FAIL)
#   notebook   one notebook executed with the XLA backend, when Go, GoNB and Jupyter are on the machine (GoNB compiles
#              every cell with Go); otherwise a SKIP line saying what is missing
# Every part runs under its own time cap and the script goes on after a failure. It ends with one line per part,
# "part STATUS seconds", in $out/parts.txt; logs and the mnist run's summary.json and figures are in $out.
#
#   experiments/gpu/all.sh [--toy]
#
# --toy runs the same parts at toy sizes on the CPU (pure-Go backend, no GPU needed): the test of this script
# (experiments/gpu/all_test.go).
# Environment:
#   CMT_GPU_BIN   folder holding cmt, stepbench and spmdcheck built with cgo (`experiments/gpu/build.sh` builds them
#                 into bin/); default bin/
#   OUT           where results go (default runs/gpu)
#   CMT_MNIST_DIR the four MNIST .gz files (default: the GoMNIST module in the Go module cache)
#   CMT_GPU_SKIP_NOTEBOOK     set: skip the notebook part (the toy test does; notebooks have their own test)
#   CMT_CUDA_PLUGIN, PYTHON   passed on to pjrt_cuda.sh
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
toy=0
[ "${1:-}" = "--toy" ] && toy=1
bindir=${CMT_GPU_BIN:-$root/bin}
out=${OUT:-$root/runs/gpu}
mkdir -p "$out"
: >"$out/parts.txt"
export GOMLX_NO_AUTO_INSTALL=1

for b in cmt stepbench spmdcheck; do
  [ -x "$bindir/$b" ] || { echo "all.sh: $bindir/$b missing: run experiments/gpu/build.sh first (or set CMT_GPU_BIN)" >&2; exit 1; }
done

# part NAME CAP_SECONDS COMMAND...: runs the command with its output in $out/NAME.log, under a time cap.
part() {
  local name=$1 cap=$2
  shift 2
  echo "== $name (cap ${cap}s): $*"
  local t0=$SECONDS status
  timeout --kill-after=10 "$cap" "$@" >"$out/$name.log" 2>&1
  case $? in
    0) status=PASS ;;
    124 | 137) status="FAIL(timeout ${cap}s)" ;;
    *) status=FAIL ;;
  esac
  tail -n 25 "$out/$name.log"
  echo "$name $status $((SECONDS - t0))" | tee -a "$out/parts.txt"
}

# gpu CMD...: the command on the GPU (through pjrt_cuda.sh), or as is on the CPU with --toy. Exported with what it
# needs, so that a part can run it under timeout (bash -c).
gpu() {
  if [ "$toy" = 1 ]; then "$@"; else "$root/experiments/gpu/pjrt_cuda.sh" "$@"; fi
}
export -f gpu
export root toy bindir out

if [ $toy = 1 ]; then
  mnist_set="unet.channels=8;unet.mult=1,2;unet.blocks=1;unet.attn=none;pre.steps=4;pre.batch=8;mid.trajectories=16"
  mnist_set+=";mid.steps=4;mid.batch=8;post.steps=4;post.batch=8;post.inits=cmt,diffusion;eval.every=2;eval.samples=64"
  step_args="-net dit -data mnist -batch 2 -steps 1"
  torch_args="--batch 1 --steps 1 --device cpu --channels 16"
  spmd_args="-steps 2 -per_device 8"
  caps=(300 300 120 120)
else
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  mnist_set=""
  spmd_args=""
  caps=(420 150 60 60)
fi

part mnist "${caps[0]}" bash -c 'gpu "$@"' gpu "$bindir/cmt" -preset mnist-gpu -seed 1 -set "$mnist_set" -out "$out/mnist-gpu" -figures "$out"

if [ $toy = 1 ]; then
  # cifar10_step.sh's two sides at toy sizes on the CPU: the GoMLX step, then PyTorch's when it is installed.
  step() {
    echo "# GoMLX: EDM step, $step_args"
    "$bindir/stepbench" $step_args || return 1
    local py=${PYTHON:-python3}
    if ! "$py" -c 'import torch' 2>/dev/null; then
      echo "# PyTorch not found: no side-by-side step"
      return 0
    fi
    "$py" "$root/experiments/gpu/torch_unet_step.py" $torch_args
  }
  export -f step
  export step_args torch_args
  part step "${caps[1]}" bash -c step
else
  part step "${caps[1]}" env STEPBENCH_BIN="$bindir/stepbench" "$root/experiments/gpu/cifar10_step.sh" 128 20
fi

if [ $toy = 1 ]; then
  # The pure-Go backend has no distributed execution: the toy run checks that the program runs and reports.
  part spmd "${caps[2]}" bash -c "'$bindir/spmdcheck' $spmd_args | tee /dev/stderr | grep -q 'not implemented'"
else
  part spmd "${caps[2]}" env SPMDCHECK_BIN="$bindir/spmdcheck" "$root/experiments/gpu/spmd_check.sh" $spmd_args
fi

missing=()
for t in go gonb jupyter; do command -v $t >/dev/null || missing+=("$t"); done
if [ -n "${CMT_GPU_SKIP_NOTEBOOK:-}" ]; then
  echo "notebook SKIP(CMT_GPU_SKIP_NOTEBOOK set) 0" | tee -a "$out/parts.txt"
elif [ ${#missing[@]} -eq 0 ]; then
  part notebook "${caps[3]}" bash -c 'gpu "$@"' gpu jupyter nbconvert --to notebook --execute --output-dir "$out" notebooks/00_quickstart.ipynb
else
  echo "notebook SKIP(no ${missing[*]} on this machine: GoNB compiles every cell with Go) 0" | tee -a "$out/parts.txt"
fi

echo "== parts (name status seconds)"
cat "$out/parts.txt"
! grep -q FAIL "$out/parts.txt"
