#!/usr/bin/env bash
# bench/dataplane/run.sh - Trellis's data plane side by side with nginx and haproxy.
#
# A copy of ../shared/bench/run-baseline.sh (same servers, same pinning, same interleaved
# rounds, same summary) with Trellis and a bare Node proxy added; Trellis is configured through
# its API by bench/dataplane/server.ts + setup.ts (Host bench.local -> two weighted IP groups,
# rules, access log to a file, metrics, health checks):
#   trellis     one process, as `trellis up` runs (pinned to CPU 0 like nginx-1w / haproxy-1t)
#   trellis-2w  `trellis up --workers 2` (floating, like nginx-2w / haproxy-2t; the request path
#               in 2 cluster workers with --max-semi-space-size=32, src/cli/workers/)
#   trellis-semi32  `trellis` with V8's young generation at 32 MB (--max-semi-space-size=32), as
#               the gateway workers run (pinned)
#   node-bare   the README's "bare Node proxy on undici's dispatcher" (bare-proxy.mjs, pinned):
#               what Node + undici cost with no Lattice feature, measured in the same run
# TRELLIS=0 leaves all four out; TRELLIS_2W=0 / SEMI=0 / BARE=0 leave out one.
# Results go to bench/results/dataplane/<stamp>/ (git-ignored). From the repo root:
#   bench/dataplane/run.sh             # ~4.8 min: 10 configs x 3 rounds, wrk -d5s (c=50) / -d3s (c=1)
#   SMOKE=1 bench/dataplane/run.sh     # start everything, check routing, stop
#
# Original header:
# Starts (as plain child processes, never as system services) two nginx
# backends, nginx / haproxy / Node.js proxies in front of them, runs wrk against
# each config interleaved (A B C ... A B C ...), records req/s, latency
# percentiles and CPU time per process, then prints a summary table.
# Writes only under this folder (results/) and $RUN_DIR (default /tmp/trellis-bench).
#
# Usage:  ./run-baseline.sh                 # reference suite (nginx, haproxy, direct), 3 reps
#         FULL=1 ./run-baseline.sh          # wrk -d10s (c=50) / -d5s (c=1): ~8 min
#         FULL=1 REPS=5 ./run-baseline.sh   # wrk -d10s (c=50) / -d5s (c=1), 5 interleaved rounds
#         SMOKE=1 ./run-baseline.sh         # start everything, check routing, stop
#   Compare another proxy (e.g. the project's) side by side, pinned like the others:
#         EXTRA_NAME=trellis EXTRA_PORT=18200 EXTRA_CMD='node path/to/proxy.js' ./run-baseline.sh
#   EXTRA_CMD runs from the caller's directory with PORT=$EXTRA_PORT in its environment;
#   it must route Host bench.local + path /api/ round-robin to 127.0.0.1:18081 and :18082
#   (see conf/routes.json) and answer 404 for other hosts.
#
# Knobs: REPS (3) D50 (5 s) D1 (3 s) WARM (2 s) CONNS (50) TIME_BUDGET (285 s)
#        PIN=1 (default): wrk + backend on CPU 1, single-core proxies alone on CPU 0.
#        C1_LAYOUT=same (default): for c=1 the proxy joins wrk + backend on CPU 1;
#                  split: keep the c=50 layout (adds cross-CPU wake-ups, ~20 us/request here).
#        WAIT_QUIET=N: wait up to N s before measuring while other processes use > 0.15 cores.
#        OTHER_MAX=0.25 (summary): runs where other processes used more are left out of the
#                  medians when a config has >= 2 quieter runs.
# Output: results/<stamp>/{env.txt,runs.tsv,raw/*.txt,summary.md}; results/latest links to it.
set -uo pipefail

