#!/usr/bin/env bats
# Checkpoints in S3 (`--dir s3://BUCKET/PREFIX`, `--path s3://…`), against a real
# S3-compatible server on loopback (moto, with signature checking on, or s3rver, which takes
# any secret and skips the test of one; s3_server.bash): the
# archive of every compression uploaded while CRIU dumps and restored from the bucket,
# streamed checkpoints as a prefix of shard objects, dump job and restore job,
# --leave-running, restore --no-server, where the daemon takes its S3 settings from, and the
# failures (a wrong secret, a missing bucket, an unreachable endpoint, a name already there, a
# dump CRIU refuses; a missing, cut short or damaged object), which must fail clearly, leave
# the process running and nothing in the bucket: no object, no multipart upload begun.

load helpers
load s3_server

# The shared setup and teardown, kept under other names, run inside this file's own.
eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

# One server for the file: its endpoint and keys are exported to every test (and so to
# every daemon and CLI they start). Each test has a bucket of its own.
setup_file() {
    s3_start
}

teardown_file() {
    s3_stop
}

setup() {
    helpers_setup
    s3_require
    UNIQ=${BATS_TEST_NUMBER}x$RANDOM
    BUCKET=cedana-e2e-$BATS_TEST_NUMBER-$RANDOM$RANDOM
    s3_make_bucket "$BUCKET" || fail "cannot create the bucket $BUCKET"
    TRACKED=()
}

teardown() {
    kill_tracked
    kill_test_processes
    helpers_teardown
}

# What a refusal by the server for the credentials looks like in a message.
CREDENTIALS_RE='(credentials|signature|SignatureDoesNotMatch|InvalidAccessKeyId|403)'
# What "it is not there" looks like in a message.
MISSING_RE='(does not exist|not found|NoSuchKey|NoSuchBucket|[Nn]o such|404|holds no|no checkpoint)'

# ---------------------------------------------------------------------------
# Names and objects

# archive_ext FORMAT: the extension of an archive of FORMAT in a bucket (none is a plain
# tar there: a bucket has no directories).
archive_ext() {
    case $1 in
    none | tar) echo ".tar" ;;
    gzip) echo ".tar.gz" ;;
    lz4) echo ".tar.lz4" ;;
    zstd) echo ".tar.zst" ;;
    *) fail "archive_ext: unknown format $1" ;;
    esac
}

# shard_ext FORMAT: the extension of a shard of FORMAT.
shard_ext() {
    case $1 in
    none | tar) echo "" ;;
    gzip) echo ".gz" ;;
    lz4) echo ".lz4" ;;
    zstd) echo ".zst" ;;
    *) fail "shard_ext: unknown format $1" ;;
    esac
}

# shard_keys PREFIX N FORMAT: the keys of the N shards of FORMAT under PREFIX.
shard_keys() {
    local i
    for ((i = 0; i < $2; i++)); do
        echo "$1/img-$i$(shard_ext "$3")"
    done
}

# assert_no_uploads BUCKET: no multipart upload was left begun in BUCKET.
assert_no_uploads() {
    local uploads
    uploads=$(s3_uploads "$1" 2>&1) || fail "cannot list the multipart uploads of $1: $uploads"
    [[ -z $uploads ]] || fail "multipart uploads left in $1:
$uploads"
}

# assert_keys BUCKET PREFIX [KEY...]: the objects of BUCKET under PREFIX are exactly KEY...
# (none when no KEY is given), and no multipart upload is left in BUCKET.
assert_keys() {
    local bucket=$1 prefix=$2
    shift 2
    local expected='' actual
    (($#)) && expected=$(printf '%s\n' "$@" | LC_ALL=C sort)
    actual=$(s3_keys "$bucket" "$prefix" 2>&1) || fail "cannot list s3://$bucket/$prefix: $actual"
    actual=$(LC_ALL=C sort <<<"$actual")
    [[ $actual == "$expected" ]] || fail "s3://$bucket/$prefix holds:
$actual
expected:
$expected"
    assert_no_uploads "$bucket"
}

# assert_has_keys BUCKET KEY...: each KEY is an object of BUCKET (others may be there too).
assert_has_keys() {
    local bucket=$1 key all
    shift
    all=$(s3_keys "$bucket" 2>&1) || fail "cannot list s3://$bucket: $all"
    for key in "$@"; do
        grep -qxF -- "$key" <<<"$all" || fail "s3://$bucket has no $key; it holds:
$all"
    done
}

# assert_bucket_empty BUCKET: no object and no multipart upload in BUCKET.
assert_bucket_empty() {
    assert_keys "$1" ""
}

# assert_no_bucket NAME: the bucket NAME does not exist (a failed dump did not make it).
assert_no_bucket() {
    run s3_bucket_exists "$1"
    [[ $status -eq 1 ]] || fail "the bucket $1 exists (status $status): $output"
}

# fetch_object BUCKET KEY: downloads the object into $TEST_DIR/fetched/ under its base name
# and prints that path.
fetch_object() {
    mkdir -p "$TEST_DIR/fetched"
    local file=$TEST_DIR/fetched/${2##*/}
    s3_get "$1" "$2" "$file" || fail "cannot download s3://$1/$2"
    echo "$file"
}

# assert_archive_object BUCKET KEY FORMAT: the object is an archive of FORMAT (its magic)
# holding a checkpoint: cedana.json, CRIU's dump.log and a memory image.
assert_archive_object() {
    local bucket=$1 key=$2 format=$3 file magic listing
    file=$(fetch_object "$bucket" "$key")
    magic=$(od -An -tx1 -N4 "$file" | tr -d ' \n')
    case $format in
    none | tar)
        [[ $(dd if="$file" bs=1 skip=257 count=5 status=none) == ustar ]] || fail "$key is no tar archive: $(file -b "$file")"
        listing=$(tar -tf "$file") ;;
    gzip)
        [[ $magic == 1f8b* ]] || fail "$key: magic $magic is not gzip's"
        listing=$(tar -tzf "$file") ;;
    lz4)
        [[ $magic == 04224d18 ]] || fail "$key: magic $magic is not lz4's"
        listing=$(tar -I lz4 -tf "$file") ;;
    zstd)
        [[ $magic == 28b52ffd ]] || fail "$key: magic $magic is not zstd's"
        listing=$(tar -I zstd -tf "$file") ;;
    esac
    [[ $? -eq 0 ]] || fail "$key does not list as a $format archive"
    grep -qE '(^|/)cedana\.json$' <<<"$listing" || fail "$key holds no cedana.json: $listing"
    grep -qE '(^|/)dump\.log$' <<<"$listing" || fail "$key holds no dump.log: $listing"
    grep -qE '(^|/)pages-[0-9]+\.img$' <<<"$listing" || fail "$key holds no memory image: $listing"
    rm -f "$file"
}

