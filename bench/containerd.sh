#!/usr/bin/env bash
# Checkpoint/restore benchmark of containerd containers (issue 11): cedana's containerd plugin
# (daemon + CLI: `cedana dump containerd`, `cedana restore containerd`) against containerd's
# own `ctr containers checkpoint --task` / `ctr containers restore --live`, on the same image
# and container config, in one run; and cedana's capture of a container's writable layer
# against `tar` of that layer.
#
#   bench/containerd.sh [path-to-cedana]            (default: build/cedana)
#
# It starts a containerd of its own (own config, root, state, socket, TMPDIR, all in a fresh
# directory in $BENCH_DIR) and works in a namespace of its own; it never talks to another
# containerd. containerd's runc runs `criu` from PATH: this containerd's PATH starts with a
# directory whose `criu` is $CRIU (CRIU 4.1.1), so both contenders dump and restore with the
# same CRIU. The cedana daemon is started with CEDANA_CONTAINERD_ADDRESS set to that socket.
#
# The image: built here (no download) as an OCI layout from the host's static busybox (plus
# build/bench/memhog and the shared libraries ldd lists for it), imported by `ctr image import`.
# Every measurement uses a fresh container, made the same way for both contenders by
#   ctr run -d --null-io --net-host IMAGE ID CMD...
# (stdio on /dev/null; the host network: CRIU's default network lock runs iptables, which is
# not installed, and ctr has no way to choose another), with CMD
#   small   /bin/sh -c 'while true; do sleep 0.1; done'
#   memhog  /bin/memhog $MEMHOG_MIB (touched, poorly compressible anonymous memory); ready once
#           it holds $MEMHOG_MIB MiB resident and sleeps in pause()
#   layer   /bin/sh -c 'dd if=/dev/urandom of=/data bs=1M count=$LAYER_MIB; touch /ready;
#           while true; do sleep 1; done': a writable layer of $LAYER_MIB MiB
# A fresh container and a fresh checkpoint reference each time: a second `ctr c checkpoint`
# of the same container writes an incomplete image (containerd 1.6.20), and `ctr c restore`
# works once per container.
#
# Timed, wall clock (date +%s%N) around what a user runs, no compression on either side:
#   dump     cedana dump containerd ID --namespace NS --dir D --name N --compression none
#              (ends with the task stopped and deleted, the container kept)
#            vs ctr c checkpoint --task ID REF; ctr t rm -f ID
#              (`ctr c checkpoint --task` leaves the task running; `ctr t rm -f` kills and
#              deletes it, the state cedana's dump ends in: container kept, no task)
#   restore  cedana restore containerd --path P --namespace NS   (onto the kept container)
#            vs ctr c rm ID; ctr c restore --live ID REF
#              (`ctr c restore` recreates the container and fails while it exists:
#              "snapshot already exists"; `ctr c rm` removes it with its snapshot)
#   layer    cedana dump containerd ID --namespace NS --dir D --name N --rootfs-only
#              --compression none   (the container keeps running)
#            vs tar -C UPPERDIR -cf D/N.tar .   (UPPERDIR: the overlay upper dir of the
#              container's rootfs mount, from /proc/self/mountinfo)
# Each ctr command is also timed alone (the second table). The layer has a second row, for
# information: tar followed by `sync OUT.tar` (an fsync of it), what making the layer durable
# would cost; neither cedana's capture nor tar fsyncs, and the target is against tar alone. The
# checkpoint image's content is stored by containerd in its root (here in $BENCH_DIR, like
# cedana's checkpoints).
# A restore counts as done when its command returns; the script then checks that `ctr task ls`
# lists the task RUNNING (for cedana with the PID it printed). Untimed: `sync` before each
# timed command; after each measurement, the container and the checkpoint (`ctr image rm
# --sync REF`; cedana's directory; the ctrd-checkpoint* directory containerd 1.6 leaves in
# its TMPDIR after a restore) are removed. One warm-up round, then $ROUNDS rounds; which
# contender goes first alternates from one case to the next and from one round to the next.
# Prints machine info and a Markdown table of medians with the ratios cedana/ctr (cedana/tar
# for the layer) on stdout; progress goes to stderr.
#
# Environment:
#   ROUNDS=9           measured rounds (after one warm-up round)
#   BENCH_CASES=...    only these cases, comma-separated (default: all of "small,memhog,layer")
#   CONTENDERS=cedana,ctr   only these ("ctr" is containerd's side: ctr, and tar for the layer)
#   MEMHOG_MIB=1024    memory the memhog container holds
#   LAYER_MIB=100      what the layer container writes
#   CEDANA_PROFILE=1   also pass --profiling to cedana and print the medians of its steps
#   BENCH_OUT=FILE     also write the results (Markdown) to FILE
#   BENCH_DIR=/var/tmp where containerd's root and the checkpoints go (~3 x MEMHOG_MIB free);
#                      its path must be short (containerd's socket lives there)
#   CRIU=/opt/cedana/criu/criu   the CRIU containerd's runc finds first in PATH
#   CONTAINERD=containerd  CTR=ctr  MEMHOG=<dir of cedana>/bench/memhog  BUSYBOX=/bin/busybox
#
# Needs root. On exit it removes its tasks, containers and images, then its namespace, stops
# its containerd and daemon by their PIDs, unmounts what is left under its directory and
# removes it.
set -euo pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

