#!/usr/bin/env bats
# runc containers checkpointed to a cedana store (`dump runc --dir cedana://…`, `restore runc
# --path cedana://…`) against the real runc and CRIU and `cedana store serve` on loopback
# (store_server.bash): an lz4 archive and a streamed checkpoint, each restored from the store,
# the container counting on where it stopped.

load helpers
load runc_helpers
load store_server

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup_file() {
    command -v "${RUNC:-runc}" >/dev/null || skip "runc is not installed"
    command -v jq >/dev/null || skip "jq is not installed"
}

setup() {
    helpers_setup
    runc_setup
    store_start
    start_daemon
}

teardown() {
    runc_cleanup
    kill_test_processes
    helpers_teardown
}

# roundtrip NAME EXT [dump args]: a detached counting container dumped to cedana://b/runc
# under NAME, gone here, restored from the store and counting on.
roundtrip() {
    local name=$1 ext=$2
    shift 2
    local id
    id=$(cid "$name")
    make_bundle "$TEST_DIR/$name" -- "$TICK_LOOP"
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir cedana://b/runc --name "$name" "$@"
    assert_success
    assert_equal "$DUMP_PATH" "cedana://b/runc/$name$ext"
    wait_pid_gone "$pid"
    wait_container_gone "$id"
    local before
    before=$(counter_len "$count")

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$count"
}

@test "dump runc --dir cedana:// --compression lz4: the store's file NAME.tar.lz4; restore runc --path cedana:// brings the container back counting on" {
    roundtrip arc .tar.lz4 --compression lz4
    assert_store_files b/runc/arc.tar.lz4
}

@test "dump runc --dir cedana:// --streams 2 --compression zstd: the shards under NAME/; restore of NAME brings the container back" {
    roundtrip st "" --compression zstd --streams 2
    assert_store_files b/runc/st/img-0.zst b/runc/st/img-1.zst
}
