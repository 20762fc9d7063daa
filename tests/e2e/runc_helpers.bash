# Helpers for runc.bats: bundles built on the spot from the host's static busybox, plain runc
# containers, and what runc and cedana report about them.
#
# Loaded after helpers.bash. Every test has its own runc state directory
# ($RUNC_ROOT = $TEST_DIR/runc-root, so nothing here touches /run/runc or another user's
# containers) and container ids unique to the test and to this run (see cid). runc_cleanup,
# called from teardown, removes only the containers the test recorded (runc delete -f by id),
# kills only the PIDs it tracked (helpers.bash `track`, by PID and start time), removes the
# default logs it recorded, and lazily unmounts whatever was left mounted under $TEST_DIR.

RUNC=${RUNC:-runc}
# The static busybox the root filesystems are made of.
BUSYBOX=${BUSYBOX:-/bin/busybox}
# Upper bound, in seconds, for one CLI call that may block (attach, --no-server, --upcoming).
RUNC_CLI_TIMEOUT=${RUNC_CLI_TIMEOUT:-90}

# The standard workload: appends N to /tmp/count (a file of the bundle's rootfs, so the host
# reads it as $BUNDLE/rootfs/tmp/count whatever the container's stdout is), then prints
# "tick N" to stdout, every 0.1 s, for ever. The counter lives in the shell's memory only: a
# restore that lost the memory would start again from 0. A dump between the two writes of N
# leaves N in the file while "tick N" comes after the restore: the first tick after a restore
# is the file's last number or the next one.
TICK_LOOP='i=0; while true; do echo "$i" >>/tmp/count; echo "tick $i"; i=$((i + 1)); sleep 0.1; done'

# tick_until N STATUS: like TICK_LOOP but stops after tick N-1 and exits with STATUS.
tick_until() {
    echo "i=0; while [ \$i -lt $1 ]; do echo \"\$i\" >>/tmp/count; echo \"tick \$i\"; i=\$((i + 1)); sleep 0.1; done; exit $2"
}

# runc_setup: per-test state; call from setup after helpers_setup.
runc_setup() {
    RUNC_ROOT=$TEST_DIR/runc-root
    mkdir -p "$RUNC_ROOT"
    # Unique to this test and this run: container ids and jids (and so default log names).
    UNIQ=t${BATS_TEST_NUMBER}x$$x$RANDOM
    CONTAINERS=()
    JOB_LOGS=()
    TRACKED=()
}