ROUNDS=${ROUNDS:-9}
MEMHOG_MIB=${MEMHOG_MIB:-1024}
LAYER_MIB=${LAYER_MIB:-100}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
CRIU=${CRIU:-/opt/cedana/criu/criu}
CONTAINERD=${CONTAINERD:-containerd}
CTR=${CTR:-ctr}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CONTENDERS=${CONTENDERS:-cedana,ctr}
CEDANA_PROFILE=${CEDANA_PROFILE:-0}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not \"$ROUNDS\""
[[ "$MEMHOG_MIB" =~ ^[1-9][0-9]*$ ]] || die "MEMHOG_MIB must be a positive integer, not \"$MEMHOG_MIB\""
[[ "$LAYER_MIB" =~ ^[1-9][0-9]*$ ]] || die "LAYER_MIB must be a positive integer, not \"$LAYER_MIB\""
[[ ",$CONTENDERS," =~ ,(cedana|ctr), ]] || die "CONTENDERS must name cedana, ctr or both, not \"$CONTENDERS\""
want() { [[ ",$CONTENDERS," == *",$1,"* ]]; }

CEDANA=${1:-$HERE/../build/cedana}
if want cedana; then
    [ -x "$CEDANA" ] || die "no cedana binary at $CEDANA (build it first: make build)"
    CEDANA=$(realpath "$CEDANA")
fi
MEMHOG=${MEMHOG:-$(dirname "$CEDANA")/bench/memhog}
[ "$(id -u)" -eq 0 ] || die "checkpointing containers needs root"
command -v "$CONTAINERD" >/dev/null || die "no containerd ($CONTAINERD)"
command -v "$CTR" >/dev/null || die "no ctr ($CTR)"
command -v runc >/dev/null || die "no runc (containerd's runc shim needs it)"
[ -x "$CRIU" ] || die "no CRIU at $CRIU (scripts/provision-criu.sh, or set CRIU)"
file -L "$BUSYBOX" | grep -q 'statically linked' || die "$BUSYBOX is not a static busybox (apt-get install busybox-static)"
for tool in jq tar gzip sha256sum; do command -v "$tool" >/dev/null || die "needs $tool"; done
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$(dirname "$BENCH_OUT")"
    BENCH_OUT=$(realpath "$BENCH_OUT")
fi

CASES=(small memhog layer)
if [ -n "${BENCH_CASES:-}" ]; then
    IFS=, read -r -a CASES <<<"$BENCH_CASES"
    for c in "${CASES[@]}"; do
        [[ "$c" =~ ^(small|memhog|layer)$ ]] || die "BENCH_CASES: \"$c\" is not one of: small, memhog, layer"
    done
fi
NEED_MEMHOG=0
for c in "${CASES[@]}"; do [ "$c" = memhog ] && NEED_MEMHOG=1; done
if [ "$NEED_MEMHOG" = 1 ]; then
    [ -x "$MEMHOG" ] || die "no memhog at $MEMHOG (it is built with the project; or set MEMHOG)"
    MEMHOG=$(realpath "$MEMHOG")
fi

