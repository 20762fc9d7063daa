#!/usr/bin/env bats
# Streamed checkpoints (`dump --streams N`): a directory of N shards img-0 … img-<N-1>, each
# a stream of its own compression, restored by decoding them all at once. Every compression
# at several widths, job, runc and containerd dumps, the configuration's default, --no-server,
# checkpoint inspect, and the failures: bad --streams values, a dump whose CRIU is killed
# while the memory streams, and shards that are damaged, missing, cut short or mixed from
# two dumps, which must restore nothing and leave nothing behind.

load helpers
load containerd_helpers
# Loaded last: its parse_started, cedana_dump_out and parse_restored (which tracks the
# restored PID) are the ones the runc, job and containerd tests use.
load runc_helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
    helpers_setup
    runc_setup
    CTD_CONTAINERS=()
    CTD_PID=
}

teardown() {
    local id
    for id in "${CTD_CONTAINERS[@]}"; do
        ctr_remove "$id"
    done
    # Its containers first: containerd_stop fails when the namespace is not left empty.
    [[ -z $CTD_PID ]] || containerd_stop
    runc_cleanup
    kill_test_processes
    unmount_test_mounts
    helpers_teardown
}

# ---------------------------------------------------------------------------
# Shards

# shard_ext FORMAT: the extension of a shard of FORMAT.
shard_ext() {
    case $1 in
    none | tar) echo "" ;;
    gzip) echo ".gz" ;;
    lz4) echo ".lz4" ;;
    zlib) echo ".zlib" ;;
    zstd) echo ".zst" ;;
    *) fail "shard_ext: unknown format $1" ;;
    esac
}

# shard_names N FORMAT: the names of the N shards of FORMAT, sorted as ls sorts them.
shard_names() {
    local i
    for ((i = 0; i < $1; i++)); do
        echo "img-$i$(shard_ext "$2")"
    done | LC_ALL=C sort
}

# assert_entries DIR NAME...: DIR holds exactly NAME..., hidden entries included.
assert_entries() {
    local dir=$1
    shift
    local expected actual
    expected=$(printf '%s\n' "$@" | LC_ALL=C sort)
    actual=$(ls -A "$dir" 2>&1 | LC_ALL=C sort)
    [[ $actual == "$expected" ]] || fail "$dir holds:
$actual
expected:
$expected"
}

# decode_shard SHARD FORMAT OUT: the uncompressed stream of SHARD into OUT, by the stock
# tools (so a shard is checked to be a valid stream of its format, concatenated frames or
# members and all); fails when the tool rejects it.
decode_shard() {
    local shard=$1 format=$2 out=$3
    case $format in
    none | tar) cp "$shard" "$out" ;;
    gzip) gzip -dc <"$shard" >"$out" ;;
    lz4) lz4 -dc <"$shard" >"$out" ;;
    zstd) zstd -q -dc <"$shard" >"$out" ;;
    zlib) python3 - "$shard" "$out" <<'PY' ;;
import sys, zlib
data = open(sys.argv[1], "rb").read()
out = bytearray()
while data:
    d = zlib.decompressobj()
    out += d.decompress(data)
    if not d.eof:
        sys.exit("a zlib stream is cut short")
    data = d.unused_data
open(sys.argv[2], "wb").write(out)
PY
    esac || fail "$shard is not a valid $format stream"
}

# preamble_field FILE OFFSET: the little-endian u32 at OFFSET of an uncompressed shard.
preamble_field() {
    od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' '
}

# shard_id FILE: the dump id (16 bytes, hex) of an uncompressed shard.
shard_id() {
    od -An -tx1 -j 16 -N16 "$1" | tr -d ' \n'
}

