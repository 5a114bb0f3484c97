# bench/lib/proxy-bench.sh - the shell functions every proxy bench shares (sourced by
# bench/dataplane/run.sh, bench/https/run.sh, bench/grpc/run.sh). One copy, so the process
# discipline and the arithmetic behind the published figures cannot drift between benches.
#
# Process discipline: every process started is recorded as "pid start-time name" in
# $RUN_DIR/pids and only those are ever signalled (and only while the pid still has its
# recorded start time, so a reused pid is never hit); a rerun after a hard kill stops the
# leftovers of the previous run first (kill_recorded). CPU is read from /proc/<pid>/stat
# (utime+stime of the process and all its threads; children recorded after start-up).
#
# Needs before sourcing: RUN_DIR; T0 (= $SECONDS at start) for log timestamps.
# Optional: WATCHDOG (pid of a time-budget subshell cleanup also stops).
# Function names are a contract for the three run.sh scripts: keep them stable.

CLK_TCK=$(getconf CLK_TCK)
PIDFILE="$RUN_DIR/pids"
declare -A GROUP_PIDS=()   # name -> "pid child1 child2 ..."
WATCHDOG="${WATCHDOG:-}"

log() { printf '[%3ds] %s\n' "$((SECONDS - ${T0:-0}))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- processes --
start_time() {   # start_time PID -> field 22 of /proc/PID/stat (boot ticks)
  local f a
  f=$( { cut -d')' -f2- "/proc/$1/stat"; } 2>/dev/null) || return 1
  read -r -a a <<<"$f"
  echo "${a[19]}"
}

ours() {   # ours PID START -> true if PID is still the process we started
  [[ -n "$2" && "$(start_time "$1")" == "$2" ]]
}

record_pid() { echo "$1 $(start_time "$1") $2" >> "$PIDFILE"; }

kill_recorded() {   # TERM (then KILL after 2 s) every recorded pid that is still ours
  [[ -f "$PIDFILE" ]] || return 0
  local pid st name alive=() left p
  while read -r pid st name; do
    [[ -n "$pid" ]] && ours "$pid" "$st" && { kill -TERM "$pid" 2>/dev/null; alive+=("$pid $st"); }
  done < "$PIDFILE"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    left=0
    for p in "${alive[@]}"; do ours $p && left=1; done
    ((left == 0)) && break
    sleep 0.2
  done
  for p in "${alive[@]}"; do ours $p && kill -KILL "${p% *}" 2>/dev/null; done
  rm -f "$PIDFILE"
}

cleanup() {   # trap target: stop the watchdog (if any) and everything recorded
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$WATCHDOG" ]]; then   # the watchdog subshell and its sleep child
    local kids p; kids=$(pgrep -P "$WATCHDOG")
    kill "$WATCHDOG" 2>/dev/null
    for p in $kids; do kill "$p" 2>/dev/null; done
  fi
  kill_recorded
  log "stopped everything this script started"
  exit $rc
}

start() {   # start NAME CPUS ENV... -- CMD...   (records the pid under NAME)
  local name=$1 cpus=$2; shift 2
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done; shift
  mkdir -p "$RUN_DIR/$name"
  ( cd "$RUN_DIR/$name" && exec env "${envs[@]}" taskset -c "$cpus" "$@" ) \
    > "$RUN_DIR/$name/out.log" 2>&1 &
  local pid=$!
  record_pid "$pid" "$name"
  GROUP_PIDS[$name]="$pid"
}

record_children() {   # after start-up: nginx workers, cluster workers join their group
  local name pid c
  for name in "${!GROUP_PIDS[@]}"; do
    pid=${GROUP_PIDS[$name]%% *}
    for c in $(pgrep -P "$pid"); do
      [[ " ${GROUP_PIDS[$name]} " == *" $c "* ]] && continue
      GROUP_PIDS[$name]+=" $c"; record_pid "$c" "$name-child"
    done
  done
}

set_affinity() {   # set_affinity CPUS NAME...
  local cpus=$1 name p; shift
  for name in "$@"; do
    for p in ${GROUP_PIDS[$name]:-}; do taskset -a -p -c "$cpus" "$p" > /dev/null 2>&1; done
  done
}

port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

wait_for() {   # wait_for SECONDS CMD... : poll until CMD succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS > deadline)) && return 1
    sleep 0.2
  done
}

# -------------------------------------------------------------------- CPU --
cpu_split() {   # cpu_split NAME... -> "utime stime" summed over the groups' pids (all threads)
  local u=0 k=0 name p f a
  for name in "$@"; do
    for p in ${GROUP_PIDS[$name]:-}; do
      f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
      read -r -a a <<<"$f"   # after "pid (comm)": state is a[0], utime(14) a[11], stime(15) a[12]
      u=$((u + a[11])); k=$((k + a[12]))
    done
  done
  echo "$u $k"
}

cpu_ticks() {   # cpu_ticks NAME... -> utime+stime summed over the groups' pids (all threads)
  local u k
  read -r u k <<<"$(cpu_split "$@")"
  echo $((u + k))
}

cpu_us_per_req() {   # cpu_us_per_req TICKS REQUESTS -> CPU microseconds per request
  awk -v d="$1" -v h="$CLK_TCK" -v n="$2" 'BEGIN{ printf "%.1f", (n>0) ? d/h*1e6/n : 0 }'
}

# whole machine, in USER_HZ ticks summed over CPUs: user+nice+system, irq+softirq, steal, total
sys_ticks() { awk '/^cpu /{print $2+$3+$4, $7+$8, $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

others_cores() {   # CPU used by processes this script did not start, over $1 seconds (cores)
  local a b ours0 ours1
  a=$(sys_ticks); ours0=$(cpu_ticks "${!GROUP_PIDS[@]}")
  sleep "$1"
  b=$(sys_ticks); ours1=$(cpu_ticks "${!GROUP_PIDS[@]}")
  awk -v a="${a%% *}" -v b="${b%% *}" -v o=$((ours1 - ours0)) -v h="$CLK_TCK" -v d="$1" \
    'BEGIN{x=(b-a-o)/h/d; if (x<0) x=0; printf "%.2f", x}'
}

# ---------------------------------------------------------------- figures --
to_ms() {   # wrk latency "1.23ms" / "850.00us" / "1.20s" -> ms
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v } else { sub(/s$/, "", v); printf "%.3f", v*1000 } }'
}