need_mib=$((3 * MEMHOG_MIB + 3 * LAYER_MIB + 512))
avail_mib=$(df --output=avail -BM "$BENCH_DIR" | tail -n 1 | tr -dc 0-9)
[ "$avail_mib" -ge "$need_mib" ] || die "$BENCH_DIR has ${avail_mib} MiB free; the benchmark needs ${need_mib} MiB"
mem_avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem_avail_mib" -ge $((MEMHOG_MIB + 256)) ] || die "only ${mem_avail_mib} MiB of memory available for a ${MEMHOG_MIB} MiB workload"

WORK=$(mktemp -d "$BENCH_DIR/cedana-bench-ctd.XXXXXX")
CTD_SOCK=$WORK/containerd.sock
[ ${#CTD_SOCK} -le 100 ] || {
    rmdir "$WORK"
    die "containerd's socket path $CTD_SOCK is too long for sun_path: use a shorter BENCH_DIR"
}
CK=$WORK/checkpoints
OUT=$WORK/cmd.out
SOCK=$WORK/cedana.sock
NS=cedana-bench-$$
IMAGE=docker.io/cedana-bench/busybox:$$
PREFIX=bench$$
CTD_PID=""
mkdir -p "$CK" "$WORK/bin" "$WORK/tmp"
ln -s "$(realpath "$CRIU")" "$WORK/bin/criu"
# $CRIU may be a wrapper script that execs the real binary by absolute path; a symlink to it
# works as well.

ctr_() { "$CTR" -a "$CTD_SOCK" -n "$NS" "$@"; }

# task_field ID COLUMN: COLUMN (PID or STATUS) of ID's row in `ctr task ls`.
task_field() {
    ctr_ task ls 2>/dev/null | awk -v id="$1" -v col="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
        $1 == id { print $idx[col] }'
}

cleanup() {
    local rc=$? id i
    set +e
    trap - EXIT INT TERM
    stop_daemon
    if [ -n "$CTD_PID" ]; then
        for id in $(ctr_ task ls -q 2>/dev/null); do ctr_ task rm -f "$id" >/dev/null 2>&1; done
        for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1; done
        for id in $(ctr_ images ls -q 2>/dev/null); do ctr_ images rm --sync "$id" >/dev/null 2>&1; done
        "$CTR" -a "$CTD_SOCK" namespaces rm "$NS" >/dev/null 2>&1 || log "ctr namespace rm $NS failed (something was left in it)"
        if grep -qF "$WORK/config.toml" "/proc/$CTD_PID/cmdline" 2>/dev/null; then
            kill -TERM "$CTD_PID" 2>/dev/null
            for ((i = 0; i < 200; i++)); do
                alive "$CTD_PID" || break
                sleep 0.05
            done
            alive "$CTD_PID" && kill -KILL "$CTD_PID" 2>/dev/null
        fi
        wait "$CTD_PID" 2>/dev/null
        # runc's state of the namespace's containers (the directory is the namespace's).
        rmdir "/run/containerd/runc/$NS" 2>/dev/null
    fi
    awk -v d="$WORK" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# show_failure WHAT: the command's output and the end of containerd's log, then exit.
show_failure() {
    log "$1 failed; its output:"
    cat "$OUT" >&2 || true
    log "the end of containerd's log:"
    tail -n 15 "$WORK/containerd.log" >&2 || true
    die "$1"
}

# --- containerd and the image ---------------------------------------------------------------
containerd_start() {
    cat >"$WORK/config.toml" <<TOML
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CTD_SOCK"

[ttrpc]
  address = "$CTD_SOCK.ttrpc"
TOML
    # TMPDIR: containerd stages checkpoints there (ctrd-checkpoint*), on $BENCH_DIR too.
    PATH="$WORK/bin:$PATH" TMPDIR="$WORK/tmp" setsid "$CONTAINERD" --config "$WORK/config.toml" \
        </dev/null >"$WORK/containerd.log" 2>&1 &
    CTD_PID=$!
    local i
    for ((i = 0; i < 400; i++)); do
        "$CTR" -a "$CTD_SOCK" version >/dev/null 2>&1 && return 0
        kill -0 "$CTD_PID" 2>/dev/null || break
        sleep 0.05
    done
    tail -n 30 "$WORK/containerd.log" >&2
    die "containerd did not answer on $CTD_SOCK in 20 s"
}

# blob LAYOUT FILE: moves FILE into LAYOUT's blobs under its digest; prints the digest.
blob() {
    local hex
    hex=$(sha256sum "$2" | awk '{ print $1 }')
    mv "$2" "$1/blobs/sha256/$hex"
    echo "$hex"
}

# build_image: $IMAGE (busybox, and memhog with its libraries when needed, in one gzip layer),
# as an OCI layout tar, imported into $NS.
build_image() {
    local w=$WORK/image arch applet lib diff_id layer lsize config csize manifest msize
    case "$(uname -m)" in
        x86_64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) arch=$(uname -m) ;;
    esac
    mkdir -p "$w/rootfs"/{bin,proc,sys,dev,tmp,etc,root} "$w/layout/blobs/sha256"
    cp "$BUSYBOX" "$w/rootfs/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$w/rootfs/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$w/rootfs/etc/passwd"
    echo 'root:x:0:' >"$w/rootfs/etc/group"
    if [ "$NEED_MEMHOG" = 1 ]; then
        cp "$MEMHOG" "$w/rootfs/bin/memhog"
        if ! file -L "$MEMHOG" | grep -q 'statically linked'; then
            # The loader and every library ldd names, at the same paths.
            for lib in $(ldd "$MEMHOG" | grep -oE '/[^ ]+'); do
                mkdir -p "$w/rootfs$(dirname "$lib")"
                cp -L "$lib" "$w/rootfs$lib"
            done
        fi
    fi
    tar -C "$w/rootfs" --numeric-owner --owner=0 --group=0 -cf "$w/layer.tar" .
    diff_id=$(sha256sum "$w/layer.tar" | awk '{ print $1 }')
    gzip -n -c "$w/layer.tar" >"$w/layer.tar.gz"
    lsize=$(stat -c %s "$w/layer.tar.gz")
    layer=$(blob "$w/layout" "$w/layer.tar.gz")
    jq -n --arg arch "$arch" --arg diff "sha256:$diff_id" \
        '{architecture: $arch, os: "linux", config: {Env: ["PATH=/bin"], Cmd: ["/bin/sh"], WorkingDir: "/"},
          rootfs: {type: "layers", diff_ids: [$diff]}}' >"$w/config.json"
    csize=$(stat -c %s "$w/config.json")
    config=$(blob "$w/layout" "$w/config.json")
    jq -n --arg config "sha256:$config" --argjson csize "$csize" --arg layer "sha256:$layer" --argjson lsize "$lsize" \
        '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $csize},
          layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $lsize}]}' >"$w/manifest.json"
    msize=$(stat -c %s "$w/manifest.json")
    manifest=$(blob "$w/layout" "$w/manifest.json")
    jq -n --arg m "sha256:$manifest" --argjson msize "$msize" --arg ref "$IMAGE" --arg arch "$arch" \
        '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $msize,
          platform: {architecture: $arch, os: "linux"}, annotations: {"io.containerd.image.name": $ref}}]}' >"$w/layout/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$w/layout/oci-layout"
    tar -C "$w/layout" -cf "$w/image.tar" .
    ctr_ images import "$w/image.tar" >"$OUT" 2>&1 || show_failure "ctr image import"
    rm -rf "$w"
}

