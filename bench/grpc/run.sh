#!/usr/bin/env bash
# bench/grpc/run.sh - gRPC unary through Trellis vs nginx (`grpc_pass`) on this machine's 2 cores
# (issue 6: Trellis >= 0.5x nginx's throughput, CPU per request reported).
#
# Configs (laid out as bench/https/run.sh and bench/dataplane/run.sh do):
#   direct       h2load -> the target itself (h2c): the target's ceiling where the proxies see
#                it (on CPU 1 with h2load); CPU us/request here is the target's own.
#   trellis      one process (bench/https/server.ts TG_VERSION=GRPC, the `trellis up` runtime)
#                pinned to CPU 0: h2load's TLS + h2 (ALPN) reaches the VPC gateway address
#                127.0.0.1:18400, SNI `localhost` -> the HTTPS listener 443 -> a GRPC IP group
#                -> the target (h2c); access log (file) and metrics on.
#   nginx        1 worker pinned to CPU 0, `listen ssl http2` on 127.0.0.1:18410, `grpc_pass` to
#                the same target (conf/nginx-grpc.conf), presenting the same certificate.
#   node-bare    bare-proxy.mjs pinned to CPU 0: node:http2 in and out with no Lattice feature
#                (BARE=0: off) — the floor of any proxy on node:http2.
#   trellis-2w   `trellis up --workers 2` (server.ts --workers 2) on 127.0.0.1:18420, floating
#                (both cores, with h2load and the target), like nginx-2w (TWO_CORE=0: off).
#   nginx-2w     2 workers on 127.0.0.1:18411, floating.
# The target: TARGET=nginx (default, conf/target-nginx.conf) answers a pre-encoded EchoReply
# from C, cheap in both upstream patterns — Trellis multiplexes its calls on one h2c session,
# nginx's grpc_pass holds one upstream connection per call in flight, which a node:http2
# target pays for per connection (it capped nginx at ~7k req/s); TARGET=cheap (target.ts) is
# the same reply on node:http2's core API, several times cheaper than a grpc-js server;
# TARGET=grpc-js runs the tests' grpc-js Echo server (backend.ts) — the first measurement's
# setup, where the target capped both proxies. The `direct` row and the target columns of
# the summary show whether the target or the proxy was the limit. Pinned configs: h2load + target on CPU 1, the proxy
# alone on CPU 0; floating: all on both. h2load sends one framed EchoRequest per POST
# (-c$CLIENTS -m$STREAMS). Before loading, a real grpc-js call goes through each proxy
# (check.ts): h2load only sees HTTP 200s, which gRPC errors are too. p50/p99 from h2load's
# per-request log; CPU us/request = CPU time of the config's processes (/proc/<pid>/stat, all
# threads and children) / requests. Rounds interleaved, order rotating each round; the load
# average is recorded per run.
# Bounded: REPS (2) x 6 configs x (WARM 1 s + D 5 s) ~ 75 s plus start-up (~15 s).
# The target's own CPU per request and how busy it was are recorded per config too (target.tsv).
# Output: bench/results/grpc/<stamp>/{raw/*,runs.tsv,target.tsv,summary.md} (git-ignored).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/grpc"
RUN_DIR="${RUN_DIR:-/tmp/trellis-bench-grpc}"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$REPO/bench/results/grpc/$STAMP}"
REPS="${REPS:-2}"; D="${D:-5}"; WARM="${WARM:-1}"; CLIENTS="${CLIENTS:-4}"; STREAMS="${STREAMS:-16}"
TARGET="${TARGET:-nginx}"
T0=$SECONDS
mkdir -p "$RUN_DIR" "$OUT_DIR/raw"
# shellcheck source=../lib/proxy-bench.sh
source "$REPO/bench/lib/proxy-bench.sh"
kill_recorded   # a previous run that was killed
trap cleanup EXIT INT TERM

if ! command -v h2load >/dev/null; then
  log "installing nghttp2-client (h2load) with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null || die "apt-get install nghttp2-client failed"
fi
for tool in nginx h2load taskset; do command -v $tool >/dev/null || die "$tool is needed"; done

