#!/usr/bin/env bash
# make bench-options: the Go side of the workloads under several configurations, interleaved (for each round, each
# workload, each configuration in turn), then per workload the median of each configuration and its ratio to the
# first: "W1 GOMLX_BACKEND=go=48.7 GOMLX_BACKEND=go:ops_sequential=60.6 (1.24×)". CONFIGS (default
# "GOMLX_BACKEND=go GOMLX_BACKEND=go:ops_sequential GOMLX_BACKEND=go:parallelism=1") are environment assignments,
# one per configuration (PEER_FM=1: the peer MLP's dense layers feature-major, nets.ConcatMLP.FeatureMajor);
# WORKLOADS (default "W1 W2 W3 W4") and ROUNDS (3) as in run.sh. The quiet-machine check of run.sh applies: on a busy
# machine no ratio is printed and the script exits 2.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd GOMLX_NO_AUTO_INSTALL=1
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4}
CONFIGS=${CONFIGS:-GOMLX_BACKEND=go GOMLX_BACKEND=go:ops_sequential GOMLX_BACKEND=go:parallelism=1}
QUIET_IDLE=${QUIET_IDLE:-90}
QUIET_WAIT=${QUIET_WAIT:-60}
OUT=${OUT:-runs/bench/options-$(date +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$OUT")"
go build -o bin/bench ./experiments/bench
go test -c -o bin/flowmap.test ./lib/flowmap
. experiments/bench/lib.sh
wait_quiet "the first round"
for r in $(seq "$ROUNDS"); do
  for w in $WORKLOADS; do
    for c in $CONFIGS; do
      echo "# round $r: $w on $c" >&2
      export "${c?}"
      timed "$c" "$r" "$w" go_side "$w" >> "$OUT"
      unset "${c%%=*}"
    done
  done
done
/usr/bin/python3 - "$OUT" "$CONFIGS" $WORKLOADS <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
configs, busy = sys.argv[2].split(), any(r.get("busy") for r in rows)
for w in sys.argv[3:]:
    meds, cores = {}, {}
    for c in configs:
        rs = [r for r in rows if r["side"] == c and r["workload_id"] == w]
        ws = [x for r in rs for x in (r.get("windows") or [r["median"]])]
        if ws:
            meds[c], cores[c] = statistics.median(ws), statistics.median(r["cores"] for r in rs)
    if not meds:
        continue
    first = meds[configs[0]]
    parts = [f"{c}={m:.4g}" + ("" if c == configs[0] or busy else f" ({m/first:.2f}×)") + f" [{cores[c]:.2f} cores]"
             for c, m in meds.items()]
    print(w, " ".join(parts))
print(f"(raw results: {sys.argv[1]})")
if busy:
    print("machine busy during the run: no ratio is reported; rerun on a quiet machine")
PY
if grep -q '"busy":1' "$OUT"; then exit 2; fi