# --- containers -----------------------------------------------------------------------------
# memhog_ready PID: the memhog holds $MEMHOG_MIB MiB resident and sleeps (in pause()).
memhog_ready() {
    local pid=$1
    [ "$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)" -ge $((MEMHOG_MIB * 1024)) ] &&
        [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = S ]
}

# upper_of PID: the overlay upper dir of the rootfs of the container whose task is PID.
upper_of() {
    awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") break; n = split($(i + 3), o, ","); for (j = 1; j <= n; j++) if (o[j] ~ /^upperdir=/) { sub(/^upperdir=/, "", o[j]); print o[j] } }' "/proc/$1/mountinfo"
}

# start_container KIND TAG: a fresh container by `ctr run -d`, once it is ready. Sets CID (its
# id) and CPID (its task's PID), and UPPER for the layer container.
start_container() {
    local kind=$1 tag=$2 i
    local -a cmd
    CID=$PREFIX-$kind-$tag
    case "$kind" in
        small) cmd=(/bin/sh -c 'while true; do sleep 0.1; done') ;;
        memhog) cmd=(/bin/memhog "$MEMHOG_MIB") ;;
        layer) cmd=(/bin/sh -c "dd if=/dev/urandom of=/data bs=1M count=$LAYER_MIB 2>/dev/null && touch /ready; while true; do sleep 1; done") ;;
    esac
    ctr_ run -d --null-io --net-host "$IMAGE" "$CID" "${cmd[@]}" >"$OUT" 2>&1 || show_failure "ctr run -d $CID"
    for ((i = 0; i < 200; i++)); do
        [ "$(task_field "$CID" STATUS)" = RUNNING ] && break
        sleep 0.05
    done
    [ "$(task_field "$CID" STATUS)" = RUNNING ] || die "the task of $CID is not running: $(ctr_ task ls)"
    CPID=$(task_field "$CID" PID)
    case "$kind" in
        small) sleep 0.3 ;;
        memhog)
            for ((i = 0; i < 12000; i++)); do
                memhog_ready "$CPID" && break
                alive "$CPID" || die "the memhog container exited before it was ready"
                sleep 0.01
            done
            memhog_ready "$CPID" || die "the memhog container was not ready in 120 s"
            ;;
        layer)
            UPPER=$(upper_of "$CPID")
            [ -d "${UPPER:-/nonexistent}" ] || die "no overlay upper dir for $CID in /proc/$CPID/mountinfo"
            for ((i = 0; i < 12000; i++)); do
                [ -e "$UPPER/ready" ] && break
                alive "$CPID" || die "the layer container exited before it was ready"
                sleep 0.01
            done
            [ -e "$UPPER/ready" ] || die "the layer container did not write its $LAYER_MIB MiB in 120 s"
            ;;
    esac
}

