#!/usr/bin/env bash
# make bench: the project's workloads interleaved with the PyTorch CPU peer (A B A B …, ROUNDS rounds), then one
# line per workload: "W1 go=<median> torch=<median> ratio=<go/torch> <unit>" (medians over all windows of all
# rounds; for W3 also images/s), and the machine's load average before and after. WORKLOADS="W3" (default
# "W1 W2 W3 W4") runs a subset. The peer lives in ../shared/peer/torch (PEER=... to override) and is installed with
# its setup.sh (Debian's python3-torch and OpenBLAS; needs root) when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4}
PEER=${PEER:-$(cd .. && pwd)/shared/peer/torch}
OUT=${OUT:-runs/bench/$(date +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$OUT")"
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  [ -x "$PEER/setup.sh" ] || { echo "bench: no PyTorch peer at $PEER (set PEER=...)" >&2; exit 1; }
  echo "bench: installing the PyTorch peer ($PEER/setup.sh)" >&2
  if [ "$(id -u)" = 0 ]; then "$PEER/setup.sh"; else sudo "$PEER/setup.sh"; fi
fi
go build -o bin/bench ./experiments/bench
go test -c -o bin/flowmap.test ./lib/flowmap
declare -A PEERCMD=(
  [W1]="w1_fm_mlp.py --batch 1024 --data 8gaussians"
  [W2]="w2_meanflow_mlp.py --batch 1024 --jvp forward_ad"
  [W3]="w3_fm_unet.py --batch 64"
  [W4]="w4_euler_sampler.py --batch 10000 --nfe 50"
)
go_side() { # one JSON line for workload $1
  case "$1" in
    W2) bin/flowmap.test -test.run '^$' -test.bench 'BenchmarkMeanFlowStepPeerMLP$' -test.benchtime 10s \
          | awk '/^BenchmarkMeanFlowStep/ {printf "{\"workload\":\"W2\",\"unit\":\"steps/s\",\"median\":%f}\n", 1e9/$3}' ;;
    *)  bin/bench -workload "$1" -json 2>/dev/null ;;
  esac
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$ROUNDS"); do
  for w in $WORKLOADS; do
    echo "# round $r: $w go, then torch" >&2
    go_side "$w" | sed "s/^{/{\"side\":\"go\",\"round\":$r,/" >> "$OUT"
    (cd "$PEER" && /usr/bin/python3 ${PEERCMD[$w]} --json) | sed "s/^{/{\"side\":\"torch\",\"round\":$r,\"workload_id\":\"$w\",/" >> "$OUT"
  done
done
/usr/bin/python3 - "$OUT" $WORKLOADS <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for w in sys.argv[2:]:
    g = [r for r in rows if r["side"] == "go" and r["workload"].startswith(w)]
    t = [r for r in rows if r["side"] == "torch" and r.get("workload_id") == w]
    if not g or not t:
        continue
    gm = statistics.median(x for r in g for x in (r.get("windows") or [r["median"]]))
    tm = statistics.median(x for r in t for x in r["windows"])
    print(f"{w} go={gm:.4g} torch={tm:.4g} ratio={gm/tm:.2f} {t[0]['unit']}")
    if w == "W3":  # both sides train at batch 64: images/s = steps/s × batch
        gb, tb = g[0]["batch"], t[0]["batch"]
        print(f"W3 go={gm*gb:.4g} torch={tm*tb:.4g} ratio={gm*gb/(tm*tb):.2f} images/s"
              f" (go: DiT {g[0]['params']:,} params, {g[0]['flops_per_step_est']/1e9:.1f} GFLOP/step;"
              f" torch: U-Net {t[0]['params']:,} params, {t[0]['flops_per_step_est']/1e9:.1f} GFLOP/step)")
print(f"(raw results: {sys.argv[1]})")
PY
echo "load average (1, 5, 15 min): before $LOAD0, after $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
