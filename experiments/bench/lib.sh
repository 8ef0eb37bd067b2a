# Shared by run.sh and options.sh (sourced): the quiet-machine check, per-side CPU accounting and the Go side of
# each workload. Needs QUIET_IDLE, QUIET_WAIT set and bin/bench, bin/flowmap.test built.
# cpu_jiffies prints "busy total" jiffies summed over all CPUs.
cpu_jiffies() { awk '/^cpu / {idle=$5+$6; t=0; for (i=2; i<=NF; i++) t+=$i; print t-idle, t}' /proc/stat; }
# idle_percent: the CPUs' idle share over the next second.
idle_percent() {
  local a b
  a=($(cpu_jiffies)); sleep 1; b=($(cpu_jiffies))
  awk -v b0="${a[0]}" -v t0="${a[1]}" -v b1="${b[0]}" -v t1="${b[1]}" 'BEGIN {printf "%d", 100 - 100*(b1-b0)/(t1-t0)}'
}
BUSY=0
# wait_quiet: wait until the machine is idle (see above); sets BUSY=1 if it never is.
wait_quiet() {
  local waited=0 idle
  while idle=$(idle_percent); [ "$idle" -lt "$QUIET_IDLE" ]; do
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      echo "bench: machine busy: only $idle % idle before $1 (want $QUIET_IDLE %); results will not be reported as ratios" >&2
      BUSY=1; return
    fi
    sleep 4; waited=$((waited + 5))
  done
}
# timed SIDE ROUND WORKLOAD CMD...: runs CMD, adds side, round, workload id and the cores busy while it ran to
# each JSON line it prints.
timed() {
  local side=$1 round=$2 w=$3; shift 3
  wait_quiet "$side $w (round $round)"
  local a b t0 t1 lines cores
  a=($(cpu_jiffies)); t0=$(date +%s.%N)
  lines=$("$@")
  b=($(cpu_jiffies)); t1=$(date +%s.%N)
  cores=$(awk -v b0="${a[0]}" -v b1="${b[0]}" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.2f", (b1-b0)/hz/(t1-t0)}')
  echo "$lines" | grep '^{' | sed "s/^{/{\"side\":\"$side\",\"round\":$round,\"workload_id\":\"$w\",\"cores\":$cores,\"busy\":$BUSY,/"
}
go_side() { # one JSON line for workload $1
  case "$1" in
    W2) bin/flowmap.test -test.run '^$' -test.bench 'BenchmarkMeanFlowStepPeerMLP$' -test.benchtime 2s -test.count 5 \
          | awk '/^BenchmarkMeanFlowStep/ {w = w (w ? "," : "") 1e9/$3} END {printf "{\"workload\":\"W2\",\"unit\":\"steps/s\",\"windows\":[%s]}\n", w}' ;;
    *)  bin/bench -workload "$1" -json 2>/dev/null ;;
  esac
}