# end_container ID: kills and deletes its task (if any) and the container with its snapshot.
end_container() {
    ctr_ task rm -f "$1" >/dev/null 2>&1 || true
    ctr_ containers rm "$1" >/dev/null 2>&1 || true
    ! ctr_ containers ls -q 2>/dev/null | grep -qxF "$1" || die "ctr containers rm $1 left it"
}

# assert_restored ID [PID]: `ctr task ls` shows ID RUNNING (with PID, when given), its PID alive.
assert_restored() {
    local id=$1 want=${2:-} status pid
    status=$(task_field "$id" STATUS)
    pid=$(task_field "$id" PID)
    [ "$status" = RUNNING ] || die "after the restore ctr shows the task of $id as '$status', not RUNNING"
    [ -z "$want" ] || [ "$pid" = "$want" ] || die "after the restore ctr shows $id with PID $pid, the restore said $want"
    alive "$pid" || die "the restored task $pid of $id is not alive"
}

# Results: RES[case|op|contender] = "ns ns ...", SIZE[case|contender] = bytes (last round);
# STEP[name] = "ns ..." for ctr's single commands and cedana's profiled steps.
declare -A RES=()
declare -A SIZE=()
declare -A STEP=()
STEP_NAMES=()
RECORD=0
record() {
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}
record_step() {
    [ "$RECORD" -eq 1 ] || return 0
    [ -n "${STEP["$1"]+set}" ] || STEP_NAMES+=("$1")
    STEP["$1"]="${STEP["$1"]:-} $2"
}

# --- cedana ---------------------------------------------------------------------------------
cedana_daemon_start() {
    mkdir -p "$WORK/config"
    CEDANA_CONTAINERD_ADDRESS=$CTD_SOCK "$CEDANA" daemon start --address "$SOCK" --config-dir "$WORK/config" \
        --db "$WORK/jobs.db" </dev/null >"$WORK/daemon.log" 2>&1 &
    DAEMON_PID=$!
    local i
    for ((i = 0; i < 400; i++)); do
        [ -S "$SOCK" ] && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.log" >&2; die "the daemon exited at start"; }
        sleep 0.05
    done
    cat "$WORK/daemon.log" >&2
    die "the daemon did not create its socket in 20 s"
}
cedana_cli() {
    if [ "$CEDANA_PROFILE" = 1 ]; then
        "$CEDANA" --address "$SOCK" --config-dir "$WORK/config" --profiling "$@"
    else
        "$CEDANA" --address "$SOCK" --config-dir "$WORK/config" "$@"
    fi
}
# profile_steps PREFIX: with CEDANA_PROFILE=1, records the steps cedana printed in $OUT
# ("STEP COMPONENT N ms|s|µs" lines of its PROFILING table) as PREFIX STEP. A step's time
# includes what it does after the steps it wraps (resolve-containerd of a dump: waiting for
# the task to be STOPPED and deleting it).
profile_steps() {
    [ "$CEDANA_PROFILE" = 1 ] || return 0
    local step ns
    while read -r step ns; do
        record_step "$1 $step" "$ns"
    done < <(awk '/^STEP /{ on = 1; next } /^COMPONENT /{ on = 0 } on && NF == 4 {
        v = $3; u = $4; f = (u == "s") ? 1e9 : (u == "ms") ? 1e6 : (u == "µs" || u == "us") ? 1e3 : 1
        printf "%s %.0f\n", $1, v * f }' "$OUT")
}

