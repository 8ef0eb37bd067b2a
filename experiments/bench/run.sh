#!/usr/bin/env bash
# make bench: the project's workloads interleaved with the PyTorch CPU peer (go, torch, go, torch …, ROUNDS rounds),
# then one line per workload: "W1 go=<median> torch=<median> ratio=<go/torch> <unit>" (medians over all windows of
# all rounds), each side's CPU use (cores busy while it ran) and, where the windows of a side spread by more than
# 10 % of their median, a "noisy" flag. W3 is the same network on both sides (nets.DiT and its PyTorch port,
# experiments/bench/torch_dit.py, parameter count checked); W3unet compares our DiT with the peer's conv U-Net by
# GFLOP/s only (different networks).
#
# Quiet machine: a ratio measured while other work runs is wrong (PyTorch's OpenMP threads lose far more than Go's
# scheduler under contention). Before the first round and before each side of every round the script measures the
# CPUs' idle share over one second (/proc/stat) and waits up to QUIET_WAIT seconds (60) for it to reach QUIET_IDLE
# percent (90); if it never does, the results are printed with "ratio=n/a (machine busy)" and the script exits 2.
#
# WORKLOADS="W3" (default "W1 W2 W3 W4") runs a subset. The peer lives in ../shared/peer/torch (PEER=... to
# override) and is installed with its setup.sh (Debian's python3-torch and OpenBLAS; needs root) when missing.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd GOMLX_NO_AUTO_INSTALL=1
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4}
PEER=${PEER:-$(cd .. && pwd)/shared/peer/torch}
QUIET_IDLE=${QUIET_IDLE:-90}
QUIET_WAIT=${QUIET_WAIT:-60}
OUT=${OUT:-runs/bench/$(date +%Y%m%d-%H%M%S).jsonl}
export PEER
mkdir -p "$(dirname "$OUT")"
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  [ -x "$PEER/setup.sh" ] || { echo "bench: no PyTorch peer at $PEER (set PEER=...)" >&2; exit 1; }
  echo "bench: installing the PyTorch peer ($PEER/setup.sh)" >&2
  if [ "$(id -u)" = 0 ]; then "$PEER/setup.sh"; else sudo "$PEER/setup.sh"; fi
fi
go build -o bin/bench ./experiments/bench
go test -c -o bin/flowmap.test ./lib/flowmap
DIT_PARAMS=$(bin/bench -workload W3 -params-only)
declare -A PEERCMD=(
  [W1]="$PEER/w1_fm_mlp.py --batch 1024 --data 8gaussians"
  [W2]="$PEER/w2_meanflow_mlp.py --batch 1024 --jvp forward_ad"
  [W3]="experiments/bench/torch_dit.py --batch 64 --expect-params $DIT_PARAMS"
  [W3unet]="$PEER/w3_fm_unet.py --batch 64"
  [W4]="$PEER/w4_euler_sampler.py --batch 10000 --nfe 50"
)

. experiments/bench/lib.sh
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
wait_quiet "the first round"
for r in $(seq "$ROUNDS"); do
  for w in $WORKLOADS; do
    echo "# round $r: $w go, then torch" >&2
    timed go "$r" "$w" go_side "$w" >> "$OUT"
    timed torch "$r" "$w" /usr/bin/python3 ${PEERCMD[$w]} --json >> "$OUT"
    if [ "$w" = W3 ]; then
      timed torch "$r" W3unet /usr/bin/python3 ${PEERCMD[W3unet]} --json >> "$OUT"
    fi
  done
done
/usr/bin/python3 - "$OUT" $WORKLOADS <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
busy = any(r.get("busy") for r in rows)
def side(s, w):
    rs = [r for r in rows if r["side"] == s and r["workload_id"] == w]
    if not rs:
        return None
    ws = [x for r in rs for x in (r.get("windows") or [r["median"]])]
    med = statistics.median(ws)
    spread = (max(ws) - min(ws)) / med
    return {"median": med, "spread": spread, "cores": statistics.median(r["cores"] for r in rs), "first": rs[0],
            "unit": rs[0].get("unit", "steps/s")}
def notes(g, t):
    out = [f"cores go {g['cores']:.2f} torch {t['cores']:.2f}"]
    for name, s in (("go", g), ("torch", t)):
        if s["spread"] > 0.10:
            out.append(f"noisy: {name} windows spread {100*s['spread']:.0f} %")
    return "; ".join(out)
def line(w, g, t, gv, tv, unit):
    ratio = "n/a (machine busy)" if busy else f"{gv/tv:.2f}"
    print(f"{w} go={gv:.4g} torch={tv:.4g} ratio={ratio} {unit}  ({notes(g, t)})")
for w in sys.argv[2:]:
    g, t = side("go", w), side("torch", w)
    if not g or not t:
        continue
    if w != "W3":
        line(w, g, t, g["median"], t["median"], t["unit"])
        continue
    b = g["first"]["batch"]
    gf, tf = g["first"]["flops_per_step_est"], t["first"]["flops_per_step_est"]
    line("W3", g, t, g["median"] * b, t["median"] * b, "images/s (same DiT, %d params, %.1f GFLOP/step; GFLOP/s go %.1f torch %.1f)"
         % (g["first"]["params"], gf / 1e9, g["median"] * gf / 1e9, t["median"] * tf / 1e9))
    u = side("torch", "W3unet")
    if u:
        uf = u["first"]["flops_per_step_est"]
        line("W3unet", g, u, g["median"] * gf / 1e9, u["median"] * uf / 1e9,
             "GFLOP/s (our DiT vs the peer's conv U-Net, %d params, %.1f GFLOP/step: different networks)"
             % (u["first"]["params"], uf / 1e9))
print(f"(raw results: {sys.argv[1]})")
if busy:
    print("machine busy during the run (see above): no ratio is reported; rerun on a quiet machine")
PY
echo "load average (1, 5, 15 min): before $LOAD0, after $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
if grep -q '"busy":1' "$OUT"; then exit 2; fi
