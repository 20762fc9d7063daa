#!/usr/bin/env bats
# The runc plugin end to end, against the real runc (1.1.x) and CRIU: run (default log, --out,
# --attach, --attachable, --no-server, --detach, --pid-file), manage (running, --upcoming),
# dump (runc and job; a container started by plain runc, by cedana, or managed; compressions;
# namespaces given by path, the "pod" pattern; bind mounts), restore (after the original is
# gone, under a new id next to it, --no-server, --detach, --attach, --pid-file, restore job)
# and what runc can do with a restored container (list, ps, exec, kill, delete), freeze and
# unfreeze, query, and the failures, which leave no job, no container and no file behind.
#
# Bundles are built in the tests from the host's static busybox (no download). Every test has
# its own runc state directory ($TEST_DIR/runc-root) and container ids unique to it (cid), and
# removes only what it made (runc_helpers.bash).
#
# Two modes:
#   a daemon per test (default)
#       CEDANA_BIN=$PWD/build/cedana tests/run-isolated.sh bats tests/e2e/runc.bats
#   one daemon for the whole file, started in setup_file (socket, config and job database
#   under $BATS_FILE_TMPDIR), stopped in teardown_file:
#       CEDANA_BIN=$PWD/build/cedana CEDANA_E2E_SHARED_DAEMON=1 tests/run-isolated.sh bats tests/e2e/runc.bats
#   (RUNC_DAEMON=per-file does the same as CEDANA_E2E_SHARED_DAEMON=1.)
# Tests therefore never assume an empty job list: they look up their own jids, or compare the
# whole list before and after.

load helpers
load runc_helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup_file() {
    command -v "${RUNC:-runc}" >/dev/null || skip "runc is not installed"
    command -v jq >/dev/null || skip "jq is not installed"
    [[ ${RUNC_DAEMON:-} == per-file ]] && export CEDANA_E2E_SHARED_DAEMON=1
    shared_daemon || return 0
    shared_daemon_start
}

teardown_file() {
    shared_daemon || return 0
    shared_daemon_stop
}

setup() {
    helpers_setup
    runc_setup
    if shared_daemon; then
        SOCK=$SHARED_SOCK
        CFG_DIR=$SHARED_CFG
        export CEDANA_CONFIG_DIR=$CFG_DIR
        DAEMON_DB=$SHARED_DB
        DAEMON_PID=$(cat "$SHARED_PID_FILE")
        DAEMON_LOG=$BATS_FILE_TMPDIR/daemon.log
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "the file's daemon (PID $DAEMON_PID) is gone; log:
$(tail -n 30 "$DAEMON_LOG" 2>/dev/null)"
    else
        start_daemon
    fi
}

teardown() {
    runc_cleanup
    kill_test_processes
    helpers_teardown
}

# ---------------------------------------------------------------------------
# File-local helpers.

# ticker NAME: a bundle $TEST_DIR/NAME running TICK_LOOP. Sets BUNDLE.
ticker() {
    make_bundle "$TEST_DIR/$1" -- "$TICK_LOOP"
}

# extension FORMAT: the suffix of a checkpoint of FORMAT.
extension() {
    case $1 in
    none) echo "" ;;
    tar) echo ".tar" ;;
    gzip) echo ".tar.gz" ;;
    lz4) echo ".tar.lz4" ;;
    zstd) echo ".tar.zst" ;;
    esac
}

# assert_checkpoint_format PATH FORMAT: the magic bytes of PATH agree with FORMAT.
assert_checkpoint_format() {
    local path=$1 format=$2 magic
    magic=$(od -An -tx1 -N4 "$path" 2>/dev/null | tr -d ' \n')
    case $format in
    none) [[ -d $path ]] || fail "$path is not a directory" ;;
    tar) [[ $(dd if="$path" bs=1 skip=257 count=5 status=none) == ustar ]] || fail "$path has no ustar magic" ;;
    lz4) [[ $magic == 04224d18 ]] || fail "$path: magic $magic is not lz4's" ;;
    zstd) [[ $magic == 28b52ffd ]] || fail "$path: magic $magic is not zstd's" ;;
    gzip) [[ $magic == 1f8b* ]] || fail "$path: magic $magic is not gzip's" ;;
    esac
}

# start_sidecar [make_bundle options]: the "pause" container of a pod: a plain `runc run -d`
# busybox container with namespaces of its own. Sets SIDE_ID and SIDE_PID.
start_sidecar() {
    SIDE_ID=$(cid side)
    make_bundle "$TEST_DIR/side" "$@" -- 'while true; do sleep 1; done'
    runc_detached "$SIDE_ID" "$TEST_DIR/side"
    SIDE_PID=$CPID
}

# ns_link TYPE: the /proc/PID/ns name of an OCI namespace type.
ns_link() {
    case $1 in
    network) echo net ;;
    mount) echo mnt ;;
    *) echo "$1" ;;
    esac
}

# external_ns_roundtrip TYPE: a workload container whose namespace TYPE is the sidecar's (by
# path in config.json) is dumped, gone, restored; afterwards it still shares that namespace
# with the sidecar, and its counter goes on.
external_ns_roundtrip() {
    local type=$1 link id
    link=$(ns_link "$type")
    local -a side_opts=() wl_opts=()
    id=$(cid "wl$link")
    if [[ $type == cgroup ]]; then
        # The default spec has no cgroup namespace: the sidecar gets one. The workload's cgroup
        # goes under the sidecar's (its cgroup namespace's root), as it must for the workload
        # to see a cgroup of its own in it: a task whose cgroup lies outside its cgroup
        # namespace's root sees it as "/../<id>", which CRIU refuses to dump ("invalid cgroup
        # configuration, /../<id> is not a suffix of /<id>").
        side_opts=(--new-ns cgroup)
        wl_opts=(--cgroups-path "$(cid side)/$id")
    fi
    start_sidecar "${side_opts[@]}"
    # The sidecar's namespace is not the host's (else sharing it would prove nothing).
    [[ $(ns_of "$SIDE_PID" "$link") != "$(ns_of $$ "$link")" ]] || fail "the sidecar's $link namespace is the host's"
    make_bundle "$TEST_DIR/wl" --ns "$type=/proc/$SIDE_PID/ns/$link" "${wl_opts[@]}" -- "$TICK_LOOP"
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count view
    count=$(count_file "$BUNDLE")
    assert_equal "$(ns_of "$pid" "$link")" "$(ns_of "$SIDE_PID" "$link")"
    wait_counter "$count" 5
    view=$(runc_r exec "$id" /bin/cat /proc/self/cgroup)

    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    assert_container_running "$SIDE_ID" "$SIDE_PID"
    local before
    before=$(counter_len "$count")

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_equal "$(ns_of "$RESTORED_PID" "$link")" "$(ns_of "$SIDE_PID" "$link")"
    assert_equal "$(runc_r exec "$id" /bin/cat /proc/self/cgroup)" "$view"
    assert_counter_went_on "$before" "$count"
    assert_container_running "$SIDE_ID" "$SIDE_PID"
}