cedana_trial() { # cedana_trial CASE TAG
    local kind=$1 tag=$2 path rpid t0 t1 t2 t3
    start_container "$kind" "$tag-c"
    sync
    if [ "$kind" = layer ]; then
        t0=$(now_ns)
        cedana_cli dump containerd "$CID" --namespace "$NS" --dir "$CK" --name "c-$tag" --rootfs-only --compression none >"$OUT" 2>&1 ||
            show_failure "cedana dump containerd $CID --rootfs-only"
        t1=$(now_ns)
        profile_steps "$kind: cedana"
        path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
        [ -e "${path:-/nonexistent}" ] || show_failure "cedana dump --rootfs-only: no \"Dumped to <path>\" line naming an existing checkpoint"
        [ "$(task_field "$CID" STATUS)" = RUNNING ] || die "after cedana dump --rootfs-only the task of $CID is not running"
        SIZE["$kind|cedana"]=$(size_of "$path")
        record "$kind|capture|cedana" $((t1 - t0))
        end_container "$CID"
        rm -rf "$path"
        return 0
    fi
    t0=$(now_ns)
    cedana_cli dump containerd "$CID" --namespace "$NS" --dir "$CK" --name "c-$tag" --compression none >"$OUT" 2>&1 ||
        show_failure "cedana dump containerd $CID"
    t1=$(now_ns)
    profile_steps "$kind: cedana dump"
    path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
    [ -e "${path:-/nonexistent}" ] || show_failure "cedana dump: no \"Dumped to <path>\" line naming an existing checkpoint"
    [ -z "$(task_field "$CID" STATUS)" ] || die "cedana dump containerd left the task of $CID ($(task_field "$CID" STATUS))"
    SIZE["$kind|cedana"]=$(size_of "$path")
    sync
    t2=$(now_ns)
    cedana_cli restore containerd --path "$path" --namespace "$NS" >"$OUT" 2>&1 ||
        show_failure "cedana restore containerd --path $path"
    t3=$(now_ns)
    profile_steps "$kind: cedana restore"
    rpid=$(sed -n -E 's/^Restored .*PID ([0-9]+).*/\1/p' "$OUT" | tail -n 1)
    [ -n "$rpid" ] || show_failure "cedana restore containerd: no \"Restored ... PID N\" line"
    assert_restored "$CID" "$rpid"
    end_container "$CID"
    rm -rf "$path"
    record "$kind|dump|cedana" $((t1 - t0))
    record "$kind|restore|cedana" $((t3 - t2))
}

# --- containerd's own: ctr (tar for the layer) ----------------------------------------------
# image_bytes REF: the bytes of the checkpoint image REF's blobs (the sizes its index lists).
image_bytes() {
    local digest
    digest=$(ctr_ images ls 2>/dev/null | awk -v ref="$1" '$1 == ref { print $3 }')
    [ -n "$digest" ] || return 0
    ctr_ content get "$digest" 2>/dev/null | jq '[.manifests[].size] | add' 2>/dev/null || true
}

