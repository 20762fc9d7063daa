#!/usr/bin/env bats
# runc containers checkpointed to S3 (`dump runc --dir s3://…`, `restore runc --path s3://…`)
# against the real runc and CRIU and a real S3-compatible server on loopback (moto with
# signature checking on, s3_server.bash): an lz4 archive and a streamed checkpoint, each
# restored from the bucket, the container counting on where it stopped.

load helpers
load runc_helpers
load s3_server

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup_file() {
    command -v "${RUNC:-runc}" >/dev/null || skip "runc is not installed"
    command -v jq >/dev/null || skip "jq is not installed"
    s3_start
}

teardown_file() {
    s3_stop
}

setup() {
    helpers_setup
    runc_setup
    s3_require
    BUCKET=cedana-e2e-runc-$BATS_TEST_NUMBER-$RANDOM$RANDOM
    s3_make_bucket "$BUCKET" || fail "cannot create the bucket $BUCKET"
    start_daemon
}

teardown() {
    runc_cleanup
    kill_test_processes
    helpers_teardown
}

# roundtrip NAME EXT [dump args]: a detached counting container dumped to s3://BUCKET/runc
# under NAME (the checkpoint s3://BUCKET/runc/NAME+EXT), gone here, restored from the bucket
# and counting on.
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
    dump_runc "$id" --dir "s3://$BUCKET/runc" --name "$name" "$@"
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/runc/$name$ext"
    wait_pid_gone "$pid"
    wait_container_gone "$id"
    local before
    before=$(counter_len "$count")

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$count"
    run s3_uploads "$BUCKET"
    assert_output ""
}

@test "dump runc --dir s3:// --compression lz4: one object NAME.tar.lz4; restore runc --path s3:// brings the container back counting on" {
    roundtrip arc .tar.lz4 --compression lz4
    assert_equal "$(s3_keys "$BUCKET" runc/)" "runc/arc.tar.lz4"
}

@test "dump runc --dir s3:// --streams 2 --compression zstd: the shards under NAME/; restore of the prefix brings the container back" {
    roundtrip st "" --compression zstd --streams 2
    assert_equal "$(s3_keys "$BUCKET" runc/ | LC_ALL=C sort | tr '\n' ' ')" "runc/st/img-0.zst runc/st/img-1.zst "
}