# runc_cleanup: per-test cleanup; call from teardown before helpers_teardown.
runc_cleanup() {
    local id state i
    # Also what the test's own runc root holds but it did not record (e.g. a container a
    # command made before the test failed): nothing else uses that root.
    local -a listed=()
    mapfile -t listed < <("$RUNC" --root "$RUNC_ROOT" list -q 2>/dev/null)
    CONTAINERS+=("${listed[@]}")
    # Newest first: a workload before the sidecar whose namespaces (and cgroup) it uses.
    local -a ids=()
    for ((i = ${#CONTAINERS[@]} - 1; i >= 0; i--)); do
        ids+=("${CONTAINERS[i]}")
    done
    for id in "${ids[@]}"; do
        state=$("$RUNC" --root "$RUNC_ROOT" state "$id" 2>/dev/null | jq -r .status 2>/dev/null) || state=
        [[ $state == paused ]] && "$RUNC" --root "$RUNC_ROOT" resume "$id" >/dev/null 2>&1
        [[ -n $state ]] && "$RUNC" --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
        # A container whose state runc cannot read any more: its directory only.
        [[ -z $state && -d $RUNC_ROOT/$id ]] && "$RUNC" --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
    done
    kill_tracked
    # Empty cgroups named after this test's containers (the ids are unique to this test).
    for id in "${CONTAINERS[@]}"; do
        find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -depth -type d -name "$id" -exec rmdir {} \; 2>/dev/null || true
    done
    CONTAINERS=()
    local log
    for log in "${JOB_LOGS[@]}"; do
        rm -f "$log"
    done
    JOB_LOGS=()
    # Mounts a failed restore may have left under the test's directory, deepest first.
    local mnt
    for ((i = 0; i < 3; i++)); do
        mnt=$(mounts_under "$TEST_DIR" | sort -r)
        [[ -z $mnt ]] && break
        while IFS= read -r m; do
            umount -l "$m" 2>/dev/null || true
        done <<<"$mnt"
    done
    return 0
}

# cid NAME: a container id (and jid) unique to this test.
cid() {
    echo "${1}_$UNIQ"
}

# own ID...: teardown removes these containers (runc delete -f).
own() {
    CONTAINERS+=("$@")
}

# default_log JID: the default log of a job; teardown removes it.
default_log() {
    JOB_LOGS+=("/var/log/cedana-output-$1.log")
    echo "/var/log/cedana-output-$1.log"
}

# ---------------------------------------------------------------------------
# Bundles

# _base_rootfs: a root filesystem made of the host's static busybox, built once per file.
_base_rootfs() {
    local base=$BATS_FILE_TMPDIR/base-rootfs
    if [[ ! -x $base/bin/busybox ]]; then
        file -L "$BUSYBOX" | grep -q 'statically linked' || fail "$BUSYBOX is not statically linked"
        rm -rf "$base.tmp"
        mkdir -p "$base.tmp"/{bin,proc,sys,dev,tmp,etc,share,root}
        cp "$BUSYBOX" "$base.tmp/bin/busybox"
        local applet
        for applet in $("$BUSYBOX" --list); do
            [[ $applet == busybox ]] || ln -s busybox "$base.tmp/bin/$applet"
        done
        echo 'root:x:0:0:root:/root:/bin/sh' >"$base.tmp/etc/passwd"
        echo 'root:x:0:' >"$base.tmp/etc/group"
        mv "$base.tmp" "$base"
    fi
    echo "$base"
}

# make_bundle DIR [options] -- COMMAND: a bundle in DIR: DIR/rootfs (a copy of the busybox
# root filesystem) and DIR/config.json from `runc spec`, with no terminal, a writable root
# (given by its absolute path), and COMMAND run by /bin/sh -c. Options:
#   --ns TYPE=PATH     join the namespace TYPE (network, pid, ipc, uts, cgroup, mount) at PATH
#   --new-ns TYPE      a private namespace TYPE (added if the spec lacks it, e.g. cgroup)
#   --no-ns TYPE       no namespace TYPE at all (the host's), e.g. --no-ns network
#   --bind SRC:DEST    bind-mount the host directory SRC at DEST (rbind, rw)
#   --tmpfs DEST:SIZE  a tmpfs of SIZE (e.g. 1100m) at DEST
#   --cgroups-path P   linux.cgroupsPath (relative: under runc's own cgroup in each hierarchy)
#   --hostname NAME    the container's hostname ("" drops it)
# Sets BUNDLE to DIR.
make_bundle() {
    local dir=$1
    shift
    local -a filters=() args=()
    local n=0 opt val type path
    while (($#)); do
        opt=$1
        shift
        case $opt in
        --) break ;;
        --ns)
            val=$1
            shift
            type=${val%%=*} path=${val#*=}
            args+=(--arg "t$n" "$type" --arg "p$n" "$path")
            filters+=(".linux.namespaces |= (map(select(.type != \$t$n)) + [{type: \$t$n, path: \$p$n}])")
            n=$((n + 1))
            ;;
        --new-ns)
            args+=(--arg "t$n" "$1")
            filters+=(".linux.namespaces |= (map(select(.type != \$t$n)) + [{type: \$t$n}])")
            shift
            n=$((n + 1))
            ;;
        --no-ns)
            args+=(--arg "t$n" "$1")
            filters+=(".linux.namespaces |= map(select(.type != \$t$n))")
            shift
            n=$((n + 1))
            ;;
        --bind)
            val=$1
            shift
            args+=(--arg "s$n" "${val%%:*}" --arg "d$n" "${val#*:}")
            filters+=(".mounts += [{destination: \$d$n, type: \"bind\", source: \$s$n, options: [\"rbind\", \"rw\"]}]")
            n=$((n + 1))
            ;;
        --tmpfs)
            val=$1
            shift
            args+=(--arg "d$n" "${val%%:*}" --arg "z$n" "size=${val#*:}")
            filters+=(".mounts += [{destination: \$d$n, type: \"tmpfs\", source: \"tmpfs\", options: [\"nosuid\", \"nodev\", \"mode=1777\", \$z$n]}]")
            n=$((n + 1))
            ;;
        --cgroups-path)
            args+=(--arg "c$n" "$1")
            filters+=(".linux.cgroupsPath = \$c$n")
            shift
            n=$((n + 1))
            ;;
        --hostname)
            args+=(--arg "h$n" "$1")
            filters+=("if \$h$n == \"\" then del(.hostname) else .hostname = \$h$n end")
            shift
            n=$((n + 1))
            ;;
        *) fail "make_bundle: unknown option $opt" ;;
        esac
    done
    (($#)) || fail "make_bundle: no command"
    local cmd=$*
    mkdir -p "$dir"
    cp -a "$(_base_rootfs)" "$dir/rootfs"
    rm -f "$dir/config.json"
    (cd "$dir" && "$RUNC" spec) || fail "runc spec failed in $dir"
    local filter='.process.terminal = false | .process.args = ["/bin/sh", "-c", $cmd] | .root.path = $root | .root.readonly = false | .process.cwd = "/"'
    local f
    for f in "${filters[@]}"; do
        filter+=" | $f"
    done
    jq --arg cmd "$cmd" --arg root "$dir/rootfs" "${args[@]}" "$filter" "$dir/config.json" >"$dir/config.json.new" ||
        fail "make_bundle: jq failed on $filter"
    mv "$dir/config.json.new" "$dir/config.json"
    BUNDLE=$dir
}

# count_file BUNDLE: where the tick loop of BUNDLE's container writes its counter.
count_file() {
    echo "$1/rootfs/tmp/count"
}

# ---------------------------------------------------------------------------
# runc

# runc_r ARGS...: runc with this test's state directory.
runc_r() {
    "$RUNC" --root "$RUNC_ROOT" "$@"
}

# runc_detached ID BUNDLE [OUT]: `runc run -d` under a shim (see _shim), with stdin /dev/null
# and stdout and stderr on /dev/null, or, with OUT, on a pipe to a `cat >OUT` (a container
# whose stdio is a regular host file cannot be checkpointed; one on a pipe restores with its
# output on the restorer's new pipes). Waits until runc lists it running. Records the container
# and tracks its init. Sets CPID.
runc_detached() {
    local id=$1 bundle=$2 out=${3:-} i
    own "$id"
    local rcfile=$TEST_DIR/runc-$id.rc
    rm -f "$rcfile"
    _shim "$rcfile" "$out" "$RUNC" --root "$RUNC_ROOT" --log "$TEST_DIR/runc-$id.log" run -d --bundle "$bundle" "$id"
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        [[ -s $rcfile ]] && break
        sleep 0.05
    done
    [[ -s $rcfile ]] || fail "runc run -d $id did not return within 10 s"
    [[ $(cat "$rcfile") == 0 ]] || fail "runc run -d $id failed (status $(cat "$rcfile")): $(cat "$TEST_DIR/runc-$id.log" 2>/dev/null)"
    wait_container_status "$id" running
    CPID=$(container_pid "$id")
    track "$CPID"
}

# _shim RCFILE OUT COMMAND...: runs COMMAND (a `runc run -d`) in the background under a child
# subreaper, as containerd's shim does: the container's init, orphaned when runc returns, is
# adopted by the shim, which reaps it as soon as it dies and exits once it has no children
# left. Without it the init would go to PID 1, which need not reap it soon, and its zombie
# would keep its PID: in a PID namespace shared with a sidecar, the restore of that PID would
# fail ("Can't fork for N: File exists"). Writes COMMAND's exit status to RCFILE when it
# returns. Stdin /dev/null; stdout and stderr /dev/null, or a pipe to `cat >OUT` when OUT is
# not empty, or the host file F itself when OUT is file:F; no other descriptor inherited. The shim's PID goes to TEST_PIDS.
_shim() {
    local rcfile=$1 out=$2 nr
    shift 2
    case "$(uname -m)" in
    x86_64) nr=157 ;;
    aarch64 | arm64) nr=167 ;;
    *) fail "unknown prctl syscall number on $(uname -m)" ;;
    esac
    local sfd
    if [[ $out == file:* ]]; then
        exec {sfd}>>"${out#file:}"
    elif [[ -n $out ]]; then
        exec {sfd}> >(close_inherited_fds && exec cat >"$out")
    else
        exec {sfd}>/dev/null
    fi
    (
        close_inherited_fds
        exec perl -e '
            my ($nr, $rcfile, @cmd) = @ARGV;
            syscall($nr, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n";
            my $pid = fork() // die "fork: $!\n";
            if ($pid == 0) { exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!\n"; }
            while ((my $p = wait()) > 0) {
                next unless $p == $pid;
                my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
                open(my $fh, ">", "$rcfile.tmp") or die; print $fh "$rc\n"; close($fh);
                rename("$rcfile.tmp", $rcfile);
            }' "$nr" "$rcfile" "$@"
    ) </dev/null >&"$sfd" 2>&"$sfd" 3>&- &
    TEST_PIDS+=($!)
    exec {sfd}>&-
}

# container_field ID FIELD: FIELD (id, pid, status, bundle, ...) of ID in `runc list -f json`;
# empty when runc does not list ID.
container_field() {
    runc_r list -f json 2>/dev/null | jq -r --arg id "$1" --arg f "$2" '(. // [])[] | select(.id == $id) | .[$f] | tostring'
}

container_pid() { container_field "$1" pid; }
container_status() { container_field "$1" status; }

# container_ids: every container id in this test's runc root, sorted, one a line.
container_ids() {
    runc_r list -q 2>/dev/null | sort
}

# wait_container_status ID STATUS: waits (10 s) until `runc list` shows ID with STATUS.
wait_container_status() {
    local id=$1 want=$2 i got=
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        got=$(container_status "$id")
        [[ $got == "$want" ]] && return 0
        sleep 0.05
    done
    fail "container $id did not become $want within 10 s (runc list says '${got:-nothing}'):
$(runc_r list 2>&1)"
}

# assert_container_running ID [PID]: runc lists ID as running (with init PID, when given),
# and the init exists.
assert_container_running() {
    local id=$1 want_pid=${2:-} status pid
    status=$(container_status "$id")
    [[ $status == running ]] || fail "runc list shows $id as '${status:-nothing}', not running:
$(runc_r list 2>&1)"
    pid=$(container_pid "$id")
    [[ -z $want_pid || $pid == "$want_pid" ]] || fail "runc list shows $id with PID $pid, expected $want_pid"
    [[ $(pid_state "$pid") =~ ^[RSD]$ ]] || fail "the init $pid of $id is not alive (state '$(pid_state "$pid")')"
}

# assert_no_container ID: runc does not know ID (no row in list, no state directory).
assert_no_container() {
    local id=$1
    [[ -z $(container_status "$id") ]] || fail "runc still lists $id: $(runc_r list 2>&1)"
    [[ ! -e $RUNC_ROOT/$id ]] || fail "$RUNC_ROOT/$id is still there: $(ls -lA "$RUNC_ROOT/$id")"
}

# wait_container_gone ID: waits (10 s) until runc does not list ID any more.
wait_container_gone() {
    local id=$1 i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        [[ -z $(container_status "$id") && ! -e $RUNC_ROOT/$id ]] && return 0
        sleep 0.05
    done
    fail "container $id is still there 10 s later: $(runc_r list 2>&1)"
}

# ns_of PID TYPE: the namespace link of PID (e.g. net:[4026532183]).
ns_of() {
    readlink "/proc/$1/ns/$2"
}

# mounts_under DIR: mountpoints in this shell's mount namespace at or below DIR.
mounts_under() {
    awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# assert_no_mounts_under DIR: nothing is left mounted at or below DIR.
assert_no_mounts_under() {
    local left
    left=$(mounts_under "$1")
    [[ -z $left ]] || fail "still mounted under $1:
$left"
}

# ---------------------------------------------------------------------------
# Counters

# counter_numbers FILE: the numbers of FILE, one a line: N of "tick N" lines, or lines that are
# numbers themselves; other lines are ignored.
counter_numbers() {
    sed -n -E 's/^(tick )?([0-9]+)$/\2/p' "$@" 2>/dev/null
}

# counter_len FILE...: how many numbers FILE... hold.
counter_len() {
    counter_numbers "$@" | wc -l
}

# counter_last FILE: the last number of FILE (empty when none).
counter_last() {
    counter_numbers "$1" | tail -n 1
}

# wait_counter FILE N: waits (10 s) until FILE holds at least N numbers.
wait_counter() {
    local file=$1 n=$2 i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        (($(counter_len "$file") >= n)) && return 0
        sleep 0.05
    done
    fail "$file did not reach $n numbers within 10 s; it holds:
$(tail -n 20 "$file" 2>/dev/null)"
}

# assert_counter_seq FROM FILE...: the numbers of FILE... (concatenated) are FROM, FROM+1, ...
# without gaps: the counter never started again. One number may show twice in a row (a line in
# flight in the stdout pipe at the dump is written once by the original reader and again after
# the restore); nothing else.
assert_counter_seq() {
    local from=$1
    shift
    local problem
    problem=$(counter_numbers "$@" | awk -v from="$from" '
        NR == 1 { if ($1 != from) { printf "starts with %s, expected %s", $1, from; exit } prev = $1; next }
        $1 == prev + 1 { prev = $1; next }
        $1 == prev && dups == 0 { dups = 1; next }
        { printf "after %s comes %s (line %d)", prev, $1, NR; exit }
        END { if (NR == 0) printf "holds no numbers" }')
    [[ -z $problem ]] || fail "the counter in $* $problem:
$(counter_numbers "$@" | tr '\n' ' ' | tail -c 600)"
}

# assert_counter_went_on BEFORE FILE...: FILE... gain at least 3 numbers past BEFORE (how many
# they held at the dump), and the whole sequence runs on from 0 without restarting.
assert_counter_went_on() {
    local before=$1
    shift
    local i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        (($(counter_len "$@") >= before + 3)) && break
        sleep 0.05
    done
    (($(counter_len "$@") >= before + 3)) || fail "$* did not go on past $before numbers within 10 s: $(counter_numbers "$@" | tail -n 5 | tr '\n' ' ')"
    assert_counter_seq 0 "$@"
}

# assert_counter_stays FILE: FILE does not grow for a second (the container is frozen).
assert_counter_stays() {
    local file=$1 before after
    before=$(counter_len "$file")
    sleep 1
    after=$(counter_len "$file")
    [[ $after == "$before" ]] || fail "$file went on from $before to $after numbers while frozen"
}

# assert_counter_grows FILE: FILE gains at least two numbers within 10 s.
assert_counter_grows() {
    local file=$1
    wait_counter "$file" $(($(counter_len "$file") + 2))
}

# ---------------------------------------------------------------------------
# cedana

# parse_started [JID]: "Started job JID (PID P), output in LOG" (or "output on its terminal",
# LOG empty) is the last line of $output; sets JOB_JID, JOB_PID, JOB_LOG; tracks the PID.
parse_started() {
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\), output (in (.+)|on its terminal)$'
    [[ ${#lines[@]} -gt 0 && ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    JOB_JID=${BASH_REMATCH[1]}
    JOB_PID=${BASH_REMATCH[2]}
    JOB_LOG=${BASH_REMATCH[4]}
    [[ -z ${1:-} || $JOB_JID == "$1" ]] || fail "started job $JOB_JID, expected $1"
    track "$JOB_PID"
}

# run_container ID BUNDLE [cedana run runc args]: `cedana run runc ID --bundle BUNDLE --root
# $RUNC_ROOT --jid ID`, asserts the Started line, waits until runc lists ID running with the
# job's PID. Sets JOB_JID, JOB_PID, JOB_LOG.
run_container() {
    local id=$1 bundle=$2
    shift 2
    own "$id"
    [[ " $* " == *" --out "* ]] || default_log "$id" >/dev/null
    cedana_cli run runc "$id" --bundle "$bundle" --root "$RUNC_ROOT" --jid "$id" "$@"
    assert_success
    parse_started "$id"
    wait_container_status "$id" running
    assert_container_running "$id" "$JOB_PID"
}

# cedana_dump_out: sets DUMP_PATH from the last line of a successful dump ("Dumped to PATH").
cedana_dump_out() {
    DUMP_PATH=
    if [[ $status -eq 0 && ${#lines[@]} -gt 0 ]]; then
        DUMP_PATH=$(awk '{print $NF}' <<<"${lines[${#lines[@]} - 1]}")
        [[ ${lines[${#lines[@]} - 1]} == "Dumped to "* ]] || fail "the last line of the dump is not 'Dumped to PATH': $output"
    fi
}

# dump_runc ID [args]: `cedana dump runc ID --root $RUNC_ROOT`; on success sets DUMP_PATH.
dump_runc() {
    local id=$1
    shift
    cedana_cli dump runc "$id" --root "$RUNC_ROOT" "$@"
    cedana_dump_out
}

# dump_job JID [args]: `cedana dump job JID`; on success sets DUMP_PATH.
dump_job() {
    local jid=$1
    shift
    cedana_cli dump job "$jid" "$@"
    cedana_dump_out
}

# restore_runc PATH BUNDLE [args]: `cedana restore runc --path PATH --bundle BUNDLE --root
# $RUNC_ROOT`. On success sets RESTORED_PID from the output's "Restored ... PID P" line.
restore_runc() {
    local path=$1 bundle=$2
    shift 2
    cedana_cli restore runc --path "$path" --bundle "$bundle" --root "$RUNC_ROOT" "$@"
    parse_restored
}

# parse_restored: RESTORED_PID from a successful restore's "Restored ... PID P ..." line.
parse_restored() {
    RESTORED_PID=
    [[ $status -eq 0 ]] || return 0
    local line re='^Restored .*PID ([0-9]+)'
    for line in "${lines[@]}"; do
        if [[ $line =~ $re ]]; then
            RESTORED_PID=${BASH_REMATCH[1]}
        fi
    done
    [[ -n $RESTORED_PID ]] || fail "no 'Restored ... PID N' line in: $output"
    track "$RESTORED_PID"
}

# cli_to OUT ARGS...: `cedana ARGS` against this test's daemon, stdin /dev/null, stdout to OUT,
# stderr to OUT.err, bounded by RUNC_CLI_TIMEOUT; sets CLI_RC. (A container left running by a
# --detach CLI may keep the CLI's stdout open: never capture it through a pipe.)
cli_to() {
    local out=$1
    shift
    CLI_RC=0
    timeout "$RUNC_CLI_TIMEOUT" "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR" \
        </dev/null >"$out" 2>"$out.err" 3>&- || CLI_RC=$?
}

# cli_bg OUT ARGS...: like cli_to in the background; sets CLI_PID.
cli_bg() {
    local out=$1
    shift
    timeout "$RUNC_CLI_TIMEOUT" "$CEDANA" "$@" --address "$SOCK" --config-dir "$CFG_DIR" \
        </dev/null >"$out" 2>"$out.err" 3>&- &
    CLI_PID=$!
    track "$CLI_PID"
}

# wait_cli PID: waits for a background CLI; sets CLI_RC.
wait_cli() {
    CLI_RC=0
    wait "$1" || CLI_RC=$?
}

# assert_rc WANT OUT: CLI_RC is WANT, else fails showing OUT and OUT.err.
assert_rc() {
    local want=$1 out=$2
    [[ $CLI_RC -ne 124 ]] || fail "the CLI hung: killed after $RUNC_CLI_TIMEOUT s; stdout: $(cat "$out" 2>/dev/null) stderr: $(cat "$out.err" 2>/dev/null)"
    [[ $CLI_RC -eq $want ]] || fail "exit status $CLI_RC, expected $want; stdout:
$(cat "$out" 2>/dev/null)
stderr:
$(cat "$out.err" 2>/dev/null)"
}

# job_jids: every jid `cedana ps` lists, sorted, one a line.
job_jids() {
    "$CEDANA" ps --address "$SOCK" --config-dir "$CFG_DIR" | tail -n +2 | awk '{print $1}' | sort
}

# assert_no_job JID: `cedana ps` has no row for JID.
assert_no_job() {
    ps_row "$1"
    [[ $PS_COUNT -eq 0 ]] || fail "ps lists $1: $PS_ROW"
}

# assert_job_live JID PID: ps has one row for JID, of type runc, with PID and a live status.
assert_job_live() {
    local jid=$1 pid=$2
    ps_row "$jid"
    [[ $PS_COUNT -eq 1 ]] || fail "ps lists $jid $PS_COUNT times"
    assert_equal "$(ps_col TYPE)" runc
    assert_equal "$(ps_col PID)" "$pid"
    [[ $(ps_col STATUS) =~ ^(running|sleep)$ ]] || fail "status of $jid is '$(ps_col STATUS)': $PS_ROW"
}

# wait_job_live JID: waits (10 s) until ps shows JID running or sleeping.
wait_job_live() {
    local jid=$1 i got=
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        ps_row "$jid"
        got=$(ps_col STATUS)
        [[ $got =~ ^(running|sleep)$ ]] && return 0
        sleep 0.05
    done
    fail "job $jid did not come back to running/sleep within 10 s (status '$got'; row '$PS_ROW')"
}

# ---------------------------------------------------------------------------
# Terminals (process.terminal and --console-socket)

# TTY_LOOP: TICK_LOOP on a terminal: says whether stdin and stdout are one, echoes "got:LINE"
# for each line typed into it, and ticks.
TTY_LOOP='if [ -t 0 ] && [ -t 1 ]; then echo on-a-terminal; fi; i=0; while true; do if read -t 0.1 line; then echo "got:$line"; fi; echo "$i" >>/tmp/count; echo "tick $i"; i=$((i + 1)); done'

# terminal_bundle DIR: a bundle in DIR running TTY_LOOP with process.terminal true. Sets BUNDLE.
terminal_bundle() {
    make_bundle "$1" -- "$TTY_LOOP"
    jq '.process.terminal = true' "$1/config.json" >"$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# console_receiver SOCKET LOG [LINE]: the other end of --console-socket SOCKET in the
# background (console_receiver.py), once it listens: it copies what the container writes to
# its terminal to LOG and types LINE into it. Its PID (RECEIVER_PID) goes to TEST_PIDS.
console_receiver() {
    local sock=$1 log=$2 i
    rm -f "$sock.ready"
    (
        close_inherited_fds
        exec python3 "$BATS_TEST_DIRNAME/console_receiver.py" "$sock" "$log" "$sock.ready" "${@:3}"
    ) </dev/null >>"$log.err" 2>&1 &
    RECEIVER_PID=$!
    TEST_PIDS+=("$RECEIVER_PID")
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        [[ -e $sock.ready ]] && return 0
        sleep 0.05
    done
    fail "the console receiver on $sock did not listen within 10 s: $(cat "$log.err" 2>/dev/null)"
}

# terminal_text LOG: what a receiver logged, without the terminal's carriage returns.
terminal_text() {
    tr -d '\r' <"$1" 2>/dev/null
}

# wait_terminal_line LOG LINE: waits (10 s) until the terminal's output in LOG has the line LINE.
wait_terminal_line() {
    local log=$1 line=$2 i
    for ((i = 0; i < WORKLOAD_WAIT_POLLS; i++)); do
        terminal_text "$log" | grep -qxF -- "$line" && return 0
        sleep 0.05
    done
    fail "the terminal's output in $log did not show \"$line\" within 10 s; it holds:
$(terminal_text "$log" | tail -n 20)"
}
