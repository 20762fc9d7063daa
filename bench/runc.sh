#!/usr/bin/env bash
# Checkpoint/restore benchmark of runc containers: cedana (daemon + CLI: `cedana dump runc`,
# `cedana restore runc`) against plain runc (`runc checkpoint` / `runc restore --detach`, with
# CRIU 4.1.1 given by --criu), on the same container config, in one run.
#
#   bench/runc.sh [path-to-cedana]            (default: build/cedana)
#
# The containers: a bundle built here (no download) from the host's static busybox, config.json
# from `runc spec` with no terminal, a writable root, stdio on /dev/null, and
#   small   /bin/sh -c 'while true; do sleep 0.1; done'
#   memhog  build/bench/memhog $MEMHOG_MIB (touched, poorly compressible anonymous memory),
#           copied into the rootfs with the shared libraries it needs (it is not static);
#           ready once it holds $MEMHOG_MIB MiB resident and sleeps in pause().
#           MEMHOG_MODE=tmpfs instead fills a $MEMHOG_MIB MiB tmpfs mounted by config.json with
#           busybox `dd if=/dev/urandom` (CRIU then dumps it as a gzipped tar, tmpfs-dev-*.tar.gz.img,
#           for both contenders: that measures CRIU's gzip more than anything else).
# The container shares the HOST network namespace (the "network" namespace is dropped from
# config.json) for both contenders: plain runc cannot checkpoint a container with a private
# network namespace on this machine. CRIU's default network lock runs iptables-restore, which
# is not installed; runc sends no network_lock option and offers no flag for it, and a CRIU
# config file with `network-lock` makes CRIU 4.1.1 crash (docs/runc-checkpoint-facts.md).
#
# Every measurement starts a fresh container with plain `runc run -d` (the same for both) under
# its own runc root, then times, wall clock (date +%s%N) around each end-to-end command:
#   dump (no compression)     cedana dump runc ID --compression none
#                             vs runc checkpoint --image-path D ID
#   restore (no compression)  cedana restore runc --path P --bundle B
#                             vs runc restore --detach --bundle B --image-path D ID
#   dump (lz4)                cedana dump runc ID --compression lz4 (NAME.tar.lz4)
#                             vs runc checkpoint, then tar -C D -cf - . | lz4 -q >D.tar.lz4, rm -rf D
#   restore (lz4)             cedana restore runc --path P.tar.lz4
#                             vs lz4 -dc | tar -x into a scratch dir, runc restore --detach, rm it
# A restore counts as done when its command returns; the script then checks that runc lists
# the container running with the PID the command reported (cedana) or a live init (runc).
# One warm-up round, then $ROUNDS rounds; which contender goes first alternates from one case
# to the next and from one round to the next. Prints machine info and a Markdown table of
# medians with the ratios cedana/runc on stdout; progress goes to stderr.
#
# Environment:
#   ROUNDS=9           measured rounds (after one warm-up round)
#   BENCH_CASES=...    only these cases, comma-separated (default: all of
#                      "small none,memhog none,memhog lz4")
#   CONTENDERS=cedana,runc   only these (e.g. CONTENDERS=runc to try the runc half alone)
#   MEMHOG_MIB=1024    memory the memhog container holds
#   MEMHOG_MODE=binary binary (memhog in the rootfs) or tmpfs (dd into a tmpfs, see above)
#   BENCH_OUT=FILE     also write the results (Markdown) to FILE
#   BENCH_DIR=/var/tmp where bundles and checkpoints go (needs ~3 x MEMHOG_MIB free)
#   CRIU=/opt/cedana/criu/criu   the CRIU runc is given (--criu); cedana finds its own
#   RUNC=runc          the runc binary
#   MEMHOG=<dir of cedana>/bench/memhog
#
# Needs root. Everything it writes is under a fresh directory in $BENCH_DIR (its own runc root
# included); everything it starts (daemon, containers) is ended on exit, containers by
# `runc delete -f` of the ids it created.
set -euo pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# A child subreaper: the inits of containers started by `runc run -d` and `runc restore -d`
# are orphaned when runc returns and come to this script, which reaps them (see lib.sh).
if [ -z "${CEDANA_BENCH_SUBREAPER:-}" ]; then
    export CEDANA_BENCH_SUBREAPER=1
    exec_as_subreaper "$BASH" "$SELF" "$@"
