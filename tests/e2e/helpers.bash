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
    unset CEDANA_LOG_LEVEL CEDANA_PROFILING_ENABLED
    export CEDANA_CONFIG_DIR=$CFG_DIR
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
# Sets DAEMON_PID.
start_daemon() {
    start_daemon_at "$SOCK" "$DAEMON_LOG" "$@"
}

# start_daemon_at SOCKET LOG [extra args]: like start_daemon, on another socket.
start_daemon_at() {
    local sock=$1 log=$2 stale=0
    shift 2
    [[ -e $sock ]] && stale=1
    "$CEDANA" daemon start --address "$sock" --config-dir "$CFG_DIR" "$@" \
        </dev/null >"$log.out" 2>"$log" 3>&- &
    DAEMON_PID=$!
    DAEMON_PIDS+=("$DAEMON_PID")
    _wait_for_socket "$DAEMON_PID" "$sock" "$log" "$stale"
}

# start_daemon_tcp ADDRESS LOG: starts a daemon listening on tcp ADDRESS.
start_daemon_tcp() {
    local address=$1 log=$2
    "$CEDANA" daemon start --protocol tcp --address "$address" --config-dir "$CFG_DIR" \
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

# write_config JSON: writes $CFG_DIR/config.json.
write_config() {
    printf '%s\n' "$1" >"$CFG_DIR/config.json"
}