# name port cpus scheme process-group
CONFIGS=("direct 18092 1 http target" "trellis 18400 0 https trellis" "nginx 18410 0 https nginx")
[[ "${BARE:-1}" == 1 ]] && CONFIGS+=("node-bare 18430 0 https node-bare")
[[ "${TWO_CORE:-1}" == 1 ]] && CONFIGS+=("trellis-2w 18420 0,1 https trellis-2w" "nginx-2w 18411 0,1 https nginx-2w")
want() { local c; for c in "${CONFIGS[@]}"; do [[ "$c" == "$1 "* ]] && return 0; done; return 1; }
for p in 18092 18400 18401 18410 18411 18420 18421 18430; do port_busy $p && die "port $p is busy"; done
TSX=(node --import "file://$REPO/node_modules/tsx/dist/esm/index.mjs")

if [[ $TARGET == grpc-js ]]; then
  log "grpc-js Echo target (CPU 1)"
  start target 1 PORT=18092 NODE_NO_WARNINGS=1 -- "${TSX[@]}" "$HERE/backend.ts"
elif [[ $TARGET == nginx ]]; then
  log "nginx gRPC target (static reply + trailers, 1 worker, CPU 1)"
  mkdir -p "$RUN_DIR/target/www"
  # EchoReply{message:"hello|bench|/trellis.test.Echo/Unary"} framed: flag 0, length 38, 0x0a 36 "...".
  printf '\x00\x00\x00\x00\x26\x0a\x24hello|bench|/trellis.test.Echo/Unary' > "$RUN_DIR/target/www/Unary"
  sed -e "s/@WORKERS@/1/; s/@PORT@/18092/; s#@ROOT@#$RUN_DIR/target/www#" "$HERE/conf/target-nginx.conf" > "$RUN_DIR/target/nginx.conf"
  start target 1 -- nginx -p "$RUN_DIR/target/" -c nginx.conf -e "$RUN_DIR/target/error.log" -g 'daemon off;'
else
  log "cheap gRPC target (node:http2 core API, CPU 1)"
  start target 1 PORT=18092 NODE_NO_WARNINGS=1 -- "${TSX[@]}" "$HERE/target.ts"
fi
wait_for 30 port_busy 18092 || die "the target did not start"

SERVER=("${TSX[@]}" "$REPO/bench/https/server.ts")
log "trellis (CPU 0)"
mkdir -p "$RUN_DIR/certs"; rm -f "$RUN_DIR/certs/"*.pem
start trellis 0 PORT=18400 TG_VERSION=GRPC TARGETS=18092 CERT_OUT="$RUN_DIR/certs" NODE_NO_WARNINGS=1 -- "${SERVER[@]}"
if want trellis-2w; then
  log "trellis --workers 2 (floating)"
  # Its own data dir, so its own local CA: its CA certificate goes to certs-2w/ for the check.
  mkdir -p "$RUN_DIR/certs-2w"; rm -f "$RUN_DIR/certs-2w/"*.pem
  start trellis-2w 0,1 PORT=18420 TG_VERSION=GRPC TARGETS=18092 CERT_OUT="$RUN_DIR/certs-2w" NODE_NO_WARNINGS=1 -- "${SERVER[@]}" --workers 2
fi
wait_for 60 test -s "$RUN_DIR/certs/key.pem" || { cat "$RUN_DIR/trellis/out.log" >&2; die "trellis did not start"; }
if want trellis-2w; then
  wait_for 60 test -s "$RUN_DIR/certs-2w/key.pem" || { cat "$RUN_DIR/trellis-2w/out.log" >&2; die "trellis --workers 2 did not start"; }
fi

nginx_grpc() {   # nginx_grpc NAME WORKERS PORT CPUS
  mkdir -p "$RUN_DIR/$1"; cp "$RUN_DIR/certs/cert.pem" "$RUN_DIR/certs/key.pem" "$RUN_DIR/$1/"
  sed -e "s/@WORKERS@/$2/; s/@PORT@/$3/; s/@TARGET@/18092/" "$HERE/conf/nginx-grpc.conf" > "$RUN_DIR/$1/nginx.conf"
  start "$1" "$4" -- nginx -p "$RUN_DIR/$1/" -c nginx.conf -e "$RUN_DIR/$1/error.log" -g 'daemon off;'
}
log "nginx grpc_pass (1 worker, CPU 0)"; nginx_grpc nginx 1 18410 0
want nginx-2w && { log "nginx grpc_pass (2 workers, floating)"; nginx_grpc nginx-2w 2 18411 0,1; }
want node-bare && { log "bare node:http2 proxy (CPU 0)"; start node-bare 0 -- node "$HERE/bare-proxy.mjs" 18430 18092 "$RUN_DIR/certs"; }

