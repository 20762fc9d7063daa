#!/usr/bin/env bats
# The writable layer of containerd containers end to end (dump --rootfs, --rootfs-only,
# --image REF), against a real containerd of the file's own (containerd_helpers.bash): what a
# container wrote and deleted before its dump is so again in a container restored anew, an
# image committed from the layer is one containerd lists and runs, and failures leave
# neither a checkpoint nor an image. The file's teardown checks that the namespace can be
# removed, so nothing (content, snapshot, lease) is left behind in it.
#
# Two modes, as containerd.bats: a daemon per test (default), or one for the file with
# CEDANA_E2E_SHARED_DAEMON=1.

load helpers
load containerd_helpers

setup_file() { containerd_setup_file; }
teardown_file() { containerd_teardown_file; }
setup() { containerd_setup; }
teardown() { containerd_teardown; }

# What the tests' containers change in their layer before they count: a new file, a new
# directory, a file of the image deleted, a directory of the image emptied and filled anew.
WRITER='echo kept >/root/note; mkdir -p /var/d; echo x >/var/d/f; rm /etc/group; rm -rf /tmp; mkdir /tmp; '"$CTD_TICK"

# layer_as_written PID: fails unless the container whose init is PID sees the changes WRITER made.
layer_as_written() {
    local root=/proc/$1/root
    [[ $(cat "$root/root/note" 2>/dev/null) == kept ]] || fail "/root/note is not 'kept' in the container of PID $1"
    [[ $(cat "$root/var/d/f" 2>/dev/null) == x ]] || fail "/var/d/f is not 'x' in the container of PID $1"
    [[ ! -e $root/etc/group ]] || fail "/etc/group, deleted before the dump, is back in the container of PID $1"
    [[ -e $root/etc/passwd ]] || fail "/etc/passwd of the image is missing in the container of PID $1"
}

# image_count: how many images the file's namespace has.
image_count() {
    ctr_ images ls -q | wc -l
}

@test "dump containerd --rootfs: the layer in the checkpoint as an OCI tar (whiteouts and all); restored anew under a new id and under its own after ctr c rm, the layer is back" {
    local id
    id=$(ctd_id rfs)
    running "$id" "$WRITER"
    wait_count "$CTD_TASK_PID" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs
    assert_success
    cedana_dump_out
    local ckpt=$DUMP_PATH
    run tar -tf "$ckpt/rootfs-diff.tar"
    assert_success
    assert_line "root/note"
    assert_line "var/d/f"
    assert_line "etc/.wh.group"
    assert_line "tmp/.wh..wh..opq"
    assert_line "tmp/count"
    refute_line --partial "bin/busybox"
    assert_equal "$(jq -r .digest "$ckpt/rootfs.json")" "sha256:$(sha256sum "$ckpt/rootfs-diff.tar" | cut -d' ' -f1)"
    assert_equal "$(jq -r .process "$ckpt/rootfs.json")" true

    local other
    other=$(ctd_id rfsnew)
    CTD_CONTAINERS+=("$other")
    cedana_cli restore containerd "$other" --path "$ckpt" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$other" PID)" "$RESTORED_PID"
    layer_as_written "$RESTORED_PID"
    local n
    n=$(container_count "$RESTORED_PID")
    ((n >= 5)) || fail "the restored container's /tmp/count has $n lines, not the 5 or more written before the dump"
    wait_count "$RESTORED_PID" $((n + 3))

    # Its own id again, the container removed with its snapshot: made anew, the layer applied.
    run ctr_ containers rm "$id"
    assert_success
    cedana_cli restore containerd --path "$ckpt" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    layer_as_written "$RESTORED_PID"
    n=$(container_count "$RESTORED_PID")
    wait_count "$RESTORED_PID" $((n + 3))
}

