#!/usr/bin/env bats
# Managed jobs: run/exec, manage, ps, job inspect/kill/delete, dump job,
# restore job, a job's checkpoints, exit statuses, and jobs that outlive a
# daemon killed with SIGKILL.
#
# Two modes. By default every test starts a daemon of its own (socket, config
# and job database of the test's own). With CEDANA_E2E_SHARED_DAEMON=1
# one daemon, started in setup_file with its socket, config and database under
# $BATS_FILE_TMPDIR, serves every test of the file and is stopped in
# teardown_file. The tests therefore never assume an empty job list: every
# jid is unique to its test (see jid) and `ps` is read row by row by jid.

load helpers

# The shared setup and teardown, kept under other names, run inside this file's own.
eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup_file() {
    shared_daemon || return 0
    shared_daemon_start
}

teardown_file() {
    shared_daemon || return 0
    shared_daemon_stop
}

setup() {
    helpers_setup
    # Unique to this test, also across runs: jids, and so default log files.
    UNIQ=${BATS_TEST_NUMBER}x$RANDOM$RANDOM
    TRACKED=()
    JOB_LOGS=()
    OPEN_DIR=
    if shared_daemon; then
        SOCK=$SHARED_SOCK
        CFG_DIR=$SHARED_CFG
        export CEDANA_CONFIG_DIR=$CFG_DIR
        DAEMON_DB=$SHARED_DB
        DAEMON_PID=$(cat "$SHARED_PID_FILE")
        DAEMON_LOG=$BATS_FILE_TMPDIR/daemon.log
    else
        start_daemon
    fi
    W=$TEST_DIR/work
    mkdir -p "$W"
    write_counter_script "$W/count.sh"
    # A few lines, then exit 42 after about a second.
    cat >"$W/exit42.sh" <<'EOF'
#!/bin/bash
echo "first line"
echo "second line"
sleep 1
echo "last line"
exit 42
EOF
    # Reports how it was started, then waits.
    cat >"$W/report.sh" <<'EOF'
#!/bin/bash
echo "args: $*"
echo "cwd: $(pwd)"
echo "var: ${JOBS_E2E_VAR-unset}"
echo "ready"
while true; do sleep 0.1; done
EOF
    # Says which signal ended it.
    cat >"$W/trap.sh" <<'EOF'
#!/bin/bash
trap 'echo "got TERM"; exit 3' TERM
echo "ready"
while true; do sleep 0.1; done
EOF
    chmod +x "$W"/*.sh
}

teardown() {
    kill_tracked
    local log
    for log in "${JOB_LOGS[@]}"; do
        rm -f "$log"
    done
    helpers_teardown
    [[ -z $OPEN_DIR ]] || rm -rf "$OPEN_DIR"
}

# jid NAME: a job id unique to this test.
jid() {
    echo "$1_$UNIQ"
}

# default_log JID: the log of a job started without --out; teardown removes it.
default_log() {
    JOB_LOGS+=("/var/log/cedana-output-$1.log")
    echo "/var/log/cedana-output-$1.log"
}


# start_job JID SCRIPT [run args]: `cedana run process` of one of the scripts
# with --jid JID; asserts the Started line and sets JOB_PID and JOB_LOG.
start_job() {
    local jid=$1 script=$2
    shift 2
    [[ " $* " == *" --out "* ]] || default_log "$jid" >/dev/null
    cedana_cli run process "$W/$script" --jid "$jid" "$@"
    assert_success
    parse_started "$jid"
}

# parse_started [JID]: reads "Started job JID (PID P), output in LOG" from
# $output; sets JOB_JID, JOB_PID and JOB_LOG and tracks the PID.
parse_started() {
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\), output in (.+)$'
    [[ ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    JOB_JID=${BASH_REMATCH[1]}
    JOB_PID=${BASH_REMATCH[2]}
    JOB_LOG=${BASH_REMATCH[3]}
    [[ -z ${1:-} || $JOB_JID == "$1" ]] || fail "started job $JOB_JID, expected $1"
    track "$JOB_PID"
}

# dump_job JID [args]: `cedana dump job`; on success sets DUMP_PATH.
dump_job() {
    local jid=$1
    shift
    cedana_cli dump job "$jid" "$@"
    DUMP_PATH=
    if [[ $status -eq 0 && ${#lines[@]} -gt 0 ]]; then
        DUMP_PATH=${lines[${#lines[@]} - 1]#Dumped to }
    fi
}

# assert_no_job JID: `ps` has no row for JID and `job inspect` does not know it.
assert_no_job() {
    ps_row "$1"
    [[ $PS_COUNT -eq 0 ]] || fail "ps still lists $1: $PS_ROW"
    run "$CEDANA" job inspect "$1" --address "$SOCK" --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "no job $1"
}

# assert_live_status JID: ps shows JID as a live process (not halted).
assert_live_status() {
    ps_row "$1"
    [[ $PS_COUNT -eq 1 ]] || fail "ps lists $1 $PS_COUNT times"
    [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "status of $1 is '$(ps_col STATUS)': $PS_ROW"
}

# job_jids: every jid `ps` lists, one a line, sorted.
job_jids() {
    "$CEDANA" ps --address "$SOCK" --config-dir "$CFG_DIR" | tail -n +2 | awk '{print $1}' | sort
}

# checkpoint_rows JID: the rows (without the header) of `checkpoints JID`.
checkpoint_rows() {
    "$CEDANA" checkpoints "$1" --address "$SOCK" --config-dir "$CFG_DIR" | tail -n +2
}

# assert_counter_goes_on LOG BEFORE LAST: LOG held BEFORE lines ending with
# LAST when the job was dumped; the first line written after the restore is
# LAST + 1, and the lines before it were kept.
assert_counter_goes_on() {
    local log=$1 before=$2 last=$3 first
    wait_for_lines "$log" $((before + 2))
    run diff <(head -n "$before" "$log") <(seq 0 $((before - 1)))
    assert_success
    first=$(sed -n "$((before + 1))p" "$log")
    [[ $first == "$((last + 1))" ]] || fail "the first line after the restore is '$first', expected $((last + 1))"
}

# kill_daemon_hard: SIGKILLs the daemon serving this test and waits until it is dead.
kill_daemon_hard() {
    kill -KILL "$DAEMON_PID"
    wait_pid_dead "$DAEMON_PID"
}

# restart_daemon: starts a daemon on the same socket, config and database.
# In shared mode it becomes the file's daemon for the tests after this one.
restart_daemon() {
    DAEMON_LOG=$TEST_DIR/daemon-restarted.log
    if shared_daemon; then
        DAEMON_LOG=$BATS_FILE_TMPDIR/daemon-$UNIQ.log
        start_daemon_at "$SOCK" "$DAEMON_LOG"
        # Not this test's to kill at its teardown: teardown_file stops it.
        DAEMON_PIDS=("${DAEMON_PIDS[@]/$DAEMON_PID/}")
        echo "$DAEMON_PID" >"$SHARED_PID_FILE"
    else
        start_daemon_at "$SOCK" "$DAEMON_LOG"
    fi
}

# ---------------------------------------------------------------------------
# run / exec

@test "run process: a generated jid, the default log holds the output, ps shows the row" {
    local before
    before=$(job_jids)
    cedana_cli run process "$W/count.sh"
    assert_success
    parse_started
    default_log "$JOB_JID" >/dev/null
    [[ $JOB_JID =~ ^[a-z]+_[a-z]+[0-9]+$ ]] || fail "generated jid '$JOB_JID'"
    assert_equal "$JOB_LOG" "/var/log/cedana-output-$JOB_JID.log"
    run grep -cxF "$JOB_JID" <<<"$before"
    assert_output 0
    wait_for_lines "$JOB_LOG" 3
    run head -n 3 "$JOB_LOG"
    assert_output "$(seq 0 2)"

    ps_row "$JOB_JID"
    [[ $PS_HEADER =~ ^JOB\ +TYPE\ +PID\ +STATUS\ +GPU\ +CHECKPOINT\ +SIZE\ +LOG$ ]] || fail "header '$PS_HEADER'"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col JOB)" "$JOB_JID"
    assert_equal "$(ps_col TYPE)" process
    assert_equal "$(ps_col PID)" "$JOB_PID"
    assert_live_status "$JOB_JID"
    assert_equal "$(ps_col GPU)" no
    assert_equal "$(ps_col CHECKPOINT)" ""
    assert_equal "$(ps_col SIZE)" ""
    assert_equal "$(ps_col LOG)" "$JOB_LOG"
}

@test "exec (alias of run process) with --jid, --out and --pid-file" {
    local j
    j=$(jid exec)
    cedana_cli exec "$W/count.sh" --jid "$j" --out "$TEST_DIR/exec.log" --pid-file "$TEST_DIR/exec.pid"
    assert_success
    parse_started "$j"
    assert_equal "$JOB_LOG" "$TEST_DIR/exec.log"
    assert_line "Started job $j (PID $JOB_PID), output in $TEST_DIR/exec.log"
    run cat "$TEST_DIR/exec.pid"
    assert_output "$JOB_PID"
    wait_for_lines "$TEST_DIR/exec.log" 3
    assert_not_exists "/var/log/cedana-output-$j.log"
    ps_row "$j"
    assert_equal "$(ps_col PID)" "$JOB_PID"
    assert_equal "$(ps_col LOG)" "$TEST_DIR/exec.log"
}

@test "a job runs in its own session with stdin /dev/null, the caller's env, cwd and uid, and its arguments" {
    local j
    j=$(jid env)
    mkdir -p "$TEST_DIR/wd"
    cd "$TEST_DIR/wd"
    export JOBS_E2E_VAR="hello $UNIQ"
    cedana_cli run process "$W/report.sh" one "two words" --jid "$j" --out "$TEST_DIR/env.log"
    assert_success
    parse_started "$j"
    wait_for_text "$TEST_DIR/env.log" ready
    run cat "$TEST_DIR/env.log"
    assert_line "args: one two words"
    assert_line "cwd: $TEST_DIR/wd"
    assert_line "var: hello $UNIQ"
    # Its own session, led by itself.
    local stat
    stat=$(cat "/proc/$JOB_PID/stat")
    stat=${stat##*) }
    assert_equal "$(awk '{print $4}' <<<"$stat")" "$JOB_PID"
    assert_equal "$(readlink "/proc/$JOB_PID/fd/0")" /dev/null
    assert_equal "$(readlink "/proc/$JOB_PID/cwd")" "$TEST_DIR/wd"
    assert_equal "$(awk '/^Uid:/ {print $2}' "/proc/$JOB_PID/status")" "$(id -u)"
    assert_equal "$(awk '/^Gid:/ {print $2}' "/proc/$JOB_PID/status")" "$(id -g)"
}

@test "run process --as-root runs the job as root" {
    local j
    j=$(jid root)
    start_job "$j" report.sh --as-root --out "$TEST_DIR/root.log"
    wait_for_text "$TEST_DIR/root.log" ready
    assert_equal "$(awk '/^Uid:/ {print $2}' "/proc/$JOB_PID/status")" 0
}

# start_open_daemon: a daemon of this test (its own database, also in the shared
# mode) whose socket the unprivileged user 65534 can reach: in OPEN_DIR, a
# directory anyone may traverse, with the socket's group set to 65534 (the
# socket stays 0660, as for a `cedana` group). Sets OPEN_DIR and OPEN_CLI, the
# cedana command line for that user, which also sees a copy of the binary;
# $OPEN_DIR/home is that user's.
start_open_daemon() {
    OPEN_DIR=$(mktemp -d /tmp/cedana-e2e-open.XXXXXX)
    chmod 711 "$OPEN_DIR"
    mkdir -m 755 "$OPEN_DIR/config" "$OPEN_DIR/home"
    chown 65534:65534 "$OPEN_DIR/home"
    install -m 755 "$(command -v "$CEDANA")" "$OPEN_DIR/cedana"
    start_daemon_at "$OPEN_DIR/cedana.sock" "$TEST_DIR/open-daemon.log" --db "$TEST_DIR.open.db"
    chgrp 65534 "$OPEN_DIR/cedana.sock"
    OPEN_CLI=(setpriv --reuid=65534 --regid=65534 --clear-groups "$OPEN_DIR/cedana" --address "$OPEN_DIR/cedana.sock" --config-dir "$OPEN_DIR/config")
}

@test "a job runs as the caller the kernel reports over the socket, whatever uid the client claims" {
    start_open_daemon
    # A client that claims to be root: getuid() and its kin answer 0 inside it.
    local f
    for f in getuid geteuid getgid getegid; do
        echo "unsigned $f(void) { return 0; }"
    done >"$TEST_DIR/claim-root.c"
    gcc -shared -fPIC -o "$OPEN_DIR/claim-root.so" "$TEST_DIR/claim-root.c"
    chmod 755 "$OPEN_DIR/claim-root.so"
    run setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$OPEN_DIR/claim-root.so" id -u
    assert_output 0
    local j
    j=$(jid nonroot)
    cd "$OPEN_DIR/home"
    # The job gets the caller's environment, the preload too: it drops it to report.
    run env LD_PRELOAD="$OPEN_DIR/claim-root.so" "${OPEN_CLI[@]}" run process --jid "$j" --out "$OPEN_DIR/home/job.log" -- /bin/sh -c 'unset LD_PRELOAD; id -u; id -g; echo ready; exec sleep 600'
    assert_success
    parse_started "$j"
    wait_for_text "$OPEN_DIR/home/job.log" ready
    run cat "$OPEN_DIR/home/job.log"
    assert_line --index 0 65534
    assert_line --index 1 65534
    assert_equal "$(awk '/^Uid:/ {print $2}' "/proc/$JOB_PID/status")" 65534
    assert_equal "$(awk '/^Groups:/ {print $2}' "/proc/$JOB_PID/status")" ""
    # The daemon created the log with the caller's rights: it is theirs.
    assert_equal "$(stat -c %u:%g "$OPEN_DIR/home/job.log")" 65534:65534
}

@test "a caller who is not root cannot have the daemon write a log where they may not write" {
    start_open_daemon
    local j
    j=$(jid nonroot_log)
    cd "$OPEN_DIR/home"
    # $TEST_DIR is root's alone.
    run "${OPEN_CLI[@]}" run process --jid "$j" --out "$TEST_DIR/forbidden.log" -- /bin/sh -c 'echo started'
    assert_failure
    assert_output --partial "cannot open the job's log $TEST_DIR/forbidden.log: Permission denied"
    assert_not_exists "$TEST_DIR/forbidden.log"
    run "${OPEN_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
}

@test "a caller outside the socket's group is told the socket refused them, not that no daemon runs" {
    start_open_daemon
    chgrp 0 "$OPEN_DIR/cedana.sock"
    run "${OPEN_CLI[@]}" ps
    assert_failure
    assert_output --partial "cannot connect to the daemon at $OPEN_DIR/cedana.sock: permission denied"
    refute_output --partial "is it running?"
}

@test "run process --as-root from a caller who is not root is refused and leaves no job" {
    start_open_daemon
    local j
    j=$(jid nonroot_asroot)
    cd "$OPEN_DIR/home"
    run "${OPEN_CLI[@]}" run process --as-root --jid "$j" --out "$OPEN_DIR/home/job.log" -- /bin/sh -c 'echo started'
    assert_failure
    assert_output --partial "--as-root is for root callers only (you are uid 65534)"
    assert_not_exists "$OPEN_DIR/home/job.log"
    run "${OPEN_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
}

@test "run process --no-server runs the program as the CLI's child and exits with its status" {
    local j
    j=$(jid noserver)
    run "$CEDANA" run process "$W/exit42.sh" --no-server --jid "$j" --config-dir "$CFG_DIR"
    assert_equal "$status" 42
    assert_line "first line"
    assert_line "last line"
    assert_no_job "$j"
    assert_not_exists "/var/log/cedana-output-$j.log"
}

@test "a missing program fails clearly and leaves no job and no log file" {
    local j
    j=$(jid missing)
    default_log "$j" >/dev/null
    cedana_cli run process "$W/does-not-exist" --jid "$j"
    assert_failure
    assert_output --partial "$W/does-not-exist"
    assert_output --partial "no such file"
    assert_no_job "$j"
    assert_not_exists "/var/log/cedana-output-$j.log"

    # With a generated jid and --out: no new job at all, no --out file.
    local before
    before=$(job_jids)
    cedana_cli run process "$W/does-not-exist" --out "$TEST_DIR/missing.log"
    assert_failure
    assert_output --partial "no such file"
    assert_equal "$(job_jids)" "$before"
    assert_not_exists "$TEST_DIR/missing.log"
}

@test "a program that is not executable fails clearly and leaves no job and no log file" {
    local j
    j=$(jid noexec)
    default_log "$j" >/dev/null
    printf 'echo hi\n' >"$W/plain.sh"
    chmod -x "$W/plain.sh"
    cedana_cli exec "$W/plain.sh" --jid "$j"
    assert_failure
    assert_output --partial "$W/plain.sh"
    assert_output --partial "not an executable"
    assert_no_job "$j"
    assert_not_exists "/var/log/cedana-output-$j.log"

    cedana_cli run process "$W/plain.sh" --jid "$j" --out "$TEST_DIR/noexec.log"
    assert_failure
    assert_no_job "$j"
    assert_not_exists "$TEST_DIR/noexec.log"
}

@test "a jid already in use is refused and the first job is untouched" {
    local j
    j=$(jid dup)
    start_job "$j" count.sh --out "$TEST_DIR/dup1.log"
    local pid=$JOB_PID
    cedana_cli run process "$W/count.sh" --jid "$j" --out "$TEST_DIR/dup2.log"
    assert_failure
    assert_output --partial "$j"
    ps_row "$j"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col PID)" "$pid"
    assert_equal "$(ps_col LOG)" "$TEST_DIR/dup1.log"
}

# ---------------------------------------------------------------------------
# exit status

@test "the daemon reaps a job that exits and records its exit status 42" {
    local j
    j=$(jid exit)
    start_job "$j" exit42.sh --out "$TEST_DIR/exit.log"
    wait_for_text "$TEST_DIR/exit.log" "first line"
    wait_job_status "$j" halted
    wait_pid_gone "$JOB_PID"
    run cat "$TEST_DIR/exit.log"
    assert_output "first line
second line
last line"
    ps_row "$j"
    assert_equal "$(ps_col PID)" "$JOB_PID"
    cedana_cli job inspect "$j"
    assert_success
    assert_line --regexp "^Exit status +42$"
    assert_line --regexp "^Status +halted$"
    assert_line --regexp "^PID +$JOB_PID$"
}

# ---------------------------------------------------------------------------
# manage

@test "manage process adopts a running process as a job" {
    local j
    j=$(jid manage)
    (
        close_inherited_fds
        exec "$W/count.sh"
    ) >"$TEST_DIR/managed.out" 2>&1 </dev/null 3>&- &
    local pid=$!
    track "$pid"
    wait_for_lines "$TEST_DIR/managed.out" 2
    cedana_cli manage process "$pid" --jid "$j"
    assert_success
    assert_output "Managing PID $pid as job $j"
    ps_row "$j"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col TYPE)" process
    assert_equal "$(ps_col PID)" "$pid"
    assert_live_status "$j"
    cedana_cli job inspect "$j"
    assert_success
    assert_line --regexp "^PID +$pid$"
    assert_output --partial "count.sh"

    # Killed through the daemon; this shell reaps it, the daemon sees it halted.
    cedana_cli job kill "$j"
    assert_success
    assert_output "Killed $j"
    wait "$pid" || true
    wait_job_status "$j" halted
}

@test "manage process of a PID that does not exist fails and creates no job" {
    local j pid=4194000
    j=$(jid ghost)
    [[ -e /proc/$pid ]] && skip "PID $pid exists here"
    cedana_cli manage process "$pid" --jid "$j"
    assert_failure
    assert_output --partial "no process with PID"
    assert_no_job "$j"
}

@test "manage process --upcoming is refused, mentioning upcoming, and creates no job" {
    local j
    j=$(jid upcoming)
    (
        close_inherited_fds
        exec "$W/count.sh"
    ) >/dev/null 2>&1 </dev/null 3>&- &
    local pid=$!
    track "$pid"
    cedana_cli manage process "$pid" --upcoming --jid "$j"
    assert_failure
    assert_output --partial "upcoming"
    assert_no_job "$j"
    kill -KILL "$pid"
    wait "$pid" || true
}

# ---------------------------------------------------------------------------
# ps, inspect

@test "ps, jobs and job list print the same table" {
    local j
    j=$(jid list)
    start_job "$j" count.sh --out "$TEST_DIR/list.log"
    local cmd out
    for cmd in "ps" "jobs" "job list"; do
        # shellcheck disable=SC2086
        run "$CEDANA" $cmd --address "$SOCK" --config-dir "$CFG_DIR"
        assert_success
        assert_line --index 0 --regexp '^JOB +TYPE +PID +STATUS +GPU +CHECKPOINT +SIZE +LOG$'
        assert_line --regexp "^$j +process +$JOB_PID +(running|sleep) +no +$TEST_DIR/list.log$"
    done
}

@test "job inspect shows the job, as text and as JSON; an unknown job fails" {
    local j
    j=$(jid inspect)
    start_job "$j" count.sh --out "$TEST_DIR/inspect.log"
    cedana_cli job inspect "$j"
    assert_success
    assert_line --regexp "^Job +$j$"
    assert_line --regexp "^Type +process$"
    assert_line --regexp "^PID +$JOB_PID$"
    assert_line --regexp "^Log +$TEST_DIR/inspect.log$"
    assert_line --regexp "^Command +$W/count.sh$"

    cedana_cli job inspect "$j" --json
    assert_success
    run python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
print(d["jid"], d["type"], d["pid"], d["log"])' <<<"$output"
    assert_success
    assert_output "$j process $JOB_PID $TEST_DIR/inspect.log"

    cedana_cli job inspect "nosuch_$UNIQ"
    assert_failure
    assert_output --partial "no job nosuch_$UNIQ"
}

# ---------------------------------------------------------------------------
# kill, delete

@test "the daemon adopts and reaps what a killed job leaves behind (child subreaper)" {
    local j child
    j=$(jid orphans)
    printf '#!/bin/bash\nsleep 600 &\necho "child $!"\necho ready\nwait\n' >"$W/orphans.sh"
    chmod +x "$W/orphans.sh"
    cedana_cli run process "$W/orphans.sh" --jid "$j" --out "$TEST_DIR/orphans.log"
    assert_success
    parse_started "$j"
    wait_for_text "$TEST_DIR/orphans.log" ready
    child=$(awk '/^child/ {print $2}' "$TEST_DIR/orphans.log")
    track "$child"
    cedana_cli kill "$j"
    assert_success
    wait_pid_gone "$JOB_PID"
    # The orphan went to the daemon, not to PID 1.
    assert_equal "$(awk '/^PPid:/ {print $2}' "/proc/$child/status")" "$DAEMON_PID"
    kill -KILL "$child"
    # Only the daemon can reap it now: it would stay a zombie otherwise.
    wait_pid_gone "$child"
}

@test "job kill sends SIGKILL by default, --signal TERM on request; kill is an alias" {
    local a b
    a=$(jid killa)
    b=$(jid killb)
    start_job "$a" trap.sh --out "$TEST_DIR/a.log"
    local pa=$JOB_PID
    start_job "$b" trap.sh --out "$TEST_DIR/b.log"
    local pb=$JOB_PID
    wait_for_text "$TEST_DIR/a.log" ready
    wait_for_text "$TEST_DIR/b.log" ready

    cedana_cli job kill "$a" --signal TERM
    assert_success
    assert_output "Killed $a"
    wait_for_text "$TEST_DIR/a.log" "got TERM"
    wait_job_status "$a" halted
    wait_pid_gone "$pa"

    cedana_cli kill "$b"
    assert_success
    assert_output "Killed $b"
    wait_job_status "$b" halted
    wait_pid_gone "$pb"
    run cat "$TEST_DIR/b.log"
    refute_line "got TERM"

    cedana_cli job kill "nosuch_$UNIQ"
    assert_failure
    assert_output --partial "no job nosuch_$UNIQ"
}

@test "job kill --all kills every running job" {
    local a b
    a=$(jid alla)
    b=$(jid allb)
    start_job "$a" count.sh --out "$TEST_DIR/a.log"
    local pa=$JOB_PID
    start_job "$b" count.sh --out "$TEST_DIR/b.log"
    local pb=$JOB_PID
    cedana_cli job kill --all
    assert_success
    assert_line "Killed $a"
    assert_line "Killed $b"
    wait_job_status "$a" halted
    wait_job_status "$b" halted
    wait_pid_gone "$pa"
    wait_pid_gone "$pb"
}

@test "job delete kills a running job and removes it; delete is an alias; unknown jobs fail" {
    local a b
    a=$(jid dela)
    b=$(jid delb)
    start_job "$a" count.sh --out "$TEST_DIR/a.log"
    local pa=$JOB_PID
    start_job "$b" exit42.sh --out "$TEST_DIR/b.log"
    wait_job_status "$b" halted

    cedana_cli job delete "$a"
    assert_success
    assert_output "Deleted $a"
    wait_pid_gone "$pa"
    assert_no_job "$a"

    cedana_cli delete "$b"
    assert_success
    assert_output "Deleted $b"
    assert_no_job "$b"
    # The log files are the user's: they stay.
    assert_file_exists "$TEST_DIR/a.log"
    assert_file_exists "$TEST_DIR/b.log"

    cedana_cli job delete "nosuch_$UNIQ"
    assert_failure
    assert_output --partial "no job nosuch_$UNIQ"
}

@test "job delete keeps checkpoint files unless --checkpoints" {
    local a b
    a=$(jid keep)
    b=$(jid drop)
    start_job "$a" count.sh --out "$TEST_DIR/a.log"
    wait_for_lines "$TEST_DIR/a.log" 2
    dump_job "$a" --dir "$TEST_DIR/ck-a"
    assert_success
    local kept=$DUMP_PATH
    start_job "$b" count.sh --out "$TEST_DIR/b.log"
    wait_for_lines "$TEST_DIR/b.log" 2
    dump_job "$b" --dir "$TEST_DIR/ck-b" --compression gzip --leave-running
    assert_success
    local gone1=$DUMP_PATH
    dump_job "$b" --dir "$TEST_DIR/ck-b"
    assert_success
    local gone2=$DUMP_PATH

    cedana_cli job delete "$a"
    assert_success
    assert_no_job "$a"
    assert_exists "$kept"

    cedana_cli job delete "$b" --checkpoints
    assert_success
    assert_output --partial "Deleted $b"
    assert_no_job "$b"
    assert_not_exists "$gone1"
    assert_not_exists "$gone2"
    cedana_cli checkpoints "$b"
    assert_failure
    assert_output --partial "no job $b"
}

@test "job delete --all removes every job" {
    local a b
    a=$(jid dalla)
    b=$(jid dallb)
    start_job "$a" count.sh --out "$TEST_DIR/a.log"
    local pa=$JOB_PID
    start_job "$b" exit42.sh --out "$TEST_DIR/b.log"
    cedana_cli job delete --all
    assert_success
    assert_line "Deleted $a"
    assert_line "Deleted $b"
    wait_pid_gone "$pa"
    assert_no_job "$a"
    assert_no_job "$b"
}

# ---------------------------------------------------------------------------
# dump job, restore job, checkpoints

@test "dump job names the checkpoint dump-process-<jid>-<seconds>; ps shows halted, CHECKPOINT and SIZE" {
    local j
    j=$(jid dump)
    start_job "$j" count.sh --out "$TEST_DIR/dump.log"
    wait_for_lines "$TEST_DIR/dump.log" 3
    local before after
    before=$(date +%s)
    dump_job "$j" --dir "$TEST_DIR/ck"
    after=$(date +%s)
    assert_success
    assert_line --index $((${#lines[@]} - 1)) --regexp "^Dumped to $TEST_DIR/ck/dump-process-$j-[0-9]{10}$"
    local secs=${DUMP_PATH##*-}
    ((secs >= before && secs <= after)) || fail "name time $secs is not between $before and $after"
    assert_dir_exists "$DUMP_PATH"
    assert_file_exists "$DUMP_PATH/cedana.json"
    run ls -A "$TEST_DIR/ck"
    assert_output "$(basename "$DUMP_PATH")"

    # Without --leave-running the job is gone once the dump is safe.
    wait_pid_gone "$JOB_PID"
    wait_job_status "$j" halted
    assert_equal "$(ps_col PID)" "$JOB_PID"
    [[ $(ps_col CHECKPOINT) =~ ^(just\ now|[0-9]+\ seconds?\ ago)$ ]] || fail "CHECKPOINT '$(ps_col CHECKPOINT)': $PS_ROW"
    [[ $(ps_col SIZE) =~ ^[0-9]+(\.[0-9]+)?\ (B|KiB|MiB)$ ]] || fail "SIZE '$(ps_col SIZE)': $PS_ROW"
    assert_equal "$(ps_col LOG)" "$TEST_DIR/dump.log"
}

@test "dump job --compression gzip --leave-running: an archive, and the job goes on" {
    local j
    j=$(jid gzip)
    start_job "$j" count.sh --out "$TEST_DIR/gzip.log"
    wait_for_lines "$TEST_DIR/gzip.log" 3
    dump_job "$j" --dir "$TEST_DIR/ck" --compression gzip --leave-running
    assert_success
    [[ $DUMP_PATH =~ ^$TEST_DIR/ck/dump-process-$j-[0-9]{10}\.tar\.gz$ ]] || fail "checkpoint '$DUMP_PATH'"
    assert_file_exists "$DUMP_PATH"
    [[ $(file -b "$DUMP_PATH") == "gzip compressed data"* ]] || fail "$DUMP_PATH is $(file -b "$DUMP_PATH")"
    assert_running "$JOB_PID" "$TEST_DIR/gzip.log"
    assert_live_status "$j"
    [[ -n $(ps_col CHECKPOINT) && -n $(ps_col SIZE) ]] || fail "no CHECKPOINT or SIZE: $PS_ROW"
}

@test "dump job of an unknown job fails and writes nothing" {
    cedana_cli dump job "nosuch_$UNIQ" --dir "$TEST_DIR/ck"
    assert_failure
    assert_output --partial "no job nosuch_$UNIQ"
    [[ ! -e $TEST_DIR/ck ]] || assert_dir_empty "$TEST_DIR/ck"
}

@test "restore job: same PID, the counter goes on in the job's log file" {
    local j
    j=$(jid restore)
    start_job "$j" count.sh --out "$TEST_DIR/restore.log"
    local pid=$JOB_PID
    wait_for_lines "$TEST_DIR/restore.log" 3
    dump_job "$j" --dir "$TEST_DIR/ck" --compression lz4
    assert_success
    wait_pid_gone "$pid"
    wait_job_status "$j" halted
    local before last
    before=$(line_count "$TEST_DIR/restore.log")
    last=$(tail -n 1 "$TEST_DIR/restore.log")

    cedana_cli restore job "$j"
    assert_success
    assert_line "Restored job $j as PID $pid"
    track "$pid"
    assert_counter_goes_on "$TEST_DIR/restore.log" "$before" "$last"
    assert_running "$pid" "$TEST_DIR/restore.log"
    assert_live_status "$j"
    assert_equal "$(ps_col PID)" "$pid"
    assert_equal "$(ps_col LOG)" "$TEST_DIR/restore.log"

    # The restored job can be dumped and restored again, under the same jid.
    dump_job "$j" --dir "$TEST_DIR/ck"
    assert_success
    wait_pid_gone "$pid"
    before=$(line_count "$TEST_DIR/restore.log")
    last=$(tail -n 1 "$TEST_DIR/restore.log")
    cedana_cli restore job "$j"
    assert_success
    assert_line "Restored job $j as PID $pid"
    track "$pid"
    assert_counter_goes_on "$TEST_DIR/restore.log" "$before" "$last"
    run checkpoint_rows "$j"
    assert_equal "${#lines[@]}" 2
}

@test "restore job with the default log: the counter goes on in /var/log/cedana-output-<jid>.log" {
    local j
    j=$(jid deflog)
    start_job "$j" count.sh
    local log=/var/log/cedana-output-$j.log
    assert_equal "$JOB_LOG" "$log"
    wait_for_lines "$log" 3
    dump_job "$j" --dir "$TEST_DIR/ck"
    assert_success
    wait_pid_gone "$JOB_PID"
    local before last
    before=$(line_count "$log")
    last=$(tail -n 1 "$log")
    cedana_cli restore job "$j"
    assert_success
    assert_line "Restored job $j as PID $JOB_PID"
    track "$JOB_PID"
    assert_counter_goes_on "$log" "$before" "$last"
}

@test "restore job -p restores an older checkpoint than the newest" {
    local j
    j=$(jid older)
    start_job "$j" count.sh --out "$TEST_DIR/older.log"
    local pid=$JOB_PID
    wait_for_lines "$TEST_DIR/older.log" 3
    local low high
    low=$(tail -n 1 "$TEST_DIR/older.log")
    dump_job "$j" --dir "$TEST_DIR/ck" --leave-running --compression tar
    assert_success
    high=$(tail -n 1 "$TEST_DIR/older.log")
    local older=$DUMP_PATH
    wait_for_lines "$TEST_DIR/older.log" $(($(line_count "$TEST_DIR/older.log") + 5))
    dump_job "$j" --dir "$TEST_DIR/ck"
    assert_success
    [[ $DUMP_PATH != "$older" ]] || fail "both dumps wrote $older"
    wait_pid_gone "$pid"
    local before last
    before=$(line_count "$TEST_DIR/older.log")
    last=$(tail -n 1 "$TEST_DIR/older.log")

    cedana_cli restore job "$j" -p "$older"
    assert_success
    assert_line "Restored job $j as PID $pid"
    track "$pid"
    wait_for_lines "$TEST_DIR/older.log" $((before + 1))
    local first
    first=$(sed -n "$((before + 1))p" "$TEST_DIR/older.log")
    # The count goes back to where the older checkpoint was taken.
    ((first >= low + 1 && first <= high + 1 && first <= last)) ||
        fail "first line after restoring the older checkpoint is $first (dump between $low and $high, last $last)"
}

@test "restore job of a job without checkpoints, or of an unknown job, fails" {
    local j
    j=$(jid nockpt)
    start_job "$j" exit42.sh --out "$TEST_DIR/nockpt.log"
    wait_job_status "$j" halted
    cedana_cli restore job "$j"
    assert_failure
    assert_output --partial "has no checkpoints"
    ps_row "$j"
    assert_equal "$(ps_col STATUS)" halted

    cedana_cli restore job "nosuch_$UNIQ"
    assert_failure
    assert_output --partial "no job nosuch_$UNIQ"
    assert_no_job "nosuch_$UNIQ"
}

@test "a job's checkpoints are listed newest first, under three names, and inspected by id" {
    local j
    j=$(jid ckpts)
    start_job "$j" count.sh --out "$TEST_DIR/ckpts.log"
    wait_for_lines "$TEST_DIR/ckpts.log" 3
    dump_job "$j" --dir "$TEST_DIR/ck" --leave-running --compression zstd
    assert_success
    local first=$DUMP_PATH
    dump_job "$j" --dir "$TEST_DIR/ck" --leave-running
    assert_success
    local second=$DUMP_PATH

    local cmd
    for cmd in "job checkpoint list" "job checkpoints" "checkpoints"; do
        # shellcheck disable=SC2086
        run "$CEDANA" $cmd "$j" --address "$SOCK" --config-dir "$CFG_DIR"
        assert_success
        assert_equal "${#lines[@]}" 3
        assert_line --index 0 --regexp '^ID +TIME +SIZE +PATH$'
        assert_line --index 1 --regexp "^[0-9a-f-]{8,} +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} +[0-9.]+ (B|KiB|MiB) +$second$"
        assert_line --index 2 --regexp "^[0-9a-f-]{8,} +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} +[0-9.]+ (B|KiB|MiB) +$first$"
    done
    local id
    id=$(awk '{print $1}' <<<"${lines[1]}")

    cedana_cli job checkpoint inspect "$id"
    assert_success
    assert_line --regexp "^PID +$JOB_PID$"
    assert_line --regexp "^Type +process$"
    cedana_cli checkpoint inspect "$id" --type ps
    assert_success
    assert_line --regexp "^ *$JOB_PID +[0-9]+ .*count\.sh$"

    cedana_cli checkpoints "nosuch_$UNIQ"
    assert_failure
    assert_output --partial "no job nosuch_$UNIQ"
}

@test "two dump job at once on the same job: exactly one succeeds, the other fails clearly, no partial files" {
    local j
    j=$(jid race)
    start_job "$j" count.sh --out "$TEST_DIR/race.log"
    wait_for_lines "$TEST_DIR/race.log" 3
    local dir=$TEST_DIR/ck
    "$CEDANA" dump job "$j" --dir "$dir" --address "$SOCK" --config-dir "$CFG_DIR" >"$TEST_DIR/d1.out" 2>&1 3>&- &
    local p1=$!
    "$CEDANA" dump job "$j" --dir "$dir" --address "$SOCK" --config-dir "$CFG_DIR" >"$TEST_DIR/d2.out" 2>&1 3>&- &
    local p2=$!
    local r1=0 r2=0
    wait "$p1" || r1=$?
    wait "$p2" || r2=$?
    local ok loser
    if [[ $r1 -eq 0 && $r2 -ne 0 ]]; then
        ok=$TEST_DIR/d1.out loser=$TEST_DIR/d2.out
    elif [[ $r2 -eq 0 && $r1 -ne 0 ]]; then
        ok=$TEST_DIR/d2.out loser=$TEST_DIR/d1.out
    else
        fail "statuses $r1 and $r2: expected exactly one success
first:
$(cat "$TEST_DIR/d1.out")
second:
$(cat "$TEST_DIR/d2.out")"
    fi
    run cat "$loser"
    assert_output --regexp "being dumped by another request|not running"
    local path
    path=$(tail -n 1 "$ok")
    path=${path#Dumped to }
    [[ $path == "$dir/dump-process-$j-"* ]] || fail "winner printed: $(cat "$ok")"
    # Only the winner's checkpoint: nothing of the loser, no staging leftovers.
    run ls -A "$dir"
    assert_output "$(basename "$path")"
    run checkpoint_rows "$j"
    assert_equal "${#lines[@]}" 1
    assert_output --partial "$path"
    wait_job_status "$j" halted
    wait_pid_gone "$JOB_PID"

    # And the one checkpoint restores.
    local before last
    before=$(line_count "$TEST_DIR/race.log")
    last=$(tail -n 1 "$TEST_DIR/race.log")
    cedana_cli restore job "$j"
    assert_success
    track "$JOB_PID"
    assert_counter_goes_on "$TEST_DIR/race.log" "$before" "$last"
}

# ---------------------------------------------------------------------------
# daemon restarts

@test "jobs and checkpoints survive a daemon killed with SIGKILL and restarted on the same socket and db" {
    local r e c
    r=$(jid live)
    e=$(jid gone)
    c=$(jid saved)
    start_job "$r" count.sh --out "$TEST_DIR/live.log"
    local pr=$JOB_PID
    start_job "$e" exit42.sh --out "$TEST_DIR/gone.log"
    local pe=$JOB_PID
    start_job "$c" count.sh --out "$TEST_DIR/saved.log"
    local pc=$JOB_PID
    wait_for_lines "$TEST_DIR/saved.log" 3
    dump_job "$c" --dir "$TEST_DIR/ck"
    assert_success
    local ckpt=$DUMP_PATH
    wait_job_status "$e" halted
    wait_pid_gone "$pc"

    kill_daemon_hard
    # The running job does not depend on the daemon.
    assert_running "$pr" "$TEST_DIR/live.log"
    restart_daemon

    ps_row "$r"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col PID)" "$pr"
    assert_live_status "$r"
    assert_equal "$(ps_col LOG)" "$TEST_DIR/live.log"
    ps_row "$e"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col PID)" "$pe"
    assert_equal "$(ps_col STATUS)" halted
    ps_row "$c"
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col STATUS)" halted
    [[ -n $(ps_col CHECKPOINT) && -n $(ps_col SIZE) ]] || fail "no CHECKPOINT or SIZE after the restart: $PS_ROW"
    run checkpoint_rows "$c"
    assert_equal "${#lines[@]}" 1
    assert_output --partial "$ckpt"

    # The new daemon restores the checkpoint the old one made.
    local before last
    before=$(line_count "$TEST_DIR/saved.log")
    last=$(tail -n 1 "$TEST_DIR/saved.log")
    cedana_cli restore job "$c"
    assert_success
    assert_line "Restored job $c as PID $pc"
    track "$pc"
    assert_counter_goes_on "$TEST_DIR/saved.log" "$before" "$last"

    # And it still controls the job the old daemon started.
    cedana_cli job kill "$r"
    assert_success
    assert_output "Killed $r"
    wait_pid_dead "$pr"
    wait_job_status "$r" halted
}