# assert_shards DIR N FORMAT: DIR holds exactly the N shards of FORMAT and nothing else;
# each starts with its format's magic, decodes with the stock tool to a shard stream
# ("CDNSHRD1", its own index, N) and all carry the same dump id.
assert_shards() {
    local dir=$1 n=$2 format=$3 i shard magic plain id first_id=
    [[ -d $dir ]] || fail "$dir is not a directory"
    # shellcheck disable=SC2046
    assert_entries "$dir" $(shard_names "$n" "$format")
    plain=$BATS_TEST_TMPDIR/shard.plain
    for ((i = 0; i < n; i++)); do
        shard=$dir/img-$i$(shard_ext "$format")
        magic=$(od -An -tx1 -N4 "$shard" | tr -d ' \n')
        case $format in
        lz4) [[ $magic == 04224d18 ]] || fail "$shard: magic $magic is not lz4's" ;;
        zstd) [[ $magic == 28b52ffd ]] || fail "$shard: magic $magic is not zstd's" ;;
        gzip) [[ $magic == 1f8b* ]] || fail "$shard: magic $magic is not gzip's" ;;
        zlib) [[ $magic == 78* ]] || fail "$shard: magic $magic is not zlib's" ;;
        esac
        decode_shard "$shard" "$format" "$plain"
        [[ $(head -c 8 "$plain") == CDNSHRD1 ]] || fail "$shard does not decode to a shard stream: $(head -c 16 "$plain" | od -An -c)"
        [[ $(preamble_field "$plain" 8) == "$i" ]] || fail "$shard says it is shard $(preamble_field "$plain" 8)"
        [[ $(preamble_field "$plain" 12) == "$n" ]] || fail "$shard says the dump has $(preamble_field "$plain" 12) shards, not $n"
        id=$(shard_id "$plain")
        [[ -z $first_id || $id == "$first_id" ]] || fail "$shard has dump id $id, img-0 has $first_id"
        first_id=$id
    done
    rm -f "$plain"
}

# ---------------------------------------------------------------------------
# Workloads

# streamed_roundtrip N FORMAT [pipe|file]: a counter dumped with --streams N --compression
# FORMAT into its own directory is exactly the N shards; restored from them it goes on
# counting where it stopped; afterwards the directory holds the shards and CRIU's log, and
# nothing else is left beside it.
streamed_roundtrip() {
    local n=$1 format=$2 mode=${3:-pipe}
    local dir=$TEST_DIR/ckpt-$n-$format orig=$TEST_DIR/orig-$n-$format.out restored=$TEST_DIR/restored-$n-$format.out
    start_counter "$orig" "$mode"
    local pid=$WORKLOAD_PID
    wait_for_lines "$orig" 3

    cedana_dump "$pid" --dir "$dir" --name cp --compression "$format" --streams "$n"
    assert_success
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $dir/cp"
    assert_entries "$dir" cp
    assert_shards "$dir/cp" "$n" "$format"
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$dir/cp" --out "$restored"
    assert_success
    assert_line "Restored PID $pid from $dir/cp"
    wait_for_lines "$restored" 2
    assert_counter_continues "$orig" "$restored"
    assert_growing "$restored"
    assert_entries "$dir" cp
    # shellcheck disable=SC2046
    assert_entries "$dir/cp" $(shard_names "$n" "$format") restore.log
    kill_restored "$pid"
}

# assert_ticks_go_on BEFORE: $TEST_DIR/big.out, BEFORE lines long at the dump, gains lines,
# and the first new one is the tick after the last one written before the dump.
assert_ticks_go_on() {
    local before=$1 last first
    last=$(sed -n "${before}p" "$TEST_DIR/big.out")
    wait_for_lines "$TEST_DIR/big.out" $((before + 2))
    first=$(sed -n "$((before + 1))p" "$TEST_DIR/big.out")
    [[ $last =~ ^[0-9]+$ ]] || fail "line $before of big.out is '$last', not a tick"
    [[ $first == "$((last + 1))" ]] || fail "the first tick after the restore is '$first', expected $((last + 1))"
}

# restore_fails CKPT PID PATTERN: restoring CKPT fails with a message matching the extended
# regex PATTERN, restores nothing and leaves nothing beside CKPT but CKPT itself.
restore_fails() {
    local ckpt=$1 pid=$2 pattern=$3
    cedana_restore "$ckpt"
    assert_failure
    assert_output --regexp "$pattern"
    refute_output --partial "Restored PID"
    assert_nothing_restored "$pid"
    assert_entries "$(dirname "$ckpt")" "$(basename "$ckpt")"
}