fi

ROUNDS=${ROUNDS:-9}
MEMHOG_MIB=${MEMHOG_MIB:-1024}
MEMHOG_MODE=${MEMHOG_MODE:-binary}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
CRIU=${CRIU:-/opt/cedana/criu/criu}
RUNC=${RUNC:-runc}
CONTENDERS=${CONTENDERS:-cedana,runc}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not \"$ROUNDS\""
[[ "$MEMHOG_MIB" =~ ^[1-9][0-9]*$ ]] || die "MEMHOG_MIB must be a positive integer, not \"$MEMHOG_MIB\""
[[ "$MEMHOG_MODE" =~ ^(binary|tmpfs)$ ]] || die "MEMHOG_MODE must be binary or tmpfs, not \"$MEMHOG_MODE\""
[[ ",$CONTENDERS," =~ ,(cedana|runc), ]] || die "CONTENDERS must name cedana, runc or both, not \"$CONTENDERS\""
want() { [[ ",$CONTENDERS," == *",$1,"* ]]; }

CEDANA=${1:-$HERE/../build/cedana}
if want cedana; then
    [ -x "$CEDANA" ] || die "no cedana binary at $CEDANA (build it first: make build)"
    CEDANA=$(realpath "$CEDANA")
fi
MEMHOG=${MEMHOG:-$(dirname "$CEDANA")/bench/memhog}
command -v "$RUNC" >/dev/null || die "no runc ($RUNC)"
[ -x "$CRIU" ] || die "no CRIU at $CRIU (scripts/provision-criu.sh, or set CRIU)"
[ "$(id -u)" -eq 0 ] || die "runc checkpoint needs root"
BUSYBOX=${BUSYBOX:-/bin/busybox}
file -L "$BUSYBOX" | grep -q 'statically linked' || die "$BUSYBOX is not a static busybox (apt-get install busybox-static)"
command -v jq >/dev/null || die "needs jq"
command -v perl >/dev/null && command -v tar >/dev/null || die "needs perl and tar"
if ! command -v lz4 >/dev/null; then
    log "installing the lz4 command-line tool"
    DEBIAN_FRONTEND=noninteractive apt-get install -y lz4 >/dev/null || die "cannot install lz4"
fi
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$(dirname "$BENCH_OUT")"
    BENCH_OUT=$(realpath "$BENCH_OUT")
fi

CASES=("small none" "memhog none" "memhog lz4")
if [ -n "${BENCH_CASES:-}" ]; then
    IFS=, read -r -a CASES <<<"$BENCH_CASES"
    for c in "${CASES[@]}"; do
        [[ "$c" =~ ^(small|memhog)\ (none|lz4)$ ]] || die "BENCH_CASES: \"$c\" is not one of: small none, small lz4, memhog none, memhog lz4"
    done
fi
NEED_MEMHOG=0
for c in "${CASES[@]}"; do [[ $c == memhog* ]] && NEED_MEMHOG=1; done
if [ "$NEED_MEMHOG" = 1 ] && [ "$MEMHOG_MODE" = binary ]; then
    [ -x "$MEMHOG" ] || die "no memhog at $MEMHOG (it is built with the project; or set MEMHOG)"
    MEMHOG=$(realpath "$MEMHOG")
fi

need_mib=$((3 * MEMHOG_MIB + 512))
avail_mib=$(df --output=avail -BM "$BENCH_DIR" | tail -n 1 | tr -dc 0-9)
[ "$avail_mib" -ge "$need_mib" ] || die "$BENCH_DIR has ${avail_mib} MiB free; the benchmark needs ${need_mib} MiB"
mem_avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem_avail_mib" -ge $((MEMHOG_MIB + 256)) ] || die "only ${mem_avail_mib} MiB of memory available for a ${MEMHOG_MIB} MiB workload"

WORK=$(mktemp -d "$BENCH_DIR/cedana-bench-runc.XXXXXX")
ROOT=$WORK/runc-root
CK=$WORK/checkpoints
OUT=$WORK/cmd.out
SOCK=$WORK/cedana.sock
mkdir -p "$ROOT" "$CK"
# Container ids this run created (unique to it): cleanup deletes those still there.
PREFIX=bench$$
CREATED=()