ctr_trial() { # ctr_trial CASE TAG
    local kind=$1 tag=$2 ref t0 t1 t2 t3 t4 t5
    start_container "$kind" "$tag-r"
    sync
    if [ "$kind" = layer ]; then
        t0=$(now_ns)
        tar -C "$UPPER" -cf "$CK/r-$tag.tar" . >"$OUT" 2>&1 || show_failure "tar -C $UPPER -cf $CK/r-$tag.tar ."
        t1=$(now_ns)
        # Not part of tar's time: how long making the tar durable takes, for the second row of
        # the layer (informative: neither side fsyncs).
        sync "$CK/r-$tag.tar"
        t2=$(now_ns)
        SIZE["$kind|ctr"]=$(size_of "$CK/r-$tag.tar")
        record "$kind|capture|ctr" $((t1 - t0))
        record "$kind|capture+fsync|ctr" $((t2 - t0))
        record_step "$kind: tar -C UPPERDIR -cf OUT.tar ." $((t1 - t0))
        record_step "$kind: sync OUT.tar (fsync, after tar)" $((t2 - t1))
        end_container "$CID"
        rm -f "$CK/r-$tag.tar"
        return 0
    fi
    ref=cedana-bench/checkpoint:$PREFIX-$kind-$tag
    t0=$(now_ns)
    ctr_ containers checkpoint --task "$CID" "$ref" >"$OUT" 2>&1 || show_failure "ctr c checkpoint --task $CID $ref"
    t1=$(now_ns)
    ctr_ task rm -f "$CID" >"$OUT" 2>&1 || show_failure "ctr t rm -f $CID"
    t2=$(now_ns)
    [ -z "$(task_field "$CID" STATUS)" ] || die "ctr t rm -f left the task of $CID ($(task_field "$CID" STATUS))"
    SIZE["$kind|ctr"]=$(image_bytes "$ref")
    sync
    t3=$(now_ns)
    ctr_ containers rm "$CID" >"$OUT" 2>&1 || show_failure "ctr c rm $CID"
    t4=$(now_ns)
    ctr_ containers restore --live "$CID" "$ref" >"$OUT" 2>&1 || show_failure "ctr c restore --live $CID $ref"
    t5=$(now_ns)
    assert_restored "$CID"
    end_container "$CID"
    ctr_ images rm --sync "$ref" >"$OUT" 2>&1 || show_failure "ctr image rm --sync $ref"
    # containerd 1.6 leaves the directory it staged the restored checkpoint in (ctrd-checkpoint*).
    rm -rf "${WORK:?}/tmp/"*
    record "$kind|dump|ctr" $((t2 - t0))
    record "$kind|restore|ctr" $((t5 - t3))
    record_step "$kind: ctr c checkpoint --task" $((t1 - t0))
    record_step "$kind: ctr t rm -f" $((t2 - t1))
    record_step "$kind: ctr c rm" $((t4 - t3))
    record_step "$kind: ctr c restore --live" $((t5 - t4))
}

# --- rounds ---------------------------------------------------------------------------------
run_round() { # run_round N (0 = warm-up)
    local round=$1 i kind first
    for i in "${!CASES[@]}"; do
        kind=${CASES[$i]}
        if (((round + i) % 2 == 0)); then first=cedana; else first=ctr; fi
        log "round $round$([ "$round" -eq 0 ] && echo ' (warm-up)'): $kind, $first first"
        if [ "$first" = cedana ]; then
            if want cedana; then cedana_trial "$kind" "$round-$i"; fi
            if want ctr; then ctr_trial "$kind" "$round-$i"; fi
        else
            if want ctr; then ctr_trial "$kind" "$round-$i"; fi
            if want cedana; then cedana_trial "$kind" "$round-$i"; fi
        fi
    done
}

machine_info() {
    local cpu
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "- date: $(date -Is)"
    echo "- nproc: $(nproc); CPU: ${cpu:-unknown}; memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    # shellcheck disable=SC1091 # the host's file
    echo "- kernel: $(uname -r) ($(uname -m)); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); cgroup: $(if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo v2; elif [ -d /sys/fs/cgroup/unified ]; then echo "v1 (hybrid)"; else echo v1; fi)"
    echo "- containerd root and checkpoints in: $BENCH_DIR ($(df --output=fstype "$BENCH_DIR" | tail -n 1 | tr -d ' '))"
    if want cedana; then echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1)$([ "$CEDANA_PROFILE" = 1 ] && echo ' (with --profiling)')"; fi
    echo "- containerd: $("$CONTAINERD" --version 2>&1 | head -n 1); ctr: $("$CTR" --version 2>&1 | head -n 1)"
    echo "- runc: $(runc --version 2>&1 | head -n 1); CRIU for both: $("$CRIU" --version 2>&1 | head -n 1) ($CRIU)"
    echo "- containers: \`ctr run -d --null-io --net-host\` of a busybox image; small = sh -c 'while true; do sleep 0.1; done';" \
        "memhog = ${MEMHOG_MIB} MiB of anonymous memory (build/bench/memhog); layer = a container that wrote ${LAYER_MIB} MiB (dd from /dev/urandom)"
    echo "- rounds: 1 warm-up + ${ROUNDS} measured; contenders: ${CONTENDERS}; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

