#!/usr/bin/env bash
# bench/grpc/run.sh - gRPC unary through Trellis vs nginx (`grpc_pass`) on this machine's 2 cores
# (issue 6: Trellis >= 0.5x nginx's throughput, CPU per request reported).
#
#   trellis  one process (bench/https/server.ts, TG_VERSION=GRPC) pinned to CPU 0: h2load's TLS
#            + h2 (ALPN) reaches the VPC gateway address 127.0.0.1:18400, SNI `localhost` ->
#            the HTTPS listener 443 -> a GRPC IP group -> the Echo server (h2c); access log and
#            metrics on.
#   nginx    1 worker pinned to CPU 0, `listen ssl http2` on 127.0.0.1:18410, `grpc_pass` to the
#            same Echo server (conf/nginx-grpc.conf), presenting the same certificate.
# The target is the tests' grpc-js Echo server (bench/grpc/backend.ts, Unary); the load is
# h2load (nghttp2-client: installed with apt-get when missing) sending one framed EchoRequest
# per POST, and shares CPU 1 with the target. Before loading, a real grpc-js call goes through
# each proxy (bench/grpc/check.ts). p50/p99 from h2load's per-request log; CPU us/request from
# /proc/<pid>/stat over the measured run. Rounds interleaved.
# Bounded: REPS (2) x 2 configs x (WARM 1 s + D 8 s) ~ 40 s plus start-up.
# Output: bench/results/grpc/<stamp>/{raw/*,runs.tsv,summary.md} (git-ignored).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/grpc"
RUN_DIR="${RUN_DIR:-/tmp/trellis-bench-grpc}"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$REPO/bench/results/grpc/$STAMP}"
REPS="${REPS:-2}"; D="${D:-8}"; WARM="${WARM:-1}"; CLIENTS="${CLIENTS:-4}"; STREAMS="${STREAMS:-16}"
T0=$SECONDS
mkdir -p "$RUN_DIR" "$OUT_DIR/raw"
# shellcheck source=../https/lib.sh
source "$REPO/bench/https/lib.sh"
kill_recorded
trap cleanup EXIT INT TERM

if ! command -v h2load >/dev/null; then
  log "installing nghttp2-client (h2load) with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null || die "apt-get install nghttp2-client failed"
fi
for tool in nginx h2load taskset; do command -v $tool >/dev/null || die "$tool is needed"; done
for p in 18091 18400 18401 18410; do ss -Hltn "sport = :$p" | grep -q . && die "port $p is busy"; done
TSX=(node --import "file://$REPO/node_modules/tsx/dist/esm/index.mjs")

log "grpc-js Echo target (CPU 1)"
start backend 1 PORT=18091 NODE_NO_WARNINGS=1 -- "${TSX[@]}" "$HERE/backend.ts"
wait_for 30 ss -Hltn "sport = :18091" || die "the Echo target did not start"

log "trellis (CPU 0)"
mkdir -p "$RUN_DIR/certs"; rm -f "$RUN_DIR/certs/"*.pem
start trellis 0 PORT=18400 TG_VERSION=GRPC TARGETS=18091 CERT_OUT="$RUN_DIR/certs" NODE_NO_WARNINGS=1 -- "${TSX[@]}" "$REPO/bench/https/server.ts"
wait_for 60 test -s "$RUN_DIR/certs/key.pem" || { cat "$RUN_DIR/trellis/out.log" >&2; die "trellis did not start"; }

log "nginx grpc_pass (1 worker, CPU 0)"
mkdir -p "$RUN_DIR/nginx"; cp "$HERE/conf/nginx-grpc.conf" "$RUN_DIR/certs/cert.pem" "$RUN_DIR/certs/key.pem" "$RUN_DIR/nginx/"
start nginx 0 -- nginx -p "$RUN_DIR/nginx/" -c nginx-grpc.conf -e "$RUN_DIR/nginx/error.log" -g 'daemon off;'
sleep 0.5; record_children

declare -A PORT=([trellis]=18400 [nginx]=18410)
for cfg in trellis nginx; do
  wait_for 15 "${TSX[@]}" "$HERE/check.ts" "${PORT[$cfg]}" "$RUN_DIR/certs/ca.pem" || die "$cfg: a grpc-js unary call did not succeed"
done
log "a grpc-js unary call succeeds through both"

# One framed EchoRequest{message:"hello"}: flag 0, length 7, then field 1 (0x0a) len 5 "hello".
printf '\x00\x00\x00\x00\x07\x0a\x05hello' > "$RUN_DIR/request.bin"
H2=(-t1 -c"$CLIENTS" -m"$STREAMS" -d "$RUN_DIR/request.bin" -H 'content-type: application/grpc' -H 'te: trailers')

printf 'config\tround\treq_s\tp50_ms\tp99_ms\trequests\tcpu_us_per_req\n' > "$OUT_DIR/runs.tsv"
for r in $(seq 1 "$REPS"); do
  for cfg in trellis nginx; do
    url="https://localhost:${PORT[$cfg]}/trellis.test.Echo/Unary"
    taskset -c 1 h2load "${H2[@]}" -D "$WARM" "$url" > /dev/null 2>&1
    f="$OUT_DIR/raw/$cfg-$r"
    t0=$(cpu_ticks "$cfg")
    taskset -c 1 h2load "${H2[@]}" -D "$D" --log-file="$f.log" "$url" > "$f.txt" 2>&1
    t1=$(cpu_ticks "$cfg")
    rps=$(awk '/^finished in/{gsub(",", "", $4); print $4}' "$f.txt")
    ok=$(awk '/^requests:/{print $8}' "$f.txt")
    read -r p50 p99 < <(awk -F'\t' '$2==200{print $3}' "$f.log" | sort -n | awk '{a[NR]=$1} END{ if (NR==0) { print "- -"; exit } printf "%.3f %.3f\n", a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+1]/1000 }')
    cpu=$(awk -v d=$((t1 - t0)) -v h="$CLK_TCK" -v n="$ok" 'BEGIN{ printf "%.1f", (n>0) ? d/h*1e6/n : 0 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$r" "$rps" "$p50" "$p99" "$ok" "$cpu" >> "$OUT_DIR/runs.tsv"
    log "$cfg round $r: $rps req/s ($ok succeeded), p50 $p50 ms, p99 $p99 ms, $cpu us CPU/request"
  done
done

{
  echo "# gRPC unary, h2load ${CLIENTS} connections x ${STREAMS} streams, ${D}s x $REPS rounds ($(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
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