runc_r() { "$RUNC" --root "$ROOT" "$@"; }
state_field() { runc_r state "$1" 2>/dev/null | jq -r ".$2" 2>/dev/null || true; }

# end_container ID: SIGKILL and delete it, then wait until its init is reaped.
end_container() {
    local id=$1 pid
    pid=$(state_field "$id" pid)
    runc_r delete -f "$id" >/dev/null 2>&1 || true
    if [ -n "$pid" ] && [ "$pid" != null ] && [ "$pid" != 0 ]; then
        wait_gone "$pid" 20 || die "the init $pid of $id is still there 20 s after runc delete -f"
    fi
    [ ! -e "$ROOT/$id" ] || die "runc delete -f $id left $ROOT/$id"
}

cleanup() {
    local rc=$? id
    set +e
    trap - EXIT INT TERM
    for id in "${CREATED[@]}"; do
        [ -e "$ROOT/$id" ] || continue
        [ "$(state_field "$id" status)" = paused ] && runc_r resume "$id" >/dev/null 2>&1
        runc_r delete -f "$id" >/dev/null 2>&1
    done
    stop_daemon
    # Mounts a failed restore may have left in the work dir (runc's criu-root, ...).
    awk -v d="$WORK" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# show_failure WHAT [LOG]: the command's output and CRIU's errors, then exit.
show_failure() {
    log "$1 failed; its output:"
    cat "$OUT" >&2 || true
    if [ -n "${2:-}" ] && [ -f "$2" ]; then
        log "errors in $2:"
        grep -E 'Error|Warn' "$2" | tail -n 20 >&2 || true
    fi
    die "$1"
}

# --- bundles --------------------------------------------------------------------------------
# make_rootfs DIR: busybox (and, for the memhog container, memhog with its libraries).
make_rootfs() {
    local dir=$1 applet lib
    mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,big}
    cp "$BUSYBOX" "$dir/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
    done
    if [ "$NEED_MEMHOG" = 1 ] && [ "$MEMHOG_MODE" = binary ]; then
        cp "$MEMHOG" "$dir/bin/memhog"
        if ! file -L "$MEMHOG" | grep -q 'statically linked'; then
            # The loader and every library ldd names, at the same paths.
            for lib in $(ldd "$MEMHOG" | grep -oE '/[^ ]+'); do
                mkdir -p "$dir$(dirname "$lib")"
                cp -L "$lib" "$dir$lib"
            done
        fi
    fi
}