CALLER_PWD="$PWD"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="${SHARED_BENCH:-$(cd "$REPO/../shared/bench" && pwd)}"   # conf/ and node/summarize.mjs
CONF="$HERE/conf"
RUN_DIR="${RUN_DIR:-/tmp/trellis-bench}"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$REPO/bench/results/dataplane/$STAMP}"
SUITE="${SUITE:-ref}"
if [[ "${FULL:-0}" == 1 ]]; then D50="${D50:-10}"; D1="${D1:-5}"; TIME_BUDGET="${TIME_BUDGET:-560}"; fi
REPS="${REPS:-3}"; D50="${D50:-5}"; D1="${D1:-3}"; WARM="${WARM:-2}"; CONNS="${CONNS:-50}"
TIME_BUDGET="${TIME_BUDGET:-300}"
PIN="${PIN:-1}"
PROXY_CPU=0; LOAD_CPU=1; ALL_CPUS=0,1
if [[ "$PIN" != 1 ]]; then PROXY_CPU=$ALL_CPUS; LOAD_CPU=$ALL_CPUS; fi
UNDICI_MODE="${UNDICI_MODE:-dispatch}"          # technique used for config "node-undici"
CLUSTER_PROXY="${CLUSTER_PROXY:-proxy-undici.mjs}"  # module run by node-cluster-2w
CLUSTER_MODE="${CLUSTER_MODE:-$UNDICI_MODE}"
HOST_HDR="bench.local"; URL_PATH="/api/items"
T0=$SECONDS
# Processes (pid + start-time bookkeeping, only our own pids are ever signalled), CPU ticks,
# machine load, port checks: the functions every proxy bench shares.
# shellcheck source=../lib/proxy-bench.sh
source "$REPO/bench/lib/proxy-bench.sh"

# ------------------------------------------------------------------- setup --
ensure_tools() {
  local missing=()
  command -v nginx >/dev/null || missing+=(nginx-light)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v taskset >/dev/null || missing+=(util-linux)
  command -v ss >/dev/null || missing+=(iproute2)
  [[ -x /usr/bin/time ]] || missing+=(time)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt-get; services are not started)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install failed"
  fi
}

# Config table: name port scenario proxy-group
#   scenario pinned: wrk + backend on CPU $LOAD_CPU, proxy on CPU $PROXY_CPU
#   scenario float : everything may use both cores (2-worker proxies)
CONFIGS=()
add() { CONFIGS+=("$*"); }
case "$SUITE" in
  main|all)
    add direct-nginx     18081 pinned -
    add direct-node      18083 pinned -
    add nginx-1w         18090 pinned nginx-1w
    add haproxy-1t       18091 pinned haproxy-1t
    add node-http        18092 pinned node-http
    add node-undici      18093 pinned node-undici
    add direct-nginx-2c  18081 float  -
    add nginx-2w         18095 float  nginx-2w
    add haproxy-2t       18096 float  haproxy-2t
    add node-cluster-2w  18094 float  node-cluster-2w
    ;;&
  node|all)
    [[ $SUITE == node ]] && { add direct-nginx 18081 pinned -; add node-http 18092 pinned node-http; }
    add node-http-opt        18097 pinned node-http-opt
    add node-undici-request  18098 pinned node-undici-request
    add node-undici-stream   18099 pinned node-undici-stream
    [[ $SUITE == node ]] && add node-undici 18093 pinned node-undici
    ;;
  ref)
    add direct-nginx     18081 pinned -
    add nginx-1w         18090 pinned nginx-1w
    add haproxy-1t       18091 pinned haproxy-1t
    add direct-nginx-2c  18081 float  -
    add nginx-2w         18095 float  nginx-2w
    add haproxy-2t       18096 float  haproxy-2t
    ;;
  main|node|all) [[ -f "$HERE/node/proxy-undici.mjs" ]] || die "SUITE=$SUITE needs the Node reference proxies, which are not part of this copy: use SUITE=ref" ;;
  *) die "unknown SUITE=$SUITE" ;;
esac
if [[ "${TRELLIS:-1}" == 1 ]]; then
  [[ "${BARE:-1}" == 1 ]] && add node-bare 18220 pinned node-bare
  add trellis 18200 pinned trellis
  [[ "${SEMI:-1}" == 1 ]] && add trellis-semi32 18230 pinned trellis-semi32
  [[ "${TRELLIS_2W:-1}" == 1 ]] && add trellis-2w 18210 float trellis-2w
fi
[[ -n "${EXTRA_CMD:-}" ]] && add "${EXTRA_NAME:-extra}" "${EXTRA_PORT:?EXTRA_PORT}" pinned "${EXTRA_NAME:-extra}"

want() { local c; for c in "${CONFIGS[@]}"; do [[ " $c " == *" $1 "* ]] && return 0; done; return 1; }

