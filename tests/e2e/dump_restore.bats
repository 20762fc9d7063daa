#!/usr/bin/env bats
# Dump and restore of real processes through the daemon and CRIU: every
# compression, naming, --leave-running, --pid-file, --no-server, --profiling.

load helpers

# The shared teardown, kept under another name, runs after this file's own cleanup.
eval "helpers_$(declare -f teardown)"

teardown() {
    kill_test_processes
    unmount_test_mounts
    helpers_teardown
}

# extension FORMAT: the suffix a checkpoint of FORMAT gets.
extension() {
    case $1 in
    none) echo "" ;;
    tar) echo ".tar" ;;
    gzip) echo ".tar.gz" ;;
    lz4) echo ".tar.lz4" ;;
    zlib) echo ".tar.zlib" ;;
    zstd) echo ".tar.zst" ;;
    esac
}

# list_checkpoint PATH FORMAT: prints the names of the files in a checkpoint.
list_checkpoint() {
    local path=$1 format=$2
    case $format in
    none) ls -A "$path" ;;
    tar) tar -tf "$path" ;;
    gzip) tar -tzf "$path" ;;
    lz4) tar -I lz4 -tf "$path" ;;
    zstd) tar -I zstd -tf "$path" ;;
    zlib) python3 -c 'import io, sys, tarfile, zlib
data = zlib.decompress(open(sys.argv[1], "rb").read())
print("\n".join(tarfile.open(fileobj=io.BytesIO(data)).getnames()))' "$path" ;;
    esac
}

# assert_format PATH FORMAT: `file` and the magic bytes agree with FORMAT.
assert_format() {
    local path=$1 format=$2 desc magic
    desc=$(file -b "$path")
    magic=$(od -An -tx1 -N4 "$path" 2>/dev/null | tr -d ' \n')
    case $format in
    none)
        [[ -d $path ]] || fail "$path is not a directory: $desc"
        ;;
    tar)
        [[ $desc == *"tar archive"* ]] || fail "$path: file says '$desc'"
        [[ $(dd if="$path" bs=1 skip=257 count=5 status=none) == ustar ]] || fail "$path has no ustar magic"
        ;;
    gzip)
        [[ $desc == "gzip compressed data"* ]] || fail "$path: file says '$desc'"
        [[ $magic == 1f8b* ]] || fail "$path: magic $magic is not gzip's"
        ;;
    lz4)
        [[ $desc == "LZ4 compressed data"* ]] || fail "$path: file says '$desc'"
        [[ $magic == 04224d18 ]] || fail "$path: magic $magic is not lz4's"
        ;;
    zlib)
        [[ $desc == "zlib compressed data"* ]] || fail "$path: file says '$desc'"
        [[ $magic == 78* ]] || fail "$path: magic $magic is not zlib's"
        ;;
    zstd)
        [[ $desc == "Zstandard compressed data"* ]] || fail "$path: file says '$desc'"
        [[ $magic == 28b52ffd ]] || fail "$path: magic $magic is not zstd's"
        ;;
    esac
}

# roundtrip FORMAT MODE: dumps the counter (stdout on a pipe or a file) with
# FORMAT, checks the checkpoint's name and format, restores it and checks that
# the PID is the same and the counter goes on where it stopped.
roundtrip() {
    local format=$1 mode=$2 dir=$TEST_DIR/ckpt
    start_daemon
    start_counter "$TEST_DIR/orig.out" "$mode"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_dump "$pid" --dir "$dir" --name "cp-$format" --compression "$format"
    assert_success
    local expected="$dir/cp-$format$(extension "$format")"
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $expected"
    assert_equal "$DUMP_PATH" "$expected"
    assert_exists "$expected"
    assert_format "$expected" "$format"
    run list_checkpoint "$expected" "$format"
    assert_success
    assert_line --regexp '(^|/)cedana\.json$'
    assert_line --regexp '(^|/)dump\.log$'
    assert_line --regexp '(^|/)pages-[0-9]+\.img$'
    # Only the checkpoint is left in the directory: no staging leftovers.
    run ls -A "$dir"
    assert_output "cp-$format$(extension "$format")"

    # Without --leave-running the process ends once the dump is safe.
    wait "$pid" || true
    wait_pid_gone "$pid"
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_restore "$expected" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $expected"
    wait_for_lines "$TEST_DIR/restored.out" 2
    kill -0 "$pid"
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    assert_growing "$TEST_DIR/restored.out"
    # CRIU's restore log stays with the checkpoint: inside a directory, beside an archive.
    if [[ $format == none ]]; then
        assert_exists "$expected/restore.log"
    else
        assert_exists "$expected.restore.log"
    fi

    kill_restored "$pid"
    stop_daemon
}

