#!/usr/bin/env bash
# Check lib/train's data-parallel training (train.Config.Devices, GoMLX AutoSharding) on the GPUs of this machine:
# builds experiments/gpu/spmdcheck and runs it through the CUDA PJRT plugin set up by pjrt_cuda.sh. It trains a
# small MLP stage from one seed on the same batches with Devices=0 (single device), with the distributed path on a
# mesh of 1 device, and with Devices=N (N = the number of GPUs the backend reports, when N > 1), and prints every
# run's losses, the largest loss and weight differences against the single-device run, and PASS/FAIL.
#
#   experiments/gpu/spmd_check.sh [-steps 5] [-per_device 32] [-loss_tol 1e-4] [-weight_tol 1e-4]
#
# Environment:
#   SPMDCHECK_BIN   a spmdcheck binary built elsewhere (e.g. here, with cgo: `go build -o bin/spmdcheck
#                   ./experiments/gpu/spmdcheck`, then carried to the GPU machine); default: build bin/spmdcheck now.
#   GOMLX_BACKEND   if set, used as is instead of pjrt_cuda.sh's CUDA plugin (e.g. an XLA CPU plugin; lead, not
#                   verified: XLA's CPU client takes XLA_FLAGS=--xla_force_host_platform_device_count=4 for 4 devices).
#   CMT_CUDA_PLUGIN, PYTHON   passed on to pjrt_cuda.sh (where the plugin is).
# Exit status: spmdcheck's (1 on any FAIL or error).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOEXPERIMENT=${GOEXPERIMENT:-simd} GOMLX_NO_AUTO_INSTALL=1

. "$root/experiments/gpu/gpubin.sh"
gpubin spmdcheck SPMDCHECK_BIN

command -v nvidia-smi >/dev/null && nvidia-smi -L || true
if [ -n "${GOMLX_BACKEND:-}" ]; then
  echo "spmd_check.sh: GOMLX_BACKEND=$GOMLX_BACKEND (set by the caller)" >&2
  exec "$bin" "$@"
fi
# pjrt_cuda.sh finds JAX's CUDA PJRT plugin, sets GOMLX_BACKEND/XLA_FLAGS and execs the command.
exec "$root/experiments/gpu/pjrt_cuda.sh" "$bin" "$@"