# copy_checkpoint SRC NAME: a copy of checkpoint directory SRC as $TEST_DIR/NAME/cp, alone
# in its own directory (so that a scratch directory left beside it would show). Prints it.
copy_checkpoint() {
    mkdir -p "$TEST_DIR/$2"
    cp -a "$1" "$TEST_DIR/$2/cp"
    echo "$TEST_DIR/$2/cp"
}

# flip_middle FILE: eight bytes in the middle of FILE changed.
flip_middle() {
    local size
    size=$(stat -c %s "$1")
    printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$1" bs=1 seek=$((size / 2)) conv=notrunc status=none
}

# criu_writes_memory PID: CRIU (PID) holds a memory image (the FIFO the dump put there) open.
criu_writes_memory() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        [[ $(readlink "$fd" 2>/dev/null) == */.cp.partial-*/pages-*.img ]] && return 0
    done
    return 1
}

# memory_shards_started DIR: one of the memory shards being written in DIR has bytes on disk.
memory_shards_started() {
    local shard
    for shard in "$1"/.cp.partial-*/img-[1-9]*; do
        [[ -s $shard ]] && return 0
    done
    return 1
}

# ---------------------------------------------------------------------------
# Every compression, several widths

@test "dump --streams 4 with every compression: img-0..img-3 of its extension, valid streams; each restores and the counter goes on" {
    start_daemon
    local format mode=pipe
    for format in none tar gzip lz4 zlib zstd; do
        streamed_roundtrip 4 "$format" "$mode"
        if [[ $mode == pipe ]]; then mode='file'; else mode='pipe'; fi
    done
    stop_daemon
}

@test "dump --streams 2 (gzip, none): two shards; restore continues the counter" {
    start_daemon
    streamed_roundtrip 2 gzip pipe
    streamed_roundtrip 2 none file
    stop_daemon
}

@test "dump --streams 8 (zstd, zlib) and the most, --streams 64 (lz4): that many shards; restore continues the counter" {
    start_daemon
    streamed_roundtrip 8 zstd pipe
    streamed_roundtrip 8 zlib file
    streamed_roundtrip 64 lz4 pipe
    stop_daemon
}

@test "the memory of a big process goes into img-1..img-3, not img-0, and restores" {
    start_daemon
    start_big_process 16
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --name cp --compression lz4 --streams 4
    assert_success
    assert_shards "$TEST_DIR/ckpt/cp" 4 lz4
    # 16 MiB of random bytes do not compress: each memory shard holds a good part of them,
    # img-0 (the small images, the log, cedana.json) far less.
    local i size
    for i in 1 2 3; do
        size=$(stat -c %s "$TEST_DIR/ckpt/cp/img-$i.lz4")
        ((size > 2 * 1024 * 1024)) || fail "img-$i.lz4 holds only $size bytes of 16 MiB of memory"
    done
    size=$(stat -c %s "$TEST_DIR/ckpt/cp/img-0.lz4")
    ((size < 1024 * 1024)) || fail "img-0.lz4 holds $size bytes: the memory went into it"
    wait "$PID" || true
    wait_pid_gone "$PID"
    local before
    before=$(line_count "$TEST_DIR/big.out")

    cedana_restore "$TEST_DIR/ckpt/cp"
    assert_success
    assert_line "Restored PID $PID from $TEST_DIR/ckpt/cp"
    assert_ticks_go_on "$before"
    assert_entries "$TEST_DIR/ckpt" cp
    kill_restored "$PID"
    stop_daemon
}

# The FUSE mounts that serve a restore's memory images (images/served/), by mount point.
served_mounts() {
    awk '$0 ~ / - fuse\.cedana / { print $5 }' /proc/self/mountinfo
}

