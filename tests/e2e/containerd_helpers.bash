# Helpers for containerd.bats: a containerd of the file's own, images built on the spot, and
# containers made with ctr.
#
# Loaded after helpers.bash. containerd_start (from setup_file) starts a real containerd
# with its own configuration, root, state and socket in a directory of the file's, and a
# namespace unique to the file and this run ($CTD_NS), so that no other containerd user of
# the machine is touched; containerd_stop (teardown_file) removes what the file made in that
# namespace, checks that `ctr namespace rm` of it succeeds (nothing left: no container,
# task, image, snapshot, lease or content), and stops containerd by its PID.

CONTAINERD=${CONTAINERD:-containerd}
CTR=${CTR:-ctr}
BUSYBOX=${BUSYBOX:-/bin/busybox}
# The file's image, imported into $CTD_NS.
CTD_IMAGE=docker.io/cedana-test/busybox:latest

# The standard workload: appends N to /tmp/count in the container every 0.1 s.
CTD_TICK='i=0; while true; do echo "$i" >>/tmp/count; i=$((i + 1)); sleep 0.1; done'

# ctr_ ARGS...: ctr against the file's containerd, in its namespace.
ctr_() {
    "$CTR" -a "$CTD_SOCK" -n "$CTD_NS" "$@"
}

# containerd_start: the file's containerd, once it answers. Exports CTD_DIR, CTD_SOCK,
# CTD_NS, CTD_PID and CEDANA_CONTAINERD_ADDRESS (for the daemons the tests start).
containerd_start() {
    # Short: the socket's path must fit in sun_path.
    CTD_DIR=$(mktemp -d /tmp/cedana-ctd.XXXXXX)
    CTD_SOCK=$CTD_DIR/containerd.sock
    CTD_NS=cedana-test-$$-$RANDOM
    export CTD_DIR CTD_SOCK CTD_NS
    export CEDANA_CONTAINERD_ADDRESS=$CTD_SOCK
    cat >"$CTD_DIR/config.toml" <<TOML
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CTD_SOCK"

[ttrpc]
  address = "$CTD_SOCK.ttrpc"
TOML
    (
        close_inherited_fds
        exec setsid "$CONTAINERD" --config "$CTD_DIR/config.toml"
    ) </dev/null >"$CTD_DIR/containerd.log" 2>&1 &
    CTD_PID=$!
    export CTD_PID
    disown "$CTD_PID"
    local i
    for ((i = 0; i < 200; i++)); do
        "$CTR" -a "$CTD_SOCK" version >/dev/null 2>&1 && return 0
        kill -0 "$CTD_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "containerd did not answer on $CTD_SOCK within 10 s; its log:" >&2
    tail -n 30 "$CTD_DIR/containerd.log" >&2
    return 1
}

# containerd_stop: removes the namespace's tasks, containers and images, checks that the
# namespace can then be removed, and stops the file's containerd (by its PID, once it is
# sure the PID is still that containerd).
containerd_stop() {
    [[ -n ${CTD_PID:-} ]] || return 0
    local id problem=
    for id in $(ctr_ task ls -q 2>/dev/null); do
        ctr_ task kill -s KILL "$id" >/dev/null 2>&1
        ctr_ task rm -f "$id" >/dev/null 2>&1
    done
    for id in $(ctr_ containers ls -q 2>/dev/null); do
        ctr_ containers rm "$id" >/dev/null 2>&1
    done
    for id in $(ctr_ images ls -q 2>/dev/null); do
        ctr_ images rm --sync "$id" >/dev/null 2>&1
    done
    if ctr_ namespaces ls -q 2>/dev/null | grep -qxF "$CTD_NS"; then
        "$CTR" -a "$CTD_SOCK" namespaces rm "$CTD_NS" >"$CTD_DIR/ns-rm.out" 2>&1 ||
            problem="ctr namespace rm $CTD_NS failed: something was left in it: $(cat "$CTD_DIR/ns-rm.out")"
    fi
    if grep -qF "$CTD_DIR/config.toml" "/proc/$CTD_PID/cmdline" 2>/dev/null; then
        kill -TERM "$CTD_PID" 2>/dev/null
        local i
        for ((i = 0; i < 200; i++)); do
            [[ -e /proc/$CTD_PID ]] || break
            [[ $(pid_state "$CTD_PID") == Z ]] && break
            sleep 0.05
        done
        [[ -e /proc/$CTD_PID && $(pid_state "$CTD_PID") != Z ]] && kill -KILL "$CTD_PID" 2>/dev/null
    fi
    # runc's state of the namespace's containers: empty once they are gone; the directory
    # is the namespace's, unique to this file.
    local runc_dir=/run/containerd/runc/$CTD_NS
    if [[ -d $runc_dir ]]; then
        [[ -z $(ls -A "$runc_dir") ]] || problem+=" runc state left in $runc_dir: $(ls -A "$runc_dir" | tr '\n' ' ')"
        rmdir "$runc_dir" 2>/dev/null
    fi
    # containerd's root holds overlay mounts of its snapshots until it is gone.
    local mnt
    mnt=$(awk -v d="$CTD_DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    [[ -n $mnt ]] && while IFS= read -r m; do umount -l "$m" 2>/dev/null; done <<<"$mnt"
    rm -rf "$CTD_DIR"
    [[ -z $problem ]] || {
        echo "$problem" >&2
        return 1
    }
}

# ---------------------------------------------------------------------------
# Images

# _sha FILE: the sha256 hex digest of FILE.
_sha() {
    sha256sum "$1" | awk '{print $1}'
}

# _blob LAYOUT FILE: moves FILE into LAYOUT's blobs as its digest; prints the digest.
_blob() {
    local hex
    hex=$(_sha "$2")
    mv "$2" "$1/blobs/sha256/$hex"
    echo "$hex"
}

# busybox_rootfs DIR: a root filesystem of the host's static busybox in DIR.
busybox_rootfs() {
    local dir=$1 applet
    file -L "$BUSYBOX" | grep -q 'statically linked' || fail "$BUSYBOX is not statically linked"
    mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root}
    cp "$BUSYBOX" "$dir/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [[ $applet == busybox ]] || ln -s busybox "$dir/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
    echo 'root:x:0:' >"$dir/etc/group"
}