# compression_roundtrip FORMAT: dump runc --compression FORMAT --name cp writes cp<ext> of
# that format and nothing else; restore from it brings the container back, counting on.
compression_roundtrip() {
    local format=$1 id
    id=$(cid "z$format")
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --name cp --compression "$format"
    assert_success
    local expected=$TEST_DIR/ckpt/cp$(extension "$format")
    assert_equal "$DUMP_PATH" "$expected"
    assert_exists "$expected"
    assert_checkpoint_format "$expected" "$format"
    run ls -A "$TEST_DIR/ckpt"
    assert_output "cp$(extension "$format")"
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local before
    before=$(counter_len "$count")

    restore_runc "$expected" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$count"
}

# ---------------------------------------------------------------------------
# run

@test "run runc ID --jid J: job J runs container ID; the default log gets its output; ps and runc list agree" {
    local id j
    id=$(cid box)
    j=$(cid job)
    own "$id"
    ticker bundle
    default_log "$j" >/dev/null
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --jid "$j"
    assert_success
    parse_started "$j"
    assert_equal "$JOB_LOG" "/var/log/cedana-output-$j.log"
    wait_container_status "$id" running
    assert_container_running "$id" "$JOB_PID"
    assert_equal "$(container_field "$id" bundle)" "$BUNDLE"
    # No container under the jid.
    [[ -z $(container_status "$j") ]] || fail "runc also lists a container $j"
    wait_counter "$JOB_LOG" 5
    assert_counter_seq 0 "$JOB_LOG"
    assert_job_live "$j" "$JOB_PID"
    assert_equal "$(ps_col LOG)" "$JOB_LOG"
    # The container's stdio are pipes (the daemon's), not a file: it can be checkpointed.
    [[ $(readlink "/proc/$JOB_PID/fd/1") == pipe:* ]] || fail "fd 1 of the container is $(readlink "/proc/$JOB_PID/fd/1")"
}

@test "run runc ID alone: the job is called ID; --out and --pid-file" {
    local id
    id=$(cid solo)
    own "$id"
    ticker bundle
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --out "$TEST_DIR/solo.log" --pid-file "$TEST_DIR/solo.pid"
    assert_success
    parse_started "$id"
    assert_line "Started job $id (PID $JOB_PID), output in $TEST_DIR/solo.log"
    wait_container_status "$id" running
    assert_container_running "$id" "$JOB_PID"
    run cat "$TEST_DIR/solo.pid"
    assert_output "$JOB_PID"
    wait_counter "$TEST_DIR/solo.log" 5
    assert_counter_seq 0 "$TEST_DIR/solo.log"
    assert_not_exists "/var/log/cedana-output-$id.log"
    assert_job_live "$id" "$JOB_PID"
    assert_equal "$(ps_col LOG)" "$TEST_DIR/solo.log"
}

@test "run runc --jid J without an id: the container is called J" {
    local j
    j=$(cid byjid)
    ticker bundle
    own "$j"
    default_log "$j" >/dev/null
    cedana_cli run runc --jid "$j" --bundle "$BUNDLE" --root "$RUNC_ROOT"
    assert_success
    parse_started "$j"
    wait_container_status "$j" running
    assert_container_running "$j" "$JOB_PID"
    assert_job_live "$j" "$JOB_PID"
    wait_counter "/var/log/cedana-output-$j.log" 3
}

@test "run runc with neither id nor --jid: a generated jid names the job and the container" {
    ticker bundle
    local before
    before=$(container_ids)
    cedana_cli run runc --bundle "$BUNDLE" --root "$RUNC_ROOT"
    assert_success
    parse_started
    own "$JOB_JID"
    default_log "$JOB_JID" >/dev/null
    [[ $JOB_JID =~ ^[a-z]+_[a-z]+[0-9]+$ ]] || fail "generated jid '$JOB_JID'"
    assert_equal "$before" ""
    assert_equal "$(container_ids)" "$JOB_JID"
    wait_container_status "$JOB_JID" running
    assert_container_running "$JOB_JID" "$JOB_PID"
    assert_equal "$JOB_LOG" "/var/log/cedana-output-$JOB_JID.log"
    wait_counter "$JOB_LOG" 3
}

@test "run runc --attach streams the container's output and exits with its status 3" {
    local id
    id=$(cid attach)
    own "$id"
    make_bundle "$TEST_DIR/bundle" -- 'echo hi; echo err >&2; sleep 0.5; echo bye; exit 3'
    cli_to "$TEST_DIR/attach.out" run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --attach
    assert_rc 3 "$TEST_DIR/attach.out"
    run cat "$TEST_DIR/attach.out" "$TEST_DIR/attach.out.err"
    assert_line hi
    assert_line err
    assert_line bye
    [[ $(container_status "$id") != running ]] || fail "the container still runs after it exited"
    wait_job_status "$id" halted
}

