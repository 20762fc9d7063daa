#!/usr/bin/env bats
# The daemon SIGKILLed at every step of a dump and of a restore, on the way in and on the
# way back (pipeline/fault_point.hpp: CEDANA_FAULT_KILL, compiled into the instrumented
# build only). After each kill a daemon restarted on the same database must find the job's
# process running, or the checkpoint it was dumped to published whole, recorded and
# restorable; no `.partial-*` or `.cedana-restore-*` left, no FUSE mount left, and the
# database intact. The steps are read from the chain itself (--profiling), so a step added
# to it is in the matrix without a change here.

load ../e2e/helpers
load ../e2e/runc_helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup_file() {
    # A binary without fault points ignores CEDANA_FAULT_KILL and runs the restore to its
    # (failing) end; one with them dies at the first step.
    local rc=0
    CEDANA_FAULT_KILL=enter:request-config "${CEDANA_BIN:-cedana}" restore process --path /nonexistent --no-server </dev/null >/dev/null 2>&1 ||
        rc=$?
    ((rc == 137)) || export FAULTS_SKIP="${CEDANA_BIN:-cedana} has no fault points (build with -DCEDANA_FAULT_POINTS=ON: make faults)"
}

setup() {
    [[ -z ${FAULTS_SKIP:-} ]] || skip "$FAULTS_SKIP"
    helpers_setup
    TRACKED=()
    W=$TEST_DIR/work
    CK=$TEST_DIR/ck
    mkdir -p "$W" "$CK"
    write_counter_script "$W/count.sh"
    JID=faults_$BATS_TEST_NUMBER$RANDOM
}

teardown() {
    if [[ -n ${RUNC_ROOT:-} ]]; then
        runc_cleanup
    else
        kill_tracked
    fi
    helpers_teardown
}

# start_counter_job: `run process` of the counter as job $JID, logging to $LOG; sets JOB_PID.
start_counter_job() {
    LOG=$TEST_DIR/job.log
    cedana_cli run process "$W/count.sh" --jid "$JID" --out "$LOG"
    assert_success
    [[ ${lines[-1]} =~ \(PID\ ([0-9]+)\) ]] || fail "no PID in: $output"
    JOB_PID=${BASH_REMATCH[1]}
    track "$JOB_PID"
    wait_for_lines "$LOG" 3
}