@test "a streamed restore reads the memory straight from the shards: the daemon says so, and no mount or scratch is left, also after a failure" {
    [ -e /dev/fuse ] || skip "no /dev/fuse: the memory images are extracted instead"
    start_daemon
    start_big_process 24
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --name cp --compression zstd --streams 3
    assert_success
    wait "$PID" || true
    wait_pid_gone "$PID"
    local bad before
    bad=$(copy_checkpoint "$TEST_DIR/ckpt/cp" bad)
    before=$(line_count "$TEST_DIR/big.out")

    cedana_restore "$TEST_DIR/ckpt/cp"
    assert_success
    assert_ticks_go_on "$before"
    run grep -c "serving the memory images of $TEST_DIR/ckpt/cp straight from its 3 shards" "$DAEMON_LOG"
    assert_output 1
    run served_mounts
    assert_output ""
    assert_entries "$TEST_DIR/ckpt" cp
    kill_restored "$PID"

    # A frame damaged in the middle of a memory shard: CRIU's read of it fails, the restore
    # names the shard, and the mount goes with the scratch.
    flip_middle "$bad/img-2.zst"
    restore_fails "$bad" "$PID" "shard img-2.zst is corrupted|fails its checksum"
    run served_mounts
    assert_output ""
    stop_daemon
}

@test "an lz4, zstd or tar archive's memory is served from the archive itself, a gzip one's extracted; each restores and a damaged one fails" {
    [ -e /dev/fuse ] || skip "no /dev/fuse: the memory images are extracted instead"
    start_daemon
    local format archive before bad
    for format in lz4 zstd tar gzip; do
        start_big_process 12
        cedana_dump "$PID" --dir "$TEST_DIR/$format" --name cp --compression "$format"
        assert_success
        archive=$(ls "$TEST_DIR/$format"/cp.tar*)
        wait "$PID" || true
        wait_pid_gone "$PID"
        mkdir -p "$TEST_DIR/bad-$format"
        cp "$archive" "$TEST_DIR/bad-$format/"
        before=$(line_count "$TEST_DIR/big.out")
        cedana_restore "$archive"
        assert_success
        assert_ticks_go_on "$before"
        run grep -c "serving the memory images of $archive straight from the archive" "$DAEMON_LOG"
        if [ "$format" = gzip ]; then assert_output 0; else assert_output 1; fi
        run served_mounts
        assert_output ""
        kill_restored "$PID"

        bad=$TEST_DIR/bad-$format/$(basename "$archive")
        flip_middle "$bad"
        # A failure CRIU met leaves its log beside the archive, and nothing else.
        cedana_restore "$bad"
        assert_failure
        assert_output --regexp "is corrupted|fails its checksum"
        assert_nothing_restored "$PID"
        run bash -c "ls -A '$TEST_DIR/bad-$format' | grep -v '\.restore\.log$'"
        assert_output "$(basename "$archive")"
        run served_mounts
        assert_output ""
    done
    stop_daemon
}

# ---------------------------------------------------------------------------
# Jobs, --leave-running, configuration, --no-server, inspect

@test "dump job --streams 4 and restore job: the job keeps its id and PID, its log's counter goes on" {
    start_daemon
    write_counter_script "$TEST_DIR/count.sh"
    local j log=$TEST_DIR/job.log
    j=$(cid job)
    cedana_cli run process "$TEST_DIR/count.sh" --jid "$j" --out "$log"
    assert_success
    parse_started "$j"
    local pid=$JOB_PID
    wait_for_lines "$log" 3

    dump_job "$j" --dir "$TEST_DIR/ck" --streams 4 --compression zstd
    assert_success
    [[ $DUMP_PATH =~ ^$TEST_DIR/ck/dump-process-$j-[0-9]{10}$ ]] || fail "checkpoint '$DUMP_PATH'"
    assert_entries "$TEST_DIR/ck" "$(basename "$DUMP_PATH")"
    assert_shards "$DUMP_PATH" 4 zstd
    wait_pid_gone "$pid"
    wait_job_status "$j" halted
    local before last first
    before=$(line_count "$log")
    last=$(tail -n 1 "$log")

    cedana_cli restore job "$j"
    assert_success
    assert_line "Restored job $j as PID $pid"
    track "$pid"
    wait_for_lines "$log" $((before + 2))
    first=$(sed -n "$((before + 1))p" "$log")
    [[ $first == "$((last + 1))" ]] || fail "the first line after the restore is '$first', expected $((last + 1))"
    assert_running "$pid" "$log"
    ps_row "$j"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col PID)" "$pid"
    [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "status of $j is '$(ps_col STATUS)': $PS_ROW"
    assert_entries "$TEST_DIR/ck" "$(basename "$DUMP_PATH")"
    stop_daemon
}

