# Sourced by the GPU scripts: gpubin NAME VAR sets $bin to an absolute path of the Go program
# experiments/gpu/NAME: the binary named by the environment variable VAR if set, else one built now with cgo
# (the XLA backend dlopens the PJRT plugin; not -tags noxla), else an existing bin/NAME. Needs $root.
gpubin() {
  local name=$1 var=$2
  bin=${!var:-}
  if [ -z "$bin" ]; then
    if command -v go >/dev/null; then
      mkdir -p "$root/bin"
      (cd "$root" && CGO_ENABLED=1 go build -o "bin/$name" "./experiments/gpu/$name")
      bin=bin/$name
    elif [ -x "$root/bin/$name" ]; then
      bin=bin/$name
    else
      echo "no Go toolchain and no bin/$name: build it elsewhere with cgo (go build -o bin/$name ./experiments/gpu/$name) and set $var" >&2
      exit 1
    fi
  fi
  case $bin in /*) ;; *) bin="$root/$bin" ;; esac
}
