#!/usr/bin/env bats
# The cedana:// store: `cedana store serve` on loopback, its file API called raw (tokens,
# signed URLs, parts, ranges, paths that would leave the store), and checkpoints through
# `--dir cedana://…` / `--path cedana://…` with a real daemon and real CRIU: every
# compression, streamed, jobs, --no-server, listing and deleting, and the failures (a wrong
# token, no store, a store killed mid-upload, a missing or cut-short object), which must fail
# clearly, leave the process running and nothing published.

load helpers
load store_server

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
    helpers_setup
    TRACKED=()
    store_start
}

teardown() {
    kill_tracked
    kill_test_processes
    unmount_test_mounts
    helpers_teardown
}

# archive_ext FORMAT: the extension of an archive of FORMAT in the store.
archive_ext() {
    case $1 in
    none | tar) echo ".tar" ;;
    gzip) echo ".tar.gz" ;;
    lz4) echo ".tar.lz4" ;;
    zstd) echo ".tar.zst" ;;
    esac
}

shard_ext() {
    case $1 in
    none | tar) echo "" ;;
    gzip) echo ".gz" ;;
    lz4) echo ".lz4" ;;
    zstd) echo ".zst" ;;
    esac
}

# start_big_counter OUT: a counter holding 48 MiB of random bytes: a checkpoint of several
# 8 MiB parts even after lz4.
start_big_counter() {
    start_workload "$1" python3 -u -c '
import os, time
ballast = os.urandom(48 << 20)
i = 0
while True:
    print(i, flush=True)
    i += 1
    time.sleep(0.1)
'
}

# checkpoint_in_store big|small: a counter on $TEST_DIR/orig.out (48 MiB of random memory, or
# none) dumped to cedana://b/cp.tar.lz4; waits until the process is gone. Sets PID.
checkpoint_in_store() {
    if [[ $1 == big ]]; then
        start_big_counter "$TEST_DIR/orig.out"
    else
        start_counter "$TEST_DIR/orig.out" pipe
    fi
    PID=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$PID" --dir cedana://b --name cp --compression lz4
    assert_success
    wait "$PID" || true
    wait_pid_gone "$PID"
}

# ---------------------------------------------------------------------------
# The API, raw

@test "store serve refuses a token file others may read, a short token and a bad address" {
    local tokens=$TEST_DIR/tokens
    mkdir -p "$tokens"
    openssl rand -hex 24 >"$tokens/open"
    chmod 644 "$tokens/open"
    run "$CEDANA" store serve --address 127.0.0.1:0 --dir "$TEST_DIR/s2" --token-file "$tokens/open"
    assert_failure
    assert_output --partial "chmod 600"
    echo short >"$tokens/short"
    chmod 600 "$tokens/short"
    run "$CEDANA" store serve --address 127.0.0.1:0 --dir "$TEST_DIR/s2" --token-file "$tokens/short"
    assert_failure
    assert_output --partial "at least 16"
    run "$CEDANA" store serve --address 127.0.0.1 --dir "$TEST_DIR/s2" --token-file "$STORE_TOKEN_FILE"
    assert_failure
    assert_output --partial "HOST:PORT"
    run "$CEDANA" store serve --address 0.0.0.0:0 --dir "$TEST_DIR/s2" --token-file "$STORE_TOKEN_FILE"
    assert_failure
    assert_output --partial "--public-url"
}

@test "the file API wants the token: none or a wrong one is 401, and nothing is made" {
    run curl -sS -w '\n%{http_code}' -X PUT "$CEDANA_URL/v2/files/b/x"
    assert_equal "$(status_of "$output")" 401
    assert_output --partial "token"
    run curl -sS -w '\n%{http_code}' -H "Authorization: Bearer wrong-wrong-wrong-wrong" "$CEDANA_URL/v2/files/dir/b"
    assert_equal "$(status_of "$output")" 401
    assert_dir_empty "$STORE_DIR/partial"
    run api GET files/dir/
    assert_equal "$(status_of "$output")" 200
    assert_equal "$(body_of "$output")" "[]"
}