# make_bundle DIR KIND: config.json for KIND, on the shared rootfs $WORK/rootfs.
make_bundle() {
    local dir=$1 kind=$2 cmd
    local -a extra=()
    case "$kind" in
        small) cmd='while true; do sleep 0.1; done' ;;
        memhog)
            if [ "$MEMHOG_MODE" = binary ]; then
                cmd="exec /bin/memhog $MEMHOG_MIB"
            else
                cmd="dd if=/dev/urandom of=/big/fill bs=1M count=$MEMHOG_MIB 2>/dev/null && echo ready >/tmp/ready; while true; do sleep 1; done"
                extra=(--arg size "size=$((MEMHOG_MIB + 64))m")
            fi
            ;;
    esac
    mkdir -p "$dir"
    (cd "$dir" && "$RUNC" spec)
    local filter='.process.terminal = false | .process.args = ["/bin/sh", "-c", $cmd] | .root.path = $root
        | .root.readonly = false | .linux.namespaces |= map(select(.type != "network"))'
    [ ${#extra[@]} -gt 0 ] && filter+=' | .mounts += [{destination: "/big", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", $size]}]'
    jq --arg cmd "$cmd" --arg root "$WORK/rootfs" "${extra[@]}" "$filter" "$dir/config.json" >"$dir/config.json.new"
    mv "$dir/config.json.new" "$dir/config.json"
}

make_rootfs "$WORK/rootfs"
make_bundle "$WORK/small" small
if [ "$NEED_MEMHOG" = 1 ]; then make_bundle "$WORK/memhog" memhog; fi

# memhog_ready PID: the memhog container has filled its memory. With MEMHOG_MODE=binary its
# stdout is /dev/null like every container's here (not a file: see the header), so its
# "ready" line is not read: the init (memhog itself) holds $MEMHOG_MIB MiB resident and sleeps
# in pause() once it has filled them. With tmpfs, the shell writes /tmp/ready when dd is done.
memhog_ready() {
    local pid=$1
    if [ "$MEMHOG_MODE" = binary ]; then
        [ "$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)" -ge $((MEMHOG_MIB * 1024)) ] &&
            [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = S ]
    else
        grep -q '^ready$' "$WORK/rootfs/tmp/ready" 2>/dev/null
    fi
}

# start_container KIND TAG: `runc run -d` of KIND's bundle as a fresh id; waits until it is
# ready. Sets CID (the id) and CPID (its init).
start_container() {
    local kind=$1 tag=$2 i
    CID=$PREFIX-$kind-$tag
    CREATED+=("$CID")
    rm -f "$WORK/rootfs/tmp/ready" "$WORK/rootfs/big/fill"
    # stdio /dev/null: a container whose stdio is a host file cannot be checkpointed; runc's
    # own errors go to its --log.
    : >"$OUT"
    runc_r --log "$OUT" run -d --bundle "$WORK/$kind" "$CID" </dev/null >/dev/null 2>&1 || show_failure "runc run -d $CID"
    CPID=$(state_field "$CID" pid)
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
    esac
    [ "$(state_field "$CID" status)" = running ] || die "container $CID is not running"
}

# assert_restored ID [PID]: runc lists ID running (with init PID, when given).
assert_restored() {
    local id=$1 want=${2:-} status pid
    status=$(state_field "$id" status)
    pid=$(state_field "$id" pid)
    [ "$status" = running ] || die "after the restore runc shows $id as '$status', not running"
    [ -z "$want" ] || [ "$pid" = "$want" ] || die "after the restore runc shows $id with PID $pid, the restore said $want"
    alive "$pid" || die "the restored init $pid of $id is not alive"
}

# Results: RES[workload|op|mode|contender] = "ns ns ...", SIZE[...] = bytes (last round).
declare -A RES=()
declare -A SIZE=()
RECORD=0
record() {
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}

# --- cedana ---------------------------------------------------------------------------------
cedana_daemon_start() {
    mkdir -p "$WORK/config"
    "$CEDANA" daemon start --address "$SOCK" --config-dir "$WORK/config" --db "$WORK/jobs.db" \
        </dev/null >"$WORK/daemon.log" 2>&1 &
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
cedana_cli() { "$CEDANA" --address "$SOCK" --config-dir "$WORK/config" "$@"; }

cedana_trial() { # cedana_trial KIND MODE TAG
    local kind=$1 mode=$2 tag=$3 pid tree path rpid t0 t1 t2 t3
    start_container "$kind" "$tag-c"
    pid=$CPID
    tree=$(tree_of "$pid")
    sync
    t0=$(now_ns)
    cedana_cli dump runc "$CID" --root "$ROOT" --dir "$CK" --name "c-$tag" --compression "$mode" >"$OUT" 2>&1 ||
        show_failure "cedana dump runc $CID --compression $mode"
    t1=$(now_ns)
    # shellcheck disable=SC2086 # one PID a word
    after_dump $tree
    [ ! -e "$ROOT/$CID" ] || die "cedana dump runc left $CID in runc's root"
    path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
    [ -n "$path" ] && [ -e "$path" ] || show_failure "cedana dump: no \"Dumped to <path>\" line naming an existing checkpoint"
    SIZE["$kind|$mode|cedana"]=$(size_of "$path")
    sync
    t2=$(now_ns)
    cedana_cli restore runc --path "$path" --bundle "$WORK/$kind" --root "$ROOT" >"$OUT" 2>&1 ||
        show_failure "cedana restore runc --path $path"
    t3=$(now_ns)
    rpid=$(sed -n -E 's/^Restored .*PID ([0-9]+).*/\1/p' "$OUT" | tail -n 1)
    [ -n "$rpid" ] || show_failure "cedana restore runc: no \"Restored ... PID N\" line"
    assert_restored "$CID" "$rpid"
    end_container "$CID"
    rm -rf "$path"
    record "$kind|dump|$mode|cedana" $((t1 - t0))
    record "$kind|restore|$mode|cedana" $((t3 - t2))
}

# --- plain runc -----------------------------------------------------------------------------
runc_dump() { # runc_dump MODE ID BASE: images in BASE (none), else the archive BASE.tar.lz4
    local mode=$1 id=$2 base=$3 dir
    case "$mode" in
        none) dir=$base ;;
        *) dir=$base.raw ;;
    esac
    runc_r --criu "$CRIU" checkpoint --image-path "$dir" "$id" || return 1
    case "$mode" in
        none) return 0 ;;
        lz4) tar -C "$dir" -cf - . | lz4 -q >"$base.tar.lz4" ;;
    esac && rm -rf "$dir"
}
runc_restore() { # runc_restore MODE ID BUNDLE BASE
    local mode=$1 id=$2 bundle=$3 base=$4 dir
    case "$mode" in
        none)
            runc_r --criu "$CRIU" restore --detach --bundle "$bundle" --image-path "$base" "$id" </dev/null
            return
            ;;
    esac
    dir=$base.x
    mkdir -p "$dir" || return 1
    lz4 -dc -q "$base.tar.lz4" | tar -C "$dir" -xf - &&
        runc_r --criu "$CRIU" restore --detach --bundle "$bundle" --image-path "$dir" "$id" </dev/null &&
        rm -rf "$dir"
}
runc_trial() { # runc_trial KIND MODE TAG
    local kind=$1 mode=$2 tag=$3 pid tree base t0 t1 t2 t3 log
    base=$CK/r-$tag
    start_container "$kind" "$tag-r"
    pid=$CPID
    tree=$(tree_of "$pid")
    sync
    t0=$(now_ns)
    runc_dump "$mode" "$CID" "$base" >"$OUT" 2>&1 || {
        [ "$mode" = none ] && log=$base/dump.log || log=$base.raw/dump.log
        show_failure "runc checkpoint $CID ($mode)" "$log"
    }
    t1=$(now_ns)
    # shellcheck disable=SC2086 # one PID a word
    after_dump $tree
    [ ! -e "$ROOT/$CID" ] || die "runc checkpoint left $CID in runc's root"
    case "$mode" in
        none) SIZE["$kind|$mode|runc"]=$(size_of "$base") ;;
        lz4) SIZE["$kind|$mode|runc"]=$(size_of "$base.tar.lz4") ;;
    esac
    sync
    t2=$(now_ns)
    runc_restore "$mode" "$CID" "$WORK/$kind" "$base" >"$OUT" 2>&1 || {
        [ "$mode" = none ] && log=$base/restore.log || log=$base.x/restore.log
        show_failure "runc restore $CID ($mode)" "$log"
    }
    t3=$(now_ns)
    assert_restored "$CID"
    end_container "$CID"
    rm -rf "$base" "$base".*
    record "$kind|dump|$mode|runc" $((t1 - t0))
    record "$kind|restore|$mode|runc" $((t3 - t2))
}

