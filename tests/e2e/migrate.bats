#!/usr/bin/env bats
# `cedana migrate job JID --to ADDRESS` between two real daemons on this machine: A (the
# test's own daemon on $SOCK) and B (a second one, on a UNIX socket or on TCP with a token),
# each with its own job database and checkpoint directory. The job leaves A, runs on B with
# the same id and PID and its log's count going on; A shows it migrated. When the target
# refuses or fails, the job runs on at A and nothing of it is left at B.

load helpers

# The shared setup and teardown, kept under other names, run inside this file's own.
eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
    helpers_setup
    TRACKED=()
    A_CKPT=$TEST_DIR/a-ckpt
    B_CKPT=$TEST_DIR/b-ckpt
    B_SOCK=$TEST_DIR/b.sock
    B_LOG=$TEST_DIR/b.log
    B_DB=$TEST_DIR.b.db
    mkdir -p "$A_CKPT" "$B_CKPT"
    JID=job_${BATS_TEST_NUMBER}x$RANDOM
}

teardown() {
    kill_tracked
    kill_test_processes
    helpers_teardown
}

start_a() {
    CEDANA_CHECKPOINT_DIR=$A_CKPT start_daemon
    A_PID=$DAEMON_PID
}

# start_b [VAR=value...]: the second daemon, on $B_SOCK.
start_b() {
    env CEDANA_CHECKPOINT_DIR="$B_CKPT" "$@" bash -c '"$0" daemon start --address "$1" --config-dir "$2" --db "$3" </dev/null >"$4.out" 2>"$4" 3>&- &
echo $!' "$CEDANA" "$B_SOCK" "$CFG_DIR" "$B_DB" "$B_LOG" >"$TEST_DIR/b.pid"
    B_PID=$(cat "$TEST_DIR/b.pid")
    DAEMON_PIDS+=("$B_PID")
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -S $B_SOCK ]] && return 0
        kill -0 "$B_PID" 2>/dev/null || fail "daemon B exited: $(cat "$B_LOG")"
        sleep 0.05
    done
    fail "daemon B did not listen on $B_SOCK: $(cat "$B_LOG")"
}

# start_b_tcp ADDRESS TOKEN: the second daemon on TCP, demanding TOKEN.
start_b_tcp() {
    local address=$1 token=$2
    CEDANA_AUTH_TOKEN=$token CEDANA_CHECKPOINT_DIR=$B_CKPT "$CEDANA" daemon start --protocol tcp --address "$address" \
        --config-dir "$CFG_DIR" --db "$B_DB" </dev/null >"$B_LOG.out" 2>"$B_LOG" 3>&- &
    B_PID=$!
    DAEMON_PIDS+=("$B_PID")
    _wait_for_tcp "$B_PID" "$address" "$B_LOG"
}

# stop_b: ends daemon B and waits until it is gone (started through bash -c on a UNIX
# socket, it is not this shell's child).
stop_b() {
    kill -TERM "$B_PID"
    wait "$B_PID" 2>/dev/null || true
    wait_pid_gone "$B_PID"
}

# on_b ARGS...: the CLI against daemon B (UNIX socket).
on_b() {
    run "$CEDANA" "$@" --address "$B_SOCK" --config-dir "$CFG_DIR"
}

