#!/usr/bin/env bats
# Per-step timings: --profiling, CEDANA_PROFILING_ENABLED, client and daemon side.

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
    assert_line --regexp '^all +[0-9.]+ (ns|us|µs|ms|s)$'
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

@test "a daemon started with CEDANA_PROFILING_ENABLED=true sends the table" {
    CEDANA_PROFILING_ENABLED=true start_daemon
    # The client has no profiling setting of its own.
    [ -z "${CEDANA_PROFILING_ENABLED:-}" ]
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_profiling_table
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
