#!/usr/bin/env bash
# bench/dataplane/profile.sh - where Trellis's data plane spends its CPU under load.
#
# Starts the two nginx backends of ../shared/bench, Trellis (bench/dataplane/server.ts, one
# process, pinned to CPU 0) under `node --cpu-prof`, drives it with wrk -c50 for $SECONDS_LOAD s
# (pinned to CPU 1), stops it and prints the hot spots (self time per function, and per area).
#   bench/dataplane/profile.sh            # ~15 s
#   PROFILE=0 bench/dataplane/profile.sh  # no profiler: req/s and CPU us per request only (A/B checks)
# Writes the profile under $RUN_DIR (default /tmp/trellis-dp-profile); stops only what it started.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$(cd "$REPO/../shared/bench" && pwd)}"
RUN_DIR="${RUN_DIR:-/tmp/trellis-dp-profile}"
SECONDS_LOAD="${SECONDS_LOAD:-8}"
PORT=18300
rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR/backend" "$RUN_DIR/prof"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
taskset -c 1 nginx -p "$RUN_DIR/backend/" -c "$SHARED/conf/backend-nginx.conf" -e error.log -g 'daemon off;' &
pids+=($!)
prof=(--cpu-prof --cpu-prof-dir="$RUN_DIR/prof"); [[ "${PROFILE:-1}" == 1 ]] || prof=()
PORT=$PORT API_PORT=18301 taskset -c 0 node "${prof[@]}" \
  --import "file://$REPO/node_modules/tsx/dist/esm/index.mjs" "$REPO/bench/dataplane/server.ts" > "$RUN_DIR/server.log" 2>&1 &
srv=$!; pids+=($srv)
for _ in $(seq 1 300); do ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.1; done
taskset -c 1 wrk -t1 -c50 -d2s -H 'Host: bench.local' "http://127.0.0.1:$PORT/api/items" > /dev/null
ticks() { local a; read -r -a a <<<"$(cut -d')' -f2- "/proc/$srv/stat")"; echo $((a[11] + a[12])); }
t0=$(ticks)
out=$(taskset -c 1 wrk -t1 -c50 -d"${SECONDS_LOAD}s" --latency -H 'Host: bench.local' "http://127.0.0.1:$PORT/api/items")
t1=$(ticks)
echo "$out" | grep -E 'Requests/sec|50%|99%'
n=$(echo "$out" | awk '/requests in/{print $1}')
awk -v t=$((t1 - t0)) -v n="$n" -v h="$(getconf CLK_TCK)" 'BEGIN{printf "CPU per request: %.1f us (%d requests)\n", t / h / n * 1e6, n}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "$srv"; wait "$srv" 2>/dev/null
[[ "${PROFILE:-1}" == 1 ]] || exit 0
cd "$REPO" && node --import tsx -e "
import { hotSpots } from './bench/api/profile.ts';
import { readdirSync } from 'node:fs';
const dir = '$RUN_DIR/prof';
const f = dir + '/' + readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
const h = hotSpots(f, process.cwd(), 30);
console.log('profile: ' + f + ', ' + h.totalMs.toFixed(0) + ' ms, idle ' + (h.idleShare * 100).toFixed(1) + '%');
const areas = new Map();
for (const s of hotSpots(f, process.cwd(), 100000).spots) {
  const a = s.where.startsWith('src/') ? s.where.split(':')[0] : s.where.startsWith('undici') ? 'undici' : s.where.startsWith('node:') ? s.where.split(':').slice(0, 2).join(':') : s.fn.startsWith('(') ? s.fn : (s.where || '(native)');
  areas.set(a, (areas.get(a) ?? 0) + s.share);
}
console.log('\nby area (share of busy samples):');
for (const [a, v] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 20)) console.log('  ' + (v * 100).toFixed(1).padStart(5) + '%  ' + a);
console.log('\ntop functions (self):');
for (const s of h.spots) console.log('  ' + (s.share * 100).toFixed(1).padStart(5) + '%  ' + s.fn + '  ' + s.where);
"
