#!/usr/bin/env bash
# Run a command on an NVIDIA GPU through GoMLX's XLA backend and the PJRT CUDA plugin of JAX's CUDA wheel.
#
#   experiments/gpu/pjrt_cuda.sh <command> [args...]      e.g.  experiments/gpu/pjrt_cuda.sh bin/cmt -preset toy2d
#
# Where the plugin comes from: `pip install jax-cuda13-pjrt` (or jax[cuda13]) installs
#   site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so   (the PJRT C-API plugin)
#   site-packages/nvidia/...                                   (cuBLAS, cuDNN, NVCC's ptxas/libdevice, ...)
# The plugin finds the NVIDIA libraries through its RPATH ($ORIGIN/../../nvidia), so it is used in place, by absolute
# path: GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so. (go-xla's own layout, <dir>/pjrt_c_api_cuda_plugin.so with
# PJRT_PLUGIN_LIBRARY_PATH=<dir> and GOMLX_BACKEND=xla:cuda, works too when the nvidia/ tree sits beside it.)
# The binary must be built with cgo (the default `go build`, not -tags noxla).
set -euo pipefail
PY=${PYTHON:-python3}
if [ -z "${CMT_CUDA_PLUGIN:-}" ]; then
  CMT_CUDA_PLUGIN=$("$PY" - <<'PYEOF'
import glob, os, sys
try:
    import jax_plugins
    roots = list(jax_plugins.__path__)
except Exception:
    roots = []
import site
roots += [os.path.join(p, "jax_plugins") for p in site.getsitepackages() + [site.getusersitepackages()]]
for r in roots:
    for f in sorted(glob.glob(os.path.join(r, "xla_cuda*", "xla_cuda_plugin.so"))):
        print(os.path.abspath(f)); sys.exit(0)
sys.exit(1)
PYEOF
) || { echo "no JAX CUDA PJRT plugin found: pip install jax-cuda13-pjrt (or set CMT_CUDA_PLUGIN=/abs/path/xla_cuda_plugin.so)" >&2; exit 1; }
fi
nvidia=$(cd "$(dirname "$CMT_CUDA_PLUGIN")/../../nvidia" 2>/dev/null && pwd || true)
export GOMLX_BACKEND="xla:$CMT_CUDA_PLUGIN" GOMLX_NO_AUTO_INSTALL=1
# go-xla looks for nvidia/ one level higher than JAX puts it and warns; the plugin's RPATH finds JAX's layout.
[ -n "$nvidia" ] && export GOPJRT_CUDA_CHECKS=${GOPJRT_CUDA_CHECKS:-0}
if [ -n "$nvidia" ]; then
  for d in "$nvidia"/cu13 "$nvidia"/cuda_nvcc "$nvidia"; do
    if [ -d "$d/bin" ] || [ -d "$d/nvvm" ]; then export XLA_FLAGS="${XLA_FLAGS:-} --xla_gpu_cuda_data_dir=$d"; break; fi
  done
fi
echo "pjrt_cuda.sh: GOMLX_BACKEND=$GOMLX_BACKEND XLA_FLAGS=${XLA_FLAGS:-}" >&2
exec "$@"