@test "paths with .., . or empty parts, escaped slashes or control characters are refused (400); no file outside the store is touched" {
    echo secret >"$TEST_DIR/outside"
    local path
    for path in "files/b/../../outside" "files/b/%2e%2e/%2e%2e/outside" "files/./b" "files/b//c" "files/b/%2Fetc" "files/b/a%0ab" "files/dir/.."; do
        run api GET "$path"
        assert_equal "$(status_of "$output")" 400
        run api PUT "$path"
        assert_equal "$(status_of "$output")" 400
    done
    assert_equal "$(cat "$TEST_DIR/outside")" secret
    assert_store_files
}

@test "an upload in parts out of order is published only once complete: listing, ranged GET, HEAD and delete; empty folders go" {
    head -c 3000 /dev/urandom >"$TEST_DIR/blob"
    run api PUT files/b/ck/blob.bin
    assert_equal "$(status_of "$output")" 200
    local url
    url=$(body_of "$output" | jq -r .url)
    [[ $url == "$CEDANA_URL/v2/upload/b/ck/blob.bin?"* ]] || fail "upload URL $url"

    run signed PUT "$url" -H "Content-Range: bytes 1000-2999/*" --data-binary @<(tail -c 2000 "$TEST_DIR/blob")
    assert_equal "$(status_of "$output")" 204
    run signed PUT "$url" -H "Content-Range: bytes */3000"
    assert_equal "$(status_of "$output")" 400
    assert_output --partial "byte 0 of 3000 never arrived"
    run api GET files/b/ck/blob.bin
    assert_equal "$(status_of "$output")" 404
    assert_store_files_partial_only

    run signed PUT "$url" -H "Content-Range: bytes 0-999/*" --data-binary @<(head -c 1000 "$TEST_DIR/blob")
    assert_equal "$(status_of "$output")" 204
    run signed PUT "$url" -H "Content-Range: bytes */3000"
    assert_equal "$(status_of "$output")" 201
    assert_store_files b/ck/blob.bin
    run cmp "$TEST_DIR/blob" "$STORE_DIR/objects/b/ck/blob.bin"
    assert_success

    run api GET files/dir/b
    assert_equal "$(body_of "$output")" '["ck/"]'
    run api GET files/dir/b/ck
    assert_equal "$(body_of "$output")" '["blob.bin"]'
    run api GET files/dir/b/none
    assert_equal "$(status_of "$output")" 404

    run api GET files/b/ck/blob.bin
    assert_equal "$(status_of "$output")" 200
    assert_equal "$(body_of "$output" | jq -r .size)" 3000
    local download
    download=$(body_of "$output" | jq -r .url)
    curl -sS -r 100-199 "$download" >"$TEST_DIR/range"
    run cmp "$TEST_DIR/range" <(head -c 200 "$TEST_DIR/blob" | tail -c 100)
    assert_success
    curl -sS "$download" >"$TEST_DIR/whole"
    run cmp "$TEST_DIR/whole" "$TEST_DIR/blob"
    assert_success
    run curl -sS -I "$download"
    assert_output --partial "Content-Length: 3000"
    run curl -sS -o /dev/null -w '%{http_code}' -r 5000-6000 "$download"
    assert_output 416

    run api DELETE files/b/ck/blob.bin
    assert_equal "$(status_of "$output")" 204
    run api DELETE files/b/ck/blob.bin
    assert_equal "$(status_of "$output")" 404
    assert_dir_empty "$STORE_DIR/objects"
}

# What the store holds: nothing published, one unfinished upload.
assert_store_files_partial_only() {
    [[ -z $(store_files) ]] || fail "published: $(store_files)"
    [[ $(find "$STORE_DIR/partial" -type f | wc -l) -eq 1 ]] || fail "partial holds: $(ls -la "$STORE_DIR/partial")"
}