start_all() {
  local nginx_args=(-e error.log -g 'daemon off;')
  start backend-nginx "$LOAD_CPU" -- nginx -p "$RUN_DIR/backend-nginx/" -c "$CONF/backend-nginx.conf" "${nginx_args[@]}"
  want direct-node && start node-backend "$LOAD_CPU" PORT_HTML=18083 PORT_JSON=18084 -- node "$HERE/node/backend.mjs"
  want nginx-1w && start nginx-1w "$PROXY_CPU" -- nginx -p "$RUN_DIR/nginx-1w/" -c "$CONF/proxy-nginx-1w.conf" "${nginx_args[@]}"
  want nginx-2w && start nginx-2w "$ALL_CPUS" -- nginx -p "$RUN_DIR/nginx-2w/" -c "$CONF/proxy-nginx-2w.conf" "${nginx_args[@]}"
  want haproxy-1t && start haproxy-1t "$PROXY_CPU" HAPROXY_PORT=18091 HAPROXY_NBTHREAD=1 -- haproxy -f "$CONF/haproxy.cfg"
  want haproxy-2t && start haproxy-2t "$ALL_CPUS" HAPROXY_PORT=18096 HAPROXY_NBTHREAD=2 -- haproxy -f "$CONF/haproxy.cfg"
  want node-http && start node-http "$PROXY_CPU" PORT=18092 MODE=naive -- node "$HERE/node/proxy-http.mjs"
  want node-http-opt && start node-http-opt "$PROXY_CPU" PORT=18097 MODE=opt -- node "$HERE/node/proxy-http.mjs"
  want node-undici && start node-undici "$PROXY_CPU" PORT=18093 MODE="$UNDICI_MODE" -- node "$HERE/node/proxy-undici.mjs"
  want node-undici-request && start node-undici-request "$PROXY_CPU" PORT=18098 MODE=request -- node "$HERE/node/proxy-undici.mjs"
  want node-undici-stream && start node-undici-stream "$PROXY_CPU" PORT=18099 MODE=stream -- node "$HERE/node/proxy-undici.mjs"
  want node-cluster-2w && start node-cluster-2w "$ALL_CPUS" PORT=18094 WORKERS=2 MODE="$CLUSTER_MODE" -- node "$HERE/node/$CLUSTER_PROXY"
  local tsx=(node --import "file://$REPO/node_modules/tsx/dist/esm/index.mjs" "$REPO/bench/dataplane/server.ts")
  want node-bare && start node-bare "$PROXY_CPU" PORT=18220 -- node "$REPO/bench/dataplane/bare-proxy.mjs"
  want trellis && start trellis "$PROXY_CPU" PORT=18200 -- "${tsx[@]}"
  want trellis-semi32 && start trellis-semi32 "$PROXY_CPU" PORT=18230 -- node --max-semi-space-size=32 "${tsx[@]:1}"
  want trellis-2w && start trellis-2w "$ALL_CPUS" PORT=18210 -- "${tsx[@]}" --workers 2
  if [[ -n "${EXTRA_CMD:-}" ]]; then
    # shellcheck disable=SC2086
    start "${EXTRA_NAME:-extra}" "$PROXY_CPU" PORT="$EXTRA_PORT" -- bash -c "cd \"\$1\" && exec $EXTRA_CMD" extra "$CALLER_PWD"
  fi
}

wait_ports() {
  local c port deadline=$((SECONDS + 40))   # Trellis configures itself through its API first
  for c in "${CONFIGS[@]}" "x 18082 x x"; do
    port=$(cut -d' ' -f2 <<<"$c")
    until port_busy "$port"; do
      ((SECONDS > deadline)) && die "port $port did not open (see $RUN_DIR/*/out.log)"
      sleep 0.1
    done
  done
  sleep 0.5   # let cluster/nginx workers finish forking
}

