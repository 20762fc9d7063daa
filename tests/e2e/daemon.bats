#!/usr/bin/env bats
# The daemon's lifecycle and transports.

load helpers

@test "daemon starts on a per-test socket that is not world-writable" {
    start_daemon
    assert_socket_exists "$SOCK"
    run stat -c %a "$SOCK"
    assert_success
    assert_output "660"
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_line --regexp '^Looks good'
    stop_daemon
}

@test "SIGTERM stops the daemon with status 0 and removes the socket" {
    start_daemon
    stop_daemon "$DAEMON_PID" TERM
    assert_not_exists "$SOCK"
    run grep -F "received Terminated, stopping" "$DAEMON_LOG"
    assert_success
}

@test "SIGINT stops the daemon with status 0 and removes the socket" {
    start_daemon
    stop_daemon "$DAEMON_PID" INT
    assert_not_exists "$SOCK"
    run grep -F "received Interrupt, stopping" "$DAEMON_LOG"
    assert_success
}

@test "two daemons on two sockets run at once; stopping one leaves the other working" {
    local sock2=$TEST_DIR/second.sock
    start_daemon
    local pid1=$DAEMON_PID
    # A database of its own: one daemon to a database (crashes.bats).
    start_daemon_at "$sock2" "$TEST_DIR/second.log" --db "$TEST_DIR.second.db"
    local pid2=$DAEMON_PID
    [ "$pid1" != "$pid2" ]

    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    run "$CEDANA" daemon check --address "$sock2"
    assert_success

    stop_daemon "$pid1"
    assert_not_exists "$SOCK"
    assert_socket_exists "$sock2"
    run "$CEDANA" daemon check --address "$sock2"
    assert_success
    assert_line --regexp '^Looks good'
    run "$CEDANA" daemon check --address "$SOCK"
    assert_failure

    stop_daemon "$pid2"
    assert_not_exists "$sock2"
}

@test "a second daemon on a socket already in use fails and leaves the first working" {
    start_daemon
    run "$CEDANA" daemon start --address "$SOCK" --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "already listening"
    assert_output --partial "$SOCK"
    # The first daemon still owns the socket and still answers.
    assert_socket_exists "$SOCK"
    kill -0 "$DAEMON_PID"
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    stop_daemon
}

@test "a stale socket left by a SIGKILLed daemon is taken over by a new daemon" {
    start_daemon
    local old=$DAEMON_PID
    kill -KILL "$old"
    wait "$old" || true
    # SIGKILL gives the daemon no chance to clean up: the socket file stays.
    assert_socket_exists "$SOCK"
    [ -S "$SOCK" ]
    run "$CEDANA" daemon check --address "$SOCK"
    assert_failure

    start_daemon
    [ "$DAEMON_PID" != "$old" ]
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_line --regexp '^Looks good'
    stop_daemon
    assert_not_exists "$SOCK"
}

@test "a daemon listens on tcp and answers daemon check" {
    local port
    port=$(free_tcp_port)
    local address=127.0.0.1:$port
    # A tcp daemon authenticates every call (security.bats has the refusals).
    export CEDANA_AUTH_TOKEN=daemon-bats-token-0123456789
    start_daemon_tcp "$address" "$DAEMON_LOG"
    run "$CEDANA" daemon check --protocol tcp --address "$address"
    assert_success
    assert_line --regexp '^Looks good'
    assert_line --regexp 'Version +4\.[0-9.]+ +✔'
    stop_daemon
}

@test "no daemon: a friendly connect error on stderr, no gRPC internals" {
    local address=$TEST_DIR/nobody.sock
    run --separate-stderr "$CEDANA" daemon check --address "$address"
    assert_failure
    assert_equal "$output" ""
    [[ $stderr =~ ^(Error:\ )?"cannot connect to the daemon at $address: is it running? (cedana daemon start)"$ ]] ||
        fail "unexpected stderr: $stderr"
    [[ $stderr != *"failed to connect to all addresses"* ]] || fail "gRPC internals leaked: $stderr"
    [[ $stderr != *"UNAVAILABLE"* ]] || fail "gRPC internals leaked: $stderr"
}

@test "no daemon on tcp: the same friendly connect error" {
    local port
    port=$(free_tcp_port)
    local address=127.0.0.1:$port
    run --separate-stderr "$CEDANA" daemon check --protocol tcp --address "$address"
    assert_failure
    [[ $stderr =~ ^(Error:\ )?"cannot connect to the daemon at $address: is it running? (cedana daemon start)"$ ]] ||
        fail "unexpected stderr: $stderr"
    [[ $stderr != *"failed to connect to all addresses"* ]] || fail "gRPC internals leaked: $stderr"
}

@test "vsock daemon check fails with a clear error and no crash" {
    run --separate-stderr "$CEDANA" daemon check --protocol vsock --address 3:9999
    assert_failure
    # A crash would be 128+signal; a clear error is a small exit status.
    [ "$status" -lt 128 ] || fail "crashed with status $status: $stderr"
    [[ $stderr == *"cannot connect to the daemon at 3:9999: is it running? (cedana daemon start)"* ||
        $stderr == *vsock* ]] || fail "unclear error: $stderr"
    [[ $stderr != *"failed to connect to all addresses"* ]] || fail "gRPC internals leaked: $stderr"
}

@test "a bad tcp address is rejected as invalid" {
    run "$CEDANA" daemon check --protocol tcp --address nope
    assert_failure
    assert_output --partial "invalid address"
    assert_output --partial "nope"

    run "$CEDANA" daemon start --protocol tcp --address nope --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "invalid address"
}