@test "a whole-body PUT publishes at once; an aborted upload leaves nothing" {
    run api PUT files/b/whole
    local url
    url=$(body_of "$output" | jq -r .url)
    run signed PUT "$url" --data-binary "hello store"
    assert_equal "$(status_of "$output")" 201
    assert_equal "$(cat "$STORE_DIR/objects/b/whole")" "hello store"

    run api PUT files/b/aborted
    url=$(body_of "$output" | jq -r .url)
    run signed PUT "$url" -H "Content-Range: bytes 0-4/*" --data-binary "12345"
    assert_equal "$(status_of "$output")" 204
    run signed DELETE "$url"
    assert_equal "$(status_of "$output")" 204
    run signed PUT "$url" -H "Content-Range: bytes */5"
    assert_equal "$(status_of "$output")" 404
    assert_store_files b/whole
}

@test "a signed URL altered (path, expiry, signature) or expired is refused (403); one from an earlier run of the store too" {
    store_stop
    store_start --url-ttl 1
    printf abc >"$TEST_DIR/f"
    run api PUT files/b/f
    local url
    url=$(body_of "$output" | jq -r .url)
    run signed PUT "$url" --data-binary @"$TEST_DIR/f"
    assert_equal "$(status_of "$output")" 201
    run api GET files/b/f
    local download
    download=$(body_of "$output" | jq -r .url)
    run signed GET "$download"
    assert_equal "$(status_of "$output")" 200

    run signed GET "${download/\/b\/f\?/\/b\/g?}"
    assert_equal "$(status_of "$output")" 403
    assert_output --partial "signature"
    local later=$(($(date +%s) + 100000))
    run signed GET "$(sed -E "s/expires=[0-9]+/expires=$later/" <<<"$download")"
    assert_equal "$(status_of "$output")" 403
    run signed GET "$(sed -E 's/sig=(.)/sig=0\1/' <<<"$download" | cut -c1-$((${#download})))"
    assert_equal "$(status_of "$output")" 403

    # Expired: the URL said when; wait past it.
    local expires
    expires=$(sed -E 's/.*expires=([0-9]+).*/\1/' <<<"$download")
    while (($(date +%s) <= expires)); do sleep 0.2; done
    run signed GET "$download"
    assert_equal "$(status_of "$output")" 403
    assert_output --partial "expired"

    run api GET files/b/f
    download=$(body_of "$output" | jq -r .url)
    local old=$CEDANA_URL
    store_stop
    store_start
    run signed GET "${download/#$old/$CEDANA_URL}"
    assert_equal "$(status_of "$output")" 403
    assert_output --partial "earlier run"
}

@test "a symbolic link planted in the store is not followed" {
    echo secret >"$TEST_DIR/outside"
    mkdir -p "$STORE_DIR/objects/b"
    ln -s "$TEST_DIR/outside" "$STORE_DIR/objects/b/link"
    ln -s "$TEST_DIR" "$STORE_DIR/objects/up"
    run api GET files/b/link
    assert_equal "$(status_of "$output")" 404
    run api GET files/up/outside
    assert_equal "$(status_of "$output")" 404
    run api GET files/dir/up
    assert_equal "$(status_of "$output")" 404
    run api DELETE files/b/link
    assert_equal "$(status_of "$output")" 404
    assert_equal "$(cat "$TEST_DIR/outside")" secret
}

# ---------------------------------------------------------------------------
# Checkpoints through cedana://

