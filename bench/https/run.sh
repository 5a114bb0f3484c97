#!/usr/bin/env bash
# bench/https/run.sh - HTTPS termination: Trellis vs nginx (`ssl`) on this machine's 2 cores
# (issue 6: Trellis >= 0.5x nginx's throughput, CPU per request reported).
#
# Configs (as bench/dataplane/run.sh lays them out):
#   trellis      one process (bench/https/server.ts, the `trellis up` runtime) pinned to CPU 0:
#                wrk's TLS reaches the VPC gateway address 127.0.0.1:18300 (first byte 0x16 ->
#                TLS), SNI `localhost` -> the service's HTTPS listener 443 -> an HTTP1 IP group
#                of the two nginx backends; health checks, access log (file) and metrics on.
#   nginx        1 worker pinned to CPU 0, `listen ssl` on 127.0.0.1:18310 -> the same backends
#                (conf/nginx-https.conf), presenting the same certificate (Trellis's leaf).
#   trellis-2w   `trellis up --workers 2` (server.ts --workers 2) on 127.0.0.1:18320, floating
#                (both cores, with wrk and the backends), like nginx-2w.
#   nginx-2w     2 workers on 127.0.0.1:18311, floating.
#   trellis-http the `trellis` process over plaintext (Host: localhost -> the same service's HTTP
#                listener 80, same group): what TLS adds, measured on the same route (PLAIN=0: off).
# wrk (HTTP/1.1 over TLS, keep-alive: handshakes only at connection start, -t1 -c$CONNS) and
# the backends share CPU 1 for pinned configs. Rounds are interleaved and their order rotates
# each round; each config's CPU is read from /proc/<pid>/stat (all its processes) over the
# measured run: CPU us/request = CPU time / requests. Load average is recorded per run.
# The backends listen on their own ports (18381/18382), so this bench can run beside
# bench/dataplane (18081/18082).
# Bounded: REPS (2) x 5 configs x (WARM 1 s + D 6 s) ~ 70 s plus start-up (~10 s); TWO_CORE=0
# leaves the floating configs out.
# Output: bench/results/https/<stamp>/{raw/*.txt,runs.tsv,summary.md} (git-ignored).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/https"
SHARED="${SHARED_BENCH:-$(cd "$REPO/../shared/bench" && pwd)}"
RUN_DIR="${RUN_DIR:-/tmp/trellis-bench-https}"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$REPO/bench/results/https/$STAMP}"
REPS="${REPS:-2}"; D="${D:-6}"; WARM="${WARM:-1}"; CONNS="${CONNS:-50}"
B1=18381; B2=18382
T0=$SECONDS
mkdir -p "$RUN_DIR" "$OUT_DIR/raw"
# shellcheck source=../lib/proxy-bench.sh
source "$REPO/bench/lib/proxy-bench.sh"
kill_recorded   # a previous run that was killed
trap cleanup EXIT INT TERM

for tool in nginx wrk taskset curl; do command -v $tool >/dev/null || die "$tool is needed"; done

# name port cpus url-scheme process-group
CONFIGS=("trellis 18300 0 https trellis" "nginx 18310 0 https nginx")
[[ "${PLAIN:-1}" == 1 ]] && CONFIGS+=("trellis-http 18300 0 http trellis")
[[ "${TWO_CORE:-1}" == 1 ]] && CONFIGS+=("trellis-2w 18320 0,1 https trellis-2w" "nginx-2w 18311 0,1 https nginx-2w")
want() { local c; for c in "${CONFIGS[@]}"; do [[ "$c" == "$1 "* ]] && return 0; done; return 1; }
for p in $B1 $B2 18300 18301 18310 18311 18320 18321; do port_busy $p && die "port $p is busy"; done

