#!/usr/bin/env bats
# The containerd plugin end to end, against a real containerd (Debian's 1.6) that this file
# starts with its own configuration, socket, root, state and namespace, and an image it
# builds from the host's static busybox (containerd_helpers.bash): the plugin's section of
# check --full, query (-t, -i), freeze and unfreeze through containerd, and the failures (no
# such container, a bad namespace name, containerd not running), which change nothing.
#
# Two modes, as runc.bats: a daemon per test (default), or one for the file with
# CEDANA_E2E_SHARED_DAEMON=1.

load helpers
load containerd_helpers

setup_file() { containerd_setup_file; }
teardown_file() { containerd_teardown_file; }
setup() { containerd_setup; }
teardown() { containerd_teardown; }

@test "check --full has a containerd section: its address, version, runtime and default namespace" {
    local version
    version=$("$CTR" -a "$CTD_SOCK" version | awk '/^Server:/ {s = 1} s && /Version:/ {print $2; exit}')
    [[ -n $version ]] || fail "ctr version printed no server version"
    run "$CEDANA" check --full
    assert_success
    assert_line "containerd"
    assert_line --regexp "^ +Address +$CTD_SOCK +✔$"
    assert_line --regexp "^ +Version +$version \(.*\) +✔$"
    assert_line --regexp "^ +Runtime +io\.containerd\.runc\.v2 \(.*containerd-shim-runc-v2\) +✔$"
    assert_line --regexp "^ +Namespace +default .* +✔$"
    assert_line --regexp '^ +containerd +installed +✔$'
}

@test "check --full with containerd.address where nothing listens says so with ✖ and fails" {
    CEDANA_CONTAINERD_ADDRESS=$TEST_DIR/nothing.sock run "$CEDANA" check --full
    assert_failure
    assert_line --regexp "^ +Address +$TEST_DIR/nothing\.sock: not reachable +✖ +start containerd there"
    assert_output --partial "correct containerd.address (CEDANA_CONTAINERD_ADDRESS)"
}

@test "query containerd: ID, the task's PID, its status, image and namespace; -t its processes; -i its details" {
    local id
    id=$(ctd_id q)
    running "$id" "$CTD_TICK"
    local pid=$CTD_TASK_PID
    cedana_cli query containerd "$id" --namespace "$CTD_NS"
    assert_success
    assert_line --regexp '^ID +PID +STATUS +IMAGE +NAMESPACE$'
    assert_line --regexp "^$id +$pid +running +$CTD_IMAGE +$CTD_NS$"

    cedana_cli query containerd -t "$id" --namespace "$CTD_NS"
    assert_success
    assert_line --regexp "^ID +PID +STATUS +IMAGE +NAMESPACE +PROCESSES$"
    # The tree: the shell and its sleep, as containerd lists them.
    local expected
    expected=$(ctr_ task ps "$id" | awk 'NR > 1 {print $1}' | sort -n | tr '\n' ' ')
    assert_line --regexp "^$id +$pid +running +$CTD_IMAGE +$CTD_NS +$pid( [0-9]+)*$"
    [[ " $expected " == *" $pid "* ]] || fail "ctr task ps does not list $pid: $expected"

    cedana_cli query containerd -i "$id" --namespace "$CTD_NS"
    assert_success
    assert_line --regexp "^Image +$CTD_IMAGE$"
    assert_line --regexp "^Runtime +io\.containerd\.runc\.v2$"
    assert_line --regexp "^Snapshotter +overlayfs$"
    assert_line --regexp "^Snapshot +$id$"
    assert_line --regexp "^PID +$pid$"
    assert_line --regexp '^Command +/bin/sh -c '
}

@test "query containerd of two containers gives a row each; one that does not exist fails naming it and the namespace" {
    local a b
    a=$(ctd_id qa)
    b=$(ctd_id qb)
    running "$a"
    local pa=$CTD_TASK_PID
    running "$b"
    local pb=$CTD_TASK_PID
    cedana_cli query containerd "$a" "$b" --namespace "$CTD_NS"
    assert_success
    assert_line --regexp "^$a +$pa +running "
    assert_line --regexp "^$b +$pb +running "

    cedana_cli query containerd "$a" nosuch-container --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "no containerd container nosuch-container in namespace $CTD_NS"
    # Not in the default namespace either: a container is looked up where --namespace says.
    cedana_cli query containerd "$a"
    assert_failure
    assert_output --partial "no containerd container $a in namespace default"

    cedana_cli query containerd "$a" --namespace 'bad/name'
    assert_failure
    assert_output --partial "--namespace bad/name: not a containerd namespace name"
}