# build_image REF: an OCI image REF (a busybox root filesystem in one gzip layer) imported
# into the file's namespace.
build_image() {
    local ref=$1 work=$CTD_DIR/image-build arch
    case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
    esac
    rm -rf "$work"
    mkdir -p "$work/layout/blobs/sha256"
    busybox_rootfs "$work/rootfs"
    tar -C "$work/rootfs" --numeric-owner --owner=0 --group=0 -cf "$work/layer.tar" .
    local diff_id layer layer_size config config_size manifest manifest_size
    diff_id=$(_sha "$work/layer.tar")
    gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
    layer_size=$(stat -c %s "$work/layer.tar.gz")
    layer=$(_blob "$work/layout" "$work/layer.tar.gz")
    jq -n --arg arch "$arch" --arg diff "sha256:$diff_id" \
        '{architecture: $arch, os: "linux", config: {Env: ["PATH=/bin"], Cmd: ["/bin/sh"], WorkingDir: "/"},
          rootfs: {type: "layers", diff_ids: [$diff]}}' >"$work/config.json"
    config_size=$(stat -c %s "$work/config.json")
    config=$(_blob "$work/layout" "$work/config.json")
    jq -n --arg config "sha256:$config" --argjson csize "$config_size" --arg layer "sha256:$layer" --argjson lsize "$layer_size" \
        '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $csize},
          layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $lsize}]}' >"$work/manifest.json"
    manifest_size=$(stat -c %s "$work/manifest.json")
    manifest=$(_blob "$work/layout" "$work/manifest.json")
    jq -n --arg m "sha256:$manifest" --argjson msize "$manifest_size" --arg ref "$ref" --arg arch "$arch" \
        '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $msize,
          platform: {architecture: $arch, os: "linux"}, annotations: {"io.containerd.image.name": $ref}}]}' >"$work/layout/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
    tar -C "$work/layout" -cf "$work/image.tar" .
    ctr_ images import "$work/image.tar" >"$work/import.out" 2>&1 || fail "ctr image import failed: $(cat "$work/import.out")"
    rm -rf "$work"
}

# ---------------------------------------------------------------------------
# Containers

# ctd_id NAME: a container id unique to this test.
ctd_id() {
    echo "${1}-t${BATS_TEST_NUMBER}x$$"
}

# ctr_run ID [COMMAND]: `ctr run -d` of the file's image as ID running COMMAND (default
# CTD_TICK) under sh -c; waits until its task runs. Sets CTD_TASK_PID.
ctr_run() {
    local id=$1 cmd=${2:-$CTD_TICK} i
    ctr_ run -d "$CTD_IMAGE" "$id" /bin/sh -c "$cmd" >/dev/null 2>"$TEST_DIR/ctr-run-$id.err" ||
        fail "ctr run $id failed: $(cat "$TEST_DIR/ctr-run-$id.err")"
    for ((i = 0; i < 200; i++)); do
        [[ $(task_field "$id" STATUS) == RUNNING ]] && break
        sleep 0.05
    done
    [[ $(task_field "$id" STATUS) == RUNNING ]] || fail "the task of $id is not running: $(ctr_ task ls)"
    CTD_TASK_PID=$(task_field "$id" PID)
}

# task_field ID COLUMN: COLUMN (PID or STATUS) of ID's row in `ctr task ls`.
task_field() {
    ctr_ task ls 2>/dev/null | awk -v id="$1" -v col="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
        $1 == id { print $idx[col] }'
}

