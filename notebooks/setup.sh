#!/usr/bin/env bash
# Installs what the GoNB notebooks need, then (unless --headless) starts Jupyter on notebooks/.
#
#   notebooks/setup.sh              install what is missing, then start Jupyter (the interactive workbench)
#   notebooks/setup.sh --headless   install what make test needs (the notebook and browser tests, CI); start nothing
#
# What it installs, each only when missing or at another version:
#   - Jupyter: Debian packages through apt-get (jupyter-nbconvert python3-nbclient jupyter-client
#     jupyter-notebook), and with --headless Chromium for the browser test (notebooks/browser_test.go). Without
#     apt-get it stops and says what to install.
#   - GoNB v0.11.5, goimports (golang.org/x/tools v0.52.0) and gopls v0.24.0 into $(go env GOPATH)/bin.
#   - The GoNB kernel, with --raw_error (readable compile errors) and an "env" in its kernel.json carrying
#     GOTOOLCHAIN, GOEXPERIMENT=simd, GOMLX_NO_AUTO_INSTALL=1 and a PATH holding go, gonb, goimports and gopls,
#     so cells build right whatever environment Jupyter itself was started from.
# It then warms Go's build cache for the notebooks' build flags (-tags=noxla), so the first cell is fast.
set -euo pipefail

GONB_VERSION=v0.11.5
TOOLS_VERSION=v0.52.0 # golang.org/x/tools, for goimports
GOPLS_VERSION=v0.24.0

headless=false
for a in "$@"; do
  case "$a" in
  --headless) headless=true ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup.sh: unknown argument $a (use --headless or nothing)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
if [ "$GOTOOLCHAIN" = local ] || [ "$GOTOOLCHAIN" = auto ]; then GOTOOLCHAIN=go1.27.3; fi
export GOEXPERIMENT=simd GOMLX_NO_AUTO_INSTALL=1

say() { echo "setup: $*"; }
quiet() { # runs a command silently; prints its output only when it fails
  local out
  if ! out="$("$@" 2>&1)"; then
    echo "$out" >&2
    echo "setup: failed: $*" >&2
    return 1
  fi
}
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v go >/dev/null || { echo "setup: Go is not installed (any Go ≥ 1.21; it fetches $GOTOOLCHAIN itself)" >&2; exit 1; }

# --- Jupyter ------------------------------------------------------------------------------------------------
need_jupyter() {
  jupyter nbconvert --version >/dev/null 2>&1 || return 0
  jupyter kernelspec --version >/dev/null 2>&1 || return 0
  python3 -c 'import nbclient' >/dev/null 2>&1 || /usr/bin/python3 -c 'import nbclient' >/dev/null 2>&1 || return 0
  jupyter notebook --version >/dev/null 2>&1 || return 0
  if $headless && ! command -v chromium >/dev/null; then return 0; fi
  return 1
}
if need_jupyter; then
  pkgs=(jupyter-nbconvert python3-nbclient jupyter-client jupyter-notebook)
  $headless && pkgs+=(chromium)
  if command -v apt-get >/dev/null; then
    say "installing Jupyter (Debian packages: ${pkgs[*]})"
    quiet sudo_ apt-get update -qq
    quiet sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
  else
    cat >&2 <<'EOF'
setup: Jupyter is missing and this system has no apt-get. Install it with your package manager or pip, e.g.
         python3 -m pip install --user notebook nbconvert nbclient jupyter_client
       (make sure `jupyter` is then on your PATH), and run this script again.
EOF
    exit 1
  fi
fi

# --- GoNB, goimports, gopls at exact versions ------------------------------------------------------------------
gobin="$(go env GOBIN)"
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"
modversion() { # the module version a Go binary was built from ("" if absent)
  [ -x "$1" ] && go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}
# The module proxy serves exact versions but refuses gonb's version list, which a plain `go install pkg@v` asks
# for: download the exact version first, then install from the local module cache.
install_exact() { # module version package
  say "installing $3@$2"
  quiet go mod download "$1@$2"
  GOFLAGS= GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" quiet go install "$3@$2"
}
[ "$(modversion "$gobin/gonb")" = "$GONB_VERSION" ] ||
  install_exact github.com/janpfeifer/gonb "$GONB_VERSION" github.com/janpfeifer/gonb
[ "$(modversion "$gobin/goimports")" = "$TOOLS_VERSION" ] ||
  install_exact golang.org/x/tools "$TOOLS_VERSION" golang.org/x/tools/cmd/goimports
[ "$(modversion "$gobin/gopls")" = "$GOPLS_VERSION" ] ||
  install_exact golang.org/x/tools/gopls "$GOPLS_VERSION" golang.org/x/tools/gopls

# --- The kernel -----------------------------------------------------------------------------------------------
quiet gonb --install --raw_error
kdir="$(jupyter kernelspec list 2>/dev/null | awk '$1 == "gonb" { print $2 }')"
[ -f "$kdir/kernel.json" ] || { echo "setup: gonb --install did not register a kernel (jupyter kernelspec list)" >&2; exit 1; }
godir="$(dirname "$(command -v go)")"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" - "$kdir/kernel.json" "$GOTOOLCHAIN" "$gobin:$godir" <<'EOF'
import json, sys
path, toolchain, bindirs = sys.argv[1:]
spec = json.load(open(path))
spec["env"] = {
    "GOTOOLCHAIN": toolchain,
    "GOEXPERIMENT": "simd",
    "GOMLX_NO_AUTO_INSTALL": "1",
    "PATH": bindirs + ":${PATH}",  # Jupyter substitutes ${PATH} from its own environment
}
json.dump(spec, open(path, "w"), indent=1)
EOF
say "GoNB kernel ready ($kdir/kernel.json: GOTOOLCHAIN=$GOTOOLCHAIN GOEXPERIMENT=simd)"

# --- Warm the build cache for the notebooks' flags ---------------------------------------------------------------
say "warming the Go build cache (first time: a few minutes)"
(cd "$root" && quiet go build -tags=noxla ./lib/...) || say "warning: go build ./lib/... failed (above): the notebooks will not build either"

if $headless; then
  say "done (headless)"
  exit 0
fi
say "starting Jupyter on $root/notebooks (Ctrl-C to stop)"
args=(--notebook-dir="$root/notebooks")
[ "$(id -u)" = 0 ] && args+=(--allow-root)
exec jupyter notebook "${args[@]}" ${JUPYTER_ARGS:-}