check_routing() {   # both backends reached (round robin), unknown Host -> 404
  local name=$1 port=$2 bodies code
  if [[ $name == direct-* ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $HOST_HDR" "http://127.0.0.1:$port$URL_PATH")
    [[ $code == 200 ]] || { log "check $name: HTTP $code"; return 1; }
    return 0
  fi
  bodies=$(for _ in 1 2 3 4; do curl -s -H "Host: $HOST_HDR" "http://127.0.0.1:$port$URL_PATH"; done)
  grep -q 'backend one' <<<"$bodies" && grep -q '"backend":"b2"' <<<"$bodies" \
    || { log "check $name: round robin over both backends failed: $bodies"; return 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: other.example' "http://127.0.0.1:$port$URL_PATH")
  [[ $code == 404 ]] || { log "check $name: unknown Host gave HTTP $code, want 404"; return 1; }
}

# --------------------------------------------------------------- measuring --
RESULTS=""
run_wrk() {   # run_wrk CONFIG-LINE CONNS DURATION REP [warm]
  local name port scen group; read -r name port scen group <<<"$1"
  local conns=$2 dur=$3 rep=$4 warm=${5:-}
  local load_cpus=$LOAD_CPU same_core=0
  if [[ $scen == float ]]; then load_cpus=$ALL_CPUS; set_affinity "$ALL_CPUS" backend-nginx
  else set_affinity "$LOAD_CPU" backend-nginx; fi
  # c=1 measures added latency: by default the proxy joins wrk and the backend on
  # one core, so no request pays cross-CPU wake-ups (costly IPIs in this VM) that
  # the direct run does not pay either. C1_LAYOUT=split keeps the c=50 layout.
  if [[ $conns == 1 && $scen == pinned && $group != - && ${C1_LAYOUT:-same} == same && $PIN == 1 ]]; then
    same_core=1; set_affinity "$LOAD_CPU" "$group"
  fi
  local raw="$OUT_DIR/raw/${rep}-${name}-c${conns}.txt"
  [[ -n $warm ]] && raw="$OUT_DIR/raw/warm-${name}.txt"
  local p0 b0 s0 p1 b1 s1
  p0=$(cpu_ticks "$group"); b0=$(cpu_ticks backend-nginx node-backend); s0=$(sys_ticks)
  /usr/bin/time -f '%U %S' -o "$raw.time" \
    timeout $((dur + 15)) taskset -c "$load_cpus" \
    wrk -t1 -c"$conns" -d"${dur}s" --latency -H "Host: $HOST_HDR" "http://127.0.0.1:$port$URL_PATH" \
    > "$raw" 2>&1
  p1=$(cpu_ticks "$group"); b1=$(cpu_ticks backend-nginx node-backend); s1=$(sys_ticks)
  ((same_core)) && set_affinity "$PROXY_CPU" "$group"
  [[ -n $warm ]] && return 0
  local wrk_cpu su0 si0 ss0 st0 su1 si1 ss1 st1
  wrk_cpu=$(tail -1 "$raw.time" | awk '{printf "%.2f", $1+$2}')
  read -r su0 si0 ss0 st0 <<<"$s0"; read -r su1 si1 ss1 st1 <<<"$s1"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n' \
    "$rep" "$name" "$scen" "$conns" "$dur" \
    "$(awk -v t=$((p1 - p0)) -v h="$CLK_TCK" 'BEGIN{printf "%.2f", t/h}')" \
    "$(awk -v t=$((b1 - b0)) -v h="$CLK_TCK" 'BEGIN{printf "%.2f", t/h}')" "${wrk_cpu:-NA}" \
    "$((su1 - su0))" "$((si1 - si0))" "$((ss1 - ss0))" "$((st1 - st0))" "raw/$(basename "$raw")" >> "$RESULTS"
}

# ------------------------------------------------------------------- main --
main() {
  ensure_tools
  mkdir -p "$RUN_DIR"
  kill_recorded   # leftovers of an interrupted earlier run (only pids it recorded)
  trap cleanup EXIT INT TERM
  : > "$PIDFILE"
  local c port
  for c in "${CONFIGS[@]}" "x 18082 x x"; do
    port=$(cut -d' ' -f2 <<<"$c"); port_busy "$port" && die "port $port already in use by something this script did not start"
  done
  local me_start; me_start=$(start_time $$)
  ( sleep "$((TIME_BUDGET + 10))"
    [[ "$(start_time $$)" == "$me_start" ]] && { log "time budget exceeded, stopping"; kill -TERM $$; } ) &
  WATCHDOG=$!
  record_pid "$WATCHDOG" watchdog   # a rerun after a hard kill stops it too
  record_pid "$(pgrep -P "$WATCHDOG" | head -1)" watchdog-sleep

  log "starting servers (PIN=$PIN: proxy CPU $PROXY_CPU, wrk+backend CPU $LOAD_CPU)"
  start_all
  wait_ports
  record_children
  local ok=() name scen
  for c in "${CONFIGS[@]}"; do
    read -r name port scen _ <<<"$c"
    if check_routing "$name" "$port"; then ok+=("$c"); else log "SKIP $name"; fi
  done
  CONFIGS=("${ok[@]}")
  if [[ "${SMOKE:-0}" == 1 ]]; then
    log "smoke OK: ${#CONFIGS[@]} configs answer and route"
    [[ -n "${HOLD:-}" ]] && { log "holding ${HOLD}s for manual checks"; sleep "$HOLD"; }
    return 0
  fi

  mkdir -p "$OUT_DIR/raw"
  [[ -f "$REPO/bench/results/dataplane/.gitignore" ]] || echo '*' > "$REPO/bench/results/dataplane/.gitignore" 2>/dev/null
  RESULTS="$OUT_DIR/runs.tsv"
  printf 'rep\tconfig\tscenario\tconns\tdur_s\tproxy_cpu_s\tbackend_cpu_s\twrk_cpu_s\tsys_usersys_ticks\tsys_irq_ticks\tsys_steal_ticks\tsys_total_ticks\traw\n' > "$RESULTS"
  {
    echo "date: $(date -Is)"; echo "host: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
    echo "kernel: $(uname -r)"; echo "node: $(node --version)"; echo "nginx: $(nginx -v 2>&1)"
    echo "haproxy: $(haproxy -v | head -1)"; echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "undici: $(node -p "require('$REPO/node_modules/undici/package.json').version")"
    echo "trellis commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')"
    echo "suite=$SUITE reps=$REPS d50=$D50 d1=$D1 warm=$WARM conns=$CONNS pin=$PIN c1_layout=${C1_LAYOUT:-same} undici_mode=$UNDICI_MODE cluster=$CLUSTER_PROXY:$CLUSTER_MODE"
  } > "$OUT_DIR/env.txt"

  local n=${#CONFIGS[@]} pinned_n=0
  for c in "${CONFIGS[@]}"; do [[ $c == *" pinned "* ]] && pinned_n=$((pinned_n + 1)); done
  local est=$(( n * WARM + REPS * (n * (D50 + 1) + pinned_n * (D1 + 1)) ))
  log "${n} configs x ${REPS} reps, wrk -t1 -c$CONNS -d${D50}s (+ -c1 -d${D1}s on pinned configs); ~${est}s of load"

  local other waited=0
  other=$(others_cores 2)
  while awk -v x="$other" 'BEGIN{exit !(x > 0.15)}' && ((waited < ${WAIT_QUIET:-0})); do
    log "other processes use ${other} cores; waiting for a quieter machine (WAIT_QUIET=${WAIT_QUIET:-0}s)"
    other=$(others_cores 5); waited=$((waited + 5))
  done
  log "CPU used by processes this script did not start: ${other} cores (recorded per run in runs.tsv)"
  echo "other_cores_before_start: $other" >> "$OUT_DIR/env.txt"
  for c in "${CONFIGS[@]}"; do run_wrk "$c" "$CONNS" "$WARM" 0 warm; done
  local rep i k
  for ((rep = 1; rep <= REPS; rep++)); do
    for ((i = 0; i < n; i++)); do
      k=$(( (i + rep - 1) % n ))          # rotate the order each repetition
      c=${CONFIGS[$k]}
      if (( SECONDS - T0 + D50 + D1 + 5 > TIME_BUDGET )); then log "time budget reached, stopping early"; break 2; fi
      run_wrk "$c" "$CONNS" "$D50" "$rep"
      [[ $c == *" pinned "* ]] && run_wrk "$c" 1 "$D1" "$rep"
    done
    log "repetition $rep done"
  done
  node "$HERE/node/summarize.mjs" "$OUT_DIR" | tee "$OUT_DIR/summary.md"
  ln -sfn "$STAMP" "$REPO/bench/results/dataplane/latest" 2>/dev/null || true
  log "results in $OUT_DIR"
}

main "$@"