# preamble_field FILE OFFSET: the little-endian u32 at OFFSET of an uncompressed shard.
preamble_field() {
    od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' '
}

# assert_shard_objects BUCKET PREFIX N FORMAT: each of the N shard objects under PREFIX
# decodes with the stock tool of FORMAT to a shard stream ("CDNSHRD1", its own index, N).
assert_shard_objects() {
    local bucket=$1 prefix=$2 n=$3 format=$4 i key file plain
    plain=$TEST_DIR/shard.plain
    for ((i = 0; i < n; i++)); do
        key=$prefix/img-$i$(shard_ext "$format")
        file=$(fetch_object "$bucket" "$key")
        case $format in
        none | tar) cp "$file" "$plain" ;;
        gzip) gzip -dc <"$file" >"$plain" ;;
        lz4) lz4 -dc <"$file" >"$plain" ;;
        zstd) zstd -q -dc <"$file" >"$plain" ;;
        esac || fail "$key is not a valid $format stream"
        [[ $(head -c 8 "$plain") == CDNSHRD1 ]] || fail "$key does not decode to a shard stream"
        [[ $(preamble_field "$plain" 8) == "$i" ]] || fail "$key says it is shard $(preamble_field "$plain" 8)"
        [[ $(preamble_field "$plain" 12) == "$n" ]] || fail "$key says the dump has $(preamble_field "$plain" 12) shards, not $n"
        rm -f "$file" "$plain"
    done
}

# assert_no_local_url_dirs: nothing was written under a local directory named after the URL.
assert_no_local_url_dirs() {
    assert_not_exists "$TEST_DIR/s3:"
    assert_not_exists "$TEST_DIR/$BUCKET"
}

# ---------------------------------------------------------------------------
# Jobs

