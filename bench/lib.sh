# shellcheck shell=bash
# Helpers for bench/run.sh: sourced, never run. Everything here writes under $WORK (a
# directory run.sh creates outside the repository); run.sh's EXIT trap ends, by PID, the
# daemon (DAEMON_PID) and the workload alive at the time (LIVE_PID).

DAEMON_PID=""
# The one workload (or process restored from it, which has its PID) alive at a time, which
# run.sh's cleanup ends; set from its start to its end, dump and restore included.
# shellcheck disable=SC2034
LIVE_PID=""

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}

now_ns() { date +%s%N; }

# Becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), then execs "$@". The attribute
# survives execve, so the bash that runs the benchmark adopts and reaps every orphan: the
# processes `criu restore -d` leaves behind and the children a killed workload leaves. PID 1
# here does not reap them promptly, and a zombie holding a PID makes the next restore of
# that PID fail ("Can't fork for N: File exists").
exec_as_subreaper() {
    local nr
    case "$(uname -m)" in
        x86_64) nr=157 ;;
        aarch64 | arm64) nr=167 ;;
        *) die "unknown prctl syscall number on $(uname -m)" ;;
    esac
    exec perl -e 'syscall($ARGV[0], 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n"; shift @ARGV; exec {$ARGV[0]} @ARGV or die "exec: $!\n"' "$nr" "$@"
}

# memhog_settings [path-to-cedana]: the settings of a benchmark on memhog workloads, checked:
# ROUNDS (default 9), MEMHOG_MIB (1024), BENCH_DIR (/var/tmp), CEDANA and MEMHOG (made
# absolute), BENCH_OUT (made absolute when set); dies unless run as root.
memhog_settings() {
    ROUNDS=${ROUNDS:-9}
    MEMHOG_MIB=${MEMHOG_MIB:-1024}
    BENCH_DIR=${BENCH_DIR:-/var/tmp}
    [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not \"$ROUNDS\""
    [[ "$MEMHOG_MIB" =~ ^[1-9][0-9]*$ ]] || die "MEMHOG_MIB must be a positive integer, not \"$MEMHOG_MIB\""
    CEDANA=${1:-$HERE/../build/cedana}
    [ -x "$CEDANA" ] || die "no cedana binary at $CEDANA (build it first: make build)"
    CEDANA=$(realpath "$CEDANA")
    MEMHOG=${MEMHOG:-$(dirname "$CEDANA")/bench/memhog}
    [ -x "$MEMHOG" ] || die "no memhog at $MEMHOG (it is built with the project)"
    MEMHOG=$(realpath "$MEMHOG")
    [ "$(id -u)" -eq 0 ] || die "CRIU needs root"
    if [ -n "${BENCH_OUT:-}" ]; then
        mkdir -p "$(dirname "$BENCH_OUT")"
        BENCH_OUT=$(realpath "$BENCH_OUT")
    fi
}

# alive PID: true while PID exists and is not a zombie.
alive() {
    local state
    [ -r "/proc/$1/stat" ] || return 1
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# wait_gone PID [TIMEOUT_S]: until /proc/PID is gone (the process ended and was reaped).
wait_gone() {
    local pid=$1 timeout=${2:-20} i
    for ((i = 0; i < timeout * 100; i++)); do
        [ -e "/proc/$pid" ] || return 0
        sleep 0.01
    done
    return 1
}

# end_pid PID: SIGKILL, then wait until /proc/PID is gone (reaped by whichever of this shell
# or the daemon is its parent).
end_pid() {
    local pid=$1
    [ -e "/proc/$pid" ] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 20 || die "PID $pid is still there 20 s after SIGKILL ($(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null))"
}

# start_daemon CEDANA DIR [DAEMON-ARGS...]: a daemon on DIR/cedana.sock with DIR/config as
# its config dir and the further `daemon start` arguments given.
start_daemon() {
    local cedana=$1 dir=$2 i
    shift 2
    mkdir -p "$dir/config"
    "$cedana" daemon start --address "$dir/cedana.sock" --config-dir "$dir/config" "$@" </dev/null >"$dir/daemon.log" 2>&1 &
    DAEMON_PID=$!
    for ((i = 0; i < 400; i++)); do
        [ -S "$dir/cedana.sock" ] && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$dir/daemon.log" >&2; die "the daemon exited at start"; }
        sleep 0.05
    done
    cat "$dir/daemon.log" >&2
    die "the daemon did not create its socket in 20 s"
}

stop_daemon() {
    [ -n "$DAEMON_PID" ] || return 0
    if kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        local i
        for ((i = 0; i < 200; i++)); do
            kill -0 "$DAEMON_PID" 2>/dev/null || break
            sleep 0.05
        done
        kill -0 "$DAEMON_PID" 2>/dev/null && kill -KILL "$DAEMON_PID" 2>/dev/null
    fi
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=""
}

# start_workload KIND LOGFILE: starts the workload (not in a new session, stdio on
# /dev/null and LOGFILE, the same for both contenders) and sets WORKLOAD_PID once it is
# ready. KIND is "small" (a shell loop) or "memhog".
WORKLOAD_PID=""
start_workload() {
    local kind=$1 logfile=$2 i
    case "$kind" in
        small) bash -c 'while true; do sleep 0.1; done' </dev/null >"$logfile" 2>&1 & ;;
        memhog) "$MEMHOG" "$MEMHOG_MIB" </dev/null >"$logfile" 2>&1 & ;;
        *) die "unknown workload $kind" ;;
    esac
    WORKLOAD_PID=$!
    # Out of the job table, so that bash does not report "Killed" when the dump ends it; this
    # shell (a subreaper) still reaps it, like any child.
    disown "$WORKLOAD_PID"
    # shellcheck disable=SC2034
    LIVE_PID=$WORKLOAD_PID
    case "$kind" in
        small) sleep 0.3 ;;
        memhog)
            for ((i = 0; i < 12000; i++)); do
                grep -q '^ready$' "$logfile" 2>/dev/null && break
                alive "$WORKLOAD_PID" || die "memhog exited before it was ready: $(cat "$logfile")"
                sleep 0.01
            done
            grep -q '^ready$' "$logfile" || die "memhog was not ready in 120 s"
            ;;
    esac
    alive "$WORKLOAD_PID" || die "the $kind workload (PID $WORKLOAD_PID) is not running"
}

