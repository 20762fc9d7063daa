#!/usr/bin/env bats
# containerd containers checkpointed to a cedana store (`dump containerd --dir cedana://…`,
# `restore containerd --path cedana://…`) against the real containerd of
# containerd_helpers.bash, real CRIU and `cedana store serve` on loopback (store_server.bash):
# an lz4 archive restored onto its container, and a streamed checkpoint (its memory read from
# the store while CRIU restores) restored after the container was removed.

load helpers
load containerd_helpers
load store_server

setup_file() {
    # Each test's daemon must see the store this test starts: no daemon for the whole file.
    unset CEDANA_E2E_SHARED_DAEMON
    containerd_setup_file
}
teardown_file() { containerd_teardown_file; }

setup() {
    helpers_setup
    CTD_CONTAINERS=()
    store_start
    start_daemon
}

teardown() { containerd_teardown; }

@test "dump containerd --dir cedana:// --compression lz4 stores the archive; restore containerd --path cedana:// onto the same container: RUNNING with the restored PID, counting on" {
    local id
    id=$(ctd_id st)
    running "$id"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir cedana://b/ctd --compression lz4
    assert_success
    cedana_dump_out
    [[ $DUMP_PATH == cedana://b/ctd/dump-containerd-*.tar.lz4 ]] || fail "checkpoint at '$DUMP_PATH'"
    assert_store_files "b/ctd/${DUMP_PATH#cedana://b/ctd/}"
    wait_pid_dead "$pid"
    assert_equal "$(task_field "$id" STATUS)" ""

    cedana_cli restore containerd --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    assert_task_counts_on "$RESTORED_PID"
    run ctr_ task kill -s KILL "$id"
    assert_success
    wait_pid_dead "$RESTORED_PID"
    run ctr_ task rm "$id"
    assert_success
}

@test "dump containerd --dir cedana:// --streams 2 --compression zstd stores the shards; after ctr c rm, restore containerd from the store makes it anew, counting on" {
    local id
    id=$(ctd_id ss)
    running "$id"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir cedana://b/ctd --name streamed --compression zstd --streams 2
    assert_success
    cedana_dump_out
    assert_equal "$DUMP_PATH" cedana://b/ctd/streamed
    assert_store_files b/ctd/streamed/img-0.zst b/ctd/streamed/img-1.zst
    wait_pid_dead "$pid"
    run ctr_ containers rm "$id"
    assert_success

    cedana_cli restore containerd --path cedana://b/ctd/streamed --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    run ctr_ containers info "$id"
    assert_equal "$(jq -r .Image <<<"$output")" "$CTD_IMAGE"
    assert_task_counts_on "$RESTORED_PID" anew
    assert_store_files b/ctd/streamed/img-0.zst b/ctd/streamed/img-1.zst
}
