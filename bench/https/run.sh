#!/usr/bin/env bash
# bench/https/run.sh - HTTPS termination: Trellis vs nginx (`ssl`) on this machine's 2 cores
# (issue 6: Trellis >= 0.5x nginx's throughput, CPU per request reported).
#
#   trellis  one process (bench/https/server.ts, the `trellis up` runtime) pinned to CPU 0: wrk's
#            TLS reaches the VPC gateway address 127.0.0.1:18300 (first byte 0x16 -> TLS), SNI
#            `localhost` -> the service's HTTPS listener 443 -> an HTTP1 IP group of the two
#            shared nginx backends; health checks, access log (file) and metrics on, as in
#            bench/dataplane.
#   nginx    1 worker pinned to CPU 0, `listen ssl` on 127.0.0.1:18310 -> the same backends
#            (conf/nginx-https.conf), presenting the same certificate (Trellis's leaf).
# wrk (HTTP/1.1 over TLS, keep-alive: handshakes only at connection start) and the backends
# share CPU 1. Rounds are interleaved (trellis nginx trellis nginx ...); each config's CPU is
# read from /proc/<pid>/stat over the measured run: CPU us/request = CPU time / requests.
# Bounded: REPS (2) x 2 configs x (WARM 2 s + D 8 s) ~ 45 s plus start-up.
# Output: bench/results/https/<stamp>/{raw/*.txt,runs.tsv,summary.md} (git-ignored).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/https"
SHARED="${SHARED_BENCH:-$(cd "$REPO/../shared/bench" && pwd)}"
RUN_DIR="${RUN_DIR:-/tmp/trellis-bench-https}"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$REPO/bench/results/https/$STAMP}"
REPS="${REPS:-2}"; D="${D:-8}"; WARM="${WARM:-2}"; CONNS="${CONNS:-50}"
T0=$SECONDS
mkdir -p "$RUN_DIR" "$OUT_DIR/raw"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
kill_recorded   # a previous run that was killed
trap cleanup EXIT INT TERM

for tool in nginx wrk taskset curl; do command -v $tool >/dev/null || die "$tool is needed"; done
for p in 18081 18082 18300 18301 18310; do ss -Hltn "sport = :$p" | grep -q . && die "port $p is busy"; done

log "backends (nginx, CPU 1)"
mkdir -p "$RUN_DIR/backends"; cp "$SHARED/conf/backend-nginx.conf" "$RUN_DIR/backends/"
start backends 1 -- nginx -p "$RUN_DIR/backends/" -c backend-nginx.conf -e "$RUN_DIR/backends/error.log" -g 'daemon off;'

log "trellis (CPU 0)"
mkdir -p "$RUN_DIR/certs"; rm -f "$RUN_DIR/certs/"*.pem
start trellis 0 PORT=18300 CERT_OUT="$RUN_DIR/certs" NODE_NO_WARNINGS=1 -- \
  node --import "file://$REPO/node_modules/tsx/dist/esm/index.mjs" "$HERE/server.ts"
wait_for 60 test -s "$RUN_DIR/certs/key.pem" || { cat "$RUN_DIR/trellis/out.log" >&2; die "trellis did not start"; }

log "nginx ssl (1 worker, CPU 0)"
mkdir -p "$RUN_DIR/nginx"; cp "$HERE/conf/nginx-https.conf" "$RUN_DIR/certs/cert.pem" "$RUN_DIR/certs/key.pem" "$RUN_DIR/nginx/"
start nginx 0 -- nginx -p "$RUN_DIR/nginx/" -c nginx-https.conf -e "$RUN_DIR/nginx/error.log" -g 'daemon off;'
sleep 0.5; record_children

declare -A URL=([trellis]="https://localhost:18300/api/items" [nginx]="https://localhost:18310/api/items")
for cfg in trellis nginx; do
  wait_for 15 curl -sf --cacert "$RUN_DIR/certs/ca.pem" "${URL[$cfg]}" || die "$cfg does not answer 200 on ${URL[$cfg]}"
done
log "both answer 200 over TLS (verified against the local CA)"

printf 'config\tround\treq_s\tp50_ms\tp99_ms\trequests\tcpu_us_per_req\n' > "$OUT_DIR/runs.tsv"
for r in $(seq 1 "$REPS"); do
  for cfg in trellis nginx; do
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${WARM}s" "${URL[$cfg]}" > /dev/null 2>&1
    t0=$(cpu_ticks "$cfg")
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${D}s" --latency "${URL[$cfg]}" > "$OUT_DIR/raw/$cfg-$r.txt" 2>&1
    t1=$(cpu_ticks "$cfg")
    f="$OUT_DIR/raw/$cfg-$r.txt"
    rps=$(awk '/^Requests\/sec:/{print $2}' "$f")
    reqs=$(awk '/requests in/{print $1}' "$f")
    p50=$(to_ms "$(awk '$1=="50%"{print $2}' "$f")")
    p99=$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")
    cpu=$(awk -v d=$((t1 - t0)) -v h="$CLK_TCK" -v n="$reqs" 'BEGIN{ printf "%.1f", (n>0) ? d/h*1e6/n : 0 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$r" "$rps" "$p50" "$p99" "$reqs" "$cpu" >> "$OUT_DIR/runs.tsv"
    log "$cfg round $r: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us CPU/request"
  done
done

{
  echo "# HTTPS termination, c=$CONNS, ${D}s x $REPS rounds ($(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
  echo
  echo "| config | req/s | p50 ms | p99 ms | CPU us/request |"
  echo "| --- | --- | --- | --- | --- |"
  for cfg in trellis nginx; do
    col() { awk -F'\t' -v c="$cfg" -v k="$1" 'NR>1 && $1==c {print $k}' "$OUT_DIR/runs.tsv" | median; }
    echo "| $cfg | $(col 3) | $(col 4) | $(col 5) | $(col 7) |"
  done
  t=$(awk -F'\t' 'NR>1 && $1=="trellis"{print $3}' "$OUT_DIR/runs.tsv" | median)
  n=$(awk -F'\t' 'NR>1 && $1=="nginx"{print $3}' "$OUT_DIR/runs.tsv" | median)
  echo
  awk -v t="$t" -v n="$n" 'BEGIN{ printf "Trellis / nginx throughput: %.2fx (target >= 0.5x)\n", t/n }'
} > "$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