@test "dump --compression none writes a directory and restore continues the counter" {
    roundtrip none pipe
}

@test "dump --compression tar writes NAME.tar and restore continues the counter" {
    roundtrip tar file
}

@test "dump --compression gzip writes NAME.tar.gz and restore continues the counter" {
    roundtrip gzip pipe
}

@test "dump --compression lz4 writes NAME.tar.lz4 and restore continues the counter" {
    roundtrip lz4 pipe
}

@test "dump --compression zlib writes NAME.tar.zlib and restore continues the counter" {
    roundtrip zlib file
}

@test "dump --compression zstd writes NAME.tar.zst and restore continues the counter" {
    roundtrip zstd pipe
}

@test "a process writing to a plain file goes on appending to it after restore without --out" {
    start_daemon
    local out=$TEST_DIR/plain.out
    start_counter "$out" file
    local pid=$WORKLOAD_PID
    wait_for_lines "$out" 3

    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --compression gzip
    assert_success
    wait "$pid" || true
    wait_pid_gone "$pid"
    local before
    before=$(line_count "$out")

    cedana_restore "$DUMP_PATH"
    assert_success
    assert_line "Restored PID $pid from $DUMP_PATH"
    wait_for_lines "$out" $((before + 3))
    # One unbroken count: 0, 1, 2, ... with nothing repeated or lost.
    local n
    n=$(line_count "$out")
    run diff <(head -n "$n" "$out") <(seq 0 $((n - 1)))
    assert_success

    kill_restored "$pid"
    stop_daemon
}

