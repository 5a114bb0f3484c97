#!/usr/bin/env bash
# bench/dataplane/ab.sh - CPU per request of this tree's Trellis against another tree's, in
# interleaved pairs: the way to tell whether a change to the request path pays, on a machine
# whose speed drifts ±15% within minutes (only runs made in the same minute compare).
#
#   git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/node_modules
#   BEFORE=/tmp/before bench/dataplane/ab.sh            # 6 rounds of wrk -c50 -d5s, A then B
#   BEFORE=/tmp/before ROUNDS=4 SECS=3 ORDER=ba bench/dataplane/ab.sh
#
# Starts the two nginx backends of ../shared/bench (CPU 1), Trellis from this tree ("after",
# bench/dataplane/server.ts on port 18330) and from $BEFORE ("before", port 18340), each pinned to
# CPU 0 and configured the same way (setup.ts: rules, Lattice headers, access log, metrics,
# health checks); then per round wrk -t1 -c50 against each in turn (ORDER=ab: after first) and
# prints req/s and user / system / total CPU µs per request from /proc/<pid>/stat (all
# threads). Stops only what it started.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$(cd "$REPO/../shared/bench" && pwd)}"
BEFORE="${BEFORE:?BEFORE=<path of the other tree (a git worktree with node_modules)>}"
ROUNDS="${ROUNDS:-6}"; SECS="${SECS:-5}"; ORDER="${ORDER:-ab}"
RUN_DIR="${RUN_DIR:-/tmp/trellis-dp-ab}"
rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR/backend"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
taskset -c 1 nginx -p "$RUN_DIR/backend/" -c "$SHARED/conf/backend-nginx.conf" -e error.log -g 'daemon off;' &
pids+=($!)

declare -A PID PORT
start() { # name tree port
  local name=$1 tree=$2 port=$3
  PORT=$port API_PORT=$((port + 1)) taskset -c 0 node --import "file://$tree/node_modules/tsx/dist/esm/index.mjs" \
    "$tree/bench/dataplane/server.ts" > "$RUN_DIR/$name.log" 2>&1 &
  PID[$name]=$!; PORT[$name]=$port; pids+=($!)
}
start after "$REPO" 18330
start before "$BEFORE" 18340
for name in after before; do
  for _ in $(seq 1 300); do ss -Hltn "sport = :${PORT[$name]}" | grep -q . && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c50 -d2s -H 'Host: bench.local' "http://127.0.0.1:${PORT[$name]}/api/items" > /dev/null
done

# utime and stime ticks of a process, all its threads.
ticks() { local a; read -r -a a <<<"$(cut -d')' -f2- "/proc/$1/stat")"; echo "${a[11]} ${a[12]}"; }
order=(after before); [[ "$ORDER" == ba ]] && order=(before after)
hz=$(getconf CLK_TCK)
for r in $(seq 1 "$ROUNDS"); do
  for name in "${order[@]}"; do
    read -r u0 s0 <<<"$(ticks "${PID[$name]}")"
    out=$(taskset -c 1 wrk -t1 -c50 -d"${SECS}s" -H 'Host: bench.local' "http://127.0.0.1:${PORT[$name]}/api/items")
    read -r u1 s1 <<<"$(ticks "${PID[$name]}")"
    n=$(echo "$out" | awk '/requests in/{print $1}')
    awk -v r="$r" -v name="$name" -v n="$n" -v s="$SECS" -v u=$((u1 - u0)) -v k=$((s1 - s0)) -v hz="$hz" 'BEGIN {
      printf "round %d  %-6s  %6.0f req/s  user %5.1f  sys %5.1f  total %5.1f us/request\n", r, name, n / s, u / hz / n * 1e6, k / hz / n * 1e6, (u + k) / hz / n * 1e6 }'
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