ms() { awk -v ns="$1" 'BEGIN { if (ns == "-") print "-"; else printf "%.1f", ns / 1e6 }'; }
mib() { awk -v b="$1" 'BEGIN { if (b == "") print "-"; else printf "%.1f", b / 1048576 }'; }
values() { tr ' ' '\n' <<<"$1" | sed '/^$/d'; }
med_ms() {
    local v
    v=$(values "$1")
    if [ -z "$v" ]; then echo -; else ms "$(median <<<"$v")"; fi
}
range_ms() {
    local v
    v=$(values "$1")
    if [ -z "$v" ]; then echo -; else echo "$(ms "$(min_of <<<"$v")")–$(ms "$(max_of <<<"$v")")"; fi
}

results_table() {
    local kind op label c_vals r_vals c_med r_med ratio kind_label other name
    echo "| container | measurement | cedana median ms | ctr median ms | cedana/ctr | cedana min–max ms | ctr min–max ms | checkpoint MiB cedana / ctr | ctr side (timed) |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
    for kind in "${CASES[@]}"; do
        case "$kind" in
            small) kind_label="small (sh loop)" ;;
            memhog) kind_label="memhog ${MEMHOG_MIB} MiB" ;;
            layer) kind_label="wrote ${LAYER_MIB} MiB" ;;
        esac
        for op in dump restore capture capture+fsync; do
            c_vals=$(values "${RES[$kind|${op%+fsync}|cedana]:-}")
            r_vals=$(values "${RES[$kind|$op|ctr]:-}")
            [ -n "$c_vals$r_vals" ] || continue
            c_med=-
            r_med=-
            [ -z "$c_vals" ] || c_med=$(median <<<"$c_vals")
            [ -z "$r_vals" ] || r_med=$(median <<<"$r_vals")
            ratio=$(awk -v a="$c_med" -v b="$r_med" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }')
            case "$op" in
                dump) label="dump (no compression)" other="ctr c checkpoint --task; ctr t rm -f" ;;
                restore) label="restore" other="ctr c rm; ctr c restore --live" ;;
                capture) label="writable layer (--rootfs-only)" other="tar -C UPPERDIR -cf OUT.tar . (ratio: cedana/tar)" ;;
                capture+fsync) label="writable layer (--rootfs-only)" other="tar -C UPPERDIR -cf OUT.tar .; sync OUT.tar (informative: what durability would cost)" ;;
            esac
            echo "| $kind_label | $label | $(ms "$c_med") | $(ms "$r_med") | $ratio | $(range_ms "${RES[$kind|${op%+fsync}|cedana]:-}") | $(range_ms "${RES[$kind|$op|ctr]:-}") | $(mib "${SIZE[$kind|cedana]:-}") / $(mib "${SIZE[$kind|ctr]:-}") | $other |"
        done
    done
    [ ${#STEP_NAMES[@]} -gt 0 ] || return 0
    echo
    echo "| step (single command, or cedana's --profiling step) | median ms | min–max ms |"
    echo "|---|---:|---:|"
    for name in "${STEP_NAMES[@]}"; do
        echo "| $name | $(med_ms "${STEP[$name]}") | $(range_ms "${STEP[$name]}") |"
    done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "cedana ${CEDANA}, $("$CONTAINERD" --version | head -n 1), CRIU $CRIU, memhog ${MEMHOG_MIB} MiB, layer ${LAYER_MIB} MiB, ${ROUNDS} rounds, work dir $WORK, namespace $NS"
containerd_start
build_image
if want cedana; then cedana_daemon_start; fi

RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana vs containerd's ctr: container checkpoint/restore wall clock" "Medians of ${ROUNDS} measured round(s), wall clock around what a user runs (cedana CLI → daemon → containerd/CRIU;
ctr → containerd → runc shim → runc → CRIU ${CRIU}), fresh containers of the same image made by \`ctr run -d\`.
Checkpoint sizes from the last round (ctr: the blobs its checkpoint image's index lists; layer: the tar)."
