#!/usr/bin/env bats
# What is left when something dies in the middle: the daemon while CRIU dumps, CRIU while
# it restores, the process while it is dumped; and a job database that is another daemon's
# or damaged. Nothing may be lost: the process runs on (or its checkpoint is whole), no
# `.partial-*` stays, the database is intact or refused. The daemon killed at each step of
# its chains is tests/faults/chain_steps.bats (it needs the instrumented build).

load helpers

eval "helpers_$(declare -f teardown)"

teardown() {
    kill_test_processes
    helpers_teardown
}

# pages_open_below PID: some descendant of PID (the daemon: CRIU and the tasks it restores)
# has a pages-*.img of the test's directory open.
pages_open_below() {
    local -a queue=("$1")
    local p child fd
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for child in $(ps -o pid= --ppid "$p" 2>/dev/null); do
            for fd in /proc/"$child"/fd/*; do
                [[ $(readlink "$fd" 2>/dev/null) == "$TEST_DIR"/*pages-*.img ]] && return 0
            done
            queue+=("$child")
        done
    done
    return 1
}

# wait_for_pages_open: waits until CRIU (or a task it restores) reads or writes a memory image.
wait_for_pages_open() {
    local i
    for ((i = 0; i < 3000; i++)); do
        pages_open_below "$DAEMON_PID" && return 0
        kill -0 "$1" 2>/dev/null || fail "the request ended before CRIU was seen at the memory: $(cat "$2")"
        sleep 0.01
    done
    fail "CRIU was not seen at the memory images"
}

@test "the daemon SIGKILLed while CRIU dumps (none, lz4): a restarted daemon finds the process running and no .partial-* left" {
    local compression out cli
    for compression in none lz4; do
        start_daemon
        start_big_process 384
        mkdir -p "$TEST_DIR/ck"
        out=$TEST_DIR/dump-$compression.out
        "$CEDANA" dump process "$PID" --address "$SOCK" --config-dir "$CFG_DIR" --dir "$TEST_DIR/ck" --name cp \
            --compression "$compression" </dev/null >"$out" 2>&1 3>&- &
        cli=$!
        wait_for_pages_open "$cli" "$out"
        kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" || true
        local rc=0
        wait "$cli" || rc=$?
        ((rc != 0)) || fail "$compression: the dump succeeded although its daemon was killed: $(cat "$out")"
        # CRIU may still be at it, orphaned: the new daemon waits for it before it undoes anything.
        start_daemon
        assert_dir_empty "$TEST_DIR/ck"
        assert_running "$PID" "$TEST_DIR/big.out"
        # The daemon is fine and so is the process.
        cedana_dump "$PID" --dir "$TEST_DIR/ck" --name "again-$compression" --compression "$compression" --leave-running
        assert_success
        assert_running "$PID" "$TEST_DIR/big.out"
        rm -rf "${TEST_DIR:?}/ck"
        stop_daemon
        kill -KILL "$PID"
        wait "$PID" 2>/dev/null || true
    done
}

@test "CRIU SIGKILLed while it restores: the restore fails clearly, nothing runs, and the checkpoint restores next time" {
    start_daemon
    start_big_process 384
    cedana_dump "$PID" --dir "$TEST_DIR/ck" --name cp
    assert_success
    wait "$PID" 2>/dev/null || true
    wait_pid_gone "$PID"
    local out=$TEST_DIR/restore.out cli criu
    "$CEDANA" restore process --path "$TEST_DIR/ck/cp" --address "$SOCK" --config-dir "$CFG_DIR" </dev/null >"$out" 2>&1 3>&- &
    cli=$!
    wait_for_pages_open "$cli" "$out"
    criu=$(criu_below "$DAEMON_PID")
    [[ -n $criu ]] || fail "no CRIU below the daemon while the memory is restored"
    kill -KILL "$criu"
    local rc=0
    wait "$cli" || rc=$?
    ((rc != 0)) || fail "the restore succeeded although its CRIU was killed: $(cat "$out")"
    run cat "$out"
    assert_output --partial "CRIU"
    wait_pid_dead "$PID"
    [[ $(pid_state "$PID") != [RST] ]] || fail "PID $PID runs after a failed restore"
    assert_only_entries "$TEST_DIR/ck" cp
    cedana_restore "$TEST_DIR/ck/cp"
    assert_success
    assert_running "$PID" "$TEST_DIR/big.out"
    kill -KILL "$PID"
    wait_pid_dead "$PID"
    stop_daemon
}

@test "the process killed while CRIU dumps it: the dump fails clearly leaving nothing, or its checkpoint is whole and restores" {
    start_daemon
    start_big_process 384
    mkdir -p "$TEST_DIR/ck"
    local out=$TEST_DIR/dump.out cli
    "$CEDANA" dump process "$PID" --address "$SOCK" --config-dir "$CFG_DIR" --dir "$TEST_DIR/ck" --name cp --compression lz4 \
        </dev/null >"$out" 2>&1 3>&- &
    cli=$!
    wait_for_pages_open "$cli" "$out"
    kill -KILL "$PID"
    local rc=0
    wait "$cli" || rc=$?
    wait "$PID" 2>/dev/null || true
    wait_pid_dead "$PID"
    if ((rc != 0)); then
        run cat "$out"
        assert_output --partial "PID $PID"
        assert_dir_empty "$TEST_DIR/ck"
    else
        # CRIU had what it needed before the process died: the checkpoint is complete.
        assert_only_entries "$TEST_DIR/ck" cp.tar.lz4
        cedana_restore "$TEST_DIR/ck/cp.tar.lz4"
        assert_success
        assert_running "$PID" "$TEST_DIR/big.out"
        kill -KILL "$PID"
        wait_pid_dead "$PID"
    fi
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    stop_daemon
}

@test "a second daemon on a job database in use is refused, naming the first; the first serves on" {
    start_daemon
    local first=$DAEMON_PID
    run "$CEDANA" daemon start --address "$TEST_DIR/second.sock" --config-dir "$CFG_DIR" --db "$(daemon_db)" </dev/null 3>&-
    assert_failure
    assert_output --partial "the job database $(daemon_db) is in use by the cedana daemon with PID $first"
    assert_output --partial "--db"
    [[ ! -e $TEST_DIR/second.sock ]] || fail "the refused daemon made its socket"
    run "$CEDANA" ps --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    DAEMON_PID=$first
    stop_daemon
    # Once the first has stopped, the database is free.
    start_daemon
    stop_daemon
}

@test "a job database that is garbage or cut short is refused with what to do, and left as it was" {
    local db=$TEST_DIR/jobs.db
    head -c 65536 /dev/urandom >"$db"
    cp "$db" "$TEST_DIR/before"
    run "$CEDANA" daemon start --address "$SOCK" --config-dir "$CFG_DIR" --db "$db" </dev/null 3>&-
    assert_failure
    assert_output --partial "the job database $db is damaged or not a database"
    assert_output --partial "move it aside"
    cmp "$db" "$TEST_DIR/before" || fail "the refused database was changed"
    [[ ! -e $SOCK ]] || fail "a daemon with a damaged database made its socket"

    # A real database with jobs in it, cut after its first pages.
    rm -f "$db"
    DAEMON_DB=$db start_daemon
    local i
    for i in $(seq 1 40); do
        run "$CEDANA" run process sleep 600 --jid "job$i" --out /dev/null --address "$SOCK" --config-dir "$CFG_DIR"
        assert_success
        [[ ${lines[-1]} =~ \(PID\ ([0-9]+)\) ]] && TEST_PIDS+=("${BASH_REMATCH[1]}")
    done
    stop_daemon
    truncate -s 8192 "$db"
    cp "$db" "$TEST_DIR/before"
    run "$CEDANA" daemon start --address "$SOCK" --config-dir "$CFG_DIR" --db "$db" </dev/null 3>&-
    assert_failure
    assert_output --partial "is damaged or not a database"
    cmp "$db" "$TEST_DIR/before" || fail "the refused database was changed"
}