@test "dump containerd --rootfs --leave-running with lz4, and dump job --rootfs of a containerd job: the layer travels in the archive and comes back" {
    local id
    id=$(ctd_id rfsz)
    running "$id" "$WRITER"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs --leave-running --compression lz4
    assert_success
    cedana_dump_out
    [[ $DUMP_PATH == *.tar.lz4 ]] || fail "checkpoint at '$DUMP_PATH'"
    run bash -c "lz4 -dc '$DUMP_PATH' | tar -t"
    assert_line "rootfs-diff.tar"
    assert_line "rootfs.json"
    # Left running, counting on.
    assert_equal "$(task_field "$id" PID)" "$pid"
    wait_count "$pid" $(($(container_count "$pid") + 3))
    local other
    other=$(ctd_id rfsz2)
    CTD_CONTAINERS+=("$other")
    cedana_cli restore containerd "$other" --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_success
    parse_restored
    layer_as_written "$RESTORED_PID"

    local job
    job=$(ctd_id rfsjob)
    CTD_CONTAINERS+=("$job")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$job" --namespace "$CTD_NS" -- "$CTD_IMAGE" /bin/sh -c "$WRITER"
    assert_success
    parse_started "$job"
    local jpid=$JOB_PID log=$JOB_LOG
    wait_count "$jpid" 5
    cedana_cli dump job "$job" --dir "$TEST_DIR/jobs" --rootfs
    assert_success
    cedana_dump_out
    [[ -f $DUMP_PATH/rootfs-diff.tar ]] || fail "dump job --rootfs wrote no layer into $DUMP_PATH"
    wait_pid_dead "$jpid"
    run ctr_ containers rm "$job"
    assert_success
    cedana_cli restore job "$job"
    assert_success
    parse_restored
    assert_equal "$(task_field "$job" PID)" "$RESTORED_PID"
    layer_as_written "$RESTORED_PID"
    rm -f "$log"
}

@test "dump containerd --rootfs --image REF commits the layer: ctr lists the image and runs it; restore --image REF and run containerd REF build on it" {
    local id ref=docker.io/cedana-test/committed:t$BATS_TEST_NUMBER
    id=$(ctd_id img)
    running "$id" "$WRITER"
    wait_count "$CTD_TASK_PID" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs --image "$ref"
    assert_success
    cedana_dump_out
    local ckpt=$DUMP_PATH
    run ctr_ images ls -q
    assert_line "$ref"
    assert_equal "$(jq -r .image "$ckpt/rootfs.json")" "$ref"
    # containerd runs the committed image as it is: the layer is unpacked already.
    run ctr_ run --rm "$ref" "$(ctd_id imgrun)" /bin/sh -c 'cat /root/note /var/d/f; test -e /etc/group || echo no-group'
    assert_success
    assert_output "kept
x
no-group"

    local other
    other=$(ctd_id imgrestore)
    CTD_CONTAINERS+=("$other")
    cedana_cli restore containerd "$other" --path "$ckpt" --image "$ref" --namespace "$CTD_NS"
    assert_success
    parse_restored
    run ctr_ containers info "$other"
    assert_equal "$(jq -r .Image <<<"$output")" "$ref"
    layer_as_written "$RESTORED_PID"

    local job
    job=$(ctd_id imgjob)
    CTD_CONTAINERS+=("$job")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$job" --namespace "$CTD_NS" -- "$ref" /bin/sh -c 'cat /root/note; sleep 60'
    assert_success
    parse_started "$job"
    wait_for_text "$JOB_LOG" kept
    rm -f "$JOB_LOG"
}