for c in "${CONFIGS[@]}"; do
  read -r name port _ scheme _ <<<"$c"
  [[ $scheme == https ]] || continue
  ca="$RUN_DIR/certs/ca.pem"; [[ $name == trellis-2w ]] && ca="$RUN_DIR/certs-2w/ca.pem"
  wait_for 20 "${TSX[@]}" "$HERE/check.ts" "$port" "$ca" || die "$name: a grpc-js unary call did not succeed"
done
sleep 0.5; record_children   # nginx workers, cluster workers
log "a grpc-js unary call succeeds through every proxy; load $(cut -d' ' -f1-3 /proc/loadavg)"

# One framed EchoRequest{message:"hello"}: flag 0, length 7, then field 1 (0x0a) len 5 "hello".
printf '\x00\x00\x00\x00\x07\x0a\x05hello' > "$RUN_DIR/request.bin"
H2=(-t1 -c"$CLIENTS" -m"$STREAMS" -d "$RUN_DIR/request.bin" -H 'content-type: application/grpc' -H 'te: trailers')

RUNS="$OUT_DIR/runs.tsv"
runs_init "$RUNS"
one_round() {   # each_round callback: one measured run of one config
  local r=$1 name=$2 port=$3 cpus=$4 scheme=$5 group=$6 load=$7
  # Pinned configs: h2load + target on CPU 1, the proxy alone on CPU 0; floating: all on both.
  set_affinity "$load" target
  url="$scheme://localhost:$port/trellis.test.Echo/Unary"
  taskset -c "$load" h2load "${H2[@]}" -D "$WARM" "$url" > /dev/null 2>&1
  f="$OUT_DIR/raw/$name-$r"
  t0=$(cpu_ticks "$group"); g0=$(cpu_ticks target)
  taskset -c "$load" h2load "${H2[@]}" -D "$D" --log-file="$f.log" "$url" > "$f.txt" 2>&1
  t1=$(cpu_ticks "$group"); g1=$(cpu_ticks target)
  rps=$(awk '/^finished in/{gsub(",", "", $4); print $4}' "$f.txt")
  ok=$(awk '/^requests:/{print $8}' "$f.txt")
  read -r p50 p99 < <(awk -F'\t' '$2==200{print $3}' "$f.log" | sort -n | awk '{a[NR]=$1} END{ if (NR==0) { print "- -"; exit } printf "%.3f %.3f\n", a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+1]/1000 }')
  cpu=$(cpu_us_per_req $((t1 - t0)) "${ok:-0}")
  tcpu=$(cpu_us_per_req $((g1 - g0)) "${ok:-0}")
  runs_add "$RUNS" "$name" "$r" "$rps" "$p50" "$p99" "$ok" "$cpu"
  # The target's share: how busy the proxy kept it (nginx's grpc_pass opens one upstream
  # connection per concurrent call, Trellis multiplexes them on one session).
  printf '%s\t%s\t%s\t%s\n' "$name" "$r" "$tcpu" "$(awk -v t="$tcpu" -v q="$rps" 'BEGIN{printf "%.2f", t*q/1e6}')" >> "$OUT_DIR/target.tsv"
  log "$name round $r: $rps req/s ($ok succeeded), p50 $p50 ms, p99 $p99 ms, $cpu us CPU/request; target $tcpu us/request (load $(cut -d' ' -f1 /proc/loadavg))"
}
each_round one_round

names=(); for c in "${CONFIGS[@]}"; do names+=("${c%% *}"); done
pairs=(trellis/nginx); want trellis-2w && pairs+=(trellis-2w/nginx-2w)
{
  summarize_runs "$RUNS" "gRPC unary ($TARGET target), h2load -c$CLIENTS -m$STREAMS, ${D}s x $REPS rounds" "${names[@]}" -- "${pairs[@]}"
  echo
  echo "| config | target CPU us/request | target busy (cores) |"
  echo "| --- | --- | --- |"
  for c in "${names[@]}"; do
    echo "| $c | $(awk -F'\t' -v c="$c" '$1==c{print $3}' "$OUT_DIR/target.tsv" | median) | $(awk -F'\t' -v c="$c" '$1==c{print $4}' "$OUT_DIR/target.tsv" | median) |"
  done
} > "$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