# tree_of PID: PID and its descendants, one a line.
tree_of() {
    local pid=$1 child
    echo "$pid"
    # shellcheck disable=SC2013 # the file holds space-separated PIDs
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do tree_of "$child"; done
}

# after_dump PID...: the dump ended the tree (PIDs taken before it, untimed); wait until all of
# them are reaped, so that the restore finds its PIDs free.
after_dump() {
    local pid
    for pid in "$@"; do
        wait_gone "$pid" 20 || die "PID $pid still exists 20 s after the dump (it should have been killed and reaped)"
    done
}

# size_of PATH: bytes in a file or a directory tree.
size_of() { du -sb "$1" | awk '{ print $1 }'; }

# median of the numbers on stdin (one a line); "-" when there are none.
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
min_of() { sort -n | head -n 1; }
max_of() { sort -n | tail -n 1; }

# print_report TITLE NOTE: the Markdown report (title, machine, table of medians, NOTE) on
# stdout, and in $BENCH_OUT when it is set.
print_report() {
    local title=$1 note=$2 text
    text=$(
        echo "## $title"
        echo
        machine_info
        echo
        results_table
        echo
        printf '%s\n' "$note"
    )
    printf '%s\n' "$text"
    if [ -n "${BENCH_OUT:-}" ]; then
        printf '%s\n' "$text" >"$BENCH_OUT"
        log "results written to $BENCH_OUT"
    fi
}
