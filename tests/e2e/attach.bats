#!/usr/bin/env bats
# Attaching to managed jobs: run --attach / --attachable, job attach, attach
# by PID, replay of held output, Ctrl+C detach, the four restore transitions
# (log file -> attach, attachable -> attachable, attachable -> log file,
# checkpoint -> restore --no-server), the errors for jobs that cannot be
# attached to, and a daemon killed while an attachable job runs.

load helpers

# The shared setup and teardown, kept under other names, run inside this file's own.
eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

# How many numbers the counter prints (one every 0.1 s) before it exits 42.
COUNT=50
# Upper bound, in seconds, for any CLI that streams a job's output.
CLI_TIMEOUT=60

setup() {
    helpers_setup
    W=$TEST_DIR/w
    mkdir -p "$W"
    TRACKED=()
    # tick.sh: prints "tick 1".."tick 10" (also to $W/progress, so a test can
    # see how far it got without attaching), then reads one line of stdin for
    # at most 1 s, echoes it, and exits 42.
    cat >"$W/tick.sh" <<EOF
#!/bin/bash
for i in \$(seq 1 10); do
    echo "tick \$i"
    echo "tick \$i" >>"$W/progress"
    sleep 0.2
done
read -t 1 line && echo "got: \$line"
exit 42
EOF
    # count.sh: prints 0..COUNT-1, one every 0.1 s, then exits 42.
    cat >"$W/count.sh" <<EOF
#!/bin/bash
i=0
while [ \$i -lt $COUNT ]; do
    echo \$i
    i=\$((i + 1))
    sleep 0.1
done
exit 42
EOF
    chmod +x "$W"/*.sh
    write_counter_script "$W/forever.sh"
    start_daemon --db "$TEST_DIR/jobs.db"
}

teardown() {
    kill_tracked
    helpers_teardown
}

# ---------------------------------------------------------------------------
# File-local helpers.


# start_job JID SCRIPT [run args]: `cedana run process $W/SCRIPT --jid JID`;
# asserts the Started line and sets JOB_PID.
start_job() {
    local jid=$1 script=$2
    shift 2
    cedana_cli run process "$W/$script" --jid "$jid" "$@"
    assert_success
    local re="^Started job $jid \\(PID ([0-9]+)\\), "
    [[ ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    JOB_PID=${BASH_REMATCH[1]}
    track "$JOB_PID"
}

# cli_to OUT ARGS...: runs `cedana ARGS` against this test's daemon with stdin
# from /dev/null, stdout to OUT and stderr to OUT.err, bounded by
# CLI_TIMEOUT; sets CLI_RC.
cli_to() {
    local out=$1
    shift
    CLI_RC=0
    timeout "$CLI_TIMEOUT" "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR" \
        </dev/null >"$out" 2>"$out.err" || CLI_RC=$?
}

# cli_bg OUT ARGS...: like cli_to, in the background; sets CLI_PID.
cli_bg() {
    local out=$1
    shift
    timeout "$CLI_TIMEOUT" "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR" \
        </dev/null >"$out" 2>"$out.err" 3>&- &
    CLI_PID=$!
    track "$CLI_PID"
}

# wait_cli PID: waits for a background CLI; sets CLI_RC to its status.
wait_cli() {
    CLI_RC=0
    wait "$1" || CLI_RC=$?
}

# assert_rc WANT OUT: CLI_RC is WANT, else fails showing OUT and OUT.err.
assert_rc() {
    local want=$1 out=$2
    [[ $CLI_RC -eq $want ]] || fail "exit status $CLI_RC, expected $want; stdout:
$(cat "$out" 2>/dev/null)
stderr:
$(cat "$out.err" 2>/dev/null)"
}

# assert_ticks OUT: OUT holds exactly tick 1..tick 10, in order, first.
assert_ticks() {
    local out=$1
    run diff <(head -n 10 "$out") <(for i in $(seq 1 10); do echo "tick $i"; done)
    assert_success
}

# assert_numbers OUT FIRST: the lines of OUT are exactly FIRST, FIRST+1, ...,
# COUNT-1 (the counter went on where it stopped and ran to its end).
assert_numbers() {
    local out=$1 first=$2
    ((first < COUNT)) || fail "the counter had already ended ($first) before the restore"
    run diff "$out" <(seq "$first" $((COUNT - 1)))
    assert_success
}

# last_number FILE: the last line of FILE, which must be a number.
last_number() {
    local last
    last=$(tail -n 1 "$1")
    [[ $last =~ ^[0-9]+$ ]] || fail "last line of $1 is not a number: '$last'"
    echo "$last"
}

# dump_attached JID: dumps an attachable counter job JID while a client is
# attached to it; sets LAST to the last number the job printed before the
# dump and DUMP_PATH to the checkpoint.
dump_attached() {
    local jid=$1 pre=$TEST_DIR/$1.pre
    cli_bg "$pre" job attach "$jid"
    local client=$CLI_PID
    wait_for_lines "$pre" 5
    cedana_cli dump job "$jid" --dir "$TEST_DIR/ckpt"
    assert_success
    DUMP_PATH=${lines[${#lines[@]} - 1]#Dumped to }
    assert_exists "$DUMP_PATH"
    # The dump ended the job, so the client ends too.
    wait_cli "$client"
    [[ $CLI_RC -ne 124 ]] || fail "the attached client did not end after the dump"
    wait_pid_dead "$JOB_PID"
    LAST=$(last_number "$pre")
    run diff "$pre" <(seq 0 "$LAST")
    assert_success
}

# attach_refused MESSAGE ARGS...: runs `cedana ARGS` (an attach the daemon
# must refuse) with stdin from /dev/null, bounded by 20 s; asserts it ended by
# itself, without a signal, with a failure status and MESSAGE in its output.
attach_refused() {
    local message=$1
    shift
    run timeout 20 "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR" </dev/null
    [[ $status -ne 124 ]] || fail "cedana $* hung (killed after 20 s); output: $output"
    ((status <= 125)) || fail "cedana $* died of signal $((status - 128)) (status $status); output: '$output'"
    assert_failure
    assert_output --partial "$message"
}

# ---------------------------------------------------------------------------
# run --attach / --attachable, job attach, attach PID

@test "run --attach streams the output, forwards stdin and exits with the job's status" {
    run bash -c 'echo hello | timeout "$1" "$2" run process "$3" --attach --jid a1 --address "$4" --config-dir "$5"' \
        _ "$CLI_TIMEOUT" "$CEDANA" "$W/tick.sh" "$SOCK" "$CFG_DIR"
    [[ $status -eq 42 ]] || fail "exit status $status, expected 42; output: $output"
    local i
    for i in $(seq 1 10); do
        assert_line "tick $i"
    done
    assert_line "got: hello"
    # Ticks come in order and before the echoed input.
    run bash -c "grep -E '^(tick [0-9]+|got: .*)$' <<<\"\$1\"" _ "$output"
    assert_equal "$output" "$(for i in $(seq 1 10); do echo "tick $i"; done; echo 'got: hello')"
    ps_row a1
    assert_equal "$(ps_col STATUS)" halted
}

@test "run --attachable holds the output; ps shows [Attachable]; a late job attach replays from tick 1 and exits 42" {
    start_job a2 tick.sh --attachable
    assert_output "Started job a2 (PID $JOB_PID), output held for attach"
    ps_row a2
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col LOG)" "[Attachable]"
    # Attach late: the job has already printed a few ticks.
    wait_for_lines "$W/progress" 3
    cli_to "$TEST_DIR/a2.out" job attach a2
    assert_rc 42 "$TEST_DIR/a2.out"
    assert_ticks "$TEST_DIR/a2.out"
    assert_equal "$(line_count "$TEST_DIR/a2.out")" 10
    ps_row a2
    assert_equal "$(ps_col STATUS)" halted
}

@test "attach PID attaches to the job by its process ID" {
    start_job a3 tick.sh --attachable
    wait_for_lines "$W/progress" 2
    cli_to "$TEST_DIR/a3.out" attach "$JOB_PID"
    assert_rc 42 "$TEST_DIR/a3.out"
    assert_ticks "$TEST_DIR/a3.out"
}

@test "two clients attached at once both get the whole output and both exit 42" {
    start_job a4 tick.sh --attachable
    cli_bg "$TEST_DIR/c1.out" job attach a4
    local c1=$CLI_PID
    wait_for_lines "$TEST_DIR/c1.out" 2
    cli_bg "$TEST_DIR/c2.out" attach "$JOB_PID"
    local c2=$CLI_PID
    wait_cli "$c1"
    assert_rc 42 "$TEST_DIR/c1.out"
    wait_cli "$c2"
    assert_rc 42 "$TEST_DIR/c2.out"
    assert_ticks "$TEST_DIR/c1.out"
    assert_ticks "$TEST_DIR/c2.out"
}

@test "the output of an attachable job nobody attached to is kept: attach after it ended replays it and exits 42" {
    start_job a5 tick.sh --attachable
    wait_job_status a5 halted
    wait_pid_dead "$JOB_PID"
    cli_to "$TEST_DIR/a5.out" job attach a5
    assert_rc 42 "$TEST_DIR/a5.out"
    assert_ticks "$TEST_DIR/a5.out"
    assert_equal "$(line_count "$TEST_DIR/a5.out")" 10
    # And again: the held output is not consumed by the first client.
    cli_to "$TEST_DIR/a5b.out" attach "$JOB_PID"
    assert_rc 42 "$TEST_DIR/a5b.out"
    assert_ticks "$TEST_DIR/a5b.out"
}

@test "run --attachable --out FILE: the output goes to FILE as well as to attached clients" {
    local log=$TEST_DIR/a6.log
    start_job a6 tick.sh --attachable --out "$log"
    cli_to "$TEST_DIR/a6.out" job attach a6
    assert_rc 42 "$TEST_DIR/a6.out"
    assert_ticks "$TEST_DIR/a6.out"
    wait_for_lines "$log" 10
    assert_ticks "$log"
}

@test "Ctrl+C detaches the client (status 0, 'detached'); the job keeps running and can be attached again" {
    start_job a7 count.sh --attachable
    cli_bg "$TEST_DIR/a7.out" job attach a7
    local client=$CLI_PID
    wait_for_lines "$TEST_DIR/a7.out" 3
    # Ctrl+C goes to the cedana CLI itself, not to the timeout around it.
    local cli
    cli=$(ps -o pid= --ppid "$client" | tr -d ' ')
    [[ -n $cli ]] || fail "no cedana CLI under timeout $client"
    kill -INT "$cli"
    wait_cli "$client"
    assert_rc 0 "$TEST_DIR/a7.out"
    grep -q detached "$TEST_DIR/a7.out" "$TEST_DIR/a7.out.err" ||
        fail "the client did not say 'detached'; stdout: $(cat "$TEST_DIR/a7.out"); stderr: $(cat "$TEST_DIR/a7.out.err")"
    # The job was not touched.
    kill -0 "$JOB_PID" || fail "the job died with its client"
    ps_row a7
    [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "a7 is not running after the detach: $PS_ROW"
    # A later attach gets everything from 0 and the exit status.
    cli_to "$TEST_DIR/a7b.out" job attach a7
    assert_rc 42 "$TEST_DIR/a7b.out"
    assert_numbers "$TEST_DIR/a7b.out" 0
}

# ---------------------------------------------------------------------------
# The four restore transitions

@test "log-file job -> dump job -> restore job --attach streams the continued output and exits 42" {
    local log=$TEST_DIR/r1.log
    start_job r1 count.sh --out "$log"
    wait_for_lines "$log" 5
    cedana_cli dump job r1 --dir "$TEST_DIR/ckpt"
    assert_success
    wait_pid_dead "$JOB_PID"
    local last
    last=$(last_number "$log")
    cli_to "$TEST_DIR/r1.out" restore job r1 --attach
    assert_rc 42 "$TEST_DIR/r1.out"
    # Only the numbers, from where the counter stopped to its end.
    grep -E '^[0-9]+$' "$TEST_DIR/r1.out" >"$TEST_DIR/r1.nums" || true
    assert_numbers "$TEST_DIR/r1.nums" $((last + 1))
    wait_job_status r1 halted
    run "$CEDANA" job inspect r1 --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^Exit status +42$'
}

@test "attachable job -> dump job -> restore job --attachable -> job attach gets the continued output" {
    start_job r2 count.sh --attachable
    dump_attached r2
    cedana_cli restore job r2 --attachable
    assert_success
    assert_line "Restored job r2 as PID $JOB_PID"
    ps_row r2
    assert_equal "$(ps_col LOG)" "[Attachable]"
    cli_to "$TEST_DIR/r2.out" job attach r2
    assert_rc 42 "$TEST_DIR/r2.out"
    assert_numbers "$TEST_DIR/r2.out" $((LAST + 1))
}

@test "attachable job -> dump job -> restore job --out LOG2: LOG2 gets the continued output, ps shows it, exit status 42" {
    start_job r3 count.sh --attachable
    dump_attached r3
    local log2=$TEST_DIR/r3-restored.log
    cedana_cli restore job r3 --out "$log2"
    assert_success
    assert_line "Restored job r3 as PID $JOB_PID"
    wait_for_lines "$log2" 2
    ps_row r3
    assert_equal "$(ps_col LOG)" "$log2"
    assert_equal "$(head -n 1 "$log2")" $((LAST + 1))
    # Wait for the end: COUNT lines at 0.1 s are well within the bound.
    local i
    for ((i = 0; i < 400; i++)); do
        ps_row r3
        [[ $(ps_col STATUS) == halted ]] && break
        sleep 0.05
    done
    assert_equal "$(ps_col STATUS)" halted
    assert_numbers "$log2" $((LAST + 1))
    run "$CEDANA" job inspect r3 --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^Exit status +42$'
    assert_line --regexp "^Log +$log2\$"
}

@test "a job's checkpoint restored with restore process --no-server prints the continued output and exits 42" {
    start_job r4 count.sh --attachable
    dump_attached r4
    cli_bg "$TEST_DIR/r4.out" restore process --path "$DUMP_PATH" --no-server
    local client=$CLI_PID
    # The restored process keeps its PID.
    local i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        [[ -n $(pid_starttime "$JOB_PID") ]] && break
        sleep 0.05
    done
    track "$JOB_PID"
    wait_cli "$client"
    assert_rc 42 "$TEST_DIR/r4.out"
    grep -E '^[0-9]+$' "$TEST_DIR/r4.out" >"$TEST_DIR/r4.nums" || true
    assert_numbers "$TEST_DIR/r4.nums" $((LAST + 1))
}

# ---------------------------------------------------------------------------
# Errors

@test "attach fails for a job that is not attachable, an unknown job and an unknown PID" {
    start_job e1 count.sh --out "$TEST_DIR/e1.log"
    attach_refused "not attachable" job attach e1
    attach_refused "not attachable" attach "$JOB_PID"
    attach_refused "no job" job attach no-such-job
    attach_refused "no job has PID" attach 999999
}

@test "after the daemon is SIGKILLed and restarted, ps shows [I/O lost: daemon restarted] and attach fails quickly" {
    start_job d1 forever.sh --attachable
    cli_bg "$TEST_DIR/d1.pre" job attach d1
    local client=$CLI_PID
    wait_for_lines "$TEST_DIR/d1.pre" 3
    kill -KILL "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
    wait_pid_dead "$DAEMON_PID"
    # The client loses its daemon and ends (by itself or by its timeout).
    kill -KILL "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true

    start_daemon --db "$TEST_DIR/jobs.db"
    ps_row d1
    assert_equal "$PS_COUNT" 1
    assert_equal "$(ps_col LOG)" "[I/O lost: daemon restarted]"
    attach_refused "not attachable" job attach d1
}

@test "a refused attach never crashes the CLI: 100 tries each fail cleanly with the daemon's message" {
    start_job e2 forever.sh --out "$TEST_DIR/e2.log"
    local i crashed=0 bad= message
    local -a args
    for ((i = 0; i < 100; i++)); do
        case $((i % 4)) in
        0) args=(attach 999999) message="no job has PID" ;;
        1) args=(attach "$JOB_PID") message="not attachable" ;;
        2) args=(job attach no-such-job) message="no job" ;;
        3) args=(job attach e2) message="not attachable" ;;
        esac
        run timeout 20 "$CEDANA" "${args[@]}" --address "$SOCK" --config-dir "$CFG_DIR" </dev/null
        if ((status == 0 || status > 125)) || [[ $output != *"$message"* ]]; then
            crashed=$((crashed + 1))
            bad="cedana ${args[*]}: status $status, output '$output'"
        fi
    done
    ((crashed == 0)) || fail "$crashed of 100 refused attaches did not fail cleanly (status 139 is SIGSEGV); last: $bad"
}

# daemon_pipes: how many pipes the daemon holds (an attachable job's I/O is three).
daemon_pipes() {
    local fd n=0
    for fd in /proc/"$DAEMON_PID"/fd/*; do
        [[ $(readlink "$fd") == pipe:* ]] && n=$((n + 1))
    done
    echo "$n"
}

@test "the daemon lets go of an attachable job's pipes once it has ended, and of the rest once it is deleted" {
    local before
    before=$(daemon_pipes)
    local jid
    for jid in p1 p2 p3; do
        start_job "$jid" tick.sh --attachable
        wait_job_status "$jid" halted
        wait_pid_dead "$JOB_PID"
    done
    # Ended: each still holds its input's pipe (for attach), its output's are closed.
    local i
    for ((i = 0; i < 100; i++)); do
        [[ $(daemon_pipes) -le $((before + 3)) ]] && break
        sleep 0.05
    done
    [[ $(daemon_pipes) -le $((before + 3)) ]] || fail "the daemon holds $(daemon_pipes) pipes, $before before 3 ended jobs"
    cli_to "$TEST_DIR/p1.out" job attach p1
    assert_rc 42 "$TEST_DIR/p1.out"
    cedana_cli job delete p1 p2 p3
    assert_success
    assert_equal "$(daemon_pipes)" "$before"
}