@test "without --name the checkpoint is called dump-process-<unix nanoseconds>" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local before after
    before=$(date +%s%N)
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --compression lz4 --leave-running
    after=$(date +%s%N)
    assert_success
    assert_line --index $((${#lines[@]} - 1)) --regexp "^Dumped to $TEST_DIR/ckpt/dump-process-[0-9]{19}\.tar\.lz4$"
    local ns=${DUMP_PATH##*/dump-process-}
    ns=${ns%.tar.lz4}
    ((ns >= before && ns <= after)) || fail "name time $ns is not between $before and $after"
    assert_file_exists "$DUMP_PATH"
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "--name and --dir: a nested directory that does not exist is created" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local dir=$TEST_DIR/does/not/exist/yet
    assert_not_exists "$TEST_DIR/does"

    cedana_dump "$pid" --dir "$dir" --name my-checkpoint --compression zstd
    assert_success
    assert_equal "$DUMP_PATH" "$dir/my-checkpoint.tar.zst"
    assert_file_exists "$dir/my-checkpoint.tar.zst"
    run ls -A "$dir"
    assert_output "my-checkpoint.tar.zst"

    # A directory checkpoint with a name of its own, in the same directory.
    wait "$pid" || true
    wait_pid_gone "$pid"
    cedana_restore "$dir/my-checkpoint.tar.zst" --out "$TEST_DIR/restored.out"
    assert_success
    wait_for_lines "$TEST_DIR/restored.out" 1
    cedana_dump "$pid" --dir "$dir" --name other --compression none --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "$dir/other"
    assert_dir_exists "$dir/other"
    assert_file_exists "$dir/other/cedana.json"
    assert_file_exists "$dir/other/dump.log"

    kill_restored "$pid"
    stop_daemon
}

@test "--leave-running twice in a row: two distinct checkpoints, the process goes on" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --leave-running --compression lz4
    assert_success
    local first=$DUMP_PATH
    assert_running "$pid" "$TEST_DIR/orig.out"

    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --leave-running --compression lz4
    assert_success
    local second=$DUMP_PATH
    assert_running "$pid" "$TEST_DIR/orig.out"

    [[ -n $first && -n $second && $first != "$second" ]] || fail "checkpoints are not distinct: '$first' '$second'"
    assert_file_exists "$first"
    assert_file_exists "$second"
    run ls -A "$TEST_DIR/ckpt"
    assert_equal "${#lines[@]}" 2

    kill -KILL "$pid"
    wait "$pid" || true
    stop_daemon
}

@test "restore --pid-file writes the restored PID (daemon)" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --compression tar
    assert_success
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$DUMP_PATH" --out "$TEST_DIR/restored.out" --pid-file "$TEST_DIR/restored.pid"
    assert_success
    assert_line "Restored PID $pid from $DUMP_PATH"
    assert_file_exists "$TEST_DIR/restored.pid"
    run cat "$TEST_DIR/restored.pid"
    assert_output "$pid"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"

    kill_restored "$pid"
    stop_daemon
}

@test "restore --no-server --pid-file writes the restored PID" {
    start_daemon
    start_workload "$TEST_DIR/orig.out" bash -c 'for ((i = 0; i < 20; i++)); do echo $i; sleep 0.1; done; exit 7'
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --compression gzip
    assert_success
    wait "$pid" || true
    wait_pid_gone "$pid"

    run "$CEDANA" restore process --path "$DUMP_PATH" --no-server --config-dir "$CFG_DIR" \
        --pid-file "$TEST_DIR/restored.pid"
    assert_equal "$status" 7
    assert_line "19"
    run cat "$TEST_DIR/restored.pid"
    assert_output "$pid"
    assert_not_exists "/proc/$pid"
    stop_daemon
}

@test "restore --no-server propagates the process's exit status 42 and its output" {
    start_daemon
    start_workload "$TEST_DIR/orig.out" bash -c 'for ((i = 0; i < 30; i++)); do echo "line $i"; sleep 0.1; done; exit 42'
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    assert_equal "$DUMP_PATH" "${DUMP_PATH%.tar.lz4}.tar.lz4"
    wait "$pid" || true
    wait_pid_gone "$pid"
    local last
    last=$(tail -n 1 "$TEST_DIR/orig.out")
    last=${last#line }
    ((last < 29)) || fail "the workload ended before the dump (last line $last)"

    run "$CEDANA" restore process --path "$DUMP_PATH" --no-server --config-dir "$CFG_DIR"
    assert_equal "$status" 42
    # The lines after the dump, up to the last one, come out of the CLI.
    assert_line "line $((last + 1))"
    assert_line "line 29"
    refute_line "line 0"
    assert_not_exists "/proc/$pid"
    stop_daemon
}

@test "the same none checkpoint restores twice, once the first restored process is gone" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR/ckpt" --compression none
    assert_success
    local ckpt=$DUMP_PATH
    assert_dir_exists "$ckpt"
    wait "$pid" || true
    wait_pid_gone "$pid"
    # The counter's tree holds the cat that writes orig.out (start_counter's process
    # substitution is its child). When the dump caught bytes in the pipe to it, the first
    # restored cat appends them to orig.out, and CRIU refuses to restore a regular file whose
    # size is not the dumped one: the second restore gets orig.out as the dump left it.
    local dumped_size
    dumped_size=$(stat -c %s "$TEST_DIR/orig.out")

    cedana_restore "$ckpt" --out "$TEST_DIR/first.out"
    assert_success
    assert_line "Restored PID $pid from $ckpt"
    wait_for_lines "$TEST_DIR/first.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/first.out"
    kill_restored "$pid"
    truncate -s "$dumped_size" "$TEST_DIR/orig.out"

    cedana_restore "$ckpt" --out "$TEST_DIR/second.out"
    assert_success
    assert_line "Restored PID $pid from $ckpt"
    wait_for_lines "$TEST_DIR/second.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/second.out"
    # The checkpoint directory is still there, untouched, for a third time.
    assert_file_exists "$ckpt/cedana.json"
    kill_restored "$pid"
    stop_daemon
}

@test "dump --profiling prints the PROFILING table before the final Dumped to line" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --profiling --dir "$TEST_DIR/ckpt" --compression lz4 --leave-running
    assert_success
    assert_line "PROFILING"
    assert_line --regexp '^STEP +COMPONENT +TIME$'
    assert_line --regexp '^criu-dump +criu +[0-9.]+ (ns|us|µs|ms|s)$'
    assert_line --regexp '^COMPONENT +TOTAL$'
    assert_line --regexp '^total +[0-9.]+ (ns|us|µs|ms|s)$'
    local i table=-1 last=$((${#lines[@]} - 1))
    for i in "${!lines[@]}"; do
        [[ ${lines[i]} == PROFILING ]] && table=$i
    done
    [[ ${lines[last]} == "Dumped to $TEST_DIR/ckpt/"*.tar.lz4 ]] || fail "last line is '${lines[last]}'"
    ((table >= 0 && table < last)) || fail "PROFILING at line $table, Dumped to at line $last"
    assert_file_exists "$DUMP_PATH"
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "a shell job on a terminal restores through the daemon onto a stand-in terminal, output to --out" {
    start_daemon
    local dir=$BATS_TEST_TMPDIR/tty
    mkdir -p "$dir"
    # script(1) gives the shell a terminal; the loop is its background job, as typed at a prompt.
    script -qfc "bash -c '( i=0; while true; do echo \$i; i=\$((i+1)); sleep 0.1; done ) & echo \$! >$dir/pid; wait'" \
        "$dir/typescript" >/dev/null 2>&1 </dev/null &
    TEST_PIDS+=("$!")
    local i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        [[ -s $dir/pid ]] && break
        sleep 0.05
    done
    local pid
    pid=$(cat "$dir/pid")
    [[ $(readlink "/proc/$pid/fd/1") == /dev/pts/* ]] || fail "the job's stdout is not a terminal"
    wait_for_lines "$dir/typescript" 4

    cedana_dump "$pid" --dir "$dir/ck"
    assert_success
    wait_pid_gone "$pid"
    tr -d '\r' <"$dir/typescript" | grep -E '^[0-9]+$' >"$dir/orig.out"

    cedana_restore "$DUMP_PATH" --out "$dir/restored.out"
    assert_success
    assert_output --partial "Restored PID $pid"
    wait_for_lines "$dir/restored.out" 3
    assert_counter_continues "$dir/orig.out" "$dir/restored.out"
    [[ $(readlink "/proc/$pid/fd/1") == /dev/pts/* ]] || fail "the restored job has no terminal"
    kill_restored "$pid"
}

@test "checkpoint inspect shows the metadata and decodes the images of a checkpoint, directory or archive" {
    start_daemon
    local dir=$BATS_TEST_TMPDIR/inspect
    start_counter "$dir.out" pipe
    wait_for_lines "$dir.out" 3
    local pid=$WORKLOAD_PID
    cedana_dump "$pid" --dir "$dir" --compression lz4
    assert_success
    wait "$pid" 2>/dev/null || true

    run "$CEDANA" checkpoint inspect "$DUMP_PATH"
    assert_success
    assert_line --regexp "^PID +$pid$"
    assert_line --regexp "^Format +lz4$"
    assert_line --regexp "^pages-1\.img +.* [0-9a-f]{16}$"

    run "$CEDANA" job checkpoint inspect "$DUMP_PATH" --type ps
    assert_success
    assert_line --regexp "^ *$pid +[0-9]+ .* bash$"
    run "$CEDANA" checkpoint inspect "$DUMP_PATH" -t fd
    assert_success
    assert_output --partial "PIPE"
    run "$CEDANA" checkpoint inspect "$DUMP_PATH" -t mem
    assert_success
    assert_output --partial "[heap]"
    run "$CEDANA" checkpoint inspect "$DUMP_PATH" -t rss
    assert_success
    run "$CEDANA" checkpoint inspect "$DUMP_PATH" -t bogus
    assert_failure
    assert_output --partial "valid types are ps, fd, mem, rss, sk"
    # The archive was extracted beside it for reading, and nothing of that is left.
    run ls -A "$dir"
    assert_output "$(basename "$DUMP_PATH")"
}