# start_job [SCRIPT]: a job on A running SCRIPT (default: a counter); sets JOB_PID and JOB_LOG.
start_job() {
    local script=${1:-$TEST_DIR/count.sh}
    [[ -n ${1:-} ]] || write_counter_script "$script"
    JOB_LOG=$TEST_DIR/job.log
    cedana_cli run process "$script" --jid "$JID" --out "$JOB_LOG"
    assert_success
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\)'
    [[ ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    JOB_PID=${BASH_REMATCH[2]}
    track "$JOB_PID"
    wait_for_lines "$JOB_LOG" 3
}

# assert_counts_on BEFORE: the job's log grows past BEFORE lines, each line one more than
# the last (no number lost or repeated across the move).
assert_counts_on() {
    local before=$1
    wait_for_lines "$JOB_LOG" $((before + 3))
    run awk 'NR > 1 && $1 != prev + 1 { print "line " NR ": " $1 " after " prev; bad = 1 } { prev = $1 } END { exit bad }' "$JOB_LOG"
    assert_success
}

# assert_nothing_at_b: B has no job and its checkpoint directory is empty.
assert_nothing_at_b() {
    on_b ps
    assert_success
    refute_output --partial "$JID"
    run ls -A "$B_CKPT"
    assert_output ""
}

@test "migrate job --to a daemon's UNIX socket: the job runs there with the same id and PID, its count goes on; here it shows migrated and is refused to dump; its checkpoint here is gone" {
    start_a
    start_b
    start_job
    local before
    before=$(line_count "$JOB_LOG")

    # On a terminal: what was sent, then the result line.
    on_terminal "$CEDANA" migrate job "$JID" --to "$B_SOCK" --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^Sent [0-9.]+ [KM]iB to $B_SOCK in [0-9.]+ s \("
    assert_line --index $((${#lines[@]} - 1)) --regexp "^Migrated job $JID to $B_SOCK \(PID $JOB_PID, .+ sent\)$"
    assert_counts_on "$before"
    [[ $(pid_starttime "$JOB_PID") != "" ]] || fail "PID $JOB_PID is not running"

    on_b ps
    assert_success
    assert_line --regexp "^$JID +process +$JOB_PID +(running|sleep) "
    on_b job checkpoints "$JID"
    assert_success
    assert_output --partial "$B_CKPT/migrate-$JID-"
    ps_row "$JID"
    [[ $(ps_col STATUS) == migrated ]] || fail "A shows '$PS_ROW'"
    run ls -A "$A_CKPT"
    assert_output ""

    cedana_cli dump job "$JID"
    assert_failure
    assert_output --partial "job $JID was migrated to the daemon at $B_SOCK"
    cedana_cli kill "$JID"
    assert_failure
    kill -0 "$JOB_PID"

    # There it is a job like any other: dumped and restored by B.
    on_b dump job "$JID" --dir "$B_CKPT" --compression lz4
    assert_success
    wait_pid_gone "$JOB_PID"
    on_b restore job "$JID"
    assert_success
    assert_line "Restored job $JID as PID $JOB_PID"
    assert_counts_on "$(line_count "$JOB_LOG")"
    on_b kill "$JID"
    assert_success
    stop_b
}

@test "a target that cannot be reached, or that has a job of that id already, refuses the migration before the job is touched" {
    start_a
    start_job
    local started
    started=$(pid_starttime "$JOB_PID")

    cedana_cli migrate job "$JID" --to "$TEST_DIR/nobody.sock"
    assert_failure
    assert_output --partial "the daemon at $TEST_DIR/nobody.sock cannot be used"
    assert_equal "$(pid_starttime "$JOB_PID")" "$started"

    start_b
    on_b run process sleep 100 --jid "$JID" --out "$TEST_DIR/other.log"
    assert_success
    cedana_cli migrate job "$JID" --to "$B_SOCK"
    assert_failure
    assert_output --partial "has a job $JID already"
    assert_equal "$(pid_starttime "$JOB_PID")" "$started"
    run ls -A "$A_CKPT"
    assert_output ""
    on_b kill "$JID"
    stop_b
}

@test "a target that fails to restore (no CRIU there) or to store the checkpoint leaves nothing there; the job runs here again (restored, or never stopped) and counts on" {
    start_a
    start_job
    local before
    # No CRIU there fails once the whole checkpoint is there: the job comes back from it here.
    # A checkpoint the target cannot store fails while the shards are sent: the dump here is
    # undone and the job never stopped.
    local -A expected=(
        ["CEDANA_CRIU_BINARY_PATH=$TEST_DIR/no-criu"]="the job runs here again (PID $JOB_PID)"
        ["CEDANA_CHECKPOINT_DIR=$TEST_DIR/no-such-dir"]="the job runs on here, its dump undone"
    )
    for failing in "CEDANA_CRIU_BINARY_PATH=$TEST_DIR/no-criu" "CEDANA_CHECKPOINT_DIR=$TEST_DIR/no-such-dir"; do
        start_b "$failing"
        before=$(line_count "$JOB_LOG")
        cedana_cli migrate job "$JID" --to "$B_SOCK"
        assert_failure
        assert_output --partial "cannot migrate job $JID to $B_SOCK"
        assert_output --partial "${expected[$failing]}"
        assert_counts_on "$before"
        # Restored here, it is a process of another start time for the teardown to end.
        track "$JOB_PID"
        ps_row "$JID"
        [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "A shows '$PS_ROW'"
        assert_nothing_at_b
        stop_b
    done
    # The checkpoint it came back from stays, as any checkpoint of the job.
    cedana_cli job checkpoints "$JID"
    assert_success
    assert_output --partial "$A_CKPT/migrate-$JID-"
}

@test "a dump CRIU refuses while the shards go out to the target (an established TCP connection) fails the migration: nothing is left there, the job runs on here, no checkpoint of it" {
    start_a
    start_b
    write_tcp_holder_script "$TEST_DIR/tcp.py"
    start_job "$TEST_DIR/tcp.py"
    local before
    before=$(line_count "$JOB_LOG")
    cedana_cli migrate job "$JID" --to "$B_SOCK"
    assert_failure
    assert_output --partial "cannot migrate job $JID to $B_SOCK"
    assert_output --partial "the job runs on here, its dump undone"
    assert_output --regexp "(TCP|tcp|socket|CRIU)"
    assert_counts_on "$before"
    ps_row "$JID"
    [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "A shows '$PS_ROW'"
    assert_nothing_at_b
    cedana_cli job checkpoints "$JID"
    refute_output --partial "migrate-$JID-"
    run ls -A "$A_CKPT"
    assert_output ""
    stop_b
}

@test "migrate --to HOST:PORT over TCP carries the token: a wrong one is refused before the job is touched, the right one moves it" {
    start_a
    local port token=0123456789abcdef0123
    port=$(free_tcp_port)
    start_b_tcp "127.0.0.1:$port" "$token"
    start_job
    local started before
    started=$(pid_starttime "$JOB_PID")

    CEDANA_AUTH_TOKEN=wrong-token-0123456789 cedana_cli migrate job "$JID" --to "127.0.0.1:$port"
    assert_failure
    assert_output --partial "the auth token is wrong"
    assert_equal "$(pid_starttime "$JOB_PID")" "$started"

    before=$(line_count "$JOB_LOG")
    CEDANA_AUTH_TOKEN=$token cedana_cli migrate job "$JID" --to "127.0.0.1:$port" --streams 0 --compression zstd
    assert_success
    assert_output --regexp "^Migrated job $JID to 127\.0\.0\.1:$port \(PID $JOB_PID, "
    assert_counts_on "$before"
    CEDANA_AUTH_TOKEN=$token run "$CEDANA" ps --protocol tcp --address "127.0.0.1:$port" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^$JID +process +$JOB_PID "
    CEDANA_AUTH_TOKEN=$token run "$CEDANA" kill "$JID" --protocol tcp --address "127.0.0.1:$port" --config-dir "$CFG_DIR"
    assert_success
    stop_b
}