@test "freeze containerd pauses the task through containerd (ctr: PAUSED, the counter stops); unfreeze resumes it" {
    local id
    id=$(ctd_id fz)
    running "$id"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 3
    cedana_cli freeze containerd "$id" --namespace "$CTD_NS"
    assert_success
    assert_output --regexp "^Froze $id \([0-9]+ process(es)?\)$"
    assert_equal "$(task_field "$id" STATUS)" PAUSED
    local before
    before=$(container_count "$pid")
    sleep 1
    assert_equal "$(container_count "$pid")" "$before"

    cedana_cli freeze containerd "$id" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "container $id is frozen already"

    cedana_cli unfreeze containerd "$id" --namespace "$CTD_NS"
    assert_success
    assert_output --regexp "^Unfroze $id "
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    wait_count "$pid" $((before + 2))

    cedana_cli unfreeze containerd "$id" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "container $id is not frozen; nothing to unfreeze"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
}

@test "freeze containerd of a container without a task, or of none, fails clearly and changes nothing" {
    local id
    id=$(ctd_id notask)
    CTD_CONTAINERS+=("$id")
    ctr_ containers create "$CTD_IMAGE" "$id" /bin/true >/dev/null
    cedana_cli freeze containerd "$id" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "container $id has no task (it is not running)"
    cedana_cli freeze containerd nosuch --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "no containerd container nosuch in namespace $CTD_NS"
}

@test "with containerd not at containerd.address, query, freeze, dump and run say where it was looked for and change nothing" {
    local id
    id=$(ctd_id gone)
    running "$id"
    cedana_cli query containerd "$id" --namespace "$CTD_NS" --config "{\"containerd\":{\"address\":\"$TEST_DIR/none.sock\"}}"
    assert_failure
    assert_output --partial "containerd is not reachable at $TEST_DIR/none.sock"
    assert_output --partial "containerd.address (CEDANA_CONTAINERD_ADDRESS)"
    cedana_cli freeze containerd "$id" --namespace "$CTD_NS" --config "{\"containerd\":{\"address\":\"$TEST_DIR/none.sock\"}}"
    assert_failure
    assert_output --partial "containerd is not reachable at $TEST_DIR/none.sock"
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --config "{\"containerd\":{\"address\":\"$TEST_DIR/none.sock\"}}"
    assert_failure
    assert_output --partial "containerd is not reachable at $TEST_DIR/none.sock"
    [[ ! -e $TEST_DIR/ckpt || -z $(ls -A "$TEST_DIR/ckpt") ]] || fail "the failed dump left $(ls -A "$TEST_DIR/ckpt")"
    cedana_cli run containerd "$CTD_IMAGE" --id "$(ctd_id gone2)" --namespace "$CTD_NS" --config "{\"containerd\":{\"address\":\"$TEST_DIR/none.sock\"}}"
    assert_failure
    assert_output --partial "containerd is not reachable at $TEST_DIR/none.sock"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
}

# ---------------------------------------------------------------------------
# run, manage

# CTD_ECHO_TICK: CTD_TICK that also prints "tick N" and the value of $GREETING.
CTD_ECHO_TICK='echo "greeting=$GREETING"; i=0; while true; do echo "$i" >>/tmp/count; echo "tick $i"; i=$((i + 1)); sleep 0.1; done'

@test "run containerd IMAGE CMD --id: a container and task that containerd knows, the job's PID its init, output in the job's log" {
    local id
    id=$(ctd_id run)
    CTD_CONTAINERS+=("$id")
    # The command's own flags (-c): the image and the command after --.
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$id" --namespace "$CTD_NS" --env GREETING=hello \
        -- "$CTD_IMAGE" /bin/sh -c "$CTD_ECHO_TICK"
    assert_success
    parse_started "$id"
    assert_equal "$JOB_LOG" "/var/log/cedana-output-$id.log"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    assert_equal "$(task_field "$id" PID)" "$JOB_PID"
    run ctr_ containers info "$id"
    assert_success
    assert_equal "$(jq -r .Image <<<"$output")" "$CTD_IMAGE"
    assert_equal "$(jq -r .Runtime.Name <<<"$output")" io.containerd.runc.v2
    assert_equal "$(jq -r .Spec.linux.cgroupsPath <<<"$output")" "/$CTD_NS/$id"
    wait_for_text "$JOB_LOG" "greeting=hello"
    wait_for_text "$JOB_LOG" "tick 3"
    wait_count "$JOB_PID" 3
    ps_row "$id"
    [[ -n $PS_ROW ]] || fail "ps has no row for $id"
    # ctr can stop and remove what cedana started.
    ctr_ task kill -s KILL "$id"
    wait_pid_dead "$JOB_PID"
    run ctr_ task rm "$id"
    assert_success
    run ctr_ containers rm "$id"
    assert_success
    rm -f "$JOB_LOG"
}

