#!/usr/bin/env bats
# Per-step timings: --profiling, CEDANA_PROFILING_ENABLED, Profiling.Enabled in the file.
# The CLI's configuration decides: it asks the daemon for the timings and prints them.

load helpers

# assert_profiling_table: $output holds the PROFILING table of a health check.
assert_profiling_table() {
    assert_line "PROFILING"
    assert_line --regexp '^STEP +COMPONENT +TIME$'
    assert_line --regexp '^request-config +[a-z]+ +[0-9.]+ (ns|us|µs|ms|s)$'
    assert_line --regexp '^resolve-criu +criu +[0-9.]+ (ns|us|µs|ms|s)$'
    assert_line --regexp '^health-checks +health +[0-9.]+ (ns|us|µs|ms|s)$'
    # Then the per-component totals.
    assert_line --regexp '^COMPONENT +TOTAL$'
    assert_line --regexp '^criu +[0-9.]+ (ns|us|µs|ms|s)$'
    assert_line --regexp '^health +[0-9.]+ (ns|us|µs|ms|s)$'
    # The summary ends with a line holding "total" in lower case, as Cedana's does.
    assert_line --regexp '^total +[0-9.]+ (ns|us|µs|ms|s)$'
    # The table comes after the result, and the totals after the steps.
    local i result=-1 table=-1 steps=-1 totals=-1
    for i in "${!lines[@]}"; do
        case ${lines[i]} in
        "Looks good"*) result=$i ;;
        PROFILING) table=$i ;;
        STEP*) steps=$i ;;
        COMPONENT*TOTAL) totals=$i ;;
        esac
    done
    [ "$result" -ge 0 ] && [ "$result" -lt "$table" ] && [ "$table" -lt "$steps" ] && [ "$steps" -lt "$totals" ] ||
        fail "unexpected order: result=$result PROFILING=$table STEP=$steps TOTAL=$totals"
}

@test "daemon check --profiling prints the PROFILING table" {
    start_daemon
    run "$CEDANA" daemon check --profiling --address "$SOCK"
    assert_success
    assert_profiling_table
    stop_daemon
}

@test "without --profiling there is no PROFILING table" {
    start_daemon
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_line --regexp '^Looks good'
    refute_output --partial "PROFILING"
    refute_line --regexp '^STEP +COMPONENT'
    stop_daemon
}

@test "CEDANA_PROFILING_ENABLED=true on the client prints the table" {
    start_daemon
    CEDANA_PROFILING_ENABLED=true run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_profiling_table
    stop_daemon
}

@test "Profiling.Enabled in the client's configuration file prints the table" {
    start_daemon
    write_config '{"Profiling": {"Enabled": true}}'
    run "$CEDANA" daemon check --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_profiling_table
    stop_daemon
}

@test "profiling off in the environment wins over the file: no table" {
    start_daemon
    write_config '{"profiling": {"enabled": true}}'
    CEDANA_PROFILING_ENABLED=false run "$CEDANA" daemon check --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^Looks good'
    refute_output --partial "PROFILING"
    stop_daemon
}

@test "the CLI decides: a daemon started with profiling on prints nothing to a client with it off" {
    CEDANA_PROFILING_ENABLED=true start_daemon
    [ -z "${CEDANA_PROFILING_ENABLED:-}" ]
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_line --regexp '^Looks good'
    refute_output --partial "PROFILING"
    refute_line --regexp '^total '
    stop_daemon
}

@test "run --profiling through the daemon prints the run's steps and total before the result line" {
    start_daemon
    CEDANA_PROFILING_ENABLED=true run "$CEDANA" run process --jid prof1 --out "$TEST_DIR/prof1.log" --address "$SOCK" -- /bin/true
    assert_success
    assert_line --regexp '^validate +jobs +[0-9.]+ (ms|s)$'
    assert_line --regexp '^run +jobs +[0-9.]+ (ms|s)$'
    assert_line --regexp '^total +[0-9.]+ (ms|s)$'
    [[ ${lines[${#lines[@]} - 1]} =~ ^"Started job prof1 (PID "[0-9]+"), output in $TEST_DIR/prof1.log"$ ]] ||
        fail "the last line is not the result: ${lines[${#lines[@]} - 1]}"
    stop_daemon
}

@test "run --no-server with profiling prints the start's steps, and the program's output and status stay its own" {
    CEDANA_PROFILING_ENABLED=true run --separate-stderr "$CEDANA" run process --no-server -- /bin/sh -c 'echo from-the-program; exit 7'
    assert_equal "$status" 7
    assert_equal "$output" "from-the-program"
    [[ $stderr == *PROFILING* ]] || fail "no table on stderr: $stderr"
    [[ $stderr =~ spawn\ +process\ +[0-9.]+\ (µs|ms|s) ]] || fail "no spawn step: $stderr"
    [[ $stderr =~ (^|$'\n')total\ +[0-9.]+ ]] || fail "no total line: $stderr"
    # And none without it.
    run --separate-stderr "$CEDANA" run process --no-server -- /bin/sh -c 'echo quiet'
    assert_success
    [[ $stderr != *PROFILING* ]] || fail "a table without profiling: $stderr"
}

@test "restore --no-server --profiling prints the restore's steps; the process's output and status stay its own" {
    start_daemon
    start_workload "$TEST_DIR/orig.out" bash -c 'for ((i = 0; i < 20; i++)); do echo "line $i"; sleep 0.1; done; exit 42'
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR" --compression tar --name prof
    assert_success
    wait "$pid" || true
    wait_pid_gone "$pid"
    run --separate-stderr "$CEDANA" restore process --path "$DUMP_PATH" --no-server --profiling --config-dir "$CFG_DIR"
    assert_equal "$status" 42
    assert_line "line 19"
    refute_output --partial PROFILING
    [[ $stderr == *PROFILING* ]] || fail "no table on stderr: $stderr"
    [[ $stderr =~ criu-restore\ +criu\ +[0-9.]+\ (µs|ms|s) ]] || fail "no criu-restore step: $stderr"
    [[ $stderr =~ (^|$'\n')total\ +[0-9.]+ ]] || fail "no total line: $stderr"
    stop_daemon
}

@test "check --profiling prints the table in-process, without a daemon" {
    run "$CEDANA" check --profiling
    assert_success
    assert_profiling_table
}

@test "check without --profiling prints no table" {
    run "$CEDANA" check
    assert_success
    refute_output --partial "PROFILING"
}