@test "--streams with --leave-running, then a second streamed dump of the still-running process: two checkpoints; the second restores" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name first --streams 4 --compression lz4 --leave-running
    assert_success
    assert_shards "$TEST_DIR/ckpt/first" 4 lz4
    assert_running "$pid" "$TEST_DIR/orig.out"

    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name second --streams 4 --compression lz4
    assert_success
    assert_shards "$TEST_DIR/ckpt/second" 4 lz4
    assert_entries "$TEST_DIR/ckpt" first second
    # Two dumps, two ids: their shards cannot be taken for one another's.
    decode_shard "$TEST_DIR/ckpt/first/img-0.lz4" lz4 "$TEST_DIR/a.plain"
    decode_shard "$TEST_DIR/ckpt/second/img-0.lz4" lz4 "$TEST_DIR/b.plain"
    [[ $(shard_id "$TEST_DIR/a.plain") != "$(shard_id "$TEST_DIR/b.plain")" ]] || fail "both dumps have the id $(shard_id "$TEST_DIR/a.plain")"
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$TEST_DIR/ckpt/second" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $TEST_DIR/ckpt/second"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    assert_growing "$TEST_DIR/restored.out"
    assert_entries "$TEST_DIR/ckpt" first second
    kill_restored "$pid"
    stop_daemon
}

@test "checkpoint.streams in config.json and CEDANA_CHECKPOINT_STREAMS stream a dump without --streams; an invalid one is refused naming it" {
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    write_config '{"checkpoint": {"streams": 3, "compression": "zstd"}}'
    start_daemon
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name from-file --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "$TEST_DIR/ckpt/from-file"
    assert_shards "$DUMP_PATH" 3 zstd
    # --streams on the command line wins over the configuration.
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name flag-wins --streams 2 --leave-running
    assert_success
    assert_shards "$TEST_DIR/ckpt/flag-wins" 2 zstd
    # --streams 0 turns the configured streaming off: one archive, as without streaming.
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name unstreamed --streams 0 --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "$TEST_DIR/ckpt/unstreamed.tar.zst"
    assert_file_exists "$DUMP_PATH"
    rm "$DUMP_PATH"
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon

    # 1 is no streamed checkpoint: refused, naming where it came from.
    write_config '{"checkpoint": {"streams": 1}}'
    start_daemon
    cedana_dump "$pid" --dir "$TEST_DIR/refused" --name bad --leave-running
    assert_failure
    assert_output --partial "checkpoint.streams"
    assert_not_exists "$TEST_DIR/refused"
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon

    rm "$CFG_DIR/config.json"
    CEDANA_CHECKPOINT_STREAMS=2 start_daemon
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name from-env --compression gzip
    assert_success
    assert_equal "$DUMP_PATH" "$TEST_DIR/ckpt/from-env"
    assert_shards "$DUMP_PATH" 2 gzip
    assert_entries "$TEST_DIR/ckpt" from-file flag-wins from-env
    wait "$pid" || true
    wait_pid_gone "$pid"
    cedana_restore "$DUMP_PATH" --out "$TEST_DIR/restored.out"
    assert_success
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

@test "restore --no-server of a streamed checkpoint runs it here: its output and exit status 7; no scratch left" {
    start_daemon
    start_workload "$TEST_DIR/orig.out" bash -c 'for ((i = 0; i < 20; i++)); do echo "line $i"; sleep 0.1; done; exit 7'
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name cp --streams 3 --compression zstd
    assert_success
    assert_shards "$TEST_DIR/ckpt/cp" 3 zstd
    wait "$pid" || true
    wait_pid_gone "$pid"
    local last
    last=$(tail -n 1 "$TEST_DIR/orig.out")
    last=${last#line }
    ((last < 19)) || fail "the workload ended before the dump (last line $last)"
    stop_daemon

    run "$CEDANA" restore process --path "$TEST_DIR/ckpt/cp" --no-server --config-dir "$CFG_DIR"
    assert_equal "$status" 7
    assert_line "line $((last + 1))"
    assert_line "line 19"
    refute_line "line 0"
    assert_not_exists "/proc/$pid"
    assert_entries "$TEST_DIR/ckpt" cp
    # shellcheck disable=SC2046
    assert_entries "$TEST_DIR/ckpt/cp" $(shard_names 3 zstd) restore.log
}

@test "checkpoint inspect of a streamed checkpoint: its metadata, 'Format  4 streams, lz4', the images, --type ps; it changes nothing" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name cp --streams 4 --compression lz4 --leave-running
    assert_success
    stop_daemon

    run "$CEDANA" checkpoint inspect "$TEST_DIR/ckpt/cp"
    assert_success
    assert_line --regexp "^PID +$pid$"
    assert_line --regexp "^Format +4 streams, lz4$"
    assert_line --regexp "^pages-1\.img +.* [0-9a-f]{16}$"
    run "$CEDANA" checkpoint inspect "$TEST_DIR/ckpt/cp" --type ps
    assert_success
    assert_line --regexp "^ *$pid +[0-9]+ .* bash$"
    run "$CEDANA" checkpoint inspect "$TEST_DIR/ckpt/cp" -t fd
    assert_success
    assert_output --partial "PIPE"
    # Decoded beside it for reading, and nothing of that is left; the shards are untouched.
    assert_entries "$TEST_DIR/ckpt" cp
    assert_shards "$TEST_DIR/ckpt/cp" 4 lz4
}

@test "checkpoint inspect of a streamed tar checkpoint names its compression, tar" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name cp --streams 2 --compression tar --leave-running
    assert_success
    assert_shards "$TEST_DIR/ckpt/cp" 2 tar
    stop_daemon
    run "$CEDANA" checkpoint inspect "$TEST_DIR/ckpt/cp"
    assert_success
    assert_line --regexp "^Format +2 streams, tar$"
}