@test "run containerd of an image that is not in the store fails saying so, and leaves no job, container or log" {
    local id
    id=$(ctd_id noimage)
    cedana_cli run containerd docker.io/library/nosuch:1 /bin/true --id "$id" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "image docker.io/library/nosuch:1 is not in containerd's store (namespace $CTD_NS); cedana pulls nothing"
    run ctr_ containers ls -q
    refute_output --partial "$id"
    assert_not_exists "/var/log/cedana-output-$id.log"
    ps_row "$id"
    [[ -z $PS_ROW ]] || fail "a job was left: $PS_ROW"

    # Nor a taken id: the running container is left alone.
    local other
    other=$(ctd_id taken)
    running "$other"
    local pid=$CTD_TASK_PID
    cedana_cli run containerd "$CTD_IMAGE" /bin/true --id "$other" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "containerd already has a container $other in namespace $CTD_NS"
    assert_equal "$(task_field "$other" PID)" "$pid"
    assert_not_exists "/var/log/cedana-output-$other.log"

    # A command that cannot start: containerd's error, and nothing left behind.
    cedana_cli run containerd "$CTD_IMAGE" /nonexistent --id "$id" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "/nonexistent"
    run ctr_ containers ls -q
    refute_output --partial "$id"
    run ctr_ snapshots ls
    refute_output --partial "$id"
    assert_not_exists "/var/log/cedana-output-$id.log"
}

@test "manage containerd adopts a running container: the job's PID is the task's; a missing one fails and creates no job" {
    local id
    id=$(ctd_id mg)
    running "$id"
    local pid=$CTD_TASK_PID
    cedana_cli manage containerd "$id" --namespace "$CTD_NS" --jid "$id"
    assert_success
    assert_output --partial "$id"
    ps_row "$id"
    [[ $PS_ROW == *" $pid "* ]] || fail "ps row of $id lacks PID $pid: $PS_ROW"
    cedana_cli manage containerd "$id" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "already managed as job $id"
    cedana_cli manage containerd nosuch --namespace "$CTD_NS" --jid nosuch-job
    assert_failure
    assert_output --partial "no containerd container nosuch in namespace $CTD_NS"
    ps_row nosuch-job
    [[ -z $PS_ROW ]] || fail "a job was left: $PS_ROW"
}

@test "a managed containerd container dumps and restores as its job; run containerd --pid-file writes the task's PID" {
    local id
    id=$(ctd_id mgd)
    running "$id"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 3
    cedana_cli manage containerd "$id" --namespace "$CTD_NS" --jid "$id"
    assert_success
    cedana_cli dump job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_pid_dead "$pid"
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    ps_row "$id"
    [[ $PS_ROW == *" $RESTORED_PID "* ]] || fail "ps row of $id lacks the restored PID $RESTORED_PID: $PS_ROW"
    local n
    n=$(container_count "$RESTORED_PID")
    wait_count "$RESTORED_PID" $((n + 3))

    local other
    other=$(ctd_id pidf)
    CTD_CONTAINERS+=("$other")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$other" --namespace "$CTD_NS" \
        --pid-file "$TEST_DIR/task.pid" -- "$CTD_IMAGE" /bin/sh -c "$CTD_TICK"
    assert_success
    parse_started "$other"
    assert_equal "$(cat "$TEST_DIR/task.pid")" "$(task_field "$other" PID)"
    assert_equal "$JOB_PID" "$(task_field "$other" PID)"
    rm -f "$JOB_LOG"
}