# parse_started [JID]: "Started job JID (PID P), output in LOG" is the last line of $output;
# sets JOB_PID and tracks it.
parse_started() {
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\), output in (.+)$'
    [[ ${#lines[@]} -gt 0 && ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    [[ -z ${1:-} || ${BASH_REMATCH[1]} == "$1" ]] || fail "started job ${BASH_REMATCH[1]}, expected $1"
    JOB_PID=${BASH_REMATCH[2]}
    track "$JOB_PID"
}

# dump_job JID [args]: `cedana dump job JID`; on success sets DUMP_PATH from "Dumped to".
dump_job() {
    local jid=$1
    shift
    cedana_cli dump job "$jid" "$@"
    DUMP_PATH=
    if [[ $status -eq 0 && ${#lines[@]} -gt 0 ]]; then
        DUMP_PATH=${lines[${#lines[@]} - 1]#Dumped to }
    fi
}

# restore_job_goes_on JID PID LOG [restore args]: `restore job JID ARGS` brings the job back
# as PID, and the first line it writes to LOG is the last one before plus one.
restore_job_goes_on() {
    local jid=$1 pid=$2 log=$3
    shift 3
    local before last first
    before=$(line_count "$log")
    last=$(tail -n 1 "$log")
    cedana_cli restore job "$jid" "$@"
    assert_success
    assert_line "Restored job $jid as PID $pid"
    track "$pid"
    wait_for_lines "$log" $((before + 2))
    first=$(sed -n "$((before + 1))p" "$log")
    [[ $first == "$((last + 1))" ]] || fail "the first line after the restore is '$first', expected $((last + 1))"
    assert_running "$pid" "$log"
}

# ---------------------------------------------------------------------------
# Round trips

# s3_roundtrip FORMAT MODE: the counter (stdout on a pipe or a file) dumped with FORMAT to
# s3://BUCKET/ckpt is the one object ckpt/cp-FORMAT<ext>, a valid archive of FORMAT, and
# nothing local; restored from the URL it goes on counting where it stopped; the object is
# still there, unchanged.
s3_roundtrip() {
    local format=$1 mode=$2 ext
    ext=$(archive_ext "$format")
    local key=ckpt/cp-$format$ext
    local url=s3://$BUCKET/$key
    start_daemon
    start_counter "$TEST_DIR/orig.out" "$mode"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_dump "$pid" --dir "s3://$BUCKET/ckpt" --name "cp-$format" --compression "$format"
    assert_success
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $url"
    assert_equal "$DUMP_PATH" "$url"
    assert_keys "$BUCKET" "" "$key"
    assert_archive_object "$BUCKET" "$key" "$format"
    assert_no_local_url_dirs
    local uploaded
    uploaded=$(fetch_object "$BUCKET" "$key")
    mv "$uploaded" "$TEST_DIR/uploaded"
    # Without --leave-running the process ends once the checkpoint is safe in the bucket.
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$url" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $url"
    wait_for_lines "$TEST_DIR/restored.out" 2
    kill -0 "$pid"
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    assert_growing "$TEST_DIR/restored.out"
    # The restore read the checkpoint and changed nothing of it.
    run cmp "$TEST_DIR/uploaded" "$(fetch_object "$BUCKET" "$key")"
    assert_success
    assert_has_keys "$BUCKET" "$key"
    assert_no_uploads "$BUCKET"
    kill_restored "$pid"
    stop_daemon
}

# s3_streamed_roundtrip N FORMAT MODE: the counter dumped with --streams N --compression
# FORMAT to s3://BUCKET/ckpt is the prefix ckpt/cp holding exactly the N shard objects of
# FORMAT, valid streams; restored from the prefix it goes on counting where it stopped.
s3_streamed_roundtrip() {
    local n=$1 format=$2 mode=$3
    local url=s3://$BUCKET/ckpt/cp
    start_daemon
    start_counter "$TEST_DIR/orig.out" "$mode"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_dump "$pid" --dir "s3://$BUCKET/ckpt" --name cp --compression "$format" --streams "$n"
    assert_success
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $url"
    assert_equal "$DUMP_PATH" "$url"
    # shellcheck disable=SC2046
    assert_keys "$BUCKET" "" $(shard_keys ckpt/cp "$n" "$format")
    assert_shard_objects "$BUCKET" ckpt/cp "$n" "$format"
    assert_no_local_url_dirs
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$url" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $url"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    assert_growing "$TEST_DIR/restored.out"
    # shellcheck disable=SC2046
    assert_has_keys "$BUCKET" $(shard_keys ckpt/cp "$n" "$format")
    assert_no_uploads "$BUCKET"
    kill_restored "$pid"
    stop_daemon
}

@test "dump --dir s3:// --compression lz4 uploads the one object NAME.tar.lz4; restore --path s3:// continues the counter" {
    s3_roundtrip lz4 pipe
}

@test "dump --dir s3:// --compression zstd uploads NAME.tar.zst; restore continues the counter" {
    s3_roundtrip zstd file
}

@test "dump --dir s3:// --compression gzip uploads NAME.tar.gz; restore continues the counter" {
    s3_roundtrip gzip pipe
}

@test "dump --dir s3:// --compression none uploads a plain NAME.tar (a bucket has no directories); restore continues the counter" {
    s3_roundtrip none file
}

@test "dump --streams 2 --compression lz4 to s3://: the prefix NAME holds exactly img-0.lz4 and img-1.lz4; restore of the prefix continues the counter" {
    s3_streamed_roundtrip 2 lz4 pipe
}

@test "dump --streams 4 --compression zstd to s3://: img-0.zst … img-3.zst, valid streams; restore continues the counter" {
    s3_streamed_roundtrip 4 zstd file
}

@test "dump job --dir s3:// and restore job --path s3://: same jid and PID, the log's count goes on; then a streamed dump job to s3:// is what restore job takes by default" {
    start_daemon
    write_counter_script "$TEST_DIR/count.sh"
    local j=job_$UNIQ log=$TEST_DIR/job.log
    cedana_cli run process "$TEST_DIR/count.sh" --jid "$j" --out "$log"
    assert_success
    parse_started "$j"
    local pid=$JOB_PID
    wait_for_lines "$log" 3

    dump_job "$j" --dir "s3://$BUCKET/jobs" --compression lz4
    assert_success
    [[ $DUMP_PATH =~ ^s3://$BUCKET/jobs/dump-process-$j-[0-9]{10}\.tar\.lz4$ ]] || fail "checkpoint '$DUMP_PATH'"
    local first=$DUMP_PATH first_key=${DUMP_PATH#"s3://$BUCKET/"}
    assert_keys "$BUCKET" "" "$first_key"
    assert_archive_object "$BUCKET" "$first_key" lz4
    wait_pid_gone "$pid"
    wait_job_status "$j" halted

    restore_job_goes_on "$j" "$pid" "$log" --path "$first"
    assert_has_keys "$BUCKET" "$first_key"

    # Dumped again, streamed, under a name of its own; restore job without --path takes it.
    dump_job "$j" --dir "s3://$BUCKET/jobs" --name again --streams 2 --compression zstd
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/jobs/again"
    # shellcheck disable=SC2046
    assert_keys "$BUCKET" "" "$first_key" $(shard_keys jobs/again 2 zstd)
    assert_shard_objects "$BUCKET" jobs/again 2 zstd
    wait_pid_gone "$pid"
    wait_job_status "$j" halted

    restore_job_goes_on "$j" "$pid" "$log"
    stop_daemon
}

@test "dump --leave-running to s3:// (default name dump-process-<ns>.tar.lz4): the process keeps running; once it is killed the checkpoint restores from the bucket" {
    start_daemon
    start_counter "$TEST_DIR/orig.out" file
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local low high
    low=$(tail -n 1 "$TEST_DIR/orig.out")

    cedana_dump "$pid" --dir "s3://$BUCKET/lr" --compression lz4 --leave-running
    assert_success
    assert_line --index $((${#lines[@]} - 1)) --regexp "^Dumped to s3://$BUCKET/lr/dump-process-[0-9]{19}\.tar\.lz4$"
    high=$(tail -n 1 "$TEST_DIR/orig.out")
    local key=${DUMP_PATH#"s3://$BUCKET/"}
    assert_running "$pid" "$TEST_DIR/orig.out"
    assert_keys "$BUCKET" "" "$key"
    assert_archive_object "$BUCKET" "$key" lz4

    kill -KILL "$pid"
    wait "$pid" || true
    wait_pid_gone "$pid"

    cedana_restore "$DUMP_PATH" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $DUMP_PATH"
    wait_for_lines "$TEST_DIR/restored.out" 2
    # It counts on from where it was dumped: after the last number before the dump, at most
    # one after the last number the process had written when the dump returned.
    local resumed
    resumed=$(head -n 1 "$TEST_DIR/restored.out")
    [[ $resumed =~ ^[0-9]+$ ]] || fail "the restored process wrote '$resumed' first"
    ((resumed >= low + 1 && resumed <= high + 1)) ||
        fail "the restored count starts at $resumed; the dump was taken between $low and $high"
    assert_growing "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

@test "restore --no-server from s3:// (archive and streamed) fetches with the CLI's own AWS_* environment: an unknown key id there is refused, the right keys run it here to its exit status 7" {
    start_daemon
    local shape url last pid
    local -A pids=()
    for shape in archive streamed; do
        start_workload "$TEST_DIR/$shape.out" bash -c 'for ((i = 0; i < 20; i++)); do echo "line $i"; sleep 0.1; done; exit 7'
        pid=$WORKLOAD_PID
        pids[$shape]=$pid
        wait_for_lines "$TEST_DIR/$shape.out" 3
        if [[ $shape == archive ]]; then
            cedana_dump "$pid" --dir "s3://$BUCKET/ns" --name "$shape" --compression zstd
            url=s3://$BUCKET/ns/$shape.tar.zst
        else
            cedana_dump "$pid" --dir "s3://$BUCKET/ns" --name "$shape" --compression lz4 --streams 2
            url=s3://$BUCKET/ns/$shape
        fi
        assert_success
        assert_equal "$DUMP_PATH" "$url"
        wait "$pid" || true
        wait_pid_gone "$pid"
        last=$(tail -n 1 "$TEST_DIR/$shape.out")
        last=${last#line }
        ((last < 19)) || fail "the workload ended before the dump (last line $last)"
    done
    # shellcheck disable=SC2046
    assert_keys "$BUCKET" "" ns/archive.tar.zst $(shard_keys ns/streamed 2 lz4)
    # No daemon from here on: the CLI reaches the bucket itself.
    stop_daemon

    for shape in archive streamed; do
        url=s3://$BUCKET/ns/$shape
        [[ $shape == archive ]] && url=$url.tar.zst
        pid=${pids[$shape]}
        AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 run "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_failure
        assert_output --regexp "$BUCKET|127\.0\.0\.1:$S3_PORT"
        assert_output --regexp "$CREDENTIALS_RE"
        refute_line --regexp '^line [0-9]+$'
        assert_nothing_restored "$pid"

        last=$(tail -n 1 "$TEST_DIR/$shape.out")
        last=${last#line }
        run "$CEDANA" restore process --path "$url" --no-server --config-dir "$CFG_DIR"
        assert_equal "$status" 7
        assert_line "line $((last + 1))"
        assert_line "line 19"
        refute_line "line 0"
        assert_not_exists "/proc/$pid"
    done
    # shellcheck disable=SC2046
    assert_has_keys "$BUCKET" ns/archive.tar.zst $(shard_keys ns/streamed 2 lz4)
    assert_no_uploads "$BUCKET"
}

@test "the daemon takes its S3 settings from config.json's aws.* or from CEDANA_AWS_* as well as from AWS_*; with no keys anywhere the dump is refused, nothing uploaded" {
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local id=$AWS_ACCESS_KEY_ID secret=$AWS_SECRET_ACCESS_KEY endpoint=$S3_ENDPOINT

    # aws.* in config.json; nothing in the daemon's (or the CLI's) environment.
    write_config "{\"aws\": {\"access_key_id\": \"$id\", \"secret_access_key\": \"$secret\", \"region\": \"us-east-1\", \"endpoint\": \"$endpoint\"}}"
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= AWS_ENDPOINT= AWS_REGION= start_daemon
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= AWS_ENDPOINT= AWS_REGION= \
        cedana_dump "$pid" --dir "s3://$BUCKET/cfg" --name from-config --compression lz4 --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/cfg/from-config.tar.lz4"
    assert_keys "$BUCKET" "" cfg/from-config.tar.lz4
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon
    rm "$CFG_DIR/config.json"

    # CEDANA_AWS_* in the daemon's environment.
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= AWS_ENDPOINT= AWS_REGION= \
        CEDANA_AWS_ACCESS_KEY_ID=$id CEDANA_AWS_SECRET_ACCESS_KEY=$secret CEDANA_AWS_ENDPOINT=$endpoint \
        CEDANA_AWS_REGION=us-east-1 start_daemon
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= AWS_ENDPOINT= AWS_REGION= \
        cedana_dump "$pid" --dir "s3://$BUCKET/cfg" --name from-env --compression lz4 --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/cfg/from-env.tar.lz4"
    assert_keys "$BUCKET" "" cfg/from-config.tar.lz4 cfg/from-env.tar.lz4
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon

    # No keys anywhere (the endpoint still names this test's server: nothing can go elsewhere).
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= start_daemon
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
        cedana_dump "$pid" --dir "s3://$BUCKET/cfg" --name none --compression lz4 --leave-running
    assert_failure
    assert_output --regexp "credentials|access_key_id"
    refute_output --partial "Dumped to"
    assert_keys "$BUCKET" "" cfg/from-config.tar.lz4 cfg/from-env.tar.lz4
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon
}

# ---------------------------------------------------------------------------
# Dumps that must fail: non-zero, the process left running, nothing in the bucket

# The two ways a dump writes to a bucket (one archive object, shard objects), as the dump
# arguments that make them.
DUMP_SHAPES=("--compression lz4" "--compression lz4 --streams 2")

@test "a wrong secret or an unknown key id (--config for one call) fails the dump naming the bucket and the refusal; nothing in the bucket, the process runs on; the next call signs with the daemon's keys again" {
    s3_require_signatures
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local shape override
    for override in '{"aws":{"secret_access_key":"wrong"}}' '{"aws":{"access_key_id":"AKIANOSUCHKEY0000000"}}'; do
        for shape in "${DUMP_SHAPES[@]}"; do
            # shellcheck disable=SC2086
            cedana_dump "$pid" --dir "s3://$BUCKET/bad" --name cp $shape --config "$override"
            assert_failure
            assert_output --regexp "$BUCKET|127\.0\.0\.1:$S3_PORT"
            assert_output --regexp "$CREDENTIALS_RE"
            refute_output --partial "Dumped to"
            assert_bucket_empty "$BUCKET"
            assert_running "$pid" "$TEST_DIR/orig.out"
        done
    done
    assert_no_local_url_dirs

    # The override was for those calls only: this dump uses the daemon's keys.
    cedana_dump "$pid" --dir "s3://$BUCKET/good" --name cp --compression lz4
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/good/cp.tar.lz4"
    assert_keys "$BUCKET" "" good/cp.tar.lz4
    wait "$pid" || true
    wait_pid_gone "$pid"

    # A restore with the wrong secret is refused too, and restores nothing.
    cedana_restore "$DUMP_PATH" --out "$TEST_DIR/restored.out" --config '{"aws":{"secret_access_key":"wrong"}}'
    assert_failure
    assert_output --regexp "$BUCKET|127\.0\.0\.1:$S3_PORT"
    assert_output --regexp "$CREDENTIALS_RE"
    refute_output --partial "Restored PID"
    assert_nothing_restored "$pid"
    assert_not_exists "$TEST_DIR/restored.out"

    cedana_restore "$DUMP_PATH" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $DUMP_PATH"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

@test "a bucket that does not exist fails the dump, naming it, archive and streamed; it is not created, the process runs on" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local missing=cedana-e2e-missing-$UNIQ shape
    for shape in "${DUMP_SHAPES[@]}"; do
        # shellcheck disable=SC2086
        cedana_dump "$pid" --dir "s3://$missing/prefix" --name cp $shape
        assert_failure
        assert_output --partial "$missing"
        assert_output --regexp "(does not exist|NoSuchBucket|[Nn]o such bucket|not found|404)"
        refute_output --partial "Dumped to"
        assert_no_bucket "$missing"
        assert_running "$pid" "$TEST_DIR/orig.out"
    done
    assert_bucket_empty "$BUCKET"
    assert_no_local_url_dirs
    stop_daemon
}

@test "an unreachable endpoint (--config aws.endpoint http://127.0.0.1:1) fails the dump naming it, archive and streamed; the process runs on" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local shape
    for shape in "${DUMP_SHAPES[@]}"; do
        # shellcheck disable=SC2086
        cedana_dump "$pid" --dir "s3://$BUCKET/unreachable" --name cp $shape --config '{"aws":{"endpoint":"http://127.0.0.1:1"}}'
        assert_failure
        assert_output --partial "127.0.0.1:1"
        refute_output --partial "Dumped to"
        assert_running "$pid" "$TEST_DIR/orig.out"
    done
    # Nothing reached the real endpoint either.
    assert_bucket_empty "$BUCKET"
    assert_no_local_url_dirs
    stop_daemon
}

@test "a checkpoint name already in the bucket (an archive, a streamed prefix) is refused, naming it; what is there is untouched, the process runs on" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3

    cedana_dump "$pid" --dir "s3://$BUCKET/ex" --name cp --compression lz4 --leave-running
    assert_success
    cedana_dump "$pid" --dir "s3://$BUCKET/ex" --name st --compression lz4 --streams 2 --leave-running
    assert_success
    # shellcheck disable=SC2046
    local -a keys=(ex/cp.tar.lz4 $(shard_keys ex/st 2 lz4))
    assert_keys "$BUCKET" "" "${keys[@]}"
    mkdir -p "$TEST_DIR/before"
    local key
    for key in "${keys[@]}"; do
        s3_get "$BUCKET" "$key" "$TEST_DIR/before/${key//\//_}"
    done

    cedana_dump "$pid" --dir "s3://$BUCKET/ex" --name cp --compression lz4 --leave-running
    assert_failure
    assert_output --partial "s3://$BUCKET/ex/cp.tar.lz4"
    assert_output --partial "exists"
    refute_output --partial "Dumped to"
    assert_running "$pid" "$TEST_DIR/orig.out"

    cedana_dump "$pid" --dir "s3://$BUCKET/ex" --name st --compression lz4 --streams 2 --leave-running
    assert_failure
    assert_output --partial "s3://$BUCKET/ex/st"
    assert_output --partial "exists"
    refute_output --partial "Dumped to"
    assert_running "$pid" "$TEST_DIR/orig.out"

    assert_keys "$BUCKET" "" "${keys[@]}"
    for key in "${keys[@]}"; do
        run cmp "$TEST_DIR/before/${key//\//_}" "$(fetch_object "$BUCKET" "$key")"
        assert_success
    done
    stop_daemon
}

@test "a dump CRIU refuses (established TCP connection), archive and streamed, aborts its upload: no object, no multipart upload left; the process runs on" {
    s3_require_abort
    start_daemon
    write_tcp_holder_script "$TEST_DIR/tcp.py"
    start_workload "$TEST_DIR/tcp.out" python3 -u "$TEST_DIR/tcp.py"
    local pid=$WORKLOAD_PID shape
    wait_for_lines "$TEST_DIR/tcp.out" 3
    for shape in "${DUMP_SHAPES[@]}"; do
        # shellcheck disable=SC2086
        cedana_dump "$pid" --dir "s3://$BUCKET/criu" --name cp $shape
        assert_failure
        assert_output --partial "CRIU could not dump PID $pid"
        refute_output --partial "Dumped to"
        assert_bucket_empty "$BUCKET"
        assert_running "$pid" "$TEST_DIR/tcp.out"
    done
    stop_daemon
}

# ---------------------------------------------------------------------------
# Restores that must fail: non-zero, a clear message, nothing restored

@test "restore of an object, a streamed prefix or a bucket that does not exist fails clearly and restores nothing; the checkpoint beside them restores" {
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "s3://$BUCKET/rm" --name cp --compression lz4
    assert_success
    local ckpt=$DUMP_PATH
    wait "$pid" || true
    wait_pid_gone "$pid"

    local missing=cedana-e2e-missing-$UNIQ path
    for path in "s3://$BUCKET/rm/nope.tar.lz4" "s3://$BUCKET/rm/nope" "s3://$BUCKET/rm/cp.tar.zst" "s3://$missing/rm/cp.tar.lz4"; do
        cedana_restore "$path" --out "$TEST_DIR/restored.out"
        assert_failure
        assert_output --partial "$path"
        assert_output --regexp "$MISSING_RE"
        refute_output --partial "Restored PID"
        assert_nothing_restored "$pid"
        assert_not_exists "$TEST_DIR/restored.out"
    done
    assert_no_bucket "$missing"
    assert_keys "$BUCKET" "" rm/cp.tar.lz4
    assert_no_local_url_dirs

    cedana_restore "$ckpt" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $ckpt"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_counter_continues "$TEST_DIR/orig.out" "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

@test "restore of an object cut short (an lz4 archive, a zstd shard) or of a tar whose memory image has a byte changed fails, restores nothing and leaves the running original untouched; the intact checkpoint restores" {
    start_daemon
    start_counter "$TEST_DIR/orig.out" file
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "s3://$BUCKET/ok" --name cp --compression lz4 --leave-running
    assert_success
    local intact=$DUMP_PATH
    cedana_dump "$pid" --dir "s3://$BUCKET/ok" --name st --compression zstd --streams 2 --leave-running
    assert_success
    cedana_dump "$pid" --dir "s3://$BUCKET/ok" --name t --compression tar --leave-running
    assert_success
    assert_running "$pid" "$TEST_DIR/orig.out"

    # Copies under other prefixes: the archive cut to half, the memory shard cut to half, and
    # the tar with one byte of pages-1.img changed inside it.
    local file size
    file=$(fetch_object "$BUCKET" ok/cp.tar.lz4)
    size=$(stat -c %s "$file")
    s3_put "$BUCKET" cut/cp.tar.lz4 "$file"
    s3_truncate "$BUCKET" cut/cp.tar.lz4 $((size / 2))
    run s3_size "$BUCKET" cut/cp.tar.lz4
    assert_output "$((size / 2))"
    file=$(fetch_object "$BUCKET" ok/st/img-0.zst)
    s3_put "$BUCKET" cut/st/img-0.zst "$file"
    file=$(fetch_object "$BUCKET" ok/st/img-1.zst)
    size=$(stat -c %s "$file")
    s3_put "$BUCKET" cut/st/img-1.zst "$file"
    s3_truncate "$BUCKET" cut/st/img-1.zst $((size / 2))
    file=$(fetch_object "$BUCKET" ok/t.tar)
    python3 - "$file" <<'PY'
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
    s3_put "$BUCKET" flipped/t.tar "$file"

    # While the original still holds its PID: refused, and the original is untouched.
    local started
    started=$(pid_starttime "$pid")
    cedana_restore "s3://$BUCKET/cut/cp.tar.lz4" --out "$TEST_DIR/restored.out"
    assert_failure
    refute_output --partial "Restored PID"
    assert_equal "$(pid_starttime "$pid")" "$started"
    assert_running "$pid" "$TEST_DIR/orig.out"
    assert_not_exists "$TEST_DIR/restored.out"

    kill -KILL "$pid"
    wait "$pid" || true
    wait_pid_gone "$pid"

    local path
    for path in "s3://$BUCKET/cut/cp.tar.lz4" "s3://$BUCKET/cut/st"; do
        cedana_restore "$path" --out "$TEST_DIR/restored.out"
        assert_failure
        assert_output --regexp "(truncated|corrupted)"
        refute_output --partial "Restored PID"
        assert_nothing_restored "$pid"
        assert_not_exists "$TEST_DIR/restored.out"
    done
    cedana_restore "s3://$BUCKET/flipped/t.tar" --out "$TEST_DIR/restored.out"
    assert_failure
    assert_output --partial "pages-1.img fails its checksum"
    assert_nothing_restored "$pid"
    assert_not_exists "$TEST_DIR/restored.out"
    assert_no_uploads "$BUCKET"

    # The damage was all: the checkpoint they were copied from restores.
    cedana_restore "$intact" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from $intact"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_growing "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

# ---------------------------------------------------------------------------
# Connections that drop during an upload (tcp_cutter.py between the daemon and the server)

# start_cutter CUT_AFTER CUTS: a relay to this file's server that cuts the first CUTS
# connections (-1: all) once their client has sent CUT_AFTER bytes; sets CUTTER_PID and
# CUTTER_ENDPOINT, and CUTTER_COUNT (the file holding how many it cut).
start_cutter() {
    local ports=$TEST_DIR/cutter.port
    CUTTER_COUNT=$TEST_DIR/cutter.count
    rm -f "$ports" "$CUTTER_COUNT"
    python3 "$BATS_TEST_DIRNAME/tcp_cutter.py" "$S3_PORT" "$ports" "$1" "$2" "$CUTTER_COUNT" </dev/null >"$TEST_DIR/cutter.log" 2>&1 3>&- &
    CUTTER_PID=$!
    TEST_PIDS+=("$CUTTER_PID")
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -s $ports ]] && break
        kill -0 "$CUTTER_PID" 2>/dev/null || fail "tcp_cutter.py exited: $(cat "$TEST_DIR/cutter.log")"
        sleep 0.05
    done
    [[ -s $ports ]] || fail "tcp_cutter.py did not listen within 10 s"
    CUTTER_ENDPOINT=http://127.0.0.1:$(cat "$ports")
}

# start_big_counter OUT: a counter holding 48 MiB of random bytes, so that its checkpoint
# is several upload parts of 8 MiB even after lz4.
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

@test "a connection cut during an upload part (archive and streamed) is retried: the dump succeeds, every byte arrives, and the checkpoint restores" {
    start_daemon
    start_big_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID shape name
    wait_for_lines "$TEST_DIR/orig.out" 3
    for shape in "${DUMP_SHAPES[@]}"; do
        name=cp
        [[ $shape == *--streams* ]] && name=st
        start_cutter $((3 << 20)) 1
        # shellcheck disable=SC2086
        cedana_dump "$pid" --dir "s3://$BUCKET/cut" --name "$name" $shape --leave-running \
            --config "{\"aws\":{\"endpoint\":\"$CUTTER_ENDPOINT\"}}"
        assert_success
        [[ $(cat "$CUTTER_COUNT") == 1 ]] || fail "the relay cut $(cat "$CUTTER_COUNT") connections, not 1"
        kill "$CUTTER_PID"
        wait "$CUTTER_PID" || true
        assert_running "$pid" "$TEST_DIR/orig.out"
    done
    # shellcheck disable=SC2046
    assert_keys "$BUCKET" "" cut/cp.tar.lz4 $(shard_keys cut/st 2 lz4)
    assert_archive_object "$BUCKET" cut/cp.tar.lz4 lz4
    assert_shard_objects "$BUCKET" cut/st 2 lz4

    kill -KILL "$pid"
    wait "$pid" || true
    wait_pid_gone "$pid"
    cedana_restore "s3://$BUCKET/cut/st" --out "$TEST_DIR/restored.out"
    assert_success
    assert_line "Restored PID $pid from s3://$BUCKET/cut/st"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_growing "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}

@test "connections that keep dropping fail the dump after its retries, saying so; the multipart upload is aborted (no object, no upload left) and the process runs on" {
    s3_require_abort
    start_daemon
    start_big_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID shape
    wait_for_lines "$TEST_DIR/orig.out" 3
    start_cutter $((3 << 20)) -1
    for shape in "${DUMP_SHAPES[@]}"; do
        # shellcheck disable=SC2086
        cedana_dump "$pid" --dir "s3://$BUCKET/drop" --name cp $shape \
            --config "{\"aws\":{\"endpoint\":\"$CUTTER_ENDPOINT\"}}"
        assert_failure
        assert_output --regexp "upload"
        assert_output --partial "$CUTTER_ENDPOINT"
        refute_output --partial "Dumped to"
        assert_bucket_empty "$BUCKET"
        assert_running "$pid" "$TEST_DIR/orig.out"
    done
    (($(cat "$CUTTER_COUNT") >= 4)) || fail "the relay cut only $(cat "$CUTTER_COUNT") connections: nothing was retried"
    assert_no_local_url_dirs
    stop_daemon
}

@test "a server that goes away mid-upload fails the dump clearly; the process runs on and no object appears" {
    start_daemon
    start_big_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    # The relay is the server as the daemon sees it: it goes once the first part is under way.
    start_cutter $((3 << 20)) -1
    (
        while [[ ! -s $CUTTER_COUNT || $(cat "$CUTTER_COUNT") == 0 ]]; do sleep 0.01; done
        kill -KILL "$CUTTER_PID"
    ) 3>&- &
    local killer=$!
    cedana_dump "$pid" --dir "s3://$BUCKET/gone" --name cp --compression lz4 \
        --config "{\"aws\":{\"endpoint\":\"$CUTTER_ENDPOINT\"}}"
    kill "$killer" 2>/dev/null || true
    wait "$killer" || true
    assert_failure
    assert_output --partial "$CUTTER_ENDPOINT"
    refute_output --partial "Dumped to"
    assert_running "$pid" "$TEST_DIR/orig.out"
    # Its multipart upload cannot be aborted with the server gone: no object, though.
    run s3_keys "$BUCKET"
    assert_success
    assert_output ""
    assert_no_local_url_dirs
    stop_daemon
}

# ---------------------------------------------------------------------------
# Remote checkpoints of jobs: listing, inspecting, deleting

@test "job checkpoints lists a job's remote checkpoints by URL; checkpoint inspect reads an archive and a streamed one from the bucket; delete --checkpoints removes their objects" {
    start_daemon
    write_counter_script "$TEST_DIR/count.sh"
    local j=job_$UNIQ log=$TEST_DIR/job.log
    cedana_cli run process "$TEST_DIR/count.sh" --jid "$j" --out "$log"
    assert_success
    parse_started "$j"
    local pid=$JOB_PID
    wait_for_lines "$log" 3

    dump_job "$j" --dir "s3://$BUCKET/jobs" --name a --compression zstd --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/jobs/a.tar.zst"
    dump_job "$j" --dir "s3://$BUCKET/jobs" --name s --compression lz4 --streams 2 --leave-running
    assert_success
    assert_equal "$DUMP_PATH" "s3://$BUCKET/jobs/s"
    # Another checkpoint under the same prefix, not the job's: delete must leave it.
    s3_put "$BUCKET" jobs/s-other/img-0 "$log"
    s3_put "$BUCKET" jobs/s/deeper/img-0 "$log"

    cedana_cli job checkpoints "$j"
    assert_success
    assert_output --partial "s3://$BUCKET/jobs/a.tar.zst"
    assert_output --partial "s3://$BUCKET/jobs/s"

    local url
    for url in "s3://$BUCKET/jobs/a.tar.zst" "s3://$BUCKET/jobs/s"; do
        cedana_cli job checkpoint inspect "$url"
        assert_success
        assert_line --regexp "^PID +$pid$"
        assert_line --regexp "^Type +process$"
        cedana_cli job checkpoint inspect "$url" --type ps
        assert_success
        assert_output --partial "$pid"
    done
    cedana_cli job checkpoint inspect "s3://$BUCKET/jobs/nope.tar.zst"
    assert_failure
    assert_output --partial "s3://$BUCKET/jobs/nope.tar.zst"
    assert_output --regexp "$MISSING_RE"

    # A store that refuses keeps the job and its checkpoints.
    cedana_cli delete "$j" --checkpoints --config '{"aws":{"access_key_id":"AKIANOSUCHKEY0000000"}}'
    assert_failure
    assert_output --regexp "s3://$BUCKET/jobs/(a\.tar\.zst|s)"
    assert_output --regexp "$CREDENTIALS_RE"
    cedana_cli job checkpoints "$j"
    assert_success
    assert_output --partial "s3://$BUCKET/jobs/s"

    cedana_cli delete "$j" --checkpoints
    assert_success
    assert_keys "$BUCKET" "" jobs/s-other/img-0 jobs/s/deeper/img-0
    wait_pid_gone "$pid"
    stop_daemon
}

# ---------------------------------------------------------------------------
# Progress on a terminal

@test "on a terminal, a dump to s3:// and a restore from it end with what was moved (bytes, time, rate); piped, their output is only the usual lines" {
    command -v script >/dev/null || skip "no script(1) for a pseudo-terminal"
    start_daemon
    start_big_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    local url=s3://$BUCKET/tty/cp.tar.lz4

    on_terminal "$CEDANA" dump process "$pid" --dir "s3://$BUCKET/tty" --name cp --compression lz4 --leave-running \
        --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^Uploaded [0-9.]+ MiB to $url in [0-9.]+ s \([0-9.]+ [KMG]iB/s\)$"
    assert_equal "${lines[${#lines[@]} - 1]}" "Dumped to $url"

    cedana_dump "$pid" --dir "s3://$BUCKET/tty" --name piped --compression lz4 --leave-running
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_output "Dumped to s3://$BUCKET/tty/piped.tar.lz4"

    kill -KILL "$pid"
    wait "$pid" || true
    wait_pid_gone "$pid"
    on_terminal "$CEDANA" restore process --path "$url" --out "$TEST_DIR/restored.out" --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^Downloaded [0-9.]+ MiB from $url in [0-9.]+ s \([0-9.]+ [KMG]iB/s\)$"
    assert_line "Restored PID $pid from $url"
    track "$pid"
    wait_for_lines "$TEST_DIR/restored.out" 2
    assert_growing "$TEST_DIR/restored.out"
    kill_restored "$pid"
    stop_daemon
}