# ---------------------------------------------------------------------------
# Containers

@test "dump runc --streams 4 --compression lz4: the checkpoint is the shards; restore runc brings the container back counting on" {
    command -v "$RUNC" >/dev/null || skip "runc is not installed"
    start_daemon
    local id
    id=$(cid streamed)
    make_bundle "$TEST_DIR/bundle" -- "$TICK_LOOP"
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5

    dump_runc "$id" --dir "$TEST_DIR/ckpt" --name cp --streams 4 --compression lz4
    assert_success
    assert_equal "$DUMP_PATH" "$TEST_DIR/ckpt/cp"
    assert_entries "$TEST_DIR/ckpt" cp
    assert_shards "$DUMP_PATH" 4 lz4
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local before
    before=$(counter_len "$count")

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$count"
    assert_entries "$TEST_DIR/ckpt" cp
    assert_no_mounts_under "$RUNC_ROOT"
    stop_daemon
}

@test "dump containerd --streams 3 --compression zstd, restore containerd: the task is back, RUNNING with the restored PID, counting on" {
    for tool in "$CONTAINERD" "$CTR" jq runc; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
    done
    # This file's only containerd test starts its own containerd (the daemon must know it).
    containerd_start
    build_image "$CTD_IMAGE"
    start_daemon
    local id
    id=$(ctd_id streamed)
    running "$id"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 5

    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --name cp --streams 3 --compression zstd
    assert_success
    cedana_dump_out
    assert_equal "$DUMP_PATH" "$TEST_DIR/ckpt/cp"
    assert_entries "$TEST_DIR/ckpt" cp
    assert_shards "$DUMP_PATH" 3 zstd
    wait_pid_dead "$pid"
    assert_equal "$(task_field "$id" STATUS)" ""

    cedana_cli restore containerd --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    assert_task_counts_on "$RESTORED_PID"
    assert_entries "$TEST_DIR/ckpt" cp
    stop_daemon
}

