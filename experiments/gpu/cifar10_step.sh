#!/usr/bin/env bash
# Time the paper's CIFAR-10 network (EDM DDPM++ U-Net, 55.7M parameters) training step on an NVIDIA GPU: the
# project's step (experiments/gpu/stepbench: EDM loss, gradients, Adam, EMA through lib/train) on GoMLX's XLA
# backend with the CUDA PJRT plugin (set up by pjrt_cuda.sh), then the same step in PyTorch
# (experiments/gpu/torch_unet_step.py, same architecture and parameter count) when PyTorch with CUDA is present,
# in FP32 and with TF32 allowed. One JSON line per run.
#
#   experiments/gpu/cifar10_step.sh [batch=128] [steps=20]
#
# Environment: STEPBENCH_BIN (a stepbench binary built elsewhere with cgo: `go build -o bin/stepbench
# ./experiments/gpu/stepbench`; default: build it now), CMT_CUDA_PLUGIN and PYTHON (passed on to pjrt_cuda.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOEXPERIMENT=${GOEXPERIMENT:-simd} GOMLX_NO_AUTO_INSTALL=1
batch=${1:-128}
steps=${2:-20}
. "$root/experiments/gpu/gpubin.sh"
gpubin stepbench STEPBENCH_BIN
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
echo "# GoMLX (XLA, CUDA PJRT): EDM step of the CIFAR-10 U-Net, batch $batch" >&2
"$root/experiments/gpu/pjrt_cuda.sh" "$bin" -net unet -data cifar10 -batch "$batch" -steps "$steps"
PY=${PYTHON:-python3}
if "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  for tf32 in "" --tf32; do
    echo "# PyTorch: the same step ${tf32:-(FP32)}" >&2
    "$PY" "$root/experiments/gpu/torch_unet_step.py" --batch "$batch" --steps "$steps" --device cuda $tf32
  done
else
  echo "# PyTorch with CUDA not found: skipping the side-by-side step" >&2
fi