@test "run runc --attachable: job attach gets the output and exits with the container's status" {
    local id
    id=$(cid attachable)
    own "$id"
    make_bundle "$TEST_DIR/bundle" -- "$(tick_until 20 3)"
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --attachable
    assert_success
    local re="^Started job $id \\(PID ([0-9]+)\\), "
    [[ ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    local pid=${BASH_REMATCH[1]}
    track "$pid"
    assert_container_running "$id" "$pid"
    ps_row "$id"
    assert_equal "$(ps_col LOG)" "[Attachable]"
    cli_to "$TEST_DIR/att.out" job attach "$id"
    assert_rc 3 "$TEST_DIR/att.out"
    # The output held for attach, from the first tick on, then the rest as it comes.
    assert_counter_seq 0 "$TEST_DIR/att.out"
    assert_equal "$(counter_last "$TEST_DIR/att.out")" 19
}

@test "run runc --no-server runs runc as the CLI's child, prints the output, exits 3 and leaves no job" {
    local id before
    id=$(cid noserver)
    own "$id"
    make_bundle "$TEST_DIR/bundle" -- 'echo hi; exit 3'
    before=$(job_jids)
    run timeout "$RUNC_CLI_TIMEOUT" "$CEDANA" run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --no-server --config-dir "$CFG_DIR"
    assert_equal "$status" 3
    assert_line hi
    assert_equal "$(job_jids)" "$before"
    assert_no_container "$id"
    assert_not_exists "/var/log/cedana-output-$id.log"
}

@test "run runc --no-server --detach returns and leaves the container running; --pid-file has its PID" {
    local id before
    id=$(cid detach)
    own "$id"
    ticker bundle
    before=$(job_jids)
    CLI_RC=0
    timeout "$RUNC_CLI_TIMEOUT" "$CEDANA" run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --no-server --detach \
        --pid-file "$TEST_DIR/detach.pid" --config-dir "$CFG_DIR" </dev/null >"$TEST_DIR/detach.out" 2>&1 3>&- || CLI_RC=$?
    assert_rc 0 "$TEST_DIR/detach.out"
    wait_container_status "$id" running
    local pid
    pid=$(container_pid "$id")
    track "$pid"
    assert_container_running "$id"
    run cat "$TEST_DIR/detach.pid"
    assert_output "$pid"
    assert_counter_grows "$(count_file "$BUNDLE")"
    assert_equal "$(job_jids)" "$before"
    # A --no-server container is runc's alone: runc kills and deletes it.
    runc_r kill "$id" KILL
    wait_pid_dead "$pid"
    wait_container_status "$id" stopped
    runc_r delete "$id"
    assert_no_container "$id"
}

@test "run runc with a missing bundle fails naming it and leaves no job, no container and no log" {
    local id before
    id=$(cid nobundle)
    own "$id"
    default_log "$id" >/dev/null
    before=$(job_jids)
    cedana_cli run runc "$id" --bundle "$TEST_DIR/no-such-bundle" --root "$RUNC_ROOT" --out "$TEST_DIR/nb.log"
    assert_failure
    assert_output --partial "$TEST_DIR/no-such-bundle"
    assert_no_job "$id"
    assert_equal "$(job_jids)" "$before"
    assert_no_container "$id"
    assert_equal "$(container_ids)" ""
    assert_not_exists "$TEST_DIR/nb.log"
    # Also with the default log.
    cedana_cli run runc "$id" --bundle "$TEST_DIR/no-such-bundle" --root "$RUNC_ROOT"
    assert_failure
    assert_no_job "$id"
    assert_no_container "$id"
    assert_not_exists "/var/log/cedana-output-$id.log"
}

@test "run runc with an invalid config.json fails naming the bundle and leaves no job, no container and no log" {
    local id before
    id=$(cid badcfg)
    own "$id"
    default_log "$id" >/dev/null
    ticker bundle
    echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
    before=$(job_jids)
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT"
    assert_failure
    assert_output --partial "$BUNDLE"
    assert_no_job "$id"
    assert_equal "$(job_jids)" "$before"
    assert_no_container "$id"
    assert_equal "$(container_ids)" ""
    assert_not_exists "/var/log/cedana-output-$id.log"
}

@test "run runc onto a container id that exists fails and the running container is untouched" {
    local id j before
    id=$(cid taken)
    j=$(cid other)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    default_log "$j" >/dev/null
    before=$(job_jids)
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --jid "$j"
    assert_failure
    assert_output --partial "$id"
    assert_no_job "$j"
    assert_equal "$(job_jids)" "$before"
    assert_container_running "$id" "$pid"
    assert_equal "$(container_ids)" "$id"
    assert_counter_grows "$(count_file "$BUNDLE")"
}

# ---------------------------------------------------------------------------
# manage

@test "manage runc adopts a running container: the job's PID is the container's init" {
    local id j
    id=$(cid adopt)
    j=$(cid adoptjob)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    cedana_cli manage runc "$id" --root "$RUNC_ROOT" --jid "$j"
    assert_success
    assert_output "Managing PID $pid as job $j"
    assert_job_live "$j" "$pid"
    assert_container_running "$id" "$pid"
    # Without --jid the job is called after the container.
    local id2
    id2=$(cid adopt2)
    make_bundle "$TEST_DIR/bundle2" -- "$TICK_LOOP"
    runc_detached "$id2" "$BUNDLE"
    cedana_cli manage runc "$id2" --root "$RUNC_ROOT" --bundle "$BUNDLE"
    assert_success
    assert_output "Managing PID $CPID as job $id2"
    assert_job_live "$id2" "$CPID"
}

@test "manage runc --upcoming waits for the container, then adopts it" {
    local id j
    id=$(cid upcoming)
    j=$(cid upjob)
    ticker bundle
    cli_bg "$TEST_DIR/manage.out" manage runc "$id" --root "$RUNC_ROOT" --jid "$j" --upcoming
    local cli=$CLI_PID
    # It waits: for a second (a check that it does not return at once, not a wait for a
    # condition) the CLI stays, and there is no job yet.
    local i
    for ((i = 0; i < 20; i++)); do
        kill -0 "$cli" 2>/dev/null || {
            wait_cli "$cli"
            fail "manage --upcoming ended (status $CLI_RC) before the container existed: $(cat "$TEST_DIR/manage.out" "$TEST_DIR/manage.out.err")"
        }
        sleep 0.05
    done
    assert_no_job "$j"
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    wait_cli "$cli"
    assert_rc 0 "$TEST_DIR/manage.out"
    run cat "$TEST_DIR/manage.out"
    assert_line "Managing PID $pid as job $j"
    assert_job_live "$j" "$pid"
    assert_container_running "$id" "$pid"
}

@test "manage runc --upcoming gives up with a message when the container never appears, and creates no job" {
    local id j before
    id=$(cid never)
    j=$(cid neverjob)
    before=$(job_jids)
    cli_to "$TEST_DIR/never.out" manage runc "$id" --root "$RUNC_ROOT" --jid "$j" --upcoming
    [[ $CLI_RC -ne 124 ]] || fail "manage --upcoming still waited after $RUNC_CLI_TIMEOUT s"
    [[ $CLI_RC -ne 0 ]] || fail "manage --upcoming succeeded without a container: $(cat "$TEST_DIR/never.out")"
    run cat "$TEST_DIR/never.out" "$TEST_DIR/never.out.err"
    assert_output --partial "$id"
    assert_no_job "$j"
    assert_equal "$(job_jids)" "$before"
}

@test "manage runc of a container that does not exist fails naming it and creates no job" {
    local id j before
    id=$(cid ghost)
    j=$(cid ghostjob)
    before=$(job_jids)
    cedana_cli manage runc "$id" --root "$RUNC_ROOT" --jid "$j"
    assert_failure
    assert_output --partial "$id"
    assert_no_job "$j"
    assert_equal "$(job_jids)" "$before"
}

# ---------------------------------------------------------------------------
# dump and restore

@test "dump runc of a detached container: dump-runc-<ns> directory, the container is gone; restore brings it back counting on" {
    local id
    id=$(cid detached)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression none
    assert_success
    [[ $DUMP_PATH =~ ^$TEST_DIR/ckpt/dump-runc-[0-9]{19}$ ]] || fail "checkpoint '$DUMP_PATH'"
    assert_dir_exists "$DUMP_PATH"
    run ls -A "$TEST_DIR/ckpt"
    assert_output "$(basename "$DUMP_PATH")"
    # Without --leave-running the container is killed and deleted.
    wait_pid_gone "$pid"
    wait_container_gone "$id"
    local before
    before=$(counter_len "$count")
    # It stays gone.
    assert_no_container "$id"

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_equal "$(container_field "$id" bundle)" "$BUNDLE"
    assert_counter_went_on "$before" "$count"
    assert_no_mounts_under "$RUNC_ROOT"
}

@test "a restored container is runc's: runc ps lists it, runc exec runs in it, runc kill and runc delete remove it" {
    local id
    id=$(cid afterwards)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    wait_counter "$(count_file "$BUNDLE")" 3
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    local pid=$RESTORED_PID
    assert_container_running "$id" "$pid"

    run runc_r ps "$id"
    assert_success
    assert_line --regexp "^root +$pid +"
    run runc_r ps -f json "$id"
    assert_success
    assert_output --regexp "(^|[^0-9])$pid([^0-9]|$)"

    run runc_r exec "$id" /bin/sh -c 'echo "inside $(hostname)"; cat /tmp/count | tail -n 1'
    assert_success
    assert_line --index 0 "inside runc"
    [[ ${lines[1]} =~ ^[0-9]+$ ]] || fail "exec printed '${lines[1]}'"
    # exec enters the container's namespaces: the init is PID 1 there.
    run runc_r exec "$id" /bin/cat /proc/1/cmdline
    assert_success
    assert_output --partial "while true"

    run runc_r kill "$id" KILL
    assert_success
    wait_pid_dead "$pid"
    wait_container_status "$id" stopped
    run runc_r delete "$id"
    assert_success
    assert_no_container "$id"
}

@test "run runc, dump job, restore job: same jid, the log's counter goes on, ps and runc list agree" {
    local id
    id=$(cid rjob)
    ticker bundle
    run_container "$id" "$BUNDLE"
    local log=$JOB_LOG pid=$JOB_PID
    wait_counter "$log" 5
    local t0
    t0=$(date +%s)
    dump_job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    [[ $DUMP_PATH =~ ^$TEST_DIR/ckpt/dump-runc-$id-[0-9]{10}$ ]] || fail "checkpoint '$DUMP_PATH'"
    local secs=${DUMP_PATH##*-}
    ((secs >= t0 && secs <= $(date +%s))) || fail "the name's time $secs is not now"
    wait_pid_dead "$pid"
    wait_container_gone "$id"
    wait_job_status "$id" halted
    [[ -n $(ps_col CHECKPOINT) ]] || fail "ps shows no CHECKPOINT: $PS_ROW"
    local before
    before=$(counter_len "$log")

    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_line "Restored job $id as PID $RESTORED_PID"
    assert_container_running "$id" "$RESTORED_PID"
    assert_job_live "$id" "$RESTORED_PID"
    assert_equal "$(ps_col LOG)" "$log"
    assert_counter_went_on "$before" "$log"
    assert_counter_went_on "$before" "$(count_file "$BUNDLE")"

    # Again: the restored job dumps and restores like the first.
    dump_job "$id" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    wait_pid_dead "$RESTORED_PID"
    wait_container_gone "$id"
    before=$(counter_len "$log")
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$log"
}

@test "dump job of a managed container, restore job" {
    local id
    id=$(cid managed)
    # The restored job's output goes to its default log.
    default_log "$id" >/dev/null
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    cedana_cli manage runc "$id" --root "$RUNC_ROOT" --bundle "$BUNDLE"
    assert_success
    assert_output "Managing PID $pid as job $id"
    wait_counter "$count" 5
    dump_job "$id" --dir "$TEST_DIR/ckpt" --compression tar
    assert_success
    [[ $DUMP_PATH =~ ^$TEST_DIR/ckpt/dump-runc-$id-[0-9]{10}\.tar$ ]] || fail "checkpoint '$DUMP_PATH'"
    assert_file_exists "$DUMP_PATH"
    wait_pid_gone "$pid"
    wait_container_gone "$id"
    wait_job_status "$id" halted
    local before
    before=$(counter_len "$count")
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_container_running "$id" "$RESTORED_PID"
    assert_job_live "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$count"
}

@test "dump runc --leave-running keeps the container; restore --id NEW runs the copy next to the original" {
    local id copy
    id=$(cid orig)
    copy=$(cid copy)
    own "$copy"
    ticker bundle
    run_container "$id" "$BUNDLE" --out "$TEST_DIR/orig.log"
    local pid=$JOB_PID b0
    wait_counter "$TEST_DIR/orig.log" 5
    b0=$(counter_len "$TEST_DIR/orig.log")
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --leave-running
    assert_success
    assert_exists "$DUMP_PATH"
    assert_container_running "$id" "$pid"
    assert_job_live "$id" "$pid"
    assert_counter_grows "$TEST_DIR/orig.log"

    restore_runc "$DUMP_PATH" "$BUNDLE" --id "$copy" --out "$TEST_DIR/copy.log"
    assert_success
    [[ $RESTORED_PID != "$pid" ]] || fail "the copy has the original's PID $pid"
    assert_container_running "$copy" "$RESTORED_PID"
    assert_container_running "$id" "$pid"
    assert_equal "$(container_ids)" "$(printf '%s\n' "$id" "$copy" | sort)"
    # The copy counts on from where the dump was taken; the original goes on too.
    wait_counter "$TEST_DIR/copy.log" 3
    local first
    first=$(counter_numbers "$TEST_DIR/copy.log" | head -n 1)
    ((first >= b0 - 1 && first <= $(counter_len "$TEST_DIR/orig.log"))) ||
        fail "the copy starts at $first; the original had $b0 numbers when the dump began, $(counter_len "$TEST_DIR/orig.log") now"
    assert_counter_seq "$first" "$TEST_DIR/copy.log"
    assert_counter_grows "$TEST_DIR/orig.log"
    assert_counter_seq 0 "$TEST_DIR/orig.log"
    # The two are separate: killing the copy leaves the original.
    runc_r kill "$copy" KILL
    wait_pid_dead "$RESTORED_PID"
    assert_container_running "$id" "$pid"
}

@test "dump runc --compression lz4, restore: NAME.tar.lz4 and the counter goes on" {
    compression_roundtrip lz4
}

@test "dump runc --compression zstd, restore: NAME.tar.zst and the counter goes on" {
    compression_roundtrip zstd
}

@test "dump runc --compression tar, restore: NAME.tar and the counter goes on" {
    compression_roundtrip tar
}

@test "restore runc --pid-file writes the restored init's PID" {
    local id
    id=$(cid pidfile)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    wait_counter "$(count_file "$BUNDLE")" 3
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    wait_container_gone "$id"
    restore_runc "$DUMP_PATH" "$BUNDLE" --pid-file "$TEST_DIR/restored.pid"
    assert_success
    run cat "$TEST_DIR/restored.pid"
    assert_output "$RESTORED_PID"
    assert_container_running "$id" "$RESTORED_PID"
}

@test "restore runc --attach streams the continued output and exits with the container's status 5" {
    local id
    id=$(cid rattach)
    make_bundle "$TEST_DIR/bundle" -- "$(tick_until 40 5)"
    # Its stdout on a pipe (to a cat writing orig.out): restored, that pipe becomes the client's.
    runc_detached "$id" "$BUNDLE" "$TEST_DIR/orig.out"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local last
    last=$(counter_last "$count")
    ((last < 35)) || fail "the counter had nearly ended ($last) before the dump"
    cli_to "$TEST_DIR/restored.out" restore runc --path "$DUMP_PATH" --bundle "$BUNDLE" --root "$RUNC_ROOT" --attach
    assert_rc 5 "$TEST_DIR/restored.out"
    # From where the counter stopped (the file's last number or the next: see TICK_LOOP) to
    # its end.
    local first
    first=$(counter_numbers "$TEST_DIR/restored.out" | head -n 1)
    [[ $first == "$((last + 1))" || $first == "$last" ]] || fail "the streamed output starts at '$first', the counter was at $last at the dump"
    assert_counter_seq "$first" "$TEST_DIR/restored.out"
    assert_equal "$(counter_last "$TEST_DIR/restored.out")" 39
    assert_counter_seq 0 "$count"
    assert_equal "$(counter_last "$count")" 39
    # Attaching needs a job: the restored container became one, named after it.
    job_jids | grep -qxF "$id" || fail "restore runc --attach made no job $id: $(job_jids)"
}

@test "restore job --attach of a runc job streams the continued output and exits with the container's status 5" {
    local id
    id=$(cid jattach)
    make_bundle "$TEST_DIR/bundle" -- "$(tick_until 40 5)"
    run_container "$id" "$BUNDLE" --out "$TEST_DIR/orig.log"
    wait_counter "$TEST_DIR/orig.log" 5
    dump_job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    wait_job_status "$id" halted
    local last
    last=$(counter_last "$(count_file "$BUNDLE")")
    ((last < 35)) || fail "the counter had nearly ended ($last) before the dump"
    cli_to "$TEST_DIR/restored.out" restore job "$id" --attach
    assert_rc 5 "$TEST_DIR/restored.out"
    # What the client got: from where the counter stopped (or the line in flight at the dump)
    # to its end.
    counter_numbers "$TEST_DIR/restored.out" >"$TEST_DIR/restored.nums"
    local first
    first=$(head -n 1 "$TEST_DIR/restored.nums")
    [[ $first == "$((last + 1))" || $first == "$last" ]] || fail "the streamed output starts at '$first', the counter was at $last at the dump"
    assert_counter_seq "$first" "$TEST_DIR/restored.nums"
    assert_equal "$(tail -n 1 "$TEST_DIR/restored.nums")" 39
    assert_counter_seq 0 "$(count_file "$BUNDLE")"
    wait_job_status "$id" halted
}

@test "restore runc --no-server: runc restore as the CLI's child prints the output and exits with the container's status 5" {
    local id before
    id=$(cid rnoserver)
    make_bundle "$TEST_DIR/bundle" -- "$(tick_until 40 5)"
    # Its stdout on a pipe (to a cat writing orig.out): restored, that pipe becomes the CLI's.
    runc_detached "$id" "$BUNDLE" "$TEST_DIR/orig.out"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression zstd
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local last
    last=$(counter_last "$count")
    ((last < 35)) || fail "the counter had nearly ended ($last) before the dump"
    before=$(job_jids)
    run timeout "$RUNC_CLI_TIMEOUT" "$CEDANA" restore runc --path "$DUMP_PATH" --bundle "$BUNDLE" --root "$RUNC_ROOT" \
        --no-server --config-dir "$CFG_DIR"
    assert_equal "$status" 5
    assert_line "tick 39"
    refute_line "tick 0"
    local first
    first=$(counter_numbers <(printf '%s\n' "$output") | head -n 1)
    [[ $first == "$((last + 1))" || $first == "$last" ]] || fail "the CLI's output starts at '$first', the counter was at $last at the dump: $output"
    assert_counter_seq 0 "$count"
    assert_equal "$(counter_last "$count")" 39
    assert_equal "$(job_jids)" "$before"
    # Like runc restore without -d, which deletes the container once its init exits.
    assert_no_container "$id"
}

@test "restore runc --no-server --detach returns with the container running; --pid-file has its PID" {
    local id before
    id=$(cid rdetach)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    local n
    n=$(counter_len "$count")
    before=$(job_jids)
    cli_to "$TEST_DIR/rd.out" restore runc --path "$DUMP_PATH" --bundle "$BUNDLE" --root "$RUNC_ROOT" \
        --no-server --detach --pid-file "$TEST_DIR/rd.pid"
    assert_rc 0 "$TEST_DIR/rd.out"
    wait_container_status "$id" running
    local pid
    pid=$(container_pid "$id")
    track "$pid"
    run cat "$TEST_DIR/rd.pid"
    assert_output "$pid"
    assert_container_running "$id" "$pid"
    assert_counter_went_on "$n" "$count"
    assert_equal "$(job_jids)" "$before"
    run runc_r exec "$id" /bin/true
    assert_success
}

# ---------------------------------------------------------------------------
# Namespaces given by path (the pod pattern) and bind mounts

@test "a container in another container's network namespace (by path) dumps and restores into it" {
    external_ns_roundtrip network
}

@test "a container in another container's PID namespace (by path) dumps and restores into it" {
    external_ns_roundtrip pid
}

@test "a container in another container's IPC namespace (by path) dumps and restores into it" {
    external_ns_roundtrip ipc
}

@test "a container in another container's UTS namespace (by path) dumps and restores into it" {
    external_ns_roundtrip uts
}

@test "a container in another container's cgroup namespace (by path) dumps and restores into it, seeing the same cgroups" {
    external_ns_roundtrip cgroup
}

@test "a container writing to a host file dumps and restores writing on to the same file; --out is refused for it" {
    local id
    id=$(cid hostfile)
    make_bundle "$TEST_DIR/bundle" -- "$TICK_LOOP"
    runc_detached "$id" "$BUNDLE" "file:$TEST_DIR/host.log"
    local pid=$CPID
    wait_counter "$TEST_DIR/host.log" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local before
    before=$(counter_len "$TEST_DIR/host.log")
    restore_runc "$DUMP_PATH" "$BUNDLE" --out "$TEST_DIR/other.log"
    assert_failure
    assert_output --partial "wrote to the host file $TEST_DIR/host.log"
    assert_file_not_exists "$TEST_DIR/other.log"
    assert_equal "$(container_field "$id" id)" ""
    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$TEST_DIR/host.log"
}

@test "a container with a bind-mounted host directory dumps and restores; it still reads and writes the directory" {
    local id
    id=$(cid bind)
    mkdir -p "$TEST_DIR/host-share"
    echo "hello from the host $UNIQ" >"$TEST_DIR/host-share/hello"
    make_bundle "$TEST_DIR/bundle" --bind "$TEST_DIR/host-share:/share" -- \
        'i=0; while true; do echo "$i" >>/share/count; i=$((i + 1)); sleep 0.1; done'
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count=$TEST_DIR/host-share/count
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local before
    before=$(counter_len "$count")
    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$count"
    run runc_r exec "$id" /bin/cat /share/hello
    assert_success
    assert_output "hello from the host $UNIQ"
    # What the host writes now, the container sees: the live directory, not a copy.
    echo "written after the restore" >"$TEST_DIR/host-share/later"
    run runc_r exec "$id" /bin/cat /share/later
    assert_success
    assert_output "written after the restore"
    assert_no_mounts_under "$RUNC_ROOT"
}

@test "a container whose init has its stdout on a file of its rootfs restores writing on to that file" {
    local id
    id=$(cid filelog)
    # runc gave it /dev/null; the shell then points fd 1 and 2 at a file inside the container.
    make_bundle "$TEST_DIR/bundle" -- 'exec >/tmp/out.log 2>&1; i=0; while true; do echo "$i"; i=$((i + 1)); sleep 0.1; done'
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID out=$BUNDLE/rootfs/tmp/out.log
    wait_counter "$out" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local before
    before=$(counter_len "$out")
    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    # (Seen from here, the path inside the container's root.)
    [[ $(readlink "/proc/$RESTORED_PID/fd/1") == */tmp/out.log ]] || fail "fd 1 of the restored init is $(readlink "/proc/$RESTORED_PID/fd/1"), not /tmp/out.log"
    assert_counter_went_on "$before" "$out"
}

# pod_roundtrip TYPE...: a workload run by cedana in the sidecar's namespaces TYPE... (by
# path), with a bind-mounted host directory, goes through dump job and restore job: it is back
# in the same namespaces, reads the directory, and its log counts on.
pod_roundtrip() {
    local -a types=("$@") side_opts=() cg_opts=() ns=()
    local id type
    id=$(cid pod)
    if [[ " ${types[*]} " == *" cgroup "* ]]; then
        side_opts=(--new-ns cgroup)
        # Its cgroup under the sidecar's, the root of the cgroup namespace it joins (see
        # external_ns_roundtrip).
        cg_opts=(--cgroups-path "$(cid side)/$id")
    fi
    start_sidecar "${side_opts[@]}"
    mkdir -p "$TEST_DIR/host-share"
    echo "pod data $UNIQ" >"$TEST_DIR/host-share/hello"
    for type in "${types[@]}"; do
        ns+=(--ns "$type=/proc/$SIDE_PID/ns/$(ns_link "$type")")
    done
    make_bundle "$TEST_DIR/wl" "${ns[@]}" "${cg_opts[@]}" --bind "$TEST_DIR/host-share:/share" -- "$TICK_LOOP"
    run_container "$id" "$BUNDLE"
    local pid=$JOB_PID log=$JOB_LOG link view
    for type in "${types[@]}"; do
        link=$(ns_link "$type")
        assert_equal "$(ns_of "$pid" "$link")" "$(ns_of "$SIDE_PID" "$link")"
    done
    wait_counter "$log" 5
    view=$(runc_r exec "$id" /bin/cat /proc/self/cgroup)
    dump_job "$id" --dir "$TEST_DIR/ckpt" --compression zstd
    assert_success
    wait_container_gone "$id"
    wait_pid_gone "$pid"
    local before
    before=$(counter_len "$log")
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_container_running "$id" "$RESTORED_PID"
    for type in "${types[@]}"; do
        link=$(ns_link "$type")
        assert_equal "$(ns_of "$RESTORED_PID" "$link")" "$(ns_of "$SIDE_PID" "$link")"
    done
    assert_equal "$(runc_r exec "$id" /bin/cat /proc/self/cgroup)" "$view"
    assert_counter_went_on "$before" "$log"
    run runc_r exec "$id" /bin/cat /share/hello
    assert_success
    assert_output "pod data $UNIQ"
    assert_container_running "$SIDE_ID" "$SIDE_PID"
}

@test "a pod workload sharing net, pid, ipc and uts namespaces with its sidecar, with a bind mount, run by cedana: dump job, restore job" {
    pod_roundtrip network pid ipc uts
}

@test "a pod workload sharing net, pid, ipc, uts and cgroup namespaces with its sidecar, with a bind mount, run by cedana: dump job, restore job" {
    pod_roundtrip network pid ipc uts cgroup
}

# ---------------------------------------------------------------------------
# freeze, unfreeze

@test "freeze runc pauses the container (runc list: paused, the counter stops); unfreeze runc resumes it" {
    local id
    id=$(cid freeze)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 3
    cedana_cli freeze runc "$id" --root "$RUNC_ROOT"
    assert_success
    assert_equal "$(container_status "$id")" paused
    assert_counter_stays "$count"
    cedana_cli unfreeze runc "$id" --root "$RUNC_ROOT"
    assert_success
    assert_equal "$(container_status "$id")" running
    assert_container_running "$id" "$pid"
    assert_counter_grows "$count"
}

@test "unfreeze runc of a container that is not frozen fails and leaves it running" {
    local id
    id=$(cid notfrozen)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    cedana_cli unfreeze runc "$id" --root "$RUNC_ROOT"
    assert_failure
    assert_output --partial "$id"
    assert_container_running "$id" "$pid"
    assert_counter_grows "$(count_file "$BUNDLE")"
}

@test "freeze job and unfreeze job of a runc job: runc list and ps show it frozen, then running" {
    local id
    id=$(cid fjob)
    ticker bundle
    run_container "$id" "$BUNDLE"
    local pid=$JOB_PID
    wait_counter "$JOB_LOG" 3
    assert_job_live "$id" "$pid"
    cedana_cli freeze job "$id"
    assert_success
    assert_equal "$(container_status "$id")" paused
    ps_row "$id"
    local frozen
    frozen=$(ps_col STATUS)
    [[ -n $frozen && ! $frozen =~ ^(running|sleep|halted)$ ]] || fail "ps shows the frozen job as '$frozen': $PS_ROW"
    assert_counter_stays "$(count_file "$BUNDLE")"
    cedana_cli unfreeze job "$id"
    assert_success
    assert_equal "$(container_status "$id")" running
    wait_job_live "$id"
    assert_counter_grows "$JOB_LOG"
}

# ---------------------------------------------------------------------------
# query

@test "query runc of two containers: one row each under ID PID STATUS BUNDLE ROOT" {
    local a b
    a=$(cid qa)
    b=$(cid qb)
    ticker bundle-a
    local bundle_a=$BUNDLE
    runc_detached "$a" "$bundle_a"
    local pid_a=$CPID
    ticker bundle-b
    runc_detached "$b" "$BUNDLE"
    local pid_b=$CPID
    cedana_cli query runc "$a" "$b" --root "$RUNC_ROOT"
    assert_success
    assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +ROOT$'
    assert_line --regexp "^$a +$pid_a +running +$bundle_a +$RUNC_ROOT\$"
    assert_line --regexp "^$b +$pid_b +running +$BUNDLE +$RUNC_ROOT\$"
    assert_equal "${#lines[@]}" 3
}

@test "query runc -t lists the container's processes; -i prints its details" {
    local id
    id=$(cid qt)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    cedana_cli query runc "$id" --root "$RUNC_ROOT" -t
    assert_success
    assert_output --partial "$id"
    assert_output --regexp "(^|[^0-9])$pid([^0-9]|$)"
    assert_output --partial running
    assert_output --partial "$BUNDLE"
    cedana_cli query runc "$id" --root "$RUNC_ROOT" -i
    assert_success
    assert_output --partial "$BUNDLE"
    assert_output --regexp "(^|[^0-9])$pid([^0-9]|$)"
    assert_output --partial "$id"
}

@test "query runc of a container that does not exist fails naming it" {
    local id
    id=$(cid qghost)
    cedana_cli query runc "$id" --root "$RUNC_ROOT"
    assert_failure
    assert_output --partial "$id"
}

# ---------------------------------------------------------------------------
# Failures leave nothing behind

@test "dump runc of a container that does not exist fails naming it and writes nothing" {
    local id
    id=$(cid nodump)
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_failure
    assert_output --partial "$id"
    [[ ! -e $TEST_DIR/ckpt ]] || assert_dir_empty "$TEST_DIR/ckpt"
    assert_no_container "$id"
}

@test "a dump into a --dir that is a regular file fails, writes nothing and leaves the container running" {
    local id
    id=$(cid baddir)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    wait_counter "$(count_file "$BUNDLE")" 3
    echo "not a directory" >"$TEST_DIR/afile"
    local before
    before=$(ls -A "$TEST_DIR")
    dump_runc "$id" --dir "$TEST_DIR/afile"
    assert_failure
    assert_output --partial "$TEST_DIR/afile"
    run cat "$TEST_DIR/afile"
    assert_output "not a directory"
    assert_equal "$(ls -A "$TEST_DIR")" "$before"
    assert_container_running "$id" "$pid"
    assert_counter_grows "$(count_file "$BUNDLE")"
    # Not paused, not left frozen by the attempt.
    assert_equal "$(container_status "$id")" running
    # And a proper dump of it still works.
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --leave-running
    assert_success
    assert_container_running "$id" "$pid"
}

@test "dump runc with an unknown compression is refused before anything is touched" {
    local id
    id=$(cid badzip)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression bogus
    assert_failure
    assert_output --partial bogus
    [[ ! -e $TEST_DIR/ckpt ]] || assert_dir_empty "$TEST_DIR/ckpt"
    assert_container_running "$id" "$pid"
}

@test "a runc job outlives a daemon restart, writing on to its log; the restarted daemon dumps and restores it" {
    shared_daemon && skip "restarts the daemon: runs with a daemon per test"
    local id
    id=$(cid restart)
    ticker bundle
    run_container "$id" "$BUNDLE" --out "$TEST_DIR/job.log"
    local pid=$JOB_PID
    wait_counter "$TEST_DIR/job.log" 5
    stop_daemon
    # Its output has a relay of its own: with no daemon, the container goes on and logs.
    assert_counter_went_on "$(counter_len "$TEST_DIR/job.log")" "$TEST_DIR/job.log"
    assert_container_running "$id" "$pid"
    start_daemon
    dump_job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    local before
    before=$(counter_len "$TEST_DIR/job.log")
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$before" "$TEST_DIR/job.log"
}

@test "restore runc onto a container id that is taken fails and leaves the running container alone" {
    local id other before_jobs
    id=$(cid busy)
    other=$(cid busy2)
    make_bundle "$TEST_DIR/bundle2" -- "$TICK_LOOP"
    local bundle2=$BUNDLE
    runc_detached "$other" "$bundle2"
    local pid2=$CPID
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local pid=$CPID
    wait_counter "$(count_file "$BUNDLE")" 3
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --leave-running
    assert_success
    local ckpt=$DUMP_PATH ids
    ids=$(container_ids)
    before_jobs=$(job_jids)
    # The checkpoint's own id, still running.
    restore_runc "$ckpt" "$BUNDLE"
    assert_failure
    assert_output --partial "$id"
    assert_container_running "$id" "$pid"
    # Another running container's id.
    restore_runc "$ckpt" "$BUNDLE" --id "$other"
    assert_failure
    assert_output --partial "$other"
    assert_container_running "$other" "$pid2"
    assert_equal "$(container_field "$other" bundle)" "$bundle2"
    assert_equal "$(container_ids)" "$ids"
    assert_equal "$(job_jids)" "$before_jobs"
    assert_no_mounts_under "$TEST_DIR"
    assert_counter_grows "$(count_file "$BUNDLE")"
}

# first_terminal_tick LOG: N of the first "tick N" on the terminal whose output LOG holds.
first_terminal_tick() {
    terminal_text "$1" | sed -n -E 's/^tick ([0-9]+)$/\1/p' | head -n 1
}

@test "a container on a terminal: run runc --console-socket, dump job, restore job --console-socket NEW: its new terminal reaches NEW, takes input, counts on" {
    local id
    id=$(cid tty)
    terminal_bundle "$TEST_DIR/bundle"
    console_receiver "$TEST_DIR/c1.sock" "$TEST_DIR/c1.log" first
    local first_receiver=$RECEIVER_PID
    run_container "$id" "$BUNDLE" --console-socket "$TEST_DIR/c1.sock"
    assert_line --index $((${#lines[@]} - 1)) --partial "output on its terminal"
    assert_equal "$JOB_LOG" ""
    assert_not_exists "/var/log/cedana-output-$id.log"
    wait_terminal_line "$TEST_DIR/c1.log" on-a-terminal
    wait_terminal_line "$TEST_DIR/c1.log" got:first
    local count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    # The terminal hung up when the container went: its receiver ends.
    wait_pid_dead "$first_receiver"
    local before
    before=$(counter_len "$count")

    console_receiver "$TEST_DIR/c2.sock" "$TEST_DIR/c2.log" second
    cedana_cli restore job "$id" --console-socket "$TEST_DIR/c2.sock"
    assert_success
    parse_restored
    assert_container_running "$id" "$RESTORED_PID"
    assert_job_live "$id" "$RESTORED_PID"
    wait_terminal_line "$TEST_DIR/c2.log" "received orphan-pts-master"
    wait_terminal_line "$TEST_DIR/c2.log" got:second
    assert_counter_went_on "$before" "$count"
    # The ticks on the new terminal go on from where the counter was, not from 0: the first is
    # the counter's last number at the dump or the next one (see TICK_LOOP).
    local tick
    tick=$(first_terminal_tick "$TEST_DIR/c2.log")
    [[ $tick == $((before - 1)) || $tick == "$before" ]] || fail "the new terminal's first tick is '$tick', the counter held $before numbers"
    # Still a terminal to the container, and runc's: exec runs in it.
    run runc_r exec "$id" /bin/readlink /proc/1/fd/1
    assert_success
    assert_output --regexp '^/dev/pts/[0-9]+$'
}

@test "restore runc of a container dumped on a terminal: refused without --console-socket or with one nobody listens on, leaving nothing; then --no-server --detach onto a socket brings it back" {
    local id
    id=$(cid ttyr)
    terminal_bundle "$TEST_DIR/bundle"
    console_receiver "$TEST_DIR/c1.sock" "$TEST_DIR/c1.log"
    run_container "$id" "$BUNDLE" --console-socket "$TEST_DIR/c1.sock"
    local count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 5
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    wait_container_gone "$id"
    local before_jobs
    before_jobs=$(job_jids)

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_failure
    assert_output --partial "the container had a terminal when it was dumped (process.terminal): pass --console-socket S"
    assert_no_container "$id"
    assert_no_mounts_under "$TEST_DIR"

    restore_runc "$DUMP_PATH" "$BUNDLE" --console-socket "$TEST_DIR/nobody.sock"
    assert_failure
    assert_output --partial "--console-socket $TEST_DIR/nobody.sock: cannot connect"
    assert_no_container "$id"
    assert_no_mounts_under "$TEST_DIR"
    assert_equal "$(job_jids)" "$before_jobs"

    local n
    n=$(counter_len "$count")
    console_receiver "$TEST_DIR/c2.sock" "$TEST_DIR/c2.log" again
    cli_to "$TEST_DIR/rd.out" restore runc --path "$DUMP_PATH" --bundle "$BUNDLE" --root "$RUNC_ROOT" \
        --no-server --detach --console-socket "$TEST_DIR/c2.sock"
    assert_rc 0 "$TEST_DIR/rd.out"
    wait_container_status "$id" running
    track "$(container_pid "$id")"
    wait_terminal_line "$TEST_DIR/c2.log" got:again
    assert_counter_went_on "$n" "$count"
    assert_equal "$(job_jids)" "$before_jobs"
}

@test "restore runc --console-socket of a container that had no terminal is refused and leaves nothing" {
    local id
    id=$(cid notty)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    wait_counter "$(count_file "$BUNDLE")" 3
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"
    console_receiver "$TEST_DIR/c.sock" "$TEST_DIR/c.log"
    restore_runc "$DUMP_PATH" "$BUNDLE" --console-socket "$TEST_DIR/c.sock"
    assert_failure
    assert_output --partial "the container had no terminal when it was dumped, so there is none to send; drop --console-socket"
    assert_no_container "$id"
    assert_no_mounts_under "$TEST_DIR"
    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
}

@test "run runc --log F --log-format json: runc logs there and a failure's message is read from it; --no-subreaper, and --out with a terminal, are refused; nothing is left" {
    local id before
    id=$(cid runlog)
    own "$id"
    before=$(job_jids)
    make_bundle "$TEST_DIR/bad" -- true
    jq '.process.args = ["/nope"]' "$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --log "$TEST_DIR/runc.log" --log-format json
    assert_failure
    assert_output --partial 'exec: "/nope"'
    run jq -r 'select(.level == "error") | .msg' "$TEST_DIR/runc.log"
    assert_success
    assert_output --partial 'exec: "/nope"'
    assert_no_container "$id"
    assert_equal "$(job_jids)" "$before"

    ticker good
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --no-subreaper
    assert_failure
    assert_output --partial "--no-subreaper is for --no-server: the daemon is the subreaper of every job it runs"
    terminal_bundle "$TEST_DIR/tty"
    cedana_cli run runc "$id" --bundle "$BUNDLE" --root "$RUNC_ROOT" --console-socket "$TEST_DIR/none.sock" --out "$TEST_DIR/out.log"
    assert_failure
    assert_output --partial "its I/O goes to --console-socket; drop --out/--attach/--attachable"
    assert_not_exists "$TEST_DIR/out.log"
    assert_no_container "$id"
    assert_equal "$(job_jids)" "$before"

    # A text log that runc appends to: what was there stays.
    echo 'time="2026-01-01T00:00:00Z" level=info msg="earlier"' >"$TEST_DIR/text.log"
    ticker good2
    run_container "$id" "$BUNDLE" --log "$TEST_DIR/text.log"
    run head -n 1 "$TEST_DIR/text.log"
    assert_output --partial 'msg="earlier"'
}

@test "restore runc --log F --log-format json logs the outcome as runc would, a refusal too; --no-pivot and --no-new-keyring go into runc's state; --rootless true and --systemd-cgroup are refused, leaving nothing" {
    local id
    id=$(cid rflags)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 3
    dump_runc "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_container_gone "$id"

    restore_runc "$DUMP_PATH" "$BUNDLE" --log "$TEST_DIR/r.log" --log-format json --rootless true
    assert_failure
    assert_output --partial "--rootless true: cedana restores containers as root only"
    run jq -r 'select(.level == "error") | .msg' "$TEST_DIR/r.log"
    assert_success
    assert_output --partial "--rootless true: cedana restores containers as root only"
    assert_no_container "$id"
    restore_runc "$DUMP_PATH" "$BUNDLE" --systemd-cgroup
    assert_failure
    assert_output --partial "--systemd-cgroup: cedana puts a restored container's tasks into their cgroupfs groups itself"
    assert_no_container "$id"
    assert_no_mounts_under "$TEST_DIR"

    local before
    before=$(counter_len "$count")
    restore_runc "$DUMP_PATH" "$BUNDLE" --log "$TEST_DIR/r.log" --log-format json --no-pivot --no-new-keyring --rootless false --no-subreaper
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    run jq -r 'select(.level == "info") | .msg' "$TEST_DIR/r.log"
    assert_output "restored container $id from $DUMP_PATH (PID $RESTORED_PID)"
    run jq -r '[.config.no_pivot_root, .config.no_new_keyring] | @tsv' "$RUNC_ROOT/$id/state.json"
    assert_output "$(printf 'true\ttrue')"
    run runc_r exec "$id" /bin/true
    assert_success
    assert_counter_went_on "$before" "$count"
}

@test "restore runc with a missing bundle fails naming it and leaves nothing; the checkpoint still restores" {
    local id before_jobs
    id=$(cid lostbundle)
    ticker bundle
    runc_detached "$id" "$BUNDLE"
    local count
    count=$(count_file "$BUNDLE")
    wait_counter "$count" 3
    dump_runc "$id" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    wait_container_gone "$id"
    local n
    n=$(counter_len "$count")
    before_jobs=$(job_jids)
    restore_runc "$DUMP_PATH" "$TEST_DIR/no-such-bundle"
    assert_failure
    assert_output --partial "$TEST_DIR/no-such-bundle"
    assert_no_container "$id"
    assert_equal "$(container_ids)" ""
    assert_equal "$(job_jids)" "$before_jobs"
    assert_no_mounts_under "$TEST_DIR"
    assert_file_exists "$DUMP_PATH"
    # Nothing restored: the counter did not move.
    assert_equal "$(counter_len "$count")" "$n"

    restore_runc "$DUMP_PATH" "$BUNDLE"
    assert_success
    assert_container_running "$id" "$RESTORED_PID"
    assert_counter_went_on "$n" "$count"
}

@test "a process checkpoint given to restore runc fails and leaves no container, no job and no process" {
    local id before_jobs
    id=$(cid notrunc)
    ticker bundle
    start_counter "$TEST_DIR/proc.out"
    local ppid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/proc.out" 3
    cedana_dump "$ppid" --dir "$TEST_DIR/ckpt"
    assert_success
    local ckpt=$DUMP_PATH
    wait "$ppid" || true
    wait_pid_gone "$ppid"
    before_jobs=$(job_jids)
    restore_runc "$ckpt" "$BUNDLE" --id "$id"
    own "$id"
    assert_failure
    # A clear error: it names the checkpoint.
    assert_output --partial "$ckpt"
    assert_no_container "$id"
    assert_equal "$(container_ids)" ""
    assert_equal "$(job_jids)" "$before_jobs"
    [[ ! -e /proc/$ppid ]] || fail "a process with PID $ppid exists: $(tr '\0' ' ' </proc/"$ppid"/cmdline)"
    assert_no_mounts_under "$TEST_DIR"
}