# chain_steps COMMAND...: the steps of the chain COMMAND runs, in order, from its PROFILING table.
chain_steps() {
    run "$CEDANA" "$@" --profiling --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    STEPS=()
    local line in_table=0
    for line in "${lines[@]}"; do
        if [[ $line =~ ^STEP\ +COMPONENT ]]; then
            in_table=1
        elif [[ $line =~ ^COMPONENT\ +TOTAL ]]; then
            break
        elif ((in_table)) && [[ -n $line ]]; then
            STEPS+=("${line%% *}")
        fi
    done
    ((${#STEPS[@]} >= 5)) || fail "no chain steps in the PROFILING table: $output"
}

# killed_at POINT COMMAND...: restarts the daemon so that it SIGKILLs itself at POINT, runs
# COMMAND against it, which must fail because the daemon died, then starts a daemon without
# the fault on the same socket and database.
killed_at() {
    local point=$1
    shift
    stop_daemon
    export CEDANA_FAULT_KILL=$point
    start_daemon
    unset CEDANA_FAULT_KILL
    run "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR"
    ((status != 0)) || fail "$point: '$*' succeeded although the daemon was to die there: $output"
    local rc=0
    wait "$DAEMON_PID" || rc=$?
    ((rc == 137)) || fail "$point: the daemon was not killed there (status $rc); it logged: $(cat "$DAEMON_LOG")"
    start_daemon
}

# assert_database_intact: SQLite finds nothing wrong with the job database.
assert_database_intact() {
    local result
    result=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' \
        "$(daemon_db)") || fail "cannot read the job database $(daemon_db)"
    [[ $result == ok ]] || fail "$1: the job database is damaged: $result"
}

# assert_no_leftovers POINT: nothing unfinished in the checkpoint directory, nothing
# mounted below the test's directory.
assert_no_leftovers() {
    local hidden
    hidden=$(find "$CK" -mindepth 1 -maxdepth 1 -name '.*')
    [[ -z $hidden ]] || fail "$1: $hidden was left behind; $CK holds: $(ls -A "$CK")"
    ! grep -q " $TEST_DIR" /proc/self/mountinfo || fail "$1: a mount is left below $TEST_DIR: $(grep " $TEST_DIR" /proc/self/mountinfo)"
}

# assert_checkpoints_recorded POINT: every checkpoint in $CK is one of the job's.
assert_checkpoints_recorded() {
    local rows entry
    rows=$("$CEDANA" checkpoints "$JID" --address "$SOCK" --config-dir "$CFG_DIR") || fail "$1: checkpoints $JID failed: $rows"
    for entry in "$CK"/*; do
        # A restore's log is kept beside the archive it restored.
        [[ -e $entry && $entry != *.restore.log ]] || continue
        [[ $rows == *"$entry"* ]] || fail "$1: $entry was published but is not recorded with job $JID: $rows"
    done
}

# assert_job_runs POINT: the job's process is its own, running (not left stopped), counting
# on, and `ps` shows it.
assert_job_runs() {
    local point=$1
    [[ $(pid_state "$JOB_PID") =~ ^[RS]$ ]] || fail "$point: process $JOB_PID is '$(pid_state "$JOB_PID")' (T: left stopped), not running"
    assert_growing "$LOG"
    ps_row "$JID"
    [[ $(ps_col PID) == "$JOB_PID" && $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "$point: ps shows $PS_ROW"
}

@test "the daemon killed entering or leaving any step of dump job: the job runs on, or its checkpoint is published whole, recorded and restores" {
    start_daemon
    start_counter_job
    # A dump that succeeds, to read the chain's steps; the job is restored from it.
    chain_steps dump job "$JID" --dir "$CK" --compression lz4
    cedana_cli restore job "$JID"
    assert_success
    JOB_PID=$(awk '/^Restored job/ {print $NF}' <<<"$output")
    track "$JOB_PID"
    rm -rf "${CK:?}"/*
    local step edge point n=0 dumped=0
    for step in "${STEPS[@]}"; do
        for edge in enter leave; do
            point=$edge:$step
            n=$((n + 1))
            killed_at "$point" dump job "$JID" --dir "$CK" --compression lz4 --name "cp$n"
            assert_database_intact "$point"
            assert_no_leftovers "$point"
            assert_checkpoints_recorded "$point"
            if [[ -e $CK/cp$n.tar.lz4 ]]; then
                dumped=$((dumped + 1))
            fi
            if [[ $(pid_state "$JOB_PID") =~ ^[RST]$ ]]; then
                assert_job_runs "$point"
            else
                # The dump ended the process: it was published, and it is the job's way back.
                [[ -e $CK/cp$n.tar.lz4 ]] || fail "$point: the process is gone and its checkpoint was not published"
                wait_job_status "$JID" halted
                cedana_cli restore job "$JID" --path "$CK/cp$n.tar.lz4"
                assert_success
                JOB_PID=$(awk '/^Restored job/ {print $NF}' <<<"$output")
                track "$JOB_PID"
                assert_job_runs "$point (restored)"
            fi
        done
    done
    # A kill after the checkpoint is published must not lose it (nor record it twice): the
    # job has the first dump's checkpoint and one for each published in the loop.
    ((dumped > 0)) || fail "no kill came after a checkpoint was published"
    run "$CEDANA" checkpoints "$JID" --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_equal "$(($(wc -l <<<"$output") - 1))" "$((dumped + 1))"
    stop_daemon
}

@test "the daemon killed entering or leaving any step of restore job: the job is restored whole, or not at all and restores next time" {
    start_daemon
    start_counter_job
    cedana_cli dump job "$JID" --dir "$CK" --compression lz4 --name cp
    assert_success
    wait_pid_gone "$JOB_PID"
    chain_steps restore job "$JID"
    JOB_PID=$(awk '/^Restored job/ {print $NF}' <<<"$output")
    track "$JOB_PID"
    local step edge point
    for step in "${STEPS[@]}"; do
        for edge in enter leave; do
            point=$edge:$step
            # The job back in its checkpoint, the process gone.
            kill -KILL "$JOB_PID" 2>/dev/null || true
            wait_pid_dead "$JOB_PID"
            wait_job_status "$JID" halted
            killed_at "$point" restore job "$JID"
            assert_database_intact "$point"
            assert_no_leftovers "$point"
            ps_row "$JID"
            local pid
            pid=$(ps_col PID)
            if [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]]; then
                # Restored whole before the daemon died: the job knows its process.
                JOB_PID=$pid
                track "$JOB_PID"
                assert_job_runs "$point"
            else
                # Not restored: nothing runs as the job, and the checkpoint restores now.
                [[ $(pid_state "$pid") != [RST] ]] || fail "$point: PID $pid runs but the job says $(ps_col STATUS)"
                cedana_cli restore job "$JID"
                assert_success
                JOB_PID=$(awk '/^Restored job/ {print $NF}' <<<"$output")
                track "$JOB_PID"
                assert_job_runs "$point (restored after)"
            fi
        done
    done
    stop_daemon
}

@test "the daemon killed once CRIU has dumped a runc container (frozen, its tasks stopped): a restarted daemon thaws and continues it" {
    command -v "${RUNC:-runc}" >/dev/null || skip "runc is not installed"
    runc_setup
    start_daemon
    local id count before
    id=$(cid faulted)
    make_bundle "$TEST_DIR/bundle" -- "$TICK_LOOP"
    runc_detached "$id" "$BUNDLE"
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 3
    killed_at leave:criu-dump dump runc "$id" --root "$RUNC_ROOT" --dir "$CK"
    assert_database_intact leave:criu-dump
    assert_no_leftovers leave:criu-dump
    [[ $(container_status "$id") == running ]] || fail "container $id is '$(container_status "$id")' after the restart"
    before=$(counter_len "$count")
    wait_counter "$count" $((before + 3))
    stop_daemon
}