# store_roundtrip FORMAT [STREAMS]: a counter dumped to cedana://b/ckpt is the store's file
# (or N shards) and restores from there, going on where it stopped.
store_roundtrip() {
    local format=$1 streams=${2:-0} url expected=()
    start_daemon
    local orig=$TEST_DIR/orig-$format-$streams.out restored=$TEST_DIR/restored-$format-$streams.out
    start_counter "$orig" pipe
    local pid=$WORKLOAD_PID
    wait_for_lines "$orig" 3
    if ((streams > 0)); then
        cedana_dump "$pid" --dir cedana://b/ckpt --name cp --compression "$format" --streams "$streams"
        url=cedana://b/ckpt/cp
        local i
        for ((i = 0; i < streams; i++)); do expected+=("b/ckpt/cp/img-$i$(shard_ext "$format")"); done
    else
        cedana_dump "$pid" --dir cedana://b/ckpt --name cp --compression "$format"
        url=cedana://b/ckpt/cp$(archive_ext "$format")
        expected=("b/ckpt/cp$(archive_ext "$format")")
    fi
    assert_success
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $url"
    assert_store_files "${expected[@]}"
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$url" --out "$restored"
    assert_success
    assert_line "Restored PID $pid from $url"
    wait_for_lines "$restored" 2
    assert_counter_continues "$orig" "$restored"
    assert_store_files "${expected[@]}"
    kill_restored "$pid"
    stop_daemon
}

@test "dump --dir cedana:// --compression lz4 stores NAME.tar.lz4; restore --path cedana:// continues the counter" {
    store_roundtrip lz4
}

@test "dump --dir cedana:// --compression zstd, gzip and none store NAME.tar.zst, .tar.gz, .tar; each restores" {
    store_roundtrip zstd
    rm -rf "$STORE_DIR/objects/b"
    store_roundtrip gzip
    rm -rf "$STORE_DIR/objects/b"
    store_roundtrip none
}

@test "dump --streams 2 --compression lz4 to cedana:// stores img-0.lz4 and img-1.lz4 under NAME; restore of NAME continues the counter" {
    store_roundtrip lz4 2
}

@test "dump --streams 4 --compression zstd to cedana:// stores img-0.zst … img-3.zst; restore continues the counter" {
    store_roundtrip zstd 4
}

# dump_shapes DIR ARCHIVE_COMPRESSION COMMAND...: COMMAND started twice, as "archive" and
# "streamed" (output in $TEST_DIR/SHAPE.out), each dumped once it printed 3 lines into
# cedana://DIR/SHAPE (an archive of ARCHIVE_COMPRESSION; lz4 shards, 2 streams) and gone;
# their PIDs in DUMPED_PIDS[SHAPE].
dump_shapes() {
    local dir=$1 compression=$2 shape pid
    shift 2
    declare -gA DUMPED_PIDS=()
    for shape in archive streamed; do
        start_workload "$TEST_DIR/$shape.out" "$@"
        pid=$WORKLOAD_PID
        DUMPED_PIDS[$shape]=$pid
        wait_for_lines "$TEST_DIR/$shape.out" 3
        if [[ $shape == archive ]]; then
            cedana_dump "$pid" --dir "cedana://$dir" --name "$shape" --compression "$compression"
        else
            cedana_dump "$pid" --dir "cedana://$dir" --name "$shape" --compression lz4 --streams 2
        fi
        assert_success
        wait "$pid" || true
        wait_pid_gone "$pid"
    done
}