@test "run containerd DIR runs a container on a directory of the host's (no image, no snapshot); it dumps, and restores under its id after ctr c rm and under a new one" {
    local id root=$TEST_DIR/rootfs
    id=$(ctd_id dir)
    CTD_CONTAINERS+=("$id")
    busybox_rootfs "$root"
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$id" --namespace "$CTD_NS" -- "$root" /bin/sh -c "$CTD_TICK"
    assert_success
    parse_started "$id"
    local pid=$JOB_PID log=$JOB_LOG
    run ctr_ containers info "$id"
    assert_equal "$(jq -r '.Image + "|" + .SnapshotKey' <<<"$output")" "|"
    assert_equal "$(jq -r .Spec.root.path <<<"$output")" "$root"
    wait_count "$pid" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs
    assert_failure
    assert_output --partial "container $id has no snapshot of containerd's"
    assert_equal "$(task_field "$id" PID)" "$pid"
    cedana_cli dump job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    cedana_dump_out
    local ckpt=$DUMP_PATH
    wait_pid_dead "$pid"

    local other
    other=$(ctd_id dir2)
    CTD_CONTAINERS+=("$other")
    cedana_cli restore containerd --id "$other" --path "$ckpt" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$other" PID)" "$RESTORED_PID"
    local n
    n=$(wc -l <"$root/tmp/count")
    wait_for_lines "$root/tmp/count" $((n + 3))
    ctr_remove "$other"

    run ctr_ containers rm "$id"
    assert_success
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    n=$(wc -l <"$root/tmp/count")
    wait_for_lines "$root/tmp/count" $((n + 3))
    rm -f "$log"
}

@test "manage containerd --upcoming waits for the container's task, then adopts it" {
    local id
    id=$(ctd_id up)
    CTD_CONTAINERS+=("$id")
    cedana_cli_bg_manage() {
        "$CEDANA" manage containerd "$id" --namespace "$CTD_NS" --upcoming --jid "$id" --address "$SOCK" --config-dir "$CFG_DIR" \
            >"$TEST_DIR/manage.out" 2>&1
        echo $? >"$TEST_DIR/manage.rc"
    }
    cedana_cli_bg_manage &
    local bg=$!
    TEST_PIDS+=("$bg")
    ctr_run "$id"
    local pid=$CTD_TASK_PID i
    for ((i = 0; i < 400; i++)); do
        [[ -s $TEST_DIR/manage.rc ]] && break
        sleep 0.05
    done
    assert_equal "$(cat "$TEST_DIR/manage.rc")" 0
    ps_row "$id"
    [[ $PS_ROW == *" $pid "* ]] || fail "ps row of $id lacks PID $pid: $PS_ROW; manage said: $(cat "$TEST_DIR/manage.out")"
}

# ---------------------------------------------------------------------------
# dump, restore

@test "dump containerd, restore containerd onto the same container: containerd knows the task, RUNNING with the restored PID, counting on; ctr kills and removes it" {
    local id
    id=$(ctd_id dr)
    running "$id"
    local pid=$CTD_TASK_PID
    wait_count "$pid" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt"
    assert_success
    cedana_dump_out
    [[ $DUMP_PATH == "$TEST_DIR/ckpt/dump-containerd-"* ]] || fail "checkpoint at '$DUMP_PATH'"
    wait_pid_dead "$pid"
    # The task is gone; the container stays, with its writable layer.
    assert_equal "$(task_field "$id" STATUS)" ""
    run ctr_ containers ls -q
    assert_line "$id"

    cedana_cli restore containerd --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    assert_task_counts_on "$RESTORED_PID"
    # The spec is as it was: the CRIU configuration was for the restore only.
    run ctr_ containers info "$id"
    assert_equal "$(jq -r '.Spec.annotations["org.criu.config"] // "none"' <<<"$output")" none

    run ctr_ task kill -s KILL "$id"
    assert_success
    wait_pid_dead "$RESTORED_PID"
    run ctr_ task rm "$id"
    assert_success
}