# ---------------------------------------------------------------------------
# Refused --streams values, a dump that fails while streaming

@test "--streams abc, -1, 1 and 65 are refused naming --streams; nothing is created and the process runs on" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    mkdir -p "$TEST_DIR/ckpt"
    local n
    for n in abc -1 1 65; do
        cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name cp --streams "$n" --compression lz4
        assert_failure
        assert_output --partial "streams"
        refute_output --partial "Dumped to"
        assert_dir_empty "$TEST_DIR/ckpt"
        # Not even the directory is made for a refused dump.
        cedana_dump "$pid" --dir "$TEST_DIR/new/dir" --name cp --streams "$n"
        assert_failure
        assert_output --partial "streams"
        assert_not_exists "$TEST_DIR/new"
        assert_running "$pid" "$TEST_DIR/orig.out"
    done
    # The daemon's refusals say what is accepted.
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --streams 65
    assert_output --partial "--streams 65: a streamed checkpoint has 2 to 64 streams"
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --streams 1
    assert_output --partial "--streams 1: a streamed checkpoint has 2 to 64 streams"
    assert_dir_empty "$TEST_DIR/ckpt"
    stop_daemon
}

@test "a streamed dump whose CRIU is killed while the memory streams fails, leaves no directory, and the process runs on" {
    start_daemon
    # Memory that gzip cannot shrink, more than the shards' queues hold (2 frames of 4 MiB a
    # core for each of the three memory shards): CRIU has to wait for the compression, so it
    # streams for seconds and is still at it when killed.
    local cores mib
    cores=$(nproc)
    mib=$((cores * 32 > 128 ? cores * 32 : 128))
    start_big_process "$mib"
    local dir=$TEST_DIR/ckpt out=$TEST_DIR/dump.out
    mkdir -p "$dir"
    "$CEDANA" dump process "$PID" --address "$SOCK" --config-dir "$CFG_DIR" --dir "$dir" --name cp \
        --streams 4 --compression gzip </dev/null >"$out" 2>&1 3>&- &
    local cli=$!
    TEST_PIDS+=("$cli")
    # Kills CRIU while it writes a memory image and part of the memory is in the shards.
    local i criu='' streaming=0
    for ((i = 0; i < 3000; i++)); do
        [[ -n $criu ]] || criu=$(criu_below "$DAEMON_PID")
        if [[ -n $criu ]] && criu_writes_memory "$criu" && memory_shards_started "$dir"; then
            streaming=1
            break
        fi
        kill -0 "$cli" 2>/dev/null || break
        sleep 0.01
    done
    ((streaming)) || fail "CRIU was not seen streaming the memory (CRIU '$criu'); the dump said: $(cat "$out")"
    kill -KILL "$criu"
    local rc=0
    wait "$cli" || rc=$?
    ((rc != 0)) || fail "the dump succeeded although its CRIU was killed: $(cat "$out")"
    run cat "$out"
    refute_output --partial "Dumped to"
    assert_output --partial "CRIU could not dump PID $PID"
    assert_output --partial "the process was left running"
    assert_dir_empty "$dir"
    assert_running "$PID" "$TEST_DIR/big.out"
    # The daemon is fine and so is the process: a streamed dump of it now succeeds.
    cedana_dump "$PID" --dir "$dir" --name again --streams 2 --compression lz4 --leave-running
    assert_success
    assert_shards "$dir/again" 2 lz4
    assert_running "$PID" "$TEST_DIR/big.out"
    stop_daemon
}

# ---------------------------------------------------------------------------
# Damaged checkpoints