# --- rounds ---------------------------------------------------------------------------------
run_round() { # run_round N (0 = warm-up)
    local round=$1 i kind mode first
    for i in "${!CASES[@]}"; do
        read -r kind mode <<<"${CASES[$i]}"
        if (((round + i) % 2 == 0)); then first=cedana; else first=runc; fi
        log "round $round$([ "$round" -eq 0 ] && echo ' (warm-up)'): $kind $mode, $first first"
        if [ "$first" = cedana ]; then
            if want cedana; then cedana_trial "$kind" "$mode" "$round-$i"; fi
            if want runc; then runc_trial "$kind" "$mode" "$round-$i"; fi
        else
            if want runc; then runc_trial "$kind" "$mode" "$round-$i"; fi
            if want cedana; then cedana_trial "$kind" "$mode" "$round-$i"; fi
        fi
    done
}

machine_info() {
    local cpu
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "- date: $(date -Is)"
    echo "- nproc: $(nproc); CPU: ${cpu:-unknown}; memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "- kernel: $(uname -r) ($(uname -m)); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); cgroup: $(if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo v2; elif [ -d /sys/fs/cgroup/unified ]; then echo "v1 (hybrid)"; else echo v1; fi)"
    echo "- checkpoints in: $BENCH_DIR ($(df --output=fstype "$BENCH_DIR" | tail -n 1 | tr -d ' '))"
    if want cedana; then echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1)"; fi
    echo "- runc: $("$RUNC" --version 2>&1 | head -n 1); CRIU: $("$CRIU" --version 2>&1 | head -n 1) ($CRIU)"
    echo "- lz4: $(lz4 -V 2>&1 | head -n 1)"
    echo "- containers: busybox; host network namespace (see the script's header); small = sh -c 'while true; do sleep 0.1; done';" \
        "memhog = ${MEMHOG_MIB} MiB ($([ "$MEMHOG_MODE" = binary ] && echo "anonymous memory, build/bench/memhog" || echo "a tmpfs filled from /dev/urandom"))"
    echo "- rounds: 1 warm-up + ${ROUNDS} measured; contenders: ${CONTENDERS}; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