# ctr_remove ID: kills and removes ID's task and the container.
ctr_remove() {
    ctr_ task kill -s KILL "$1" >/dev/null 2>&1
    local i
    for ((i = 0; i < 200; i++)); do
        [[ $(task_field "$1" STATUS) == STOPPED || -z $(task_field "$1" STATUS) ]] && break
        sleep 0.05
    done
    ctr_ task rm -f "$1" >/dev/null 2>&1
    ctr_ containers rm "$1" >/dev/null 2>&1
}

# container_count PID: how many numbers the tick loop of the container whose init is PID
# has written (its /tmp/count, seen through /proc/PID/root).
container_count() {
    wc -l <"/proc/$1/root/tmp/count" 2>/dev/null || echo 0
}

# wait_count PID N: waits (10 s) until the container whose init is PID has counted to N.
wait_count() {
    local i
    for ((i = 0; i < 200; i++)); do
        (($(container_count "$1") >= $2)) && return 0
        sleep 0.05
    done
    fail "the container of PID $1 did not count to $2 within 10 s (it is at $(container_count "$1"))"
}

# ---------------------------------------------------------------------------
# run, dump, restore

# parse_started [JID]: "Started job JID (PID P), output in LOG" is the last line of $output;
# sets JOB_JID, JOB_PID, JOB_LOG.
parse_started() {
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\), output in (.+)$'
    [[ ${#lines[@]} -gt 0 && ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    JOB_JID=${BASH_REMATCH[1]}
    JOB_PID=${BASH_REMATCH[2]}
    JOB_LOG=${BASH_REMATCH[3]}
    [[ -z ${1:-} || $JOB_JID == "$1" ]] || fail "started job $JOB_JID, expected $1"
}


# cedana_dump_out: DUMP_PATH from the last line of a successful dump ("Dumped to PATH").
cedana_dump_out() {
    DUMP_PATH=
    [[ $status -eq 0 ]] || return 0
    [[ ${lines[${#lines[@]} - 1]} == "Dumped to "* ]] || fail "the last line of the dump is not 'Dumped to PATH': $output"
    DUMP_PATH=$(awk '{print $NF}' <<<"${lines[${#lines[@]} - 1]}")
}

# parse_restored: RESTORED_PID from "Restored ... PID P".
parse_restored() {
    RESTORED_PID=
    local line re='^Restored .*PID ([0-9]+)'
    for line in "${lines[@]}"; do
        [[ $line =~ $re ]] && RESTORED_PID=${BASH_REMATCH[1]}
    done
    [[ -n $RESTORED_PID ]] || fail "no 'Restored ... PID N' line in: $output"
}

# ---------------------------------------------------------------------------
# A bats file of containerd tests: its containerd and image (setup_file), a daemon per test
# or one for the file (CEDANA_E2E_SHARED_DAEMON=1), and the test's containers removed after it.
# The file defines setup_file() { containerd_setup_file; } and so on, after loading helpers.

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

containerd_setup_file() {
    for tool in "$CONTAINERD" "$CTR" jq runc; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
    done
    containerd_start
    build_image "$CTD_IMAGE"
    shared_daemon || return 0
    shared_daemon_start
}

containerd_teardown_file() {
    shared_daemon && shared_daemon_stop
    containerd_stop
}

containerd_setup() {
    helpers_setup
    CTD_CONTAINERS=()
    if shared_daemon; then
        SOCK=$SHARED_SOCK
        CFG_DIR=$SHARED_CFG
        export CEDANA_CONFIG_DIR=$CFG_DIR
        DAEMON_PID=$(cat "$SHARED_PID_FILE")
        DAEMON_LOG=$BATS_FILE_TMPDIR/daemon.log
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "the file's daemon (PID $DAEMON_PID) is gone"
    else
        start_daemon
    fi
}

containerd_teardown() {
    local id
    for id in "${CTD_CONTAINERS[@]}"; do
        ctr_remove "$id"
    done
    kill_test_processes
    helpers_teardown
}

# assert_task_counts_on PID [anew]: the restored task's counter goes on from its memory
# (no number missing, none twice but the one in flight at the dump). A container made anew
# has a fresh layer: its count file begins where the memory was, at 5 or more, not at 0.
assert_task_counts_on() {
    local n
    n=$(container_count "$1")
    wait_count "$1" $((n + 3))
    if [[ ${2:-} == anew ]]; then
        run awk 'NR == 1 && $1 < 5 {print "begins at " $1; exit} NR == 1 {f = $1}
            $1 != f + NR - 1 && $1 != f + NR - 2 {print "line " NR ": " $1; exit}' "/proc/$1/root/tmp/count"
    else
        run awk 'NR != $1 + 1 && NR != $1 + 2 {print "line " NR ": " $1; exit}' "/proc/$1/root/tmp/count"
    fi
    assert_output ""
}

# running ID [COMMAND]: a container of the file's image, by ctr; teardown removes it.
running() {
    CTD_CONTAINERS+=("$1")
    ctr_run "$@"
}

