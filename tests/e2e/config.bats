#!/usr/bin/env bats
# Configuration: $CFG_DIR/config.json, then the environment, then --config.

load helpers

CRIU_PATH=/opt/cedana/criu/criu

# assert_valid_json FILE
assert_valid_json() {
    run python3 -m json.tool "$1"
    assert_success
}

# json_get FILE SECTION KEY: prints config[SECTION][KEY].
json_get() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$@"
}

@test "config.json with criu.binary_path=/nonexistent makes check fail" {
    write_config '{"criu":{"binary_path":"/nonexistent"}}'
    run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_failure
    assert_line --regexp '^ +Binary +/nonexistent.* ✖'
    assert_line --regexp '^Found 1 error\(s\)'
}

@test "config keys match ignoring case and underscores" {
    write_config '{"CRIU":{"BinaryPath":"/nonexistent"}}'
    run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_failure
    assert_line --regexp '^ +Binary +/nonexistent.* ✖'
}

@test "CEDANA_CONFIG_DIR selects the configuration directory" {
    write_config '{"criu":{"binary_path":"/nonexistent"}}'
    CEDANA_CONFIG_DIR=$CFG_DIR run "$CEDANA" check
    assert_failure
    assert_line --regexp '^ +Binary +/nonexistent.* ✖'
    # An empty directory: the defaults, which pass.
    mkdir -p "$TEST_DIR/empty"
    CEDANA_CONFIG_DIR=$TEST_DIR/empty run "$CEDANA" check
    assert_success
}

@test "the environment overrides config.json" {
    [ -x "$CRIU_PATH" ] || skip "no CRIU at $CRIU_PATH"
    write_config '{"criu":{"binary_path":"/nonexistent"}}'
    CEDANA_CRIU_BINARY_PATH=$CRIU_PATH run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^ +Binary +$CRIU_PATH +✔"
    assert_line --regexp '^Looks good'
}

@test "--config overrides the environment" {
    [ -x "$CRIU_PATH" ] || skip "no CRIU at $CRIU_PATH"
    CEDANA_CRIU_BINARY_PATH=$CRIU_PATH run "$CEDANA" check --config-dir "$CFG_DIR" \
        --config '{"criu":{"binary_path":"/nonexistent"}}'
    assert_failure
    assert_line --regexp '^ +Binary +/nonexistent.* ✖'

    CEDANA_CRIU_BINARY_PATH=/nonexistent run "$CEDANA" check --config-dir "$CFG_DIR" \
        --config "{\"criu\":{\"binary_path\":\"$CRIU_PATH\"}}"
    assert_success
    assert_line --regexp "^ +Binary +$CRIU_PATH +✔"
}

@test "a malformed config.json fails naming the file" {
    printf '{"criu": {' >"$CFG_DIR/config.json"
    run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "malformed JSON"
    assert_output --partial "$CFG_DIR/config.json"
    # It fails before running any check.
    refute_line --regexp '^ +Binary '
}

@test "an invalid checkpoint.compression is rejected with the key and the value" {
    write_config '{"checkpoint":{"compression":"foo"}}'
    run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "checkpoint.compression"
    assert_output --partial '"foo"'
    refute_line --regexp '^ +Binary '
}

@test "a value of the wrong type is rejected with the key" {
    write_config '{"profiling":{"enabled":"yes"}}'
    run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "profiling.enabled"
    refute_line --regexp '^ +Binary '
}

@test "an invalid environment value is rejected naming the variable" {
    CEDANA_CHECKPOINT_COMPRESSION=bogus run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "CEDANA_CHECKPOINT_COMPRESSION"
    assert_output --partial "bogus"
    refute_line --regexp '^ +Binary '
}

@test "daemon start with a malformed config.json fails without creating the socket" {
    printf '{not json' >"$CFG_DIR/config.json"
    run "$CEDANA" daemon start --address "$SOCK" --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "malformed JSON"
    assert_output --partial "$CFG_DIR/config.json"
    assert_not_exists "$SOCK"
}

@test "daemon start --init-config writes the defaults, with the environment" {
    assert_not_exists "$CFG_DIR/config.json"
    CEDANA_LOG_LEVEL=debug start_daemon --init-config
    assert_file_exists "$CFG_DIR/config.json"
    assert_valid_json "$CFG_DIR/config.json"
    run json_get "$CFG_DIR/config.json" log level
    assert_success
    assert_output "debug"
    # The defaults are there.
    run json_get "$CFG_DIR/config.json" checkpoint compression
    assert_success
    assert_output "none"
    run json_get "$CFG_DIR/config.json" checkpoint dir
    assert_success
    assert_output "/tmp"
    run json_get "$CFG_DIR/config.json" profiling enabled
    assert_success
    assert_output "False"
    # The written file is one cedana reads back.
    run "$CEDANA" check --config-dir "$CFG_DIR"
    assert_success
    stop_daemon
}

@test "daemon start --init-config does not overwrite an existing config.json" {
    write_config '{"log":{"level":"warn"}}'
    cp "$CFG_DIR/config.json" "$TEST_DIR/before.json"
    CEDANA_LOG_LEVEL=debug start_daemon --init-config
    assert_files_equal "$TEST_DIR/before.json" "$CFG_DIR/config.json"
    stop_daemon
    assert_files_equal "$TEST_DIR/before.json" "$CFG_DIR/config.json"
}

@test "daemon start --merge-config merges the environment into config.json" {
    write_config '{"log":{"level":"warn"},"checkpoint":{"compression":"lz4"}}'
    CEDANA_CHECKPOINT_DIR=/var/tmp start_daemon --merge-config
    assert_valid_json "$CFG_DIR/config.json"
    run json_get "$CFG_DIR/config.json" checkpoint dir
    assert_success
    assert_output "/var/tmp"
    # The file's other values are kept.
    run json_get "$CFG_DIR/config.json" checkpoint compression
    assert_success
    assert_output "lz4"
    run json_get "$CFG_DIR/config.json" log level
    assert_success
    assert_output "warn"
    stop_daemon
}

@test "the file's address is used, and daemon start --address overrides it" {
    local file_sock=$TEST_DIR/from-file.sock
    write_config "{\"address\":\"$file_sock\"}"

    # --address wins over the file.
    start_daemon
    assert_socket_exists "$SOCK"
    assert_not_exists "$file_sock"
    run "$CEDANA" daemon check --address "$SOCK" --config-dir "$CFG_DIR"
    assert_success
    # A client without --address reads the file's address, where nothing listens.
    run "$CEDANA" daemon check --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "cannot connect to the daemon at $file_sock"
    stop_daemon

    # Without --address the daemon listens where the file says.
    "$CEDANA" daemon start --config-dir "$CFG_DIR" </dev/null >/dev/null 2>"$DAEMON_LOG" 3>&- &
    DAEMON_PID=$!
    DAEMON_PIDS+=("$DAEMON_PID")
    _wait_for_socket "$DAEMON_PID" "$file_sock" "$DAEMON_LOG"
    run "$CEDANA" daemon check --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^Looks good'
    stop_daemon
    assert_not_exists "$file_sock"
}