@test "restore containerd after the container was removed makes it anew from the checkpoint; twice more under new ids next to it; a restored one dumps again" {
    local id
    id=$(ctd_id again)
    running "$id"
    wait_count "$CTD_TASK_PID" 5
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --compression lz4
    assert_success
    cedana_dump_out
    local ckpt=$DUMP_PATH
    [[ $ckpt == *.tar.lz4 ]] || fail "checkpoint at '$ckpt'"
    run ctr_ containers rm "$id"
    assert_success

    cedana_cli restore containerd --path "$ckpt" --namespace "$CTD_NS"
    assert_success
    parse_restored
    local first=$RESTORED_PID
    assert_equal "$(task_field "$id" PID)" "$first"
    run ctr_ containers info "$id"
    assert_equal "$(jq -r .Image <<<"$output")" "$CTD_IMAGE"
    local n
    n=$(container_count "$first")
    wait_count "$first" $((n + 3))

    local b c
    b=$(ctd_id againb)
    c=$(ctd_id againc)
    CTD_CONTAINERS+=("$b" "$c")
    cedana_cli restore containerd "$b" --path "$ckpt" --namespace "$CTD_NS"
    assert_success
    parse_restored
    local second=$RESTORED_PID
    cedana_cli restore containerd --id "$c" --path "$ckpt" --namespace "$CTD_NS"
    assert_success
    parse_restored
    local third=$RESTORED_PID
    assert_equal "$(task_field "$b" PID)" "$second"
    assert_equal "$(task_field "$c" PID)" "$third"
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    run ctr_ containers info "$b"
    assert_equal "$(jq -r .Spec.linux.cgroupsPath <<<"$output")" "/$CTD_NS/$b"
    n=$(container_count "$third")
    wait_count "$third" $((n + 3))

    # A restored container checkpoints and restores again.
    cedana_cli dump containerd "$b" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt2"
    assert_success
    cedana_dump_out
    wait_pid_dead "$second"
    cedana_cli restore containerd --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_success
    parse_restored
    assert_equal "$(task_field "$b" PID)" "$RESTORED_PID"
    n=$(container_count "$RESTORED_PID")
    wait_count "$RESTORED_PID" $((n + 3))
}

@test "run containerd, dump job, restore job: the same job, its log goes on, containerd knows the task" {
    local id
    id=$(ctd_id rjob)
    CTD_CONTAINERS+=("$id")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$id" --namespace "$CTD_NS" \
        -- "$CTD_IMAGE" /bin/sh -c "$CTD_ECHO_TICK"
    assert_success
    parse_started "$id"
    local log=$JOB_LOG pid=$JOB_PID
    wait_for_text "$log" "tick 5"
    cedana_cli dump job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    wait_pid_dead "$pid"
    local before
    before=$(grep -c '^tick ' "$log")
    cedana_cli restore job "$id"
    assert_success
    parse_restored
    assert_line "Restored job $id as PID $RESTORED_PID"
    assert_equal "$(task_field "$id" PID)" "$RESTORED_PID"
    ps_row "$id"
    [[ $PS_ROW == *" $RESTORED_PID "* ]] || fail "ps row of $id lacks PID $RESTORED_PID: $PS_ROW"
    wait_for_lines_matching() {
        local i
        for ((i = 0; i < 200; i++)); do
            (($(grep -c '^tick ' "$log") >= before + 3)) && return 0
            sleep 0.05
        done
        fail "the log did not go on past $before ticks: $(tail -n 3 "$log")"
    }
    wait_for_lines_matching
    # The ticks go on from the memory: the first after the restore follows the last before.
    run awk '/^tick / {n = $2; if (seen && n != prev + 1 && n != prev) {print "after " prev " comes " n; exit} prev = n; seen = 1}' "$log"
    assert_output ""
    rm -f "$log"
}

@test "restore containerd refuses an id whose task exists, a checkpoint of another kind, and an image that is not there; nothing is made" {
    local id
    id=$(ctd_id refuse)
    running "$id"
    local pid=$CTD_TASK_PID
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --leave-running
    assert_success
    cedana_dump_out
    assert_equal "$(task_field "$id" PID)" "$pid"

    cedana_cli restore containerd --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "container $id in namespace $CTD_NS has a task already (running)"
    assert_equal "$(task_field "$id" PID)" "$pid"

    local other
    other=$(ctd_id refuse2)
    cedana_cli restore containerd --id "$other" --image docker.io/library/nosuch:1 --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "image docker.io/library/nosuch:1 is not in containerd's store"
    run ctr_ containers ls -q
    refute_output --partial "$other"

    # A process's checkpoint is not a container's.
    mkdir -p "$TEST_DIR/proc"
    (
        close_inherited_fds
        exec sleep 1000
    ) </dev/null >/dev/null 2>&1 &
    local sleeper=$!
    TEST_PIDS+=("$sleeper")
    cedana_cli dump process "$sleeper" --dir "$TEST_DIR/proc"
    assert_success
    cedana_dump_out
    cedana_cli restore containerd --id "$other" --path "$DUMP_PATH" --namespace "$CTD_NS"
    assert_failure
    assert_output --partial "is a process checkpoint, not a containerd one"
    run ctr_ containers ls -q
    refute_output --partial "$other"
}

