#!/usr/bin/env bats
# Dumps and restores that must fail: cleanly, with a clear message, leaving
# nothing behind and the process running as it was.

load helpers

# The shared teardown, kept under another name, runs after this file's own cleanup.
eval "helpers_$(declare -f teardown)"

teardown() {
    kill_test_processes
    unmount_test_mounts
    helpers_teardown
}

# --- dump failures ----------------------------------------------------------

@test "dump of a PID that does not exist fails, names the PID and leaves nothing" {
    [[ ! -e /proc/999999 ]] || skip "PID 999999 exists on this machine"
    start_daemon
    start_counter_and_wait
    mkdir -p "$TEST_DIR/ckpt"
    cedana_dump 999999 --dir "$TEST_DIR/ckpt"
    assert_failure
    assert_output --partial "999999"
    refute_output --partial "Dumped to"
    assert_dir_empty "$TEST_DIR/ckpt"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "dump --compression bogus fails, names it and the valid ones, process untouched" {
    start_daemon
    start_counter_and_wait
    mkdir -p "$TEST_DIR/ckpt"
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --compression bogus
    assert_failure
    assert_output --partial '"bogus"'
    assert_output --partial "none, tar, gzip, lz4, zlib or zstd"
    assert_dir_empty "$TEST_DIR/ckpt"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "dump into a read-only directory fails clearly and leaves nothing" {
    start_daemon
    start_counter_and_wait
    mount_tmpfs "$TEST_DIR/ro" ro,size=1m
    cedana_dump "$PID" --dir "$TEST_DIR/ro" --compression lz4
    assert_failure
    assert_output --partial "$TEST_DIR/ro"
    assert_output --partial "Read-only file system"
    assert_dir_empty "$TEST_DIR/ro"
    assert_running "$PID" "$TEST_DIR/orig.out"

    # A nested directory under it cannot be created either.
    cedana_dump "$PID" --dir "$TEST_DIR/ro/a/b" --compression none
    assert_failure
    assert_output --partial "$TEST_DIR/ro/a/b"
    assert_output --partial "Read-only file system"
    assert_dir_empty "$TEST_DIR/ro"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "dump --compression none onto a full disk fails, leaves the tmpfs empty, process alive" {
    start_daemon
    start_big_process
    mount_tmpfs "$TEST_DIR/full" size=64k
    cedana_dump "$PID" --dir "$TEST_DIR/full" --compression none
    assert_failure
    refute_output --partial "Dumped to"
    assert_dir_empty "$TEST_DIR/full"
    assert_running "$PID" "$TEST_DIR/big.out"
    stop_daemon
}

@test "dump --compression lz4 onto a full disk fails, leaves the tmpfs empty, process alive" {
    start_daemon
    start_big_process
    mount_tmpfs "$TEST_DIR/full" size=64k
    cedana_dump "$PID" --dir "$TEST_DIR/full" --compression lz4
    assert_failure
    refute_output --partial "Dumped to"
    assert_dir_empty "$TEST_DIR/full"
    assert_running "$PID" "$TEST_DIR/big.out"
    stop_daemon
}

@test "an archive is written once: a disk that holds the images once takes the lz4 archive" {
    start_daemon
    # 8 MiB that no compression shrinks: the images (~15 MiB) fit in 20 MiB, and the
    # images and the archive together would not. The memory images stream into the archive
    # without being written on their own.
    start_big_process 8
    mount_tmpfs "$TEST_DIR/full" size=20m
    cedana_dump "$PID" --dir "$TEST_DIR/full" --compression lz4 --name cp
    assert_success
    assert_only_entries "$TEST_DIR/full" cp.tar.lz4
    wait "$PID" || true
    wait_pid_gone "$PID"
    stop_daemon
}

@test "a streamed dump (lz4, zstd, tar) that fills the disk fails with the cause, leaves nothing, process resumed" {
    start_daemon
    start_big_process 24
    # Room for CRIU's own small files, not for 24 MiB of memory that does not compress.
    mount_tmpfs "$TEST_DIR/full" size=4m
    local format
    for format in lz4 zstd tar; do
        cedana_dump "$PID" --dir "$TEST_DIR/full" --compression "$format"
        assert_failure
        assert_output --partial "cannot write the checkpoint archive"
        assert_output --partial "No space left on device"
        assert_dir_empty "$TEST_DIR/full"
        assert_running "$PID" "$TEST_DIR/big.out"
    done
    stop_daemon
}

@test "a disk that fills up while packing staged images (gzip, zlib: no room left for the archive) leaves nothing, process resumed" {
    start_daemon
    # One process that never forks, so that two dumps of it hold the same images.
    start_big_process 1
    # Its images, counted by a dump that leaves it running; a file system with inodes for
    # exactly those (and the staging directory) has none left for the archive once CRIU is
    # done.
    cedana_dump "$PID" --dir "$TEST_DIR/count" --compression none --name n --leave-running
    assert_success
    local files
    files=$(ls -A "$TEST_DIR/count/n" | wc -l)
    mount_tmpfs "$TEST_DIR/full" "size=64m,nr_inodes=$((files + 2))"
    local format
    for format in gzip zlib; do
        cedana_dump "$PID" --dir "$TEST_DIR/full" --compression "$format"
        assert_failure
        assert_output --partial "No space left on device"
        refute_output --partial "CRIU could not dump"
        assert_dir_empty "$TEST_DIR/full"
        assert_running "$PID" "$TEST_DIR/big.out"
    done
    stop_daemon
}

@test "dump with an unknown --criu-opts option fails before CRIU runs" {
    start_daemon
    start_counter_and_wait
    mkdir -p "$TEST_DIR/ckpt"
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --criu-opts '{"no_such_option": true}'
    assert_failure
    assert_output --partial "unknown CRIU option"
    assert_output --partial "no_such_option"
    assert_dir_empty "$TEST_DIR/ckpt"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "dump of a process whose session leader is outside its PID namespace is refused with what to do" {
    unshare --pid --fork --kill-child true 2>/dev/null || skip "this machine does not let us create a PID namespace"
    start_daemon
    # unshare's child is PID 1 of a new PID namespace, in a session that began outside it.
    start_workload "$TEST_DIR/ns.out" unshare --pid --fork --kill-child \
        bash -c 'i=0; while true; do echo $i; i=$((i + 1)); sleep 0.1; done'
    PID=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/ns.out" 3
    mkdir -p "$TEST_DIR/ckpt"
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt"
    assert_failure
    assert_output --partial "whose leader is outside its PID namespace"
    assert_output --partial "setsid"
    assert_dir_empty "$TEST_DIR/ckpt"
    assert_running "$PID" "$TEST_DIR/ns.out"
    stop_daemon
}

@test "a dump CRIU itself refuses (established TCP connection) quotes CRIU's log and leaves the process running" {
    start_daemon
    # Both ends of an established TCP connection, without --tcp-established.
    write_tcp_holder_script "$TEST_DIR/tcp.py"
    start_workload "$TEST_DIR/tcp.out" python3 -u "$TEST_DIR/tcp.py"
    PID=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/tcp.out" 3
    mkdir -p "$TEST_DIR/ckpt"
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --compression gzip
    assert_failure
    assert_output --partial "CRIU could not dump PID $PID"
    assert_output --partial "left running"
    assert_output --partial "CRIU's log says"
    assert_line --regexp '^ +\([0-9.]+\) .*Error \(criu/'
    assert_output --partial "Dumping FAILED"
    assert_dir_empty "$TEST_DIR/ckpt"
    assert_running "$PID" "$TEST_DIR/tcp.out"
    stop_daemon
}

# --- restore failures -------------------------------------------------------

@test "restore of a path that does not exist fails with 'does not exist'" {
    start_daemon
    cedana_restore "$TEST_DIR/no/such/checkpoint"
    assert_failure
    assert_output --partial "$TEST_DIR/no/such/checkpoint does not exist"
    assert_only_entries "$TEST_DIR" config cedana.sock daemon.log daemon.log.out
    stop_daemon
}

@test "restore of a text file fails with 'not a checkpoint'" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    printf 'just some text\nnothing else\n' >"$TEST_DIR/in/notes.txt"
    cedana_restore "$TEST_DIR/in/notes.txt"
    assert_failure
    assert_output --partial "$TEST_DIR/in/notes.txt is not a checkpoint"
    assert_only_entries "$TEST_DIR/in" notes.txt
    stop_daemon
}

@test "restore of archives truncated to half fails with 'corrupted or truncated' for every format" {
    start_daemon
    local format ext
    for format in tar gzip lz4 zlib zstd; do
        make_checkpoint "$format"
        ext=${CKPT#"$TEST_DIR/ckpt/cp"}
        mkdir -p "$TEST_DIR/bad-$format"
        head -c $(($(stat -c %s "$CKPT") / 2)) "$CKPT" >"$TEST_DIR/bad-$format/half$ext"
        cedana_restore "$TEST_DIR/bad-$format/half$ext" --out "$TEST_DIR/restored.out"
        assert_failure
        assert_output --partial "is corrupted or truncated"
        assert_nothing_restored "$PID"
        assert_only_entries "$TEST_DIR/bad-$format" "half$ext"
        rm -rf "$TEST_DIR/ckpt"
    done
    assert_not_exists "$TEST_DIR/restored.out"
    stop_daemon
}

@test "restore of .tar.gz and .tar.zst archives with bytes flipped in the middle fails, nothing restored" {
    start_daemon
    local format ext size
    for format in gzip zstd; do
        make_checkpoint "$format"
        ext=${CKPT#"$TEST_DIR/ckpt/cp"}
        mkdir -p "$TEST_DIR/bad-$format"
        cp "$CKPT" "$TEST_DIR/bad-$format/flipped$ext"
        size=$(stat -c %s "$CKPT")
        printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' |
            dd of="$TEST_DIR/bad-$format/flipped$ext" bs=1 seek=$((size / 2)) conv=notrunc status=none
        run cmp -s "$CKPT" "$TEST_DIR/bad-$format/flipped$ext"
        assert_failure
        cedana_restore "$TEST_DIR/bad-$format/flipped$ext" --out "$TEST_DIR/restored.out"
        assert_failure
        # The archive layer sees most such damage; what gets past it (gzip's CRC
        # is not checked) the image checksums catch. A .tar.zst's memory is served to
        # CRIU from the archive (images/served/): a frame that does not decode fails
        # CRIU's read of it, and CRIU's log stays beside the archive.
        # Known product bug (rare, ~1 flip in 60): damage that decodes to a tar
        # header with an empty name is reported as 'checkpoint ... is unsafe:
        # entry "" would be written outside the checkpoint' instead of corrupted.
        assert_output --regexp "is corrupted or truncated|is corrupted: its frame at byte [0-9]+ does not decode|checkpoint is corrupted: image [^ ]+ fails its checksum"
        assert_nothing_restored "$PID"
        rm -f "$TEST_DIR/bad-$format/flipped$ext.restore.log"
        assert_only_entries "$TEST_DIR/bad-$format" "flipped$ext"
        rm -rf "$TEST_DIR/ckpt"
    done
    stop_daemon
}

@test "restore of a none checkpoint with one byte of pages-1.img changed fails its checksum" {
    start_daemon
    make_checkpoint none
    assert_file_exists "$CKPT/pages-1.img"
    local byte
    byte=$(od -An -tu1 -j 100 -N1 "$CKPT/pages-1.img" | tr -d ' ')
    printf "\\$(printf '%03o' $(((byte + 1) % 256)))" |
        dd of="$CKPT/pages-1.img" bs=1 seek=100 conv=notrunc status=none
    cedana_restore "$CKPT" --out "$TEST_DIR/restored.out"
    assert_failure
    assert_output --partial "pages-1.img fails its checksum"
    assert_nothing_restored "$PID"
    # The process never ran: nothing was written, and the --out the restore created is gone.
    assert_not_exists "$TEST_DIR/restored.out"
    stop_daemon
}

@test "restore of a tar checkpoint with one byte of pages-1.img changed inside the archive fails, nothing runs" {
    start_daemon
    make_checkpoint tar
    python3 - "$CKPT" <<'PY'
import sys, tarfile
path = sys.argv[1]
with tarfile.open(path) as t:
    member = t.getmember("pages-1.img")
with open(path, "r+b") as f:
    f.seek(member.offset_data + 100)
    byte = f.read(1)[0]
    f.seek(member.offset_data + 100)
    f.write(bytes([byte ^ 0x01]))
PY
    cedana_restore "$CKPT" --out "$TEST_DIR/restored.out"
    assert_failure
    assert_output --partial "pages-1.img fails its checksum"
    assert_nothing_restored "$PID"
    assert_not_exists "$TEST_DIR/restored.out"
    assert_only_entries "$TEST_DIR/ckpt" cp.tar
    stop_daemon
}

@test "restore of a large checkpoint whose memory is corrupted stops CRIU before the process resumes" {
    start_daemon
    # 32 MiB of memory: its images are checked while CRIU restores (from 16 MiB on), and CRIU
    # waits for that check at its post-restore notification.
    start_big_process 32
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --compression none --name cp
    assert_success
    wait "$PID" || true
    wait_pid_gone "$PID"
    local pages size
    pages=$(ls -S "$TEST_DIR/ckpt/cp"/pages-*.img | head -n 1)
    size=$(stat -c %s "$pages")
    ((size >= 16 * 1024 * 1024)) || fail "the memory image is only $size bytes"
    # One byte near the end, the part CRIU reads last.
    local at=$((size - 4096 - 7)) byte
    byte=$(od -An -tu1 -j "$at" -N1 "$pages" | tr -d ' ')
    printf "\\$(printf '%03o' $(((byte + 1) % 256)))" | dd of="$pages" bs=1 seek="$at" conv=notrunc status=none
    cedana_restore "$TEST_DIR/ckpt/cp" --out "$TEST_DIR/restored.out"
    assert_failure
    assert_output --partial "$(basename "$pages") fails its checksum"
    # CRIU did run, and was stopped at its post-restore notification.
    grep -q "Aborting restore due to post-restore script" "$TEST_DIR/ckpt/cp/restore.log" ||
        fail "CRIU was not stopped at post-restore; its log ends: $(tail -n 5 "$TEST_DIR/ckpt/cp/restore.log" 2>/dev/null)"
    assert_nothing_restored "$PID"
    assert_not_exists "$TEST_DIR/restored.out"
    stop_daemon
}

@test "restore of a large checkpoint whose memory image was cut short is refused before CRIU runs" {
    start_daemon
    # Past 16 MiB the memory is hashed beside CRIU; its size must still be checked before:
    # CRIU's restorer retries a read that returns nothing forever.
    start_big_process 32
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --compression none --name cp
    assert_success
    wait "$PID" || true
    wait_pid_gone "$PID"
    local pages size
    pages=$(ls -S "$TEST_DIR/ckpt/cp"/pages-*.img | head -n 1)
    size=$(stat -c %s "$pages")
    truncate -s $((size - 8192)) "$pages"
    cedana_restore "$TEST_DIR/ckpt/cp" --out "$TEST_DIR/restored.out"
    assert_failure
    assert_output --partial "$(basename "$pages") has $((size - 8192)) bytes, expected $size"
    assert_not_exists "$TEST_DIR/ckpt/cp/restore.log"
    assert_nothing_restored "$PID"
    stop_daemon
}

@test "a checkpoint renamed to another or an unknown extension is refused, nothing restored; under its own name it restores" {
    start_daemon
    make_checkpoint tar
    local name
    # The issue's reproduction (x.tar.jibberish), a name of no format, and one of another.
    for name in x.tar.jibberish foo.bin foo.tar.gz; do
        mv "$CKPT" "$TEST_DIR/$name"
        CKPT=$TEST_DIR/$name
        cedana_restore "$TEST_DIR/$name" --out "$TEST_DIR/$name.out"
        assert_failure
        assert_output --partial "$TEST_DIR/$name: its name"
        assert_output --partial "it holds a tar archive: rename it to end in .tar"
        refute_output --partial "Restored PID"
        assert_nothing_restored "$PID"
        assert_not_exists "$TEST_DIR/$name.out"
    done
    mv "$CKPT" "$TEST_DIR/renamed-back.tar"
    cedana_restore "$TEST_DIR/renamed-back.tar" --out "$TEST_DIR/back.out"
    assert_success
    assert_line "Restored PID $PID from $TEST_DIR/renamed-back.tar"
    wait_for_lines "$TEST_DIR/back.out" 2
    kill_restored "$PID"
    stop_daemon
}

@test "an unknown extension's refusal lists the known ones" {
    start_daemon
    make_checkpoint lz4
    mv "$CKPT" "$TEST_DIR/cp.tar.jibberish"
    cedana_restore "$TEST_DIR/cp.tar.jibberish"
    assert_failure
    assert_output --partial "ends in no checkpoint extension cedana knows (.tar, .tar.gz, .tar.lz4, .tar.zlib, .tar.zst)"
    assert_output --partial "rename it to end in .tar.lz4"
    assert_nothing_restored "$PID"
    stop_daemon
}

# --- checkpoint URLs no storage plugin serves -----------------------------------

# assert_no_url_dirs: nothing was written under a local directory named after a URL
# (the old mistake: s3://b/p taken as ./s3:/b/p).
assert_no_url_dirs() {
    local scheme
    for scheme in s3 gs cedana foo; do
        assert_not_exists "$TEST_DIR/$scheme:"
    done
}

@test "dump --dir gs://, foo:// (schemes no plugin serves) is refused, names the scheme and what is served, the process runs on, nothing is written" {
    start_daemon
    start_counter_and_wait
    local url
    for url in gs://bucket/prefix foo://bar; do
        for compression in tar none; do
            cedana_dump "$PID" --dir "$url" --compression "$compression"
            assert_failure
            assert_output --partial "--dir $url: no installed storage plugin serves ${url%%://*}://"
            assert_output --partial "(served: s3://, cedana://)"
            refute_output --partial "Dumped to"
            assert_running "$PID" "$TEST_DIR/orig.out"
        done
    done
    assert_no_url_dirs
    stop_daemon
}

@test "Checkpoint.Dir set to a URL no plugin serves is refused for dump, naming the field" {
    write_config '{"checkpoint": {"dir": "foo://mybucket/prefix"}}'
    start_daemon
    start_counter_and_wait
    cedana_dump "$PID" --compression tar
    assert_failure
    assert_output --partial "checkpoint.dir foo://mybucket/prefix: no installed storage plugin serves foo://"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
    # The same from the daemon's environment.
    rm "$CFG_DIR/config.json"
    CEDANA_CHECKPOINT_DIR=gs://bucket/x start_daemon
    cedana_dump "$PID" --compression tar
    assert_failure
    assert_output --partial "checkpoint.dir gs://bucket/x: no installed storage plugin serves gs://"
    assert_running "$PID" "$TEST_DIR/orig.out"
    assert_no_url_dirs
    stop_daemon
}

@test "a local directory whose name merely contains ':' still works when written as a path" {
    start_daemon
    start_counter_and_wait
    mkdir -p "$TEST_DIR/s3:/mybucket"
    cedana_dump "$PID" --dir ./s3:/mybucket --compression tar --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "$(find "$TEST_DIR/s3:/mybucket" -name 'dump-process-*.tar')"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "restore --path gs://, foo:// (schemes no plugin serves) is refused, with and without a daemon, nothing restored" {
    start_daemon
    local url
    for url in gs://bucket/cp.tar.lz4 foo://bar; do
        cedana_restore "$url"
        assert_failure
        assert_output --partial "--path $url: no installed storage plugin serves ${url%%://*}://"
        refute_output --partial "Restored PID"
        run "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_failure
        assert_output --partial "--path $url: no installed storage plugin serves"
    done
    assert_no_url_dirs
    stop_daemon
}

@test "restore while the checkpointed PID is still taken fails with 'PID ... is taken'" {
    start_daemon
    start_counter_and_wait
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --compression zstd --leave-running
    assert_success
    local ckpt=$DUMP_PATH
    assert_running "$PID" "$TEST_DIR/orig.out"

    cedana_restore "$ckpt" --out "$TEST_DIR/restored.out"
    assert_failure
    assert_output --regexp "PID $PID is taken"
    refute_output --partial "Restored PID"
    assert_not_exists "$TEST_DIR/restored.out"
    assert_only_entries "$TEST_DIR/ckpt" "${ckpt##*/}"
    # The original process is the one still holding the PID, running as before.
    assert_equal "$(awk '{print $4}' "/proc/$PID/stat")" "$$"
    assert_running "$PID" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "two dumps of one process at once: exactly one checkpoint, the other refused clearly, nothing half-written" {
    start_daemon
    local dir=$BATS_TEST_TMPDIR/twice
    mkdir -p "$dir"
    start_workload "$dir/hog.out" python3 -c 'import time; b=bytearray(64*1024*1024); [b.__setitem__(i,1) for i in range(0,len(b),4096)]; print("ready", flush=True); time.sleep(600)'
    local pid=$WORKLOAD_PID
    wait_for_text "$dir/hog.out" ready

    "$CEDANA" dump process "$pid" --address "$SOCK" --config-dir "$CFG_DIR" --dir "$dir/ck" --name a --compression gzip \
        >"$dir/a.out" 2>&1 &
    local first=$!
    "$CEDANA" dump process "$pid" --address "$SOCK" --config-dir "$CFG_DIR" --dir "$dir/ck" --name b --compression gzip \
        >"$dir/b.out" 2>&1 &
    local second=$!
    local status_a=0 status_b=0
    wait "$first" || status_a=$?
    wait "$second" || status_b=$?

    if ((status_a == 0)); then
        ((status_b != 0)) || fail "both dumps succeeded"
        grep -qE "being dumped by another request|no process with PID" "$dir/b.out" || fail "unclear refusal: $(cat "$dir/b.out")"
        run ls -A "$dir/ck"
        assert_output "a.tar.gz"
    else
        ((status_b == 0)) || fail "neither dump succeeded: $(cat "$dir/a.out" "$dir/b.out")"
        grep -qE "being dumped by another request|no process with PID" "$dir/a.out" || fail "unclear refusal: $(cat "$dir/a.out")"
        run ls -A "$dir/ck"
        assert_output "b.tar.gz"
    fi
}