@test "a shard with bytes flipped in its middle, or cut to half, fails the restore for every compression; the intact copy restores" {
    start_daemon
    start_big_process 8
    local format ckpt bad before
    for format in none gzip lz4 zlib zstd; do
        cedana_dump "$PID" --dir "$TEST_DIR/ckpt-$format" --name cp --streams 4 --compression "$format"
        assert_success
        ckpt=$TEST_DIR/ckpt-$format/cp
        assert_shards "$ckpt" 4 "$format"
        # The first time it is this shell's child; afterwards the daemon's, which reaps it.
        wait "$PID" 2>/dev/null || true
        wait_pid_gone "$PID"
        before=$(line_count "$TEST_DIR/big.out")

        bad=$(copy_checkpoint "$ckpt" "flipped-$format")
        flip_middle "$bad/img-1$(shard_ext "$format")"
        run cmp -s "$ckpt/img-1$(shard_ext "$format")" "$bad/img-1$(shard_ext "$format")"
        assert_failure
        restore_fails "$bad" "$PID" "shard img-1[^ ]* is corrupted|fails its checksum"

        bad=$(copy_checkpoint "$ckpt" "cut-$format")
        truncate -s $(($(stat -c %s "$bad/img-2$(shard_ext "$format")") / 2)) "$bad/img-2$(shard_ext "$format")"
        restore_fails "$bad" "$PID" "shard img-2[^ ]* is (truncated|corrupted)"

        # The damage was all: the checkpoint they were copied from restores, ticking on.
        cedana_restore "$ckpt"
        assert_success
        assert_line "Restored PID $PID from $ckpt"
        assert_ticks_go_on "$before"
        assert_entries "$TEST_DIR/ckpt-$format" cp
    done
    kill_restored "$PID"
    stop_daemon
}

@test "a missing shard (in the middle, the last), img-0 alone, or a shard of another dump fails the restore clearly; nothing runs, nothing is left" {
    start_daemon
    start_big_process 8
    # Two dumps of the same process, alike but for their ids.
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --name other --streams 4 --compression lz4 --leave-running
    assert_success
    cedana_dump "$PID" --dir "$TEST_DIR/ckpt" --name cp --streams 4 --compression lz4
    assert_success
    local ckpt=$TEST_DIR/ckpt/cp bad
    assert_shards "$ckpt" 4 lz4
    assert_shards "$TEST_DIR/ckpt/other" 4 lz4
    wait "$PID" || true
    wait_pid_gone "$PID"
    local before
    before=$(line_count "$TEST_DIR/big.out")

    bad=$(copy_checkpoint "$ckpt" middle)
    rm "$bad/img-2.lz4"
    restore_fails "$bad" "$PID" "shard img-2 is missing"

    bad=$(copy_checkpoint "$ckpt" last)
    rm "$bad/img-3.lz4"
    restore_fails "$bad" "$PID" "written as 4 shards and 3 are here; img-3 is missing"

    bad=$(copy_checkpoint "$ckpt" alone)
    rm "$bad"/img-[123].lz4
    restore_fails "$bad" "$PID" "holds one image shard \(img-0\.lz4\)"

    bad=$(copy_checkpoint "$ckpt" mixed)
    cp "$TEST_DIR/ckpt/other/img-1.lz4" "$bad/img-1.lz4"
    restore_fails "$bad" "$PID" "shard img-1\.lz4 comes from another dump"

    # Renamed shards: each says which it is.
    bad=$(copy_checkpoint "$ckpt" swapped)
    mv "$bad/img-1.lz4" "$bad/tmp"
    mv "$bad/img-2.lz4" "$bad/img-1.lz4"
    mv "$bad/tmp" "$bad/img-2.lz4"
    restore_fails "$bad" "$PID" "says it is shard img-2"

    cedana_restore "$ckpt"
    assert_success
    assert_line "Restored PID $PID from $ckpt"
    assert_ticks_go_on "$before"
    kill_restored "$PID"
    stop_daemon
}

@test "restore --no-server of a streamed checkpoint with a missing shard fails the same way and leaves no scratch" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --name cp --streams 3 --compression gzip
    assert_success
    wait "$pid" || true
    wait_pid_gone "$pid"
    stop_daemon
    rm "$TEST_DIR/ckpt/cp/img-1.gz"
    run "$CEDANA" restore process --path "$TEST_DIR/ckpt/cp" --no-server --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "shard img-1 is missing"
    assert_nothing_restored "$pid"
    assert_entries "$TEST_DIR/ckpt" cp
    assert_entries "$TEST_DIR/ckpt/cp" img-0.gz img-2.gz
}
