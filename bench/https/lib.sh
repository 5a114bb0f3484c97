# bench/https/lib.sh - process bookkeeping shared by bench/https/run.sh and bench/grpc/run.sh
# (sourced). The same discipline as bench/dataplane/run.sh: every process started is recorded
# as "pid start-time name" in $RUN_DIR/pids and only those are ever signalled (and only while
# the pid still has its recorded start time); CPU is read from /proc/<pid>/stat (utime+stime
# of the process and its threads, children recorded after start-up).
# Needs: RUN_DIR, T0 (= $SECONDS at start).

CLK_TCK=$(getconf CLK_TCK)
PIDFILE="$RUN_DIR/pids"
declare -A GROUP_PIDS=()

log() { printf '[%3ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

start_time() {
  local f a
  f=$( { cut -d')' -f2- "/proc/$1/stat"; } 2>/dev/null) || return 1
  read -r -a a <<<"$f"
  echo "${a[19]}"
}
ours() { [[ -n "$2" && "$(start_time "$1")" == "$2" ]]; }
record_pid() { echo "$1 $(start_time "$1") $2" >> "$PIDFILE"; }

kill_recorded() {
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

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  kill_recorded
  log "stopped everything this script started"
  exit $rc
}

start() {   # start NAME CPUS ENV... -- CMD...
  local name=$1 cpus=$2; shift 2
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done; shift
  mkdir -p "$RUN_DIR/$name"
  ( cd "$RUN_DIR/$name" && exec env "${envs[@]}" taskset -c "$cpus" "$@" ) > "$RUN_DIR/$name/out.log" 2>&1 &
  local pid=$!
  record_pid "$pid" "$name"
  GROUP_PIDS[$name]="$pid"
}

record_children() {
  local name pid c
  for name in "${!GROUP_PIDS[@]}"; do
    pid=${GROUP_PIDS[$name]%% *}
    for c in $(pgrep -P "$pid"); do
      [[ " ${GROUP_PIDS[$name]} " == *" $c "* ]] && continue
      GROUP_PIDS[$name]+=" $c"; record_pid "$c" "$name-child"
    done
  done
}

cpu_ticks() {   # cpu_ticks NAME -> utime+stime over the group's pids
  local total=0 p f a
  for p in ${GROUP_PIDS[$1]:-}; do
    f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
    read -r -a a <<<"$f"
    total=$((total + a[11] + a[12]))
  done
  echo $total
}

wait_for() {   # wait_for SECONDS CMD... : poll until CMD succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS > deadline)) && return 1
    sleep 0.2
  done
}

to_ms() {   # wrk latency "1.23ms" / "850.00us" / "1.20s" -> ms
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v } else { sub(/s$/, "", v); printf "%.3f", v*1000 } }'
}

median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) { print "-"; exit } m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m }'; }
