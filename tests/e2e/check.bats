#!/usr/bin/env bats
# Health checks, in-process (`cedana check`) and through the daemon.

load helpers

# assert_healthy_report: the rows every passing report has (on $output).
assert_healthy_report() {
    assert_line "CRIU"
    assert_line "Kernel"
    assert_line "System"
    assert_line --regexp '^ +Binary +/.*criu +✔'
    assert_line --regexp '^ +Version +4\.[0-9.]+ +✔'
    assert_line --regexp '^ +Check +Looks good +✔'
    refute_line --partial "✖"
    assert_line --regexp '^Looks good'
    # The summary is the last line.
    [[ ${lines[-1]} == "Looks good"* ]] || fail "last line is not the summary: ${lines[-1]}"
}

# assert_full_report: the extra rows of --full: CRIU's optional features, and a row per
# plugin compiled in, each installed here.
assert_full_report() {
    assert_line "Plugins"
    assert_line --regexp '^ +Extra features +'
    assert_line --regexp '^ +criu +installed +✔$'
    assert_line --regexp '^ +process +installed +✔$'
}

# assert_missing_criu_report: a report whose CRIU binary does not exist.
assert_missing_criu_report() {
    assert_line --regexp '^ +Binary +/nonexistent.* ✖'
    refute_line --regexp '^ +Version +4\.[0-9.]+ +✔'
    assert_line --regexp '^Found 1 error\(s\)'
    refute_line --regexp '^Looks good'
}

@test "check passes and reports CRIU, Kernel and System" {
    run "$CEDANA" check
    assert_success
    assert_healthy_report
    refute_line "Plugins"
    refute_line --regexp '^ +Extra features'
}

@test "check --full adds the Plugins section and the Extra features row" {
    run "$CEDANA" check --full
    assert_success
    assert_healthy_report
    assert_full_report
}

@test "daemon check prints the same report through the daemon" {
    start_daemon
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_healthy_report
    refute_line "Plugins"
    stop_daemon
}

@test "daemon check --full prints the same rows as check --full" {
    start_daemon
    run "$CEDANA" daemon check --full --address "$SOCK"
    assert_success
    assert_healthy_report
    assert_full_report
    stop_daemon
}

@test "a missing CRIU binary (environment) fails check with ✖ Binary" {
    CEDANA_CRIU_BINARY_PATH=/nonexistent run "$CEDANA" check
    assert_failure
    assert_missing_criu_report
    # The other sections are still checked.
    assert_line "Kernel"
    assert_line "System"
}

@test "daemon check --config overrides the daemon's configuration for one call only" {
    start_daemon
    run "$CEDANA" daemon check --address "$SOCK" --config '{"criu":{"binary_path":"/nonexistent"}}'
    assert_failure
    assert_missing_criu_report

    # The override was for that request only.
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_healthy_report
    stop_daemon
}

# `apt-get install runc` brings Debian 12's criu 3.17 into PATH; cedana must keep to CRIU 4.
@test "an older criu first in PATH is not the CRIU check reports or cedana runs" {
    local old
    old=$(command -v criu) || skip "no criu in PATH on this machine"
    "$old" --version | grep -q '^Version: 3\.' || skip "the criu in PATH ($old) is not 3.x"
    PATH="$(dirname "$old"):$PATH" run "$CEDANA" check
    assert_success
    assert_line --regexp '^ +Version +4\.[0-9.]+ +✔'
    refute_line --regexp "^ +Binary +$old "
}

@test "check --full has a runc section: binary, version, state root, and the network lock it will use" {
    command -v runc >/dev/null || skip "runc is not installed"
    local binary version
    binary=$(command -v runc)
    version=$(runc --version | sed -n 's/^runc version \([0-9.]*\).*/\1/p')
    run "$CEDANA" check --full
    assert_success
    assert_line "runc"
    assert_line --regexp "^ +Binary +${binary//./\\.} +✔"
    assert_line --regexp "^ +Version +${version//./\\.} +✔"
    assert_line --regexp "^ +State root +/run/runc +✔"
    if command -v iptables-restore >/dev/null; then
        assert_line --regexp "^ +Network lock +iptables +✔"
    else
        assert_line --regexp "^ +Network lock +skip \(nftables with --tcp-established\) +✔ +iptables-restore is missing"
    fi
}

@test "with runc not in PATH, the runc section says so with ✖ and how to install it" {
    local dir=$TEST_DIR/bin
    mkdir -p "$dir"
    # Everything check runs but runc, so that only its absence shows.
    ln -s "$(command -v sh)" "$dir/sh"
    PATH=$dir run "$CEDANA" check --full
    assert_line "runc"
    assert_line --regexp "^ +Binary +not found in PATH +✖ +install runc \(apt-get install runc\)$"
}