median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) { print "-"; exit } m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m }'; }

# runs.tsv: one line per measured run, the same columns in every proxy bench; the machine's
# 1-minute load average when the run ended is appended (a shared machine: runs measured under
# other processes' load are told apart).
RUNS_HEADER=$'config\tround\treq_s\tp50_ms\tp99_ms\trequests\tcpu_us_per_req\tload1'
runs_init() { printf '%s\n' "$RUNS_HEADER" > "$1"; }   # runs_init TSV
runs_add() {   # runs_add TSV CONFIG ROUND REQ_S P50_MS P99_MS REQUESTS CPU_US
  local f=$1; shift
  (IFS=$'\t'; printf '%s\t%s\n' "$*" "$(cut -d' ' -f1 /proc/loadavg)") >> "$f"
}

runs_median() {   # runs_median TSV CONFIG COLUMN -> the median of that column over the config's runs
  awk -F'\t' -v c="$2" -v k="$3" 'NR>1 && $1==c {print $k}' "$1" | median
}

each_round() {   # each_round FN: REPS rounds over CONFIGS, the order rotated by one each round
  # (so no config always runs first); calls FN ROUND NAME PORT CPUS SCHEME GROUP LOAD, where
  # LOAD is where the load generator and the backends run: CPU 1 when the proxy is pinned to
  # CPU 0, both CPUs when it floats.
  local fn=$1 r i n=${#CONFIGS[@]} c name port cpus scheme group load
  for r in $(seq 1 "$REPS"); do
    for ((i = 0; i < n; i++)); do
      c=${CONFIGS[$(( (i + r - 1) % n ))]}
      read -r name port cpus scheme group <<<"$c"
      load=1; [[ $cpus == 0,1 ]] && load=0,1
      "$fn" "$r" "$name" "$port" "$cpus" "$scheme" "$group" "$load"
    done
  done
}

summarize_runs() {   # summarize_runs TSV TITLE CONFIG... [-- A/B...] -> markdown on stdout
  # One row of medians per config; after `--`, one throughput ratio line per A/B pair
  # ("Trellis / nginx throughput: 0.52x (target >= 0.5x)" style, label from the pair).
  local tsv=$1 title=$2; shift 2
  local cfgs=() pairs=() c a b
  while (($#)) && [[ $1 != -- ]]; do cfgs+=("$1"); shift; done
  (($#)) && shift
  pairs=("$@")
  echo "# $title ($(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  echo "| config | runs | req/s | p50 ms | p99 ms | CPU us/request |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for c in "${cfgs[@]}"; do
    echo "| $c | $(awk -F'\t' -v c="$c" 'NR>1 && $1==c' "$tsv" | wc -l) | $(runs_median "$tsv" "$c" 3) | $(runs_median "$tsv" "$c" 4) | $(runs_median "$tsv" "$c" 5) | $(runs_median "$tsv" "$c" 7) |"
  done
  ((${#pairs[@]})) && echo
  for c in "${pairs[@]}"; do
    a=${c%%/*}; b=${c#*/}
    awk -v a="$a" -v b="$b" -v t="$(runs_median "$tsv" "$a" 3)" -v n="$(runs_median "$tsv" "$b" 3)" \
      'BEGIN{ if (n > 0) printf "%s / %s throughput: %.2fx (target >= 0.5x)\n", a, b, t/n; else printf "%s / %s: no runs\n", a, b }'
    # Throughput on a busy machine swings with other processes' load; CPU per request much
    # less: the ratio a CPU-bound proxy's throughput would have on a quiet machine.
    awk -v a="$a" -v b="$b" -v ca="$(runs_median "$tsv" "$a" 7)" -v cb="$(runs_median "$tsv" "$b" 7)" \
      'BEGIN{ if (ca > 0) printf "%s / %s by CPU per request (%s / %s us): %.2fx\n", a, b, cb, ca, cb/ca }'
  done
}

# ------------------------------------------------------ TLS proxies (HTTPS, gRPC) --
start_bench_trellis() {   # start_bench_trellis NAME CPUS CERT_DIR ENV... [-- SERVER-ARGS...]
  # bench/https/server.ts (the `trellis up` runtime) as NAME; it writes its local CA and its
  # leaf for `localhost` to CERT_DIR (wait with wait_bench_trellis). Needs REPO.
  local name=$1 cpus=$2 certs=$3; shift 3
  local envs=() args=()
  while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
  (($#)) && { shift; args=("$@"); }
  mkdir -p "$certs"; rm -f "$certs/"*.pem
  start "$name" "$cpus" CERT_OUT="$certs" NODE_NO_WARNINGS=1 "${envs[@]}" -- \
    node --import "file://$REPO/node_modules/tsx/dist/esm/index.mjs" "$REPO/bench/https/server.ts" "${args[@]}"
}

wait_bench_trellis() {   # wait_bench_trellis NAME CERT_DIR: until configured (certificates written)
  wait_for 60 test -s "$2/key.pem" || { cat "$RUN_DIR/$1/out.log" >&2; die "$1 did not start"; }
}

start_nginx_tls() {   # start_nginx_tls NAME WORKERS PORT CPUS TEMPLATE [SED-EXPR...]
  # nginx from a conf template (@WORKERS@, @PORT@, plus the caller's sed expressions),
  # presenting the certificate in $RUN_DIR/certs (the `trellis` leaf: same handshake cost).
  local name=$1 workers=$2 port=$3 cpus=$4 tpl=$5; shift 5
  local sedargs=(-e "s/@WORKERS@/$workers/" -e "s/@PORT@/$port/") e
  for e in "$@"; do sedargs+=(-e "$e"); done
  mkdir -p "$RUN_DIR/$name"; cp "$RUN_DIR/certs/cert.pem" "$RUN_DIR/certs/key.pem" "$RUN_DIR/$name/"
  sed "${sedargs[@]}" "$tpl" > "$RUN_DIR/$name/nginx.conf"
  start "$name" "$cpus" -- nginx -p "$RUN_DIR/$name/" -c nginx.conf -e "$RUN_DIR/$name/error.log" -g 'daemon off;'
}
