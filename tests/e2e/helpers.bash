# Shared helpers for the cedana end-to-end tests.
#
# Every test gets its own temporary directory, its own daemon socket and its
# own configuration directory, so tests never touch /etc/cedana or /run and
# never depend on each other.

bats_require_minimum_version 1.5.0

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

CEDANA=${CEDANA_BIN:-cedana}

# Upper bound for waiting on the daemon socket: 200 polls of 0.05 s = 10 s.
SOCKET_WAIT_POLLS=200

# PIDs of the daemons this test started; teardown kills any still running.
DAEMON_PIDS=()

setup() {
    TEST_DIR=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/cedana-e2e.XXXXXX")
    SOCK=$TEST_DIR/cedana.sock
    CFG_DIR=$TEST_DIR/config
    mkdir -p "$CFG_DIR"
    DAEMON_LOG=$TEST_DIR/daemon.log
    DAEMON_PID=
    # Nothing from the caller's environment may leak into the tests.
    unset CEDANA_ADDRESS CEDANA_PROTOCOL CEDANA_CONFIG_DIR
    unset CEDANA_CRIU_BINARY_PATH CEDANA_CHECKPOINT_COMPRESSION CEDANA_CHECKPOINT_DIR
    unset CEDANA_LOG_LEVEL CEDANA_PROFILING_ENABLED CEDANA_AUTH_TOKEN CEDANA_URL
    unset "${!CEDANA_CONNECTION_@}" "${!CEDANA_PLUGINS_@}"
    export CEDANA_CONFIG_DIR=$CFG_DIR
    # Workloads and jobs inherit the working directory: keep it in the test's own
    # directory, not wherever the suite was started (a checkout on some other mount).
    cd "$TEST_DIR" || return 1
}

# close_inherited_fds: inside a workload's subshell, closes every descriptor above
# stderr. What the test runner holds (its pipes and sockets) is none of the workload's
# business, and CRIU would have to dump it with the workload.
close_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
    done
    return 0
}

# Daemons a test did not stop itself (because it failed early) are killed by
# their recorded PID only; SIGKILL cannot hang the suite.
teardown() {
    local pid
    for pid in "${DAEMON_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    DAEMON_PIDS=()
    rm -rf "$TEST_DIR"
}

# _wait_for_socket PID PATH LOG [STALE]: waits until PATH is a socket, or
# fails when the daemon PID died or the socket did not appear in time. With
# STALE=1 (a socket file was already there when the daemon started, e.g. left
# by a killed daemon) the file proves nothing, so it also waits for the
# daemon's "listening on" log line, which is written once it listens.
_wait_for_socket() {
    local pid=$1 path=$2 log=$3 stale=${4:-0} i
    for ((i = 0; i < SOCKET_WAIT_POLLS; i++)); do
        if [[ -S $path ]] && { [[ $stale == 0 ]] || grep -q "listening on" "$log" 2>/dev/null; }; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            local rc=0
            wait "$pid" 2>/dev/null || rc=$?
            fail "daemon (pid $pid) exited with status $rc before creating $path; log:
$(cat "$log" 2>/dev/null)"
            return 1
        fi
        sleep 0.05
    done
    fail "daemon (pid $pid) did not create $path within 10 s; log:
$(cat "$log" 2>/dev/null)"
    return 1
}