@test "dump containerd --rootfs-only: the layer without processes; the container runs on untouched; its checkpoint refuses a restore, saying what it holds" {
    local id ref=docker.io/cedana-test/layer-only:t$BATS_TEST_NUMBER
    id=$(ctd_id only)
    running "$id" "$WRITER"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs-only --image "$ref"
    assert_success
    cedana_dump_out
    local ckpt=$DUMP_PATH
    [[ -f $ckpt/rootfs-diff.tar ]] || fail "no layer in $ckpt"
    [[ -z $(find "$ckpt" -name '*.img') ]] || fail "--rootfs-only wrote CRIU images: $(find "$ckpt" -name '*.img' | head -3)"
    assert_equal "$(jq -r .process "$ckpt/rootfs.json")" false
    # Running as it was: the same PID, not paused, counting on.
    assert_equal "$(task_field "$id" PID)" "$pid"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    wait_count "$pid" $(($(container_count "$pid") + 3))
    run ctr_ images ls -q
    assert_line "$ref"
    # Into an archive as well, where the memory images would have streamed.
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs-only --compression lz4
    assert_success
    cedana_dump_out
    run bash -c "lz4 -dc '$DUMP_PATH' | tar -t"
    assert_success
    assert_line "rootfs-diff.tar"
    refute_line --partial ".img"
    assert_equal "$(task_field "$id" PID)" "$pid"

    cedana_cli restore containerd "$(ctd_id only2)" --path "$ckpt" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "holds only a container's writable layer (dump --rootfs-only), no processes to restore"
    run ctr_ containers ls -q
    refute_line "$(ctd_id only2)"
}

@test "dump containerd --image without --rootfs, or of a name taken, fails before anything: the task runs on, no checkpoint, no image, no content, no lease" {
    local id
    id=$(ctd_id bad)
    running "$id" "$WRITER"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 3
    local images content
    images=$(image_count)
    content=$(ctr_ content ls -q | sort)
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --image docker.io/cedana-test/x:1
    assert_failure
    assert_output --partial "--image docker.io/cedana-test/x:1 commits the container's writable layer: add --rootfs"
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs --image "$CTD_IMAGE"
    assert_failure
    assert_output --partial "--image $CTD_IMAGE: containerd has an image of that name already"
    assert_equal "$(task_field "$id" PID)" "$pid"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    wait_count "$pid" $(($(container_count "$pid") + 3))
    [[ ! -e $TEST_DIR/ckpt || -z $(ls -A "$TEST_DIR/ckpt") ]] || fail "the failed dumps left $(ls -A "$TEST_DIR/ckpt")"
    assert_equal "$(image_count)" "$images"
    assert_equal "$(ctr_ content ls -q | sort)" "$content"
    run ctr_ leases ls -q
    assert_output ""
}

@test "dump containerd --rootfs --image that CRIU fails (a TCP connection without --tcp-established) leaves the task running, no checkpoint, no image, no content, no lease" {
    local id ref=docker.io/cedana-test/failed:t$BATS_TEST_NUMBER
    id=$(ctd_id crfail)
    # An established connection on the container's loopback, which CRIU refuses to dump
    # without --tcp-established.
    running "$id" "echo kept >/root/note; sleep 100000 | nc -l -p 7000 >/dev/null & sleep 0.3; while true; do sleep 1; done | nc 127.0.0.1 7000 >/dev/null & $CTD_TICK"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 3
    # State 01 of /proc/net/tcp: the connection is established.
    awk 'NR > 1 && $4 == "01" {found = 1} END {exit !found}' "/proc/$pid/net/tcp" || fail "no established connection in the container: $(cat "/proc/$pid/net/tcp")"
    local images content
    images=$(image_count)
    content=$(ctr_ content ls -q | sort)
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs --image "$ref"
    assert_failure
    assert_output --partial "CRIU could not dump"
    assert_equal "$(task_field "$id" PID)" "$pid"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    wait_count "$pid" $(($(container_count "$pid") + 3))
    [[ ! -e $TEST_DIR/ckpt || -z $(ls -A "$TEST_DIR/ckpt") ]] || fail "the failed dump left $(ls -A "$TEST_DIR/ckpt")"
    assert_equal "$(image_count)" "$images"
    assert_equal "$(ctr_ content ls -q | sort)" "$content"
    run ctr_ leases ls -q
    assert_output ""
}
