#!/usr/bin/env bash
# bench/dataplane/ab.sh - CPU per request of this tree's Trellis against another tree's, in
# interleaved pairs: the way to tell whether a change to the request path pays, on a machine
# whose speed drifts ±15% within minutes (only runs made in the same minute compare).
#
#   git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/node_modules
#   BEFORE=/tmp/before bench/dataplane/ab.sh            # 6 rounds of wrk -c50 -d5s, after then before
#   BEFORE=/tmp/before ROUNDS=4 SECS=3 ORDER=ba bench/dataplane/ab.sh
#
# Starts the two nginx backends of ../shared/bench (CPU 1), Trellis from this tree ("after",
# bench/dataplane/server.ts on port 18330) and from $BEFORE ("before", port 18340), each pinned to
# CPU 0 and configured the same way (setup.ts: rules, Lattice headers, access log, metrics,
# health checks); then per round wrk -t1 -c50 against each in turn (ORDER=ab: after first) and
# prints req/s and user / system / total CPU µs per request of each process (all threads).
# Processes are started and stopped with bench/lib/proxy-bench.sh, as run.sh does.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$(cd "$REPO/../shared/bench" && pwd)}"
BEFORE="${BEFORE:?BEFORE=<path of the other tree (a git worktree with node_modules)>}"
ROUNDS="${ROUNDS:-6}"; SECS="${SECS:-5}"; ORDER="${ORDER:-ab}"
RUN_DIR="${RUN_DIR:-/tmp/trellis-dp-ab}"; T0=$SECONDS
mkdir -p "$RUN_DIR"
# shellcheck source=../lib/proxy-bench.sh
source "$REPO/bench/lib/proxy-bench.sh"
kill_recorded   # leftovers of an earlier run that was killed hard
trap cleanup EXIT INT TERM

start backends 1 -- nginx -p "$RUN_DIR/backends/" -c "$SHARED/conf/backend-nginx.conf" -e error.log -g 'daemon off;'
declare -A PORT=([after]=18330 [before]=18340)
declare -A TREE=([after]=$REPO [before]=$BEFORE)
for name in after before; do
  tree=${TREE[$name]}
  start "$name" 0 PORT="${PORT[$name]}" API_PORT=$((PORT[$name] + 1)) -- \
    node --import "file://$tree/node_modules/tsx/dist/esm/index.mjs" "$tree/bench/dataplane/server.ts"
done
for name in after before; do
  wait_for 60 port_busy "${PORT[$name]}" || die "$name did not open port ${PORT[$name]} (see $RUN_DIR/$name/out.log)"
  taskset -c 1 wrk -t1 -c50 -d2s -H 'Host: bench.local' "http://127.0.0.1:${PORT[$name]}/api/items" > /dev/null
done

order=(after before); [[ "$ORDER" == ba ]] && order=(before after)
for r in $(seq 1 "$ROUNDS"); do
  for name in "${order[@]}"; do
    read -r u0 k0 <<<"$(cpu_split "$name")"
    out=$(taskset -c 1 wrk -t1 -c50 -d"${SECS}s" -H 'Host: bench.local' "http://127.0.0.1:${PORT[$name]}/api/items")
    read -r u1 k1 <<<"$(cpu_split "$name")"
    n=$(echo "$out" | awk '/requests in/{print $1}')
    printf 'round %d  %-6s  %6.0f req/s  user %5s  sys %5s  total %5s us/request\n' "$r" "$name" "$(awk -v n="$n" -v s="$SECS" 'BEGIN{print n / s}')" \
      "$(cpu_us_per_req $((u1 - u0)) "$n")" "$(cpu_us_per_req $((k1 - k0)) "$n")" "$(cpu_us_per_req $((u1 - u0 + k1 - k0)) "$n")"
  done
done
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