# _wait_for_tcp PID ADDRESS LOG: for tcp daemons, where no socket file exists:
# waits until the daemon logged that it listens (it logs after binding).
_wait_for_tcp() {
    local pid=$1 address=$2 log=$3 i
    for ((i = 0; i < SOCKET_WAIT_POLLS; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            fail "daemon (pid $pid) exited before listening on $address; log:
$(cat "$log" 2>/dev/null)"
            return 1
        fi
        if grep -q "listening on" "$log" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    fail "daemon (pid $pid) did not listen on $address within 10 s; log:
$(cat "$log" 2>/dev/null)"
    return 1
}

# start_daemon [extra args]: starts a daemon on $SOCK with $CFG_DIR in the
# background, stderr to $DAEMON_LOG, and waits until the socket exists.
# Every daemon gets the test's own job database (see daemon_db).
# Sets DAEMON_PID.
start_daemon() {
    start_daemon_at "$SOCK" "$DAEMON_LOG" "$@"
}

# daemon_db: the job database a daemon of this test uses, instead of the
# default /tmp/cedana.db that every daemon would share: $DAEMON_DB when set,
# else $TEST_DIR.jobs.db, beside $TEST_DIR (tests check what $TEST_DIR
# holds) in the test's own temporary directory, which bats removes.
daemon_db() {
    echo "${DAEMON_DB:-$TEST_DIR.jobs.db}"
}

# _has_db_arg [daemon args]: whether the daemon arguments already name a --db.
_has_db_arg() {
    local arg
    for arg in "$@"; do
        [[ $arg == --db || $arg == --db=* ]] && return 0
    done
    return 1
}

# start_daemon_at SOCKET LOG [extra args]: like start_daemon, on another socket.
start_daemon_at() {
    local sock=$1 log=$2 stale=0
    shift 2
    [[ -e $sock ]] && stale=1
    local -a db=()
    _has_db_arg "$@" || db=(--db "$(daemon_db)")
    # Emptied here, before the daemon starts: the background job's own redirection truncates
    # it only once that job runs, and until then a restarted daemon's wait would find the
    # previous daemon's "listening on" line in it.
    : >"$log"
    "$CEDANA" daemon start --address "$sock" --config-dir "$CFG_DIR" "${db[@]}" "$@" \
        </dev/null >"$log.out" 2>"$log" 3>&- &
    DAEMON_PID=$!
    DAEMON_PIDS+=("$DAEMON_PID")
    _wait_for_socket "$DAEMON_PID" "$sock" "$log" "$stale"
}

# start_daemon_tcp ADDRESS LOG: starts a daemon listening on tcp ADDRESS.
start_daemon_tcp() {
    local address=$1 log=$2
    : >"$log"  # as in start_daemon_at: no earlier daemon's "listening on" line
    "$CEDANA" daemon start --protocol tcp --address "$address" --config-dir "$CFG_DIR" --db "$(daemon_db)" \
        </dev/null >"$log.out" 2>"$log" 3>&- &
    DAEMON_PID=$!
    DAEMON_PIDS+=("$DAEMON_PID")
    _wait_for_tcp "$DAEMON_PID" "$address" "$log"
}

# stop_daemon [PID] [SIGNAL]: signals the daemon (SIGTERM by default), waits
# for it and asserts that it exited with status 0.
stop_daemon() {
    local pid=${1:-$DAEMON_PID} sig=${2:-TERM} rc=0
    [[ -n $pid ]] || fail "stop_daemon: no daemon PID recorded"
    kill -"$sig" "$pid" || fail "stop_daemon: could not signal pid $pid"
    wait "$pid" || rc=$?
    [[ $rc -eq 0 ]] || fail "daemon (pid $pid) exited with status $rc after SIG$sig; log:
$(cat "$DAEMON_LOG" 2>/dev/null)"
}

# free_tcp_port: prints a TCP port on 127.0.0.1 that nothing listens on.
free_tcp_port() {
    local port i
    for ((i = 0; i < 50; i++)); do
        port=$((20000 + RANDOM % 10000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# on_terminal CMD...: runs CMD with stdout on a pseudo-terminal (script(1)); $output is what
# the terminal got, carriage returns and line clearing taken out.
on_terminal() {
    local cmd
    printf -v cmd '%q ' "$@"
    run script -qefc "$cmd" /dev/null
    output=$(sed -e 's/\r/\n/g' -e 's/\x1b\[K//g' <<<"$output" | sed '/^$/d')
    mapfile -t lines <<<"$output"
}

# write_config JSON: writes $CFG_DIR/config.json.
write_config() {
    printf '%s\n' "$1" >"$CFG_DIR/config.json"
}

# ---------------------------------------------------------------------------
# Helpers for the dump/restore tests.

# Upper bound for waiting on a workload: 200 polls of 0.05 s = 10 s.
WORKLOAD_WAIT_POLLS=200

# PIDs of the workloads (and of the processes restored from them) this test
# started; kill_test_processes ends the ones still running, by PID only.
TEST_PIDS=()
# tmpfs mounts this test made; unmount_test_mounts unmounts them.
TEST_MOUNTS=()

# start_counter OUT [pipe|file]: starts a shell loop that prints 0, 1, 2, ...
# every 0.1 s. With "pipe" (the default) its stdout and stderr are an
# anonymous pipe to a cat writing OUT; with "file" they are OUT itself.
# Sets WORKLOAD_PID.
start_counter() {
    local out=$1 mode=${2:-pipe}
    if [[ $mode == pipe ]]; then
        (
            close_inherited_fds
            i=0
            while true; do
                echo $i
                i=$((i + 1))
                sleep 0.1
            done
        ) > >(close_inherited_fds && exec cat >"$out" 2>/dev/null) 2>&1 </dev/null 3>&- &
    else
        (
            close_inherited_fds
            i=0
            while true; do
                echo $i
                i=$((i + 1))
                sleep 0.1
            done
        ) >"$out" 2>&1 </dev/null 3>&- &
    fi
    WORKLOAD_PID=$!
    TEST_PIDS+=("$WORKLOAD_PID")
}

# write_counter_script PATH: an executable script that prints 0, 1, 2, ... one
# number every 0.1 s and never ends on its own.
# write_tcp_holder_script FILE: an executable counter (as write_counter_script) holding both
# ends of an established TCP connection on loopback, which CRIU refuses to dump without
# --tcp-established: the way to make a dump fail inside CRIU.
write_tcp_holder_script() {
    cat >"$1" <<'EOF'
#!/usr/bin/env python3
import socket, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
s = socket.create_connection(l.getsockname())
c, _ = l.accept()
i = 0
while True:
    print(i, flush=True)
    i += 1
    time.sleep(0.1)
EOF
    chmod +x "$1"
}

write_counter_script() {
    cat >"$1" <<'EOF'
#!/bin/bash
i=0
while true; do
    echo $i
    i=$((i + 1))
    sleep 0.1
done
EOF
    chmod +x "$1"
}

# start_workload OUT COMMAND...: starts COMMAND in the background with its
# stdout and stderr on OUT. Sets WORKLOAD_PID.
start_workload() {
    local out=$1
    shift
    (
        close_inherited_fds
        exec "$@"
    ) >"$out" 2>&1 </dev/null 3>&- &
    WORKLOAD_PID=$!
    TEST_PIDS+=("$WORKLOAD_PID")
}

# line_count FILE: the number of lines in FILE (0 when it does not exist).
line_count() {
    if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi
}

# wait_for_lines FILE N: waits until FILE holds at least N lines.
wait_for_lines() {
    local file=$1 n=$2 i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        (($(line_count "$file") >= n)) && return 0
        sleep 0.05
    done
    fail "$file did not reach $n lines within 10 s; it holds:
$(cat "$file" 2>/dev/null)"
}

# wait_for_text FILE TEXT: waits until FILE contains the line TEXT.
wait_for_text() {
    local file=$1 text=$2 i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        grep -qxF -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "$file did not show \"$text\" within 10 s; it holds:
$(cat "$file" 2>/dev/null)"
}

# assert_growing FILE: waits until FILE gains at least two more lines.
assert_growing() {
    local file=$1 before
    before=$(line_count "$file")
    wait_for_lines "$file" $((before + 2))
}

# assert_running PID FILE: the process is alive and its output keeps growing.
assert_running() {
    local pid=$1 file=$2
    kill -0 "$pid" 2>/dev/null || fail "process $pid is not running"
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != [ZT] ]] ||
        fail "process $pid is a zombie or stopped"
    assert_growing "$file"
}

# wait_pid_gone PID: waits until /proc/PID disappears (the process ended and
# was reaped by its parent).
wait_pid_gone() {
    local pid=$1 i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        [[ -e /proc/$pid ]] || return 0
        sleep 0.05
    done
    fail "process $pid still exists after 10 s"
}

# kill_restored PID: kills a restored process (a child of the daemon, which
# reaps it) and waits until its PID is gone.
kill_restored() {
    local pid=$1
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid"
}

# kill_test_processes: kills, by PID, what this test started and is still running.
kill_test_processes() {
    local pid i
    for pid in "${TEST_PIDS[@]}"; do
        if [[ -e /proc/$pid ]]; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
                [[ -e /proc/$pid ]] || break
                sleep 0.05
            done
        fi
    done
    TEST_PIDS=()
}

# mount_tmpfs DIR OPTIONS: mounts a tmpfs on DIR (created); unmount_test_mounts undoes it.
mount_tmpfs() {
    local dir=$1 opts=$2
    mkdir -p "$dir"
    mount -t tmpfs -o "$opts" tmpfs "$dir"
    TEST_MOUNTS+=("$dir")
}

unmount_test_mounts() {
    local dir
    for dir in "${TEST_MOUNTS[@]}"; do
        umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
    done
    TEST_MOUNTS=()
}

# cedana_dump PID [args]: runs `cedana dump process PID` against this test's
# daemon; on success sets DUMP_PATH from the final "Dumped to" line.
cedana_dump() {
    local pid=$1
    shift
    run "$CEDANA" dump process "$pid" --address "$SOCK" --config-dir "$CFG_DIR" "$@"
    DUMP_PATH=
    if [[ $status -eq 0 && ${#lines[@]} -gt 0 ]]; then
        DUMP_PATH=${lines[${#lines[@]} - 1]#Dumped to }
    fi
}

# cedana_restore PATH [args]: runs `cedana restore process --path PATH`
# against this test's daemon.
cedana_restore() {
    local path=$1
    shift
    run "$CEDANA" restore process --path "$path" --address "$SOCK" --config-dir "$CFG_DIR" "$@"
}

# assert_dir_empty DIR: DIR exists and holds nothing at all, hidden entries included.
assert_dir_empty() {
    local dir=$1
    [[ -d $dir ]] || fail "$dir is not a directory"
    local left
    left=$(ls -A "$dir")
    [[ -z $left ]] || fail "$dir is not empty:
$(ls -lA "$dir")"
}

# assert_counter_continues ORIG RESTORED: the first line of RESTORED is the
# last line of ORIG plus one (the counter went on, it did not start again). Or the
# last line itself, once, followed by the next: a dump that catches that line in the
# stdout pipe before the reader has taken it saves it with the pipe, and restore writes
# it into the replacement output (the original reader also got it, so it shows twice).
assert_counter_continues() {
    local orig=$1 restored=$2 last first
    last=$(tail -n 1 "$orig")
    first=$(head -n 1 "$restored")
    [[ $last =~ ^[0-9]+$ ]] || fail "last line of $orig is not a number: '$last'"
    if [[ $first == "$last" ]]; then
        first=$(sed -n 2p "$restored")
        [[ $first == "$((last + 1))" ]] || fail "restored output starts with '$last' (in flight at the dump), then '$first', expected $((last + 1))"
        return 0
    fi
    [[ $first == "$((last + 1))" ]] || fail "restored output starts with '$first', expected $((last + 1)) (the original ended with $last)"
}

# ---------------------------------------------------------------------------
# Helpers for the managed-job tests.

# cedana_cli ARGS...: `run`s cedana ARGS against this test's daemon.
cedana_cli() {
    run "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR"
}

# ps_row JID: runs `cedana ps` and sets PS_HEADER (its first line), PS_ROW
# (the row whose first column is JID, empty when there is none) and PS_COUNT
# (how many rows have JID in their first column).
ps_row() {
    local jid=$1 out line
    out=$("$CEDANA" ps --address "$SOCK" --config-dir "$CFG_DIR" 2>&1) || fail "cedana ps failed: $out"
    PS_HEADER=$(head -n 1 <<<"$out")
    PS_ROW=
    PS_COUNT=0
    while IFS= read -r line; do
        if [[ ${line%% *} == "$jid" ]]; then
            PS_ROW=$line
            PS_COUNT=$((PS_COUNT + 1))
        fi
    done < <(tail -n +2 <<<"$out")
}

# ps_col NAME: the cell of PS_ROW under the header NAME, without the spaces
# around it. JOB, TYPE and PID are the first three words of the row (PID is
# right-aligned); the other columns start where their header starts.
ps_col() {
    local name=$1 prefix start rest after next val
    case $name in
    JOB) awk '{print $1}' <<<"$PS_ROW"; return ;;
    TYPE) awk '{print $2}' <<<"$PS_ROW"; return ;;
    PID) awk '{print $3}' <<<"$PS_ROW"; return ;;
    esac
    [[ $PS_HEADER == *"$name"* ]] || fail "no column $name in '$PS_HEADER'"
    prefix=${PS_HEADER%%"$name"*}
    start=${#prefix}
    rest=${PS_HEADER:start+${#name}}
    after=${rest#"${rest%%[! ]*}"}
    if [[ -z $after ]]; then
        val=${PS_ROW:start}
    else
        next=$((start + ${#name} + ${#rest} - ${#after}))
        val=${PS_ROW:start:next-start}
    fi
    val=${val#"${val%%[! ]*}"}
    val=${val%"${val##*[! ]}"}
    printf '%s\n' "$val"
}

# wait_job_status JID STATUS: waits until `cedana ps` shows STATUS for JID.
wait_job_status() {
    local jid=$1 want=$2 i got=
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        ps_row "$jid"
        got=$(ps_col STATUS)
        [[ $got == "$want" ]] && return 0
        sleep 0.05
    done
    fail "job $jid did not become $want within 10 s (status '$got'; row '$PS_ROW')"
}

# pid_starttime PID: the start time of PID (field 22 of /proc/PID/stat),
# empty when the process does not exist.
pid_starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    awk '{print $20}' <<<"$stat"
}

# pid_state PID: the one-letter state of PID (R, S, Z, ...), empty when gone.
pid_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    awk '{print $1}' <<<"$stat"
}

# wait_pid_dead PID: waits until PID is gone or a zombie (an orphan of an
# init that does not reap it is dead although /proc/PID stays).
wait_pid_dead() {
    local pid=$1 i state
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        state=$(pid_state "$pid")
        [[ -z $state || $state == Z ]] && return 0
        sleep 0.05
    done
    fail "process $pid is still alive (state $state) after 10 s"
}

# Processes a test started, with their start times (see track / kill_tracked).
TRACKED=()

# track PID: teardown kills PID, as long as it is still the same process.
track() {
    local start
    start=$(pid_starttime "$1")
    [[ -n $start ]] && TRACKED+=("$1:$start")
    return 0
}

# kill_tracked: SIGKILLs what this test started (jobs, restored jobs, plain
# processes), by PID and only when the start time still matches.
kill_tracked() {
    local entry pid start
    for entry in "${TRACKED[@]}"; do
        pid=${entry%%:*}
        start=${entry#*:}
        if [[ $(pid_starttime "$pid") == "$start" ]]; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            wait_pid_dead "$pid" || true
        fi
    done
    TRACKED=()
}

# --- One daemon per file (CEDANA_E2E_SHARED_DAEMON=1) --------------------------------------
# A suite that can run against one daemon for all its tests calls these from setup_file and
# teardown_file; its setup then points SOCK, CFG_DIR and DAEMON_DB at SHARED_*.

shared_daemon() {
    [[ ${CEDANA_E2E_SHARED_DAEMON:-0} == 1 ]]
}

# shared_daemon_start: starts the file's daemon in BATS_FILE_TMPDIR, nothing from the
# caller's environment leaking into it. SHARED_PID_FILE holds the PID of the daemon that
# serves the file now (a test that restarts it writes its successor's PID there).
shared_daemon_start() {
    unset CEDANA_ADDRESS CEDANA_PROTOCOL CEDANA_CONFIG_DIR
    unset CEDANA_CRIU_BINARY_PATH CEDANA_CHECKPOINT_COMPRESSION CEDANA_CHECKPOINT_DIR
    unset CEDANA_LOG_LEVEL CEDANA_PROFILING_ENABLED CEDANA_AUTH_TOKEN CEDANA_URL
    unset "${!CEDANA_CONNECTION_@}" "${!CEDANA_PLUGINS_@}"
    export SHARED_SOCK=$BATS_FILE_TMPDIR/cedana.sock
    export SHARED_CFG=$BATS_FILE_TMPDIR/config
    export SHARED_DB=$BATS_FILE_TMPDIR/jobs.db
    export SHARED_PID_FILE=$BATS_FILE_TMPDIR/daemon.pid
    mkdir -p "$SHARED_CFG"
    export CEDANA_CONFIG_DIR=$SHARED_CFG
    cd "$BATS_FILE_TMPDIR" || return 1
    CFG_DIR=$SHARED_CFG DAEMON_DB=$SHARED_DB start_daemon_at "$SHARED_SOCK" "$BATS_FILE_TMPDIR/daemon.log"
    echo "$DAEMON_PID" >"$SHARED_PID_FILE"
    # Not a job of this shell: teardown_file stops whichever daemon serves the file then, by
    # the PID in the file.
    disown "$DAEMON_PID"
}

# shared_daemon_stop: stops the file's daemon, only if its command line names our socket.
shared_daemon_stop() {
    local pid i
    pid=$(cat "$SHARED_PID_FILE" 2>/dev/null) || return 0
    grep -qF "$SHARED_SOCK" "/proc/$pid/cmdline" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        [[ -z $(pid_state "$pid") || $(pid_state "$pid") == Z ]] && return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# start_big_process [MIB]: a python process holding MIB (default 8) MiB of random bytes,
# which no compression shrinks, that never forks and, once "ready", prints a tick every
# 0.1 s to $TEST_DIR/big.out, a plain file. Sets PID once it ticks.
start_big_process() {
    start_workload "$TEST_DIR/big.out" python3 -u -c '
import os, sys, time
b = os.urandom(int(sys.argv[1]) * 1024 * 1024)
print("ready", flush=True)
i = 0
while True:
    print(i, flush=True)
    i += 1
    time.sleep(0.1)
' "${1:-8}"
    PID=$WORKLOAD_PID
    wait_for_text "$TEST_DIR/big.out" ready
    wait_for_lines "$TEST_DIR/big.out" 3
}

# start_counter_and_wait [pipe|file]: starts the counter on $TEST_DIR/orig.out
# and waits for its first lines. Sets PID.
start_counter_and_wait() {
    start_counter "$TEST_DIR/orig.out" "${1:-pipe}"
    PID=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
}

# make_checkpoint FORMAT [pipe|file]: dumps a fresh counter with FORMAT into
# $TEST_DIR/ckpt and waits until the dumped process is gone. Sets PID and CKPT.
make_checkpoint() {
    start_counter_and_wait "${2:-pipe}"
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --compression "$1" --name cp
    assert_success
    CKPT=$DUMP_PATH
    wait "$PID" || true
    wait_pid_gone "$PID"
}

# assert_nothing_restored PID: no process got the checkpointed PID.
assert_nothing_restored() {
    local pid=$1
    [[ ! -e /proc/$pid ]] || fail "a process with PID $pid exists: $(tr '\0' ' ' </proc/"$pid"/cmdline)"
}

# assert_only_entries DIR NAME...: DIR holds exactly NAME... (no scratch leftovers).
assert_only_entries() {
    local dir=$1
    shift
    local expected actual
    expected=$(printf '%s\n' "$@" | sort)
    actual=$(ls -A "$dir" | sort)
    [[ $actual == "$expected" ]] || fail "$dir holds:
$actual
expected:
$expected"
}

# criu_below PID: the PID of a CRIU among the descendants of PID (this test's daemon), empty
# when there is none. Known by the binary it has mapped: the CRIU a wrapper script starts
# through the dynamic loader is called ld-linux-…, and CRIU rewrites its command line.
criu_below() {
    local -a queue=("$1")
    local p child
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for child in $(ps -o pid= --ppid "$p" 2>/dev/null); do
            if grep -qE '/criu$' 2>/dev/null "/proc/$child/maps"; then
                echo "$child"
                return 0
            fi
            queue+=("$child")
        done
    done
}