@test "dump containerd of a container that does not exist, or without a task, fails and writes nothing" {
    cedana_cli dump containerd nosuch --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt"
    assert_failure
    assert_output --partial "no containerd container nosuch in namespace $CTD_NS"
    local id
    id=$(ctd_id nt)
    CTD_CONTAINERS+=("$id")
    ctr_ containers create "$CTD_IMAGE" "$id" /bin/true >/dev/null
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt"
    assert_failure
    assert_output --partial "container $id has no running task"
    cedana_cli dump containerd "$id" --namespace "$CTD_NS" --dir "$TEST_DIR/ckpt" --rootfs
    assert_failure
    assert_output --partial "container $id has no running task"
    [[ ! -e $TEST_DIR/ckpt || -z $(ls -A "$TEST_DIR/ckpt") ]] || fail "the failed dumps left $(ls -A "$TEST_DIR/ckpt")"
}

@test "freeze job and unfreeze job of a containerd job pause and resume its task through containerd" {
    local id
    id=$(ctd_id fjob)
    CTD_CONTAINERS+=("$id")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$id" --namespace "$CTD_NS" \
        -- "$CTD_IMAGE" /bin/sh -c "$CTD_TICK"
    assert_success
    parse_started "$id"
    local pid=$JOB_PID
    wait_count "$pid" 3
    cedana_cli freeze job "$id"
    assert_success
    assert_output --regexp "^Froze job $id \([0-9]+ process(es)?\)$"
    assert_equal "$(task_field "$id" STATUS)" PAUSED
    cedana_cli unfreeze job "$id"
    assert_success
    assert_equal "$(task_field "$id" STATUS)" RUNNING
    local n
    n=$(container_count "$pid")
    wait_count "$pid" $((n + 2))
    rm -f "$JOB_LOG"
}

# ctd_cli OUT ARGS...: the CLI with ARGS (which may end in `-- IMAGE CMD...`, so the daemon's
# address goes first), its stdout in OUT and stderr in OUT.err; CLI_RC its exit status.
ctd_cli() {
    local out=$1
    shift
    CLI_RC=0
    timeout 60 "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" "$@" <"${CLI_STDIN:-/dev/null}" >"$out" 2>"$out.err" 3>&- || CLI_RC=$?
}

# assert_cli_rc N OUT: the last ctd_cli exited N.
assert_cli_rc() {
    [[ $CLI_RC -ne 124 ]] || fail "the CLI hung; stdout: $(cat "$2") stderr: $(cat "$2.err")"
    [[ $CLI_RC -eq $1 ]] || fail "exit status $CLI_RC, expected $1; stdout: $(cat "$2") stderr: $(cat "$2.err")"
}

# A count to 40 on stdout, then exit 5.
CTD_COUNT_TO_40='i=0; while [ $i -lt 40 ]; do echo "n $i"; echo "$i" >>/tmp/count; i=$((i + 1)); sleep 0.1; done; exit 5'

@test "run containerd --attach streams the container's stdout and stderr and exits with its status 3; the job has halted" {
    local id
    id=$(ctd_id attach)
    CTD_CONTAINERS+=("$id")
    ctd_cli "$TEST_DIR/attach.out" run containerd --id "$id" --namespace "$CTD_NS" --attach -- "$CTD_IMAGE" /bin/sh -c 'echo hi; echo err >&2; sleep 0.3; echo bye; exit 3'
    assert_cli_rc 3 "$TEST_DIR/attach.out"
    run cat "$TEST_DIR/attach.out" "$TEST_DIR/attach.out.err"
    assert_line hi
    assert_line err
    assert_line bye
    wait_job_status "$id" halted
    assert_not_exists "/var/log/cedana-output-$id.log"
}