log "backends (nginx, CPU 1; ports $B1 $B2)"
mkdir -p "$RUN_DIR/backends"
sed -e "s/18081/$B1/; s/18082/$B2/" "$SHARED/conf/backend-nginx.conf" > "$RUN_DIR/backends/backend-nginx.conf"
start backends 1 -- nginx -p "$RUN_DIR/backends/" -c backend-nginx.conf -e "$RUN_DIR/backends/error.log" -g 'daemon off;'

log "trellis (CPU 0)"
start_bench_trellis trellis 0 "$RUN_DIR/certs" PORT=18300 TARGETS=$B1,$B2
if want trellis-2w; then
  log "trellis --workers 2 (floating)"
  # Its own data dir, so its own local CA: its CA certificate goes to certs-2w/ for the check.
  start_bench_trellis trellis-2w 0,1 "$RUN_DIR/certs-2w" PORT=18320 TARGETS=$B1,$B2 -- --workers 2
fi
wait_bench_trellis trellis "$RUN_DIR/certs"
want trellis-2w && wait_bench_trellis trellis-2w "$RUN_DIR/certs-2w"

TPL="$HERE/conf/nginx-https.conf"
log "nginx ssl (1 worker, CPU 0)"; start_nginx_tls nginx 1 18310 0 "$TPL" "s/@B1@/$B1/" "s/@B2@/$B2/"
want nginx-2w && { log "nginx ssl (2 workers, floating)"; start_nginx_tls nginx-2w 2 18311 0,1 "$TPL" "s/@B1@/$B1/" "s/@B2@/$B2/"; }

url() { local name port cpus scheme; read -r name port cpus scheme _ <<<"$1"; echo "$scheme://localhost:$port/api/items"; }
for c in "${CONFIGS[@]}"; do
  ca="$RUN_DIR/certs/ca.pem"; [[ $c == trellis-2w* ]] && ca="$RUN_DIR/certs-2w/ca.pem"
  wait_for 30 curl -sf --cacert "$ca" "$(url "$c")" || die "${c%% *} does not answer 200 on $(url "$c")"
done
sleep 0.5; record_children   # nginx workers, cluster workers
log "every config answers 200 (TLS verified against the local CA); load $(cut -d' ' -f1-3 /proc/loadavg)"

RUNS="$OUT_DIR/runs.tsv"
runs_init "$RUNS"
one_round() {   # each_round callback: one measured run of one config
  local r=$1 name=$2 port=$3 cpus=$4 scheme=$5 group=$6 load=$7
  # Pinned configs: wrk + backends on CPU 1, the proxy alone on CPU 0; floating: all on both.
  set_affinity "$load" backends
  u="$scheme://localhost:$port/api/items"
  taskset -c "$load" wrk -t1 -c"$CONNS" -d"${WARM}s" "$u" > /dev/null 2>&1
  f="$OUT_DIR/raw/$name-$r.txt"
  t0=$(cpu_ticks "$group")
  taskset -c "$load" wrk -t1 -c"$CONNS" -d"${D}s" --latency "$u" > "$f" 2>&1
  t1=$(cpu_ticks "$group")
  grep -q 'Non-2xx' "$f" && log "WARNING: $name answered non-2xx: $(grep Non-2xx "$f")"
  rps=$(awk '/^Requests\/sec:/{print $2}' "$f")
  reqs=$(awk '/requests in/{print $1}' "$f")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' "$f")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")
  cpu=$(cpu_us_per_req $((t1 - t0)) "$reqs")
  runs_add "$RUNS" "$name" "$r" "$rps" "$p50" "$p99" "$reqs" "$cpu"
  log "$name round $r: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us CPU/request (load $(cut -d' ' -f1 /proc/loadavg))"
}
each_round one_round

names=(); for c in "${CONFIGS[@]}"; do names+=("${c%% *}"); done
pairs=(trellis/nginx); want trellis-2w && pairs+=(trellis-2w/nginx-2w)
summarize_runs "$RUNS" "HTTPS termination, wrk -t1 -c$CONNS, ${D}s x $REPS rounds" "${names[@]}" -- "${pairs[@]}" > "$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