ms() { awk -v ns="$1" 'BEGIN { if (ns == "-") print "-"; else printf "%.1f", ns / 1e6 }'; }
mib() { awk -v b="$1" 'BEGIN { if (b == "") print "-"; else printf "%.1f", b / 1048576 }'; }

results_table() {
    local kind mode op label c_vals r_vals c_med r_med ratio c_rng r_rng kind_label runc_label
    echo "| container | measurement | cedana median ms | runc median ms | cedana/runc | cedana min–max ms | runc min–max ms | checkpoint MiB cedana / runc | runc side |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
    for c in "${CASES[@]}"; do
        read -r kind mode <<<"$c"
        case "$kind" in
            small) kind_label="small (sh loop)" ;;
            memhog) kind_label="memhog ${MEMHOG_MIB} MiB" ;;
        esac
        for op in dump restore; do
            c_vals=$(tr ' ' '\n' <<<"${RES[$kind|$op|$mode|cedana]:-}" | sed '/^$/d')
            r_vals=$(tr ' ' '\n' <<<"${RES[$kind|$op|$mode|runc]:-}" | sed '/^$/d')
            c_med=-
            r_med=-
            [ -z "$c_vals" ] || c_med=$(median <<<"$c_vals")
            [ -z "$r_vals" ] || r_med=$(median <<<"$r_vals")
            ratio=$(awk -v a="$c_med" -v b="$r_med" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }')
            c_rng=-
            r_rng=-
            [ -z "$c_vals" ] || c_rng="$(ms "$(min_of <<<"$c_vals")")–$(ms "$(max_of <<<"$c_vals")")"
            [ -z "$r_vals" ] || r_rng="$(ms "$(min_of <<<"$r_vals")")–$(ms "$(max_of <<<"$r_vals")")"
            case "$op|$mode" in
                dump\|none) runc_label="runc checkpoint" ;;
                restore\|none) runc_label="runc restore --detach" ;;
                dump\|lz4) runc_label="runc checkpoint; tar \\| lz4 -q; rm dir" ;;
                restore\|lz4) runc_label="lz4 -dc \\| tar -x; runc restore --detach; rm dir" ;;
            esac
            case "$mode" in
                none) label="$op (no compression)" ;;
                lz4) label="$op (lz4)" ;;
            esac
            echo "| $kind_label | $label | $(ms "$c_med") | $(ms "$r_med") | $ratio | $c_rng | $r_rng | $(mib "${SIZE[$kind|$mode|cedana]:-}") / $(mib "${SIZE[$kind|$mode|runc]:-}") | $runc_label |"
        done
    done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "cedana ${CEDANA}, runc $(command -v "$RUNC"), CRIU $CRIU, memhog ${MEMHOG_MIB} MiB ($MEMHOG_MODE), ${ROUNDS} rounds, work dir $WORK"
if want cedana; then cedana_daemon_start; fi

RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana vs plain runc: container checkpoint/restore wall clock" "Medians of ${ROUNDS} measured round(s), wall clock around each end-to-end command (cedana CLI → daemon → CRIU;
runc → CRIU ${CRIU}), on the same bundle, containers started by \`runc run -d\`. Checkpoint sizes from the last round."
