#!/usr/bin/env bats
# The plugin commands: plugin list / plugins, plugin install, plugin remove, and the
# features matrix (plugin features / features). Every test edits only its own
# configuration directory ($CFG_DIR), never the machine's /etc/cedana.

load helpers

# The shared teardown, kept under another name, runs after ending this file's workloads.
eval "helpers_$(declare -f teardown)"

teardown() {
    kill_test_processes
    helpers_teardown
}

# The labels of the matrix's rows, in order (registry/feature.cpp).
FEATURE_ROWS=(
    "Dump command" "Restore command" "Run command" "Manage command" "Freeze command"
    "Unfreeze command" "Query command" "Dump middleware" "Dump handler" "Restore middleware"
    "Restore handler" "Run middleware" "Run handler" "Custom kill signal" "Custom cleanup"
    "Custom reaper" "Checkpoint storage" "Query handler" "Health checks"
)

cedana_version() {
    "$CEDANA" version | awk '{print $3}'
}

# file_disabled: plugins.disabled as $CFG_DIR/config.json holds it, without spaces: ["criu"].
file_disabled() {
    tr -d ' \n' <"$CFG_DIR/config.json" | grep -o '"disabled":\[[^]]*\]' | sed 's/^"disabled"://'
}

@test "plugin list shows process and criu installed, with the CRIU 4 found" {
    local version
    version=$(cedana_version)
    run "$CEDANA" plugin list --config-dir "$CFG_DIR"
    assert_success
    assert_line --index 0 --regexp '^PLUGIN +SIZE +STATUS +INSTALLED VERSION +NEEDS$'
    assert_line --regexp "^criu +built in +installed +${version//./\\.} +CRIU 4\.[0-9.]+ at /[^ ]*criu$"
    assert_line --regexp "^process +built in +installed +${version//./\\.}$"
    [[ ${lines[-1]} =~ ^[0-9]+\ installed,\ 0\ available$ ]] || fail "last line is not the summary: ${lines[-1]}"
    # Listing changes nothing.
    assert_file_not_exists "$CFG_DIR/config.json"
}

@test "plugins is plugin list, and names restrict the rows" {
    run "$CEDANA" plugin list --config-dir "$CFG_DIR"
    local all=$output
    run "$CEDANA" plugins --config-dir "$CFG_DIR"
    assert_success
    assert_output "$all"

    run "$CEDANA" plugins criu --config-dir "$CFG_DIR"
    assert_success
    assert_equal "${#lines[@]}" 3
    assert_line --index 1 --regexp '^criu +built in +installed '
    assert_line --index 2 "1 installed, 0 available"
}

@test "name@version is this cedana's version or fails saying which is built in" {
    local version
    version=$(cedana_version)
    run "$CEDANA" plugin list "criu@$version" --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^criu +built in +installed '

    run --separate-stderr "$CEDANA" plugin list criu@2.0 --config-dir "$CFG_DIR"
    assert_failure
    assert_equal "$stderr" "Error: plugin criu@2.0 is not available: this cedana has criu $version built in"
    assert_output ""
}

@test "an unknown plugin fails naming the known ones, for every plugin command" {
    local cmd
    for cmd in "plugin list" "plugins" "plugin install" "plugin remove" "plugin features" "features"; do
        # shellcheck disable=SC2086 # the command is split into words on purpose
        run --separate-stderr "$CEDANA" $cmd criu foo --config-dir "$CFG_DIR"
        assert_failure
        [[ $stderr == 'Error: unknown plugin "foo": known plugins are '*criu*process* ]] ||
            fail "cedana $cmd: unexpected stderr: $stderr"
        assert_output ""
    done
    # Nothing was changed on the way: criu, named first, was neither removed nor installed.
    assert_file_not_exists "$CFG_DIR/config.json"
}

@test "plugin remove disables criu in the configuration; removing it again fails" {
    run "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_success
    assert_output "Removed criu"
    assert_equal "$(file_disabled)" '["criu"]'

    run "$CEDANA" plugin list --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^criu +built in +available +CRIU 4\.[0-9.]+ at /[^ ]*criu$'
    assert_line --regexp '^process +built in +installed '
    assert_line --regexp '^[0-9]+ installed, 1 available$'

    run --separate-stderr "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_failure
    assert_equal "$stderr" "Error: criu is not installed: nothing to remove"
    assert_equal "$(file_disabled)" '["criu"]'
}