@test "run containerd --attachable: job attach replays the output from the start, passes input on, and exits with the container's status 4" {
    local id
    id=$(ctd_id attachable)
    CTD_CONTAINERS+=("$id")
    cedana_cli run containerd "$CTD_IMAGE" --id "$id" --namespace "$CTD_NS" --attachable
    assert_success
    ps_row "$id"
    assert_equal "$(ps_col LOG)" "[Attachable]"
    # The image's command is a shell reading its stdin: what attach sends it runs.
    printf 'echo first\necho second >&2\nexit 4\n' >"$TEST_DIR/input"
    CLI_STDIN=$TEST_DIR/input ctd_cli "$TEST_DIR/att.out" job attach "$id"
    assert_cli_rc 4 "$TEST_DIR/att.out"
    run cat "$TEST_DIR/att.out" "$TEST_DIR/att.out.err"
    assert_line first
    assert_line second
    wait_job_status "$id" halted
}

@test "restore job --attach of a containerd job streams the continued output and exits with the container's status 5; restore containerd --attachable makes a job to attach to" {
    local id
    id=$(ctd_id rattach)
    CTD_CONTAINERS+=("$id")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$id" --namespace "$CTD_NS" --out "$TEST_DIR/orig.log" \
        -- "$CTD_IMAGE" /bin/sh -c "$CTD_COUNT_TO_40"
    assert_success
    parse_started "$id"
    wait_for_text "$TEST_DIR/orig.log" "n 5"
    cedana_cli dump job "$id" --dir "$TEST_DIR/ckpt"
    assert_success
    cedana_dump_out
    local ckpt=$DUMP_PATH
    wait_pid_dead "$JOB_PID"
    local last
    last=$(grep -c '^n ' "$TEST_DIR/orig.log")
    ((last < 35)) || fail "the count had nearly ended ($last) before the dump"
    ctd_cli "$TEST_DIR/restored.out" restore job "$id" --attach
    assert_cli_rc 5 "$TEST_DIR/restored.out"
    # From where the count stopped (or the line in flight at the dump) to its end.
    local first
    first=$(grep '^n ' "$TEST_DIR/restored.out" | head -n 1 | cut -d' ' -f2)
    [[ $first == "$last" || $first == "$((last - 1))" ]] || fail "the streamed output starts at '$first', the count was at $last lines at the dump; it is: $(cat "$TEST_DIR/restored.out" "$TEST_DIR/restored.out.err"); the log: $(tail -n 3 "$TEST_DIR/orig.log")"
    assert_equal "$(tail -n 1 "$TEST_DIR/restored.out")" "n 39"
    wait_job_status "$id" halted

    # A restore of its own: the job is named after the container.
    local other
    other=$(ctd_id rattach2)
    CTD_CONTAINERS+=("$other")
    cedana_cli restore containerd "$other" --path "$ckpt" --namespace "$CTD_NS" --attachable
    assert_success
    ctd_cli "$TEST_DIR/second.out" job attach "$other"
    assert_cli_rc 5 "$TEST_DIR/second.out"
    assert_equal "$(tail -n 1 "$TEST_DIR/second.out")" "n 39"
    wait_job_status "$other" halted
}

@test "run containerd --no-pivot is in the container's runtime options; --snapshotter of an image not unpacked there fails saying so; manage --image of another image is refused" {
    local id
    id=$(ctd_id nopivot)
    CTD_CONTAINERS+=("$id")
    run "$CEDANA" --address "$SOCK" --config-dir "$CFG_DIR" run containerd --id "$id" --namespace "$CTD_NS" --no-pivot \
        -- "$CTD_IMAGE" /bin/sh -c "$CTD_TICK"
    assert_success
    parse_started "$id"
    run ctr_ containers info "$id"
    # runc's Options, serialized: field 1 (no_pivot_root) true.
    assert_equal "$(jq -r '.Runtime.Options.type_url + " " + .Runtime.Options.value' <<<"$output")" "containerd.runc.v1.Options CAE="
    rm -f "$JOB_LOG"

    local other
    other=$(ctd_id snap)
    cedana_cli run containerd "$CTD_IMAGE" /bin/true --id "$other" --namespace "$CTD_NS" --snapshotter native
    assert_failure
    assert_output --partial "image $CTD_IMAGE is not unpacked for snapshotter native"
    run ctr_ containers ls -q
    refute_line "$other"

    local managed
    managed=$(ctd_id mgimg)
    running "$managed"
    cedana_cli manage containerd "$managed" --namespace "$CTD_NS" --image docker.io/library/other:1
    assert_failure
    assert_output --partial "--image docker.io/library/other:1: container $managed runs image $CTD_IMAGE"
    ps_row "$managed"
    [[ -z $PS_ROW ]] || fail "a job was left: $PS_ROW"
}
