#!/usr/bin/env bats
# The command tree: help, aliases, unavailable commands, version, completion,
# and global flags.

load helpers

# Every leaf command path, written out by hand from the command tree.
LEAF_COMMANDS=(
    "daemon start" "daemon check"
    "check"
    "run process" "run runc" "run containerd"
    "exec"
    "manage process" "manage runc" "manage containerd"
    "dump process" "dump runc" "dump containerd" "dump job"
    "restore process" "restore runc" "restore containerd" "restore job"
    "freeze process" "freeze runc" "freeze containerd" "freeze job"
    "unfreeze process" "unfreeze runc" "unfreeze containerd" "unfreeze job"
    "query process" "query runc" "query containerd" "query k8s"
    "job list" "job inspect" "job kill" "job delete" "job attach"
    "job checkpoint list" "job checkpoint inspect" "job checkpoints"
    "ps" "jobs" "kill" "delete" "attach" "checkpoints"
    "checkpoint list" "checkpoint inspect"
    "plugin list" "plugin install" "plugin remove" "plugin features"
    "plugins" "features"
    "k8s setup" "k8s destroy"
    "dump-vm cloud-hypervisor" "dump-vm kata"
    "completion" "version"
)

# Commands that only group subcommands.
GROUP_COMMANDS=(
    "daemon" "run" "manage" "dump" "restore" "freeze" "unfreeze" "query"
    "job" "job checkpoint" "checkpoint" "plugin" "k8s" "dump-vm"
)

# check_help PATH...: runs `cedana PATH --help`; prints a line per problem.
check_help() {
    local path out rc expected
    for path in "$@"; do
        rc=0
        # shellcheck disable=SC2086 # the path is split into words on purpose
        out=$("$CEDANA" $path --help 2>&1) || rc=$?
        # `jobs` is an alias: its help is the help of `ps`.
        expected=${path/#jobs/ps}
        if [[ $rc -ne 0 ]]; then
            echo "cedana $path --help: exit status $rc: $out"
        elif [[ $out != *"Usage: cedana $expected "* ]]; then
            echo "cedana $path --help: no 'Usage: cedana $expected' line: $out"
        fi
    done
}

@test "cedana --help prints the usage and every top-level command" {
    run "$CEDANA" --help
    assert_success
    assert_line --regexp '^Usage: cedana '
    local cmd
    for cmd in daemon check run exec manage dump restore freeze unfreeze query job ps kill \
        delete attach checkpoints checkpoint plugin plugins features k8s dump-vm completion version; do
        assert_line --regexp "^  $cmd +"
    done
}

@test "--help works for every leaf command" {
    run check_help "${LEAF_COMMANDS[@]}"
    assert_success
    assert_output ""
}

@test "--help works for every command group" {
    run check_help "${GROUP_COMMANDS[@]}"
    assert_success
    assert_output ""
}

@test "help shows aliases: job list (ls) and ps (jobs)" {
    run "$CEDANA" job --help
    assert_success
    assert_line --regexp '^ +list +.*\(aliases: ls\)'
    run "$CEDANA" --help
    assert_success
    assert_line --regexp '^ +ps +.*\(aliases: jobs\)'
    # The aliases themselves work.
    run "$CEDANA" job ls --help
    assert_success
    assert_output --partial "Usage: cedana job list"
}

@test "a command that is not available yet fails saying so on stderr" {
    run --separate-stderr "$CEDANA" query k8s some-pod
    assert_failure
    [[ $stderr == *"not available yet"* ]] || fail "unexpected stderr: $stderr"
    assert_equal "$output" ""
}

@test "version and --version print the version" {
    run "$CEDANA" version
    assert_success
    assert_output --regexp '^cedana version [0-9]'
    local version=$output
    run "$CEDANA" --version
    assert_success
    assert_output --regexp '^cedana version [0-9]'
    assert_equal "$output" "$version"
}

@test "completion bash can be sourced and completes subcommands" {
    run bash -c '
        set -e
        source <("$1" completion bash)
        COMP_WORDS=(cedana da)
        COMP_CWORD=1
        COMP_LINE="cedana da"
        COMP_POINT=${#COMP_LINE}
        _cedana_completion
        printf "%s\n" "${COMPREPLY[@]}"
    ' bash "$CEDANA"
    assert_success
    assert_line "daemon"
    refute_line "check"

    run bash -c '
        set -e
        source <("$1" completion bash)
        COMP_WORDS=(cedana daemon "")
        COMP_CWORD=2
        _cedana_completion
        printf "%s\n" "${COMPREPLY[@]}"
    ' bash "$CEDANA"
    assert_success
    assert_line "start"
    assert_line "check"
}

@test "completion zsh is valid zsh" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    "$CEDANA" completion zsh >"$TEST_DIR/cedana.zsh"
    assert_file_not_empty "$TEST_DIR/cedana.zsh"
    run zsh -n "$TEST_DIR/cedana.zsh"
    assert_success
}

@test "completion fish is valid fish" {
    command -v fish >/dev/null || skip "fish is not installed"
    "$CEDANA" completion fish >"$TEST_DIR/cedana.fish"
    assert_file_not_empty "$TEST_DIR/cedana.fish"
    run fish --no-execute "$TEST_DIR/cedana.fish"
    assert_success
}

@test "completion powershell registers an argument completer" {
    run "$CEDANA" completion powershell
    assert_success
    assert_output --partial "Register-ArgumentCompleter"
}

@test "completion for an unsupported shell fails" {
    run "$CEDANA" completion tcsh
    assert_failure
    assert_output --partial "tcsh"
}

@test "an unknown command fails" {
    run "$CEDANA" no-such-command
    assert_failure
    run "$CEDANA" daemon no-such-command
    assert_failure
}

@test "global flags work before and after the subcommand" {
    start_daemon
    run "$CEDANA" daemon check --address "$SOCK"
    assert_success
    assert_line --regexp '^Looks good'
    run "$CEDANA" --address "$SOCK" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    # And they really are used: a wrong address in either place fails.
    run "$CEDANA" daemon check --address "$TEST_DIR/nobody.sock"
    assert_failure
    assert_output --partial "cannot connect to the daemon at $TEST_DIR/nobody.sock"
    run "$CEDANA" --address "$TEST_DIR/nobody.sock" daemon check
    assert_failure
    assert_output --partial "cannot connect to the daemon at $TEST_DIR/nobody.sock"
    stop_daemon
}