@test "plugin remove keeps the rest of the configuration file" {
    write_config '{"checkpoint": {"dir": "/srv/ckpt"}, "future_section": {"x": 1}}'
    run "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_success
    local text
    text=$(tr -d ' \n' <"$CFG_DIR/config.json")
    [[ $text == *'"checkpoint":{"dir":"/srv/ckpt"}'* ]] || fail "checkpoint.dir lost: $text"
    [[ $text == *'"future_section":{"x":1}'* ]] || fail "an unknown section was lost: $text"
    assert_equal "$(file_disabled)" '["criu"]'
}

@test "plugin install criu enables it again and provisions CRIU 4" {
    [[ -x /opt/cedana/criu/criu ]] || skip "CRIU 4 is not provisioned at /opt/cedana/criu on this machine"
    run "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_success

    local version
    version=$(cedana_version)
    run "$CEDANA" plugin install "criu@$version" --config-dir "$CFG_DIR"
    assert_success
    assert_output "Installed criu"
    assert_equal "$(file_disabled)" '[]'
    # The script checked the CRIU already there and left it as it was.
    /opt/cedana/criu/criu --version | grep -q '^Version: 4\.'

    run "$CEDANA" plugin list criu --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^criu +built in +installed +[0-9.]+ +CRIU 4\.[0-9.]+ at /[^ ]*criu$'
}

@test "plugin install fails for an unknown name before changing anything" {
    run "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_success
    run --separate-stderr "$CEDANA" plugin install criu nope --config-dir "$CFG_DIR"
    assert_failure
    [[ $stderr == 'Error: unknown plugin "nope"'* ]] || fail "unexpected stderr: $stderr"
    assert_output ""
    assert_equal "$(file_disabled)" '["criu"]'
}

@test "CEDANA_PLUGINS_DISABLED disables a plugin for the calls that set it" {
    CEDANA_PLUGINS_DISABLED=criu run "$CEDANA" plugins criu --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp '^criu +built in +available '
    CEDANA_PLUGINS_DISABLED=criu run --separate-stderr "$CEDANA" plugin install criu --config-dir "$CFG_DIR"
    assert_failure
    [[ $stderr == *"CEDANA_PLUGINS_DISABLED or --config keeps plugin criu disabled"* ]] || fail "unexpected stderr: $stderr"
}

