#!/usr/bin/env bats
# freeze, unfreeze and query of processes and process jobs: a process tree is frozen by
# stopping each of its processes (plugins/process/freeze.hpp says why), and stays frozen
# through a dump that leaves it running.

load helpers

eval "helpers_$(declare -f teardown)"

teardown() {
    kill_test_processes
    helpers_teardown
}

# start_tree: a counter whose shell forks a `sleep` child every tick, in a session of its
# own. Sets PID.
start_tree() {
    start_workload "$TEST_DIR/tree.out" setsid bash -c 'i=0; while true; do echo $i; i=$((i + 1)); sleep 0.1; done'
    PID=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/tree.out" 3
    # setsid forks when its caller leads a process group: take the shell it ran.
    local child
    child=$(pgrep -P "$PID" -x bash || true)
    [[ -z $child ]] || PID=$child
    TEST_PIDS+=("$PID")
}

# start_parent_child: a shell in a session of its own whose one child sleeps for good: a
# tree that holds still. Sets PID (the shell) and CHILD.
start_parent_child() {
    start_workload "$TEST_DIR/pc.out" setsid bash -c 'sleep 600 & echo "child $!"; echo ready; wait'
    wait_for_text "$TEST_DIR/pc.out" ready
    CHILD=$(awk '/^child / {print $2}' "$TEST_DIR/pc.out")
    PID=$(awk '{print $4}' "/proc/$CHILD/stat")
    TEST_PIDS+=("$CHILD" "$PID")
}

# tree_states ROOT: the state letter of every process of ROOT's tree, sorted and unique.
tree_states() {
    local root=$1 pids pid
    pids="$root $(pgrep -P "$root" | tr '\n' ' ')"
    for pid in $pids; do
        [[ -r /proc/$pid/stat ]] && awk '{print $3}' "/proc/$pid/stat"
    done | sort -u | tr '\n' ' '
}

@test "freeze process stops every process of the tree; unfreeze lets it count on" {
    start_daemon
    start_tree
    cedana_cli freeze process "$PID"
    assert_success
    assert_output --regexp "^Froze PID $PID \([0-9]+ process(es)?\)$"
    assert_equal "$(tree_states "$PID")" "T "
    local frozen_at
    frozen_at=$(line_count "$TEST_DIR/tree.out")
    cedana_cli unfreeze process "$PID"
    assert_success
    assert_output --regexp "^Unfroze PID $PID \([0-9]+ process(es)?\)$"
    wait_for_lines "$TEST_DIR/tree.out" $((frozen_at + 3))
    [[ $(tree_states "$PID") != *T* ]] || fail "still stopped after unfreeze: $(tree_states "$PID")"
    stop_daemon
}

@test "freezing a frozen tree and unfreezing one not frozen are clear errors" {
    start_daemon
    start_tree
    cedana_cli unfreeze process "$PID"
    assert_failure
    assert_output --partial "PID $PID is not frozen"
    cedana_cli freeze process "$PID"
    assert_success
    cedana_cli freeze process "$PID"
    assert_failure
    assert_output --partial "PID $PID is frozen already"
    assert_output --partial "cedana unfreeze process $PID"
    cedana_cli unfreeze process "$PID"
    assert_success
    stop_daemon
}

@test "freeze and query of a PID that does not exist fail naming it" {
    [[ ! -e /proc/999999 ]] || skip "PID 999999 exists on this machine"
    start_daemon
    cedana_cli freeze process 999999
    assert_failure
    assert_output --partial "no process with PID 999999"
    cedana_cli query process 999999
    assert_failure
    assert_output --partial "no process with PID 999999"
    stop_daemon
}

@test "freeze job and unfreeze job act on the job's process; ps shows it stopped while frozen" {
    start_daemon
    start_tree
    cedana_cli manage process "$PID" --jid frozen1
    assert_success
    cedana_cli freeze job frozen1
    assert_success
    assert_output --regexp "^Froze job frozen1 "
    ps_row frozen1
    assert_equal "$(ps_col STATUS)" stopped
    cedana_cli unfreeze job frozen1
    assert_success
    ps_row frozen1
    [[ $(ps_col STATUS) != stopped ]] || fail "ps still says stopped"
    cedana_cli freeze job no-such-job
    assert_failure
    assert_output --partial "no job no-such-job"
    stop_daemon
}

@test "a frozen tree dumped with --leave-running stays frozen" {
    start_daemon
    start_tree
    cedana_cli freeze process "$PID"
    assert_success
    cedana_dump "$PID" --dir "$TEST_DIR" --compression tar --leave-running
    assert_success
    assert_equal "$(tree_states "$PID")" "T "
    cedana_cli unfreeze process "$PID"
    assert_success
    stop_daemon
}

@test "query process prints PID, PPID, STATE and COMMAND; --tree adds the children, --inspect the details" {
    start_daemon
    start_parent_child
    cedana_cli query process "$PID"
    assert_success
    assert_line --index 0 --regexp '^PID +PPID +STATE +COMMAND$'
    assert_line --index 1 --regexp "^$PID +[0-9]+ +sleep +bash -c sleep 600 &"
    assert_equal "${#lines[@]}" 2
    cedana_cli freeze process "$PID"
    assert_success
    assert_output "Froze PID $PID (2 processes)"
    cedana_cli query process "$PID" --tree --inspect
    assert_success
    assert_line --regexp "^$CHILD +$PID +stopped +sleep 600$"
    assert_line --regexp "^PID +$PID$"
    assert_line --regexp '^State +stopped$'
    assert_line --regexp '^Shell job +no '
    assert_line --regexp '^Processes in tree +2$'
    cedana_cli unfreeze process "$PID"
    assert_success
    stop_daemon
}

@test "query process of several PIDs lists each once; a PID that is not a number is refused" {
    start_daemon
    start_tree
    local first=$PID
    start_tree
    cedana_cli query process "$first" "$PID" "$first"
    assert_success
    assert_equal "${#lines[@]}" 3
    cedana_cli query process abc
    assert_failure
    assert_output --partial 'invalid PID "abc"'
    stop_daemon
}

@test "features process shows freeze, unfreeze and query as the process plugin's" {
    run "$CEDANA" features process --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^Freeze command +✔$'
    assert_line --regexp '^Unfreeze command +✔$'
    assert_line --regexp '^Query command +✔$'
    assert_line --regexp '^Query handler +✔$'
}