@test "restore --no-server from cedana:// (archive and streamed) fetches with the CLI's own CEDANA_URL and token: a wrong token there is refused, the right one runs it here to its exit status 7" {
    start_daemon
    local shape url last pid
    dump_shapes b/ns zstd bash -c 'for ((i = 0; i < 20; i++)); do echo "line $i"; sleep 0.1; done; exit 7'
    assert_store_files b/ns/archive.tar.zst b/ns/streamed/img-0.lz4 b/ns/streamed/img-1.lz4
    # No daemon from here on: the CLI reaches the store itself.
    stop_daemon

    for shape in archive streamed; do
        url=cedana://b/ns/$shape
        [[ $shape == archive ]] && url=$url.tar.zst
        pid=${DUMPED_PIDS[$shape]}
        CEDANA_AUTH_TOKEN=wrong-wrong-wrong-wrong run "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_failure
        assert_output --partial "$CEDANA_URL"
        assert_output --partial "token"
        refute_line --regexp '^line [0-9]+$'
        assert_not_exists "/proc/$pid"

        last=$(tail -n 1 "$TEST_DIR/$shape.out")
        last=${last#line }
        run "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_equal "$status" 7
        assert_line "line $((last + 1))"
        assert_line "line 19"
        refute_line "line 0"
        assert_not_exists "/proc/$pid"
    done
}

@test "a streamed checkpoint restores from cedana:// reading its memory shards from the store, never writing them here: with 16 MiB of scratch (TMPDIR on a tmpfs) a 48 MiB process restores; its archive, downloaded first, does not fit and restores nothing" {
    start_daemon
    local last
    dump_shapes b/small lz4 python3 -u -c '
import os, sys, time
ballast = os.urandom(48 << 20)
for i in range(30):
    print("line", i, flush=True)
    time.sleep(0.1)
sys.exit(7)
'
    assert_store_files b/small/archive.tar.lz4 b/small/streamed/img-0.lz4 b/small/streamed/img-1.lz4
    local memory
    memory=$(stat -c %s "$STORE_DIR/objects/b/small/streamed/img-1.lz4")
    ((memory > 40 << 20)) || fail "img-1.lz4 holds $memory bytes: the ballast is not in it"
    stop_daemon
    mount_tmpfs "$TEST_DIR/scratch" size=16m

    TMPDIR=$TEST_DIR/scratch run "$CEDANA" restore process --path cedana://b/small/archive.tar.lz4 --no-server --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "No space left on device"
    refute_line --regexp '^line [0-9]+$'
    assert_not_exists "/proc/${DUMPED_PIDS[archive]}"
    [[ -z $(ls -A "$TEST_DIR/scratch") ]] || fail "the failed restore left $(ls -A "$TEST_DIR/scratch")"

    last=$(tail -n 1 "$TEST_DIR/streamed.out")
    last=${last#line }
    TMPDIR=$TEST_DIR/scratch run "$CEDANA" restore process --path cedana://b/small/streamed --no-server --config-dir "$CFG_DIR"
    assert_equal "$status" 7
    assert_line "line $((last + 1))"
    assert_line "line 29"
    [[ -z $(ls -A "$TEST_DIR/scratch") ]] || fail "the restore left $(ls -A "$TEST_DIR/scratch")"
}

@test "on a terminal, restore --no-server from cedana:// ends with what it moved (Downloaded for an archive, Read for a streamed checkpoint); piped, nothing of it" {
    command -v script >/dev/null || skip "no script(1) for a pseudo-terminal"
    start_daemon
    local shape url pid name
    local -A streams=([archive]="" [streamed]="--streams 2")
    for shape in archive streamed; do
        start_workload "$TEST_DIR/$shape.out" python3 -u -c '
import os, sys, time
ballast = os.urandom(24 << 20)
for i in range(20):
    print("line", i, flush=True)
    time.sleep(0.1)
sys.exit(7)
'
        pid=$WORKLOAD_PID
        wait_for_lines "$TEST_DIR/$shape.out" 3
        for name in "$shape" "$shape-piped"; do
            # shellcheck disable=SC2086
            cedana_dump "$pid" --dir cedana://b/tty --name "$name" --compression lz4 ${streams[$shape]} --leave-running
            assert_success
        done
        kill -KILL "$pid"
        wait "$pid" || true
        wait_pid_gone "$pid"
    done
    stop_daemon

    for shape in archive streamed; do
        url=cedana://b/tty/$shape
        [[ $shape == archive ]] && url=$url.tar.lz4
        on_terminal "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_equal "$status" 7
        if [[ $shape == archive ]]; then
            assert_line --regexp "^Downloaded [0-9.]+ MiB from $url in [0-9.]+ s \([0-9.]+ [KMG]iB/s\)$"
        else
            assert_line --regexp "^Read [0-9.]+ MiB from $url in [0-9.]+ s \([0-9.]+ [KMG]iB/s\)$"
        fi
        assert_line "line 19"

        url=cedana://b/tty/$shape-piped
        [[ $shape == archive ]] && url=$url.tar.lz4
        run "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_equal "$status" 7
        assert_line "line 19"
        refute_line --regexp '^(Downloaded|Read) '
    done
}

@test "dump job and restore job through cedana://; job checkpoints and checkpoint inspect read it; delete --checkpoints removes it from the store" {
    start_daemon
    write_counter_script "$TEST_DIR/count.sh"
    local j=job_$BATS_TEST_NUMBER log=$TEST_DIR/job.log
    cedana_cli run process "$TEST_DIR/count.sh" --jid "$j" --out "$log"
    assert_success
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\)'
    [[ ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line: $output"
    local pid=${BASH_REMATCH[2]}
    track "$pid"
    wait_for_lines "$log" 3

    cedana_cli dump job "$j" --dir cedana://b/jobs --name a --compression zstd --leave-running
    assert_success
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to cedana://b/jobs/a.tar.zst"
    cedana_cli dump job "$j" --dir cedana://b/jobs --name s --compression lz4 --streams 2
    assert_success
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to cedana://b/jobs/s"
    wait_pid_gone "$pid"
    assert_store_files b/jobs/a.tar.zst b/jobs/s/img-0.lz4 b/jobs/s/img-1.lz4

    cedana_cli job checkpoints "$j"
    assert_success
    assert_output --partial "cedana://b/jobs/a.tar.zst"
    assert_output --partial "cedana://b/jobs/s"
    local url
    for url in cedana://b/jobs/a.tar.zst cedana://b/jobs/s; do
        cedana_cli job checkpoint inspect "$url"
        assert_success
        assert_line --regexp "^PID +$pid$"
    done

    local lines_before
    lines_before=$(wc -l <"$log")
    cedana_cli restore job "$j"
    assert_success
    assert_output --partial "as PID $pid"
    track "$pid"
    for ((i = 0; i < 200; i++)); do
        (($(wc -l <"$log") > lines_before + 2)) && break
        sleep 0.05
    done
    (($(wc -l <"$log") > lines_before + 2)) || fail "the restored job does not count on"
    cedana_cli kill "$j"
    assert_success
    wait_pid_gone "$pid"

    cedana_cli delete "$j" --checkpoints
    assert_success
    assert_store_files
    assert_dir_empty "$STORE_DIR/objects"
    stop_daemon
}

# ---------------------------------------------------------------------------
# Failures: the process runs on, nothing is published

@test "a wrong token fails the dump before CRIU runs, naming the store, archive and streamed; the process runs on, nothing stored" {
    CEDANA_AUTH_TOKEN=wrong-wrong-wrong-wrong start_daemon
    start_counter "$TEST_DIR/orig.out" pipe
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir cedana://b --compression lz4 --streams 2
    assert_failure
    assert_output --partial "$CEDANA_URL"
    cedana_dump "$pid" --dir cedana://b --compression lz4
    assert_failure
    assert_output --partial "$CEDANA_URL"
    assert_output --partial "token"
    refute_output --partial "Dumped to"
    assert_running "$pid" "$TEST_DIR/orig.out"
    assert_store_files
    stop_daemon
}

@test "no store at connection.url fails the dump clearly, archive and streamed; the process runs on" {
    start_daemon
    start_counter "$TEST_DIR/orig.out" pipe
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    store_stop
    local gone=$CEDANA_URL
    cedana_dump "$pid" --dir cedana://b --compression lz4
    assert_failure
    assert_output --partial "cannot reach the cedana store at $gone"
    cedana_dump "$pid" --dir cedana://b --compression lz4 --streams 2
    assert_failure
    assert_output --partial "$gone"
    assert_running "$pid" "$TEST_DIR/orig.out"
    cedana_dump "$pid" --dir cedana://dir/x
    assert_failure
    assert_output --partial "dir/"
    stop_daemon
}

@test "a store killed mid-upload fails the dump clearly; the process runs on, and the restarted store holds nothing" {
    start_daemon
    start_big_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local store=$STORE_PID
    (
        while [[ -z $(find "$STORE_DIR/partial" -type f -size +1M 2>/dev/null) ]]; do sleep 0.01; done
        kill -KILL "$store"
    ) 3>&- &
    local killer=$!
    cedana_dump "$pid" --dir cedana://b --name cp --compression none
    wait "$killer" || true
    assert_failure
    assert_output --partial "$CEDANA_URL"
    refute_output --partial "Dumped to"
    assert_running "$pid" "$TEST_DIR/orig.out"
    wait "$store" || true
    store_start
    assert_store_files
    stop_daemon
}

@test "a store killed mid-download fails the restore clearly, restores nothing and leaves no download behind; the restarted store's checkpoint restores" {
    start_daemon
    checkpoint_in_store big
    local pid=$PID
    stop_daemon
    # Downloads go to a scratch directory under the daemon's TMPDIR: the test's own.
    local tmp=$TEST_DIR/tmp
    mkdir -p "$tmp"
    TMPDIR=$tmp start_daemon
    local store=$STORE_PID
    (
        while [[ -z $(find "$tmp" -type f -size +1M 2>/dev/null) ]]; do sleep 0.01; done
        kill -KILL "$store"
    ) 3>&- &
    local killer=$!
    cedana_restore cedana://b/cp.tar.lz4 --out "$TEST_DIR/restored.out"
    wait "$killer" || true
    assert_failure
    assert_output --partial "cedana://b/cp.tar.lz4"
    [[ ! -e /proc/$pid ]] || fail "PID $pid runs after a failed restore"
    assert_dir_empty "$tmp"
    wait "$store" || true
    stop_daemon
    # The store's port is new: the daemon is started again to learn it.
    store_start
    start_daemon
    cedana_restore cedana://b/cp.tar.lz4 --out "$TEST_DIR/restored.out"
    assert_success
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

@test "restore of a missing object or a cut-short one fails clearly and restores nothing; the intact one restores" {
    start_daemon
    checkpoint_in_store small
    local pid=$PID

    cedana_restore cedana://b/nope.tar.lz4
    assert_failure
    assert_output --partial "cedana://b/nope.tar.lz4"
    cp "$STORE_DIR/objects/b/cp.tar.lz4" "$STORE_DIR/objects/b/short.tar.lz4"
    truncate -s $(($(stat -c %s "$STORE_DIR/objects/b/short.tar.lz4") / 2)) "$STORE_DIR/objects/b/short.tar.lz4"
    cedana_restore cedana://b/short.tar.lz4 --out "$TEST_DIR/short.out"
    assert_failure
    [[ ! -e /proc/$pid ]] || fail "PID $pid runs after a failed restore"

    cedana_restore cedana://b/cp.tar.lz4 --out "$TEST_DIR/restored.out"
    assert_success
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

# ---------------------------------------------------------------------------
# HTTPS (store serve --tls-cert/--tls-key)

# make_tls_ca DIR: a CA (DIR/ca.pem) and a certificate it signed for 127.0.0.1 (DIR/store.pem,
# DIR/store.key), and a key of another pair (DIR/other.key).
make_tls_ca() {
    local d=$1
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=cedana test CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$d/store.key" -out "$d/store.csr" -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext"
    openssl x509 -req -in "$d/store.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -out "$d/store.pem" -days 2 -extfile "$d/ext" 2>/dev/null
    openssl genrsa -out "$d/other.key" 2048 2>/dev/null
}

@test "store serve --tls-cert/--tls-key serves HTTPS only: both or neither, a key of another certificate refused; plain HTTP gets nothing" {
    local tls=$TEST_DIR/tls
    make_tls_ca "$tls"
    run "$CEDANA" store serve --address 127.0.0.1:0 --dir "$TEST_DIR/s2" --token-file "$STORE_TOKEN_FILE" --tls-cert "$tls/store.pem"
    assert_failure
    assert_output --partial "--tls-cert and --tls-key go together"
    run "$CEDANA" store serve --address 127.0.0.1:0 --dir "$TEST_DIR/s2" --token-file "$STORE_TOKEN_FILE" --tls-cert "$tls/store.pem" --tls-key "$tls/other.key"
    assert_failure
    assert_output --partial "--tls-key $tls/other.key"
    run "$CEDANA" store serve --address 127.0.0.1:0 --dir "$TEST_DIR/s2" --token-file "$STORE_TOKEN_FILE" --tls-cert "$TEST_DIR/absent.pem" --tls-key "$tls/store.key"
    assert_failure
    assert_output --partial "--tls-cert $TEST_DIR/absent.pem"
    assert_not_exists "$TEST_DIR/s2/objects"

    store_stop
    store_start --tls-cert "$tls/store.pem" --tls-key "$tls/store.key"
    [[ $CEDANA_URL == https://127.0.0.1:* ]] || fail "the store serves at $CEDANA_URL"
    local port=${CEDANA_URL##*:}
    run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CEDANA_AUTH_TOKEN" "http://127.0.0.1:$port/v2/files/dir/b"
    assert_failure
    run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CEDANA_AUTH_TOKEN" "$CEDANA_URL/v2/files/dir/b"
    assert_failure
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$tls/ca.pem" "$CEDANA_URL/v2/files/dir/b"
    assert_output 401
    run curl -sS -w '\n%{http_code}' --cacert "$tls/ca.pem" -H "Authorization: Bearer $CEDANA_AUTH_TOKEN" -X PUT "$CEDANA_URL/v2/files/b/x"
    assert_line 200
    assert_line --partial '"url":"https://127.0.0.1:'
    store_stop
}

@test "dump to and restore from an https:// store: without its CA the dump fails before CRIU, saying to set connection.url_tls_ca; with CEDANA_URL_TLS_CA, archive and streamed checkpoints go through" {
    local tls=$TEST_DIR/tls
    make_tls_ca "$tls"
    store_stop
    store_start --tls-cert "$tls/store.pem" --tls-key "$tls/store.key"

    start_daemon
    start_counter "$TEST_DIR/orig.out" pipe
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir cedana://b/tls --compression lz4 --streams 2
    assert_failure
    assert_output --partial "$CEDANA_URL"
    assert_output --partial "connection.url_tls_ca"
    assert_running "$pid" "$TEST_DIR/orig.out"
    assert_store_files
    stop_daemon

    kill -KILL "$pid"
    wait "$pid" || true
    wait_pid_gone "$pid"

    CEDANA_URL_TLS_CA=$tls/ca.pem start_daemon
    local shape url
    for shape in archive streamed; do
        start_counter "$TEST_DIR/$shape.out" pipe
        pid=$WORKLOAD_PID
        wait_for_lines "$TEST_DIR/$shape.out" 3
        if [[ $shape == archive ]]; then
            cedana_dump "$pid" --dir cedana://b/tls --name "$shape" --compression zstd
            url=cedana://b/tls/$shape.tar.zst
        else
            cedana_dump "$pid" --dir cedana://b/tls --name "$shape" --compression lz4 --streams 2
            url=cedana://b/tls/$shape
        fi
        assert_success
        assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $url"
        wait "$pid" || true
        wait_pid_gone "$pid"
        cedana_restore "$url" --out "$TEST_DIR/$shape.restored"
        assert_success
        assert_line "Restored PID $pid from $url"
        wait_for_lines "$TEST_DIR/$shape.restored" 2
        assert_counter_continues "$TEST_DIR/$shape.out" "$TEST_DIR/$shape.restored"
        kill_restored "$pid"
    done
    assert_store_files b/tls/archive.tar.zst b/tls/streamed/img-0.lz4 b/tls/streamed/img-1.lz4
    stop_daemon
    store_stop
}