@test "features prints a row per feature and a column per plugin" {
    run "$CEDANA" features --config-dir "$CFG_DIR"
    assert_success
    assert_line --index 0 --regexp '^FEATURE +containerd +criu +process +runc +s3 +store$'
    assert_equal "${#lines[@]}" $((${#FEATURE_ROWS[@]} + 1))
    local i
    for i in "${!FEATURE_ROWS[@]}"; do
        # Every plugin is installed here, so each cell is ✔ or •.
        [[ ${lines[i + 1]} =~ ^${FEATURE_ROWS[i]}\ +(✔|•)\ +(✔|•)\ +(✔|•)\ +(✔|•)\ +(✔|•)\ +(✔|•)$ ]] || fail "row $((i + 1)): '${lines[i + 1]}'"
    done
    local all=$output
    run "$CEDANA" plugin features --config-dir "$CFG_DIR"
    assert_success
    assert_output "$all"
}

@test "features NAME shows that plugin's column only" {
    run "$CEDANA" features process --config-dir "$CFG_DIR"
    assert_success
    assert_line --index 0 --regexp '^FEATURE +process$'
    assert_line --index 1 --regexp '^Dump command +(✔|•)$'
    refute_output --partial "criu"
}

@test "features shows — for a removed plugin" {
    run "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_success
    run "$CEDANA" features --config-dir "$CFG_DIR"
    assert_success
    local i
    for i in "${!FEATURE_ROWS[@]}"; do
        [[ ${lines[i + 1]} =~ ^${FEATURE_ROWS[i]}\ +(✔|•)\ +—\ +(✔|•)\ +(✔|•)\ +(✔|•)\ +(✔|•)$ ]] || fail "row $((i + 1)): '${lines[i + 1]}'"
    done
}

@test "features --errors says there is nothing incompatible when every dependency is found" {
    run "$CEDANA" features --errors --config-dir "$CFG_DIR"
    assert_success
    assert_equal "${#lines[@]}" $((${#FEATURE_ROWS[@]} + 2))
    assert_equal "${lines[-1]}" "No incompatible features."
}

@test "a running daemon keeps its plugins until it is restarted" {
    start_daemon
    run "$CEDANA" plugin remove criu --config-dir "$CFG_DIR"
    assert_success
    run "$CEDANA" daemon check --full --address "$SOCK"
    assert_success
    assert_line --regexp '^ +criu +installed +✔'
    stop_daemon

    start_daemon
    run "$CEDANA" daemon check --full --address "$SOCK"
    assert_success
    assert_line --regexp "^ +criu +available +✔ +install it with 'cedana plugin install criu'$"
    stop_daemon
}

@test "features process shows what the process plugin registered, computed from its registrations" {
    run "$CEDANA" features process --config-dir "$CFG_DIR"
    assert_success
    local row
    for row in "Dump command" "Restore command" "Run command" "Manage command" "Freeze command" "Unfreeze command" \
        "Query command" "Dump middleware" "Dump handler" "Restore middleware" "Restore handler" "Run handler" "Query handler"; do
        assert_line --regexp "^$row +✔$"
    done
    for row in "Run middleware" "Checkpoint storage" "Custom reaper" "Custom kill signal" "Health checks"; do
        assert_line --regexp "^$row +•$"
    done
}

@test "with the process plugin removed, a daemon refuses its requests and the CLI its --no-server forms, until it is installed again" {
    run "$CEDANA" plugin remove process --config-dir "$CFG_DIR"
    assert_success
    start_daemon
    local expected="plugin process is not installed: run 'cedana plugin install process'"
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 3
    cedana_dump "$pid" --dir "$TEST_DIR" --compression tar
    assert_failure
    assert_output --partial "$expected"
    assert_running "$pid" "$TEST_DIR/orig.out"
    assert_equal "$(find "$TEST_DIR" -maxdepth 1 -name 'dump-process-*')" ""
    cedana_cli run process --jid refused /bin/true
    assert_failure
    assert_output --partial "$expected"
    cedana_cli manage process "$pid" --jid refused
    assert_failure
    assert_output --partial "$expected"
    cedana_cli ps
    assert_success
    refute_output --partial refused
    run "$CEDANA" run process --no-server --config-dir "$CFG_DIR" -- /bin/echo should-not-run
    assert_failure
    assert_output --partial "$expected"
    refute_output --partial should-not-run
    run "$CEDANA" restore process --path "$TEST_DIR/none.tar" --no-server --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "$expected"
    stop_daemon

    run "$CEDANA" plugin install process --config-dir "$CFG_DIR"
    assert_success
    start_daemon
    cedana_dump "$pid" --dir "$TEST_DIR" --compression tar --leave-running
    assert_success
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon
}

@test "features runc shows what the runc plugin registered, its health checks included" {
    run "$CEDANA" features runc --config-dir "$CFG_DIR"
    assert_success
    local row
    for row in "Dump command" "Restore command" "Run command" "Manage command" "Freeze command" "Unfreeze command" \
        "Query command" "Dump middleware" "Dump handler" "Restore middleware" "Restore handler" "Run middleware" \
        "Run handler" "Query handler" "Health checks"; do
        assert_line --regexp "^$row +✔$"
    done
    run "$CEDANA" plugins runc --config-dir "$CFG_DIR"
    assert_success
    assert_line --index 1 --regexp '^runc +built in +installed +[0-9.]+ +runc [0-9][0-9.]* at /'
}

@test "features containerd shows what the containerd plugin registered, computed from its registrations" {
    run "$CEDANA" features containerd --config-dir "$CFG_DIR"
    assert_success
    local row
    for row in "Dump command" "Restore command" "Run command" "Manage command" "Freeze command" "Unfreeze command" \
        "Query command" "Dump middleware" "Dump handler" "Restore middleware" "Restore handler" "Run middleware" \
        "Run handler" "Query handler" "Health checks"; do
        assert_line --regexp "^$row +✔$"
    done
    for row in "Custom kill signal" "Custom cleanup" "Custom reaper" "Checkpoint storage"; do
        assert_line --regexp "^$row +•$"
    done
}

@test "with the containerd plugin removed, its commands fail saying how to install it" {
    run "$CEDANA" plugin remove containerd --config-dir "$CFG_DIR"
    assert_success
    start_daemon
    local cmd
    for cmd in "query containerd c1" "freeze containerd c1" "unfreeze containerd c1" "dump containerd c1" "manage containerd c1" \
        "restore containerd --path $TEST_DIR/none" "run containerd img"; do
        # shellcheck disable=SC2086
        cedana_cli $cmd
        assert_failure
        assert_output --partial "plugin containerd is not installed: run 'cedana plugin install containerd'"
    done
    run "$CEDANA" check --full --config-dir "$CFG_DIR"
    refute_line "containerd"
}

@test "with the runc plugin removed, its commands fail saying how to install it, and nothing is made" {
    run "$CEDANA" plugin remove runc --config-dir "$CFG_DIR"
    assert_success
    start_daemon
    local expected="plugin runc is not installed: run 'cedana plugin install runc'"
    mkdir "$TEST_DIR/runc-root"
    cedana_cli run runc refused --bundle "$TEST_DIR/bundle" --root "$TEST_DIR/runc-root"
    assert_failure
    assert_output --partial "$expected"
    local cmd
    for cmd in "dump runc refused" "manage runc refused" "freeze runc refused" "unfreeze runc refused" "query runc refused"; do
        # shellcheck disable=SC2086
        cedana_cli $cmd --root "$TEST_DIR/runc-root"
        assert_failure
        assert_output --partial "$expected"
    done
    cedana_cli restore runc --path "$TEST_DIR/none" --bundle "$TEST_DIR/bundle" --root "$TEST_DIR/runc-root"
    assert_failure
    assert_output --partial "$expected"
    run "$CEDANA" run runc refused --bundle "$TEST_DIR/bundle" --root "$TEST_DIR/runc-root" --no-server --config-dir "$CFG_DIR"
    assert_failure
    assert_output --partial "$expected"
    cedana_cli ps
    assert_success
    refute_output --partial refused
    assert_equal "$(ls -A "$TEST_DIR/runc-root")" ""
    stop_daemon

    run "$CEDANA" plugin install runc --config-dir "$CFG_DIR"
    assert_success
    run "$CEDANA" plugins runc --config-dir "$CFG_DIR"
    assert_line --index 1 --regexp '^runc +built in +installed '
}

@test "features s3 shows checkpoint storage from its registration; with the s3 plugin removed, s3:// is refused saying how to install it, the process runs on" {
    run "$CEDANA" features s3 --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^Checkpoint storage +✔$"
    assert_line --regexp "^Dump command +•$"
    run "$CEDANA" plugins s3 --config-dir "$CFG_DIR"
    assert_success
    assert_line --index 1 --regexp '^s3 +built in +installed +[0-9.]+ +libcurl/[0-9]'

    run "$CEDANA" plugin remove s3 --config-dir "$CFG_DIR"
    assert_success
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 2
    cedana_dump "$pid" --dir s3://bucket/prefix --compression lz4
    assert_failure
    assert_output --partial "plugin s3 is not installed: run 'cedana plugin install s3'"
    assert_running "$pid" "$TEST_DIR/orig.out"
    cedana_restore s3://bucket/prefix/cp.tar.lz4
    assert_failure
    assert_output --partial "plugin s3 is not installed: run 'cedana plugin install s3'"
    stop_daemon
}

@test "features store shows checkpoint storage; with the store plugin removed, cedana:// is refused saying how to install it, the process runs on" {
    run "$CEDANA" features store --config-dir "$CFG_DIR"
    assert_success
    assert_line --regexp "^Checkpoint storage +✔$"
    run "$CEDANA" plugins store --config-dir "$CFG_DIR"
    assert_success
    assert_line --index 1 --regexp '^store +built in +installed +[0-9.]+ +libcurl/[0-9]'

    run "$CEDANA" plugin remove store --config-dir "$CFG_DIR"
    assert_success
    start_daemon
    start_counter "$TEST_DIR/orig.out"
    local pid=$WORKLOAD_PID
    wait_for_lines "$TEST_DIR/orig.out" 2
    cedana_dump "$pid" --dir cedana://bucket/prefix --compression lz4
    assert_failure
    assert_output --partial "plugin store is not installed: run 'cedana plugin install store'"
    assert_running "$pid" "$TEST_DIR/orig.out"
    stop_daemon
}
