#!/usr/bin/env bash
# Checkpoint/restore benchmark: cedana (daemon + CLI) against plain CRIU given the same
# options, on the same workloads, in one run.
#
#   bench/run.sh [path-to-cedana]            (`make bench` runs it with build/cedana)
#
# Workloads, each started afresh for every measurement (stdio on /dev/null and a log file,
# not in a session of its own, so both contenders dump it as a shell job):
#   small   bash -c 'while true; do sleep 0.1; done'
#   memhog  build/bench/memhog $MEMHOG_MIB (poorly compressible anonymous memory)
# Measurements, wall clock (date +%s%N) around each end-to-end command, CLI included:
#   both     dump/restore, no compression: cedana --compression none
#            vs criu dump -v4 -o dump.log --shell-job / criu restore -v4 -o restore.log --shell-job -d
#   memhog   dump/restore, lz4 and zstd: cedana --compression lz4|zstd (an archive)
#            vs criu dump + tar | lz4 -q (lz4's default level) | zstd -q -1 -T0 (cedana's level
#            and threads), removing the image directory; restore: decompress | tar -x into a
#            scratch directory, criu restore, remove it (what cedana does).
# One warm-up round, then $ROUNDS rounds; the contender that goes first alternates from one
# measurement to the next and from one round to the next. Prints machine info and a Markdown
# table of medians (and cedana/criu ratios) on stdout; progress goes to stderr.
#
# Environment:
#   ROUNDS=5          measured rounds (after one warm-up round)
#   BENCH_CASES=...   only these cases, comma-separated (default: all of
#                     "small none,memhog none,memhog lz4,memhog zstd")
#   MEMHOG_MIB=1024   size of the memhog workload
#   BENCH_OUT=FILE    also write the results (Markdown) to FILE
#   BENCH_DIR=/var/tmp  where checkpoints go (one filesystem; needs ~3 x MEMHOG_MIB free)
#   CRIU=/opt/cedana/criu/criu   the CRIU plain CRIU runs as
#   MEMHOG=<dir of cedana>/bench/memhog
#
# Needs root. Everything it writes is under a fresh directory in $BENCH_DIR, and everything
# it starts (daemon, workloads, restored processes) is ended on exit.
set -euo pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# Re-exec as a child subreaper so every orphan (the process `criu restore -d` leaves, the
# children of a killed workload) is reaped by this script; see lib.sh.
if [ -z "${CEDANA_BENCH_SUBREAPER:-}" ]; then
    export CEDANA_BENCH_SUBREAPER=1
    exec_as_subreaper "$BASH" "$SELF" "$@"
fi

ROUNDS=${ROUNDS:-5}
MEMHOG_MIB=${MEMHOG_MIB:-1024}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
CRIU=${CRIU:-/opt/cedana/criu/criu}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not \"$ROUNDS\""
[[ "$MEMHOG_MIB" =~ ^[1-9][0-9]*$ ]] || die "MEMHOG_MIB must be a positive integer, not \"$MEMHOG_MIB\""

CEDANA=${1:-$HERE/../build/cedana}
[ -x "$CEDANA" ] || die "no cedana binary at $CEDANA (build it first: make build)"
CEDANA=$(realpath "$CEDANA")
MEMHOG=${MEMHOG:-$(dirname "$CEDANA")/bench/memhog}
[ -x "$MEMHOG" ] || die "no memhog at $MEMHOG (it is built with the project)"
MEMHOG=$(realpath "$MEMHOG")
[ -x "$CRIU" ] || die "no CRIU at $CRIU (scripts/provision-criu.sh, or set CRIU)"
[ "$(id -u)" -eq 0 ] || die "CRIU needs root"
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$(dirname "$BENCH_OUT")"
    BENCH_OUT=$(realpath "$BENCH_OUT")
fi

if ! command -v lz4 >/dev/null || ! command -v zstd >/dev/null; then
    log "installing the lz4 and zstd command-line tools"
    DEBIAN_FRONTEND=noninteractive apt-get install -y lz4 zstd >/dev/null || die "cannot install lz4 and zstd"
fi
command -v perl >/dev/null && command -v tar >/dev/null || die "needs perl and tar"

# Space: the biggest moment is an archive next to the directory it is extracted into.
need_mib=$((3 * MEMHOG_MIB + 512))
avail_mib=$(df --output=avail -BM "$BENCH_DIR" | tail -n 1 | tr -dc 0-9)
[ "$avail_mib" -ge "$need_mib" ] || die "$BENCH_DIR has ${avail_mib} MiB free; the benchmark needs ${need_mib} MiB"
mem_avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem_avail_mib" -ge $((MEMHOG_MIB + 256)) ] || die "only ${mem_avail_mib} MiB of memory available for a ${MEMHOG_MIB} MiB workload"

WORK=$(mktemp -d "$BENCH_DIR/cedana-bench.XXXXXX")
SOCK=$WORK/cedana.sock
CK=$WORK/checkpoints
OUT=$WORK/cmd.out
mkdir -p "$CK"

# LIVE_PID (lib.sh) is ended by PID on exit, after checking that it still runs one of our
# workloads.
end_live() {
    [ -n "$LIVE_PID" ] || return 0
    end_pid "$LIVE_PID"
    LIVE_PID=""
}
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$LIVE_PID" ] && [ -r "/proc/$LIVE_PID/cmdline" ] && tr '\0' ' ' <"/proc/$LIVE_PID/cmdline" | grep -q -e "$MEMHOG" -e 'while true; do sleep 0.1'; then
        kill -KILL "$LIVE_PID" 2>/dev/null
        wait_gone "$LIVE_PID" 10
    fi
    stop_daemon
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

# Results: RES[workload|measurement|contender] = "ns ns ...", SIZE[...] = bytes (last round).
declare -A RES=()
declare -A SIZE=()
RECORD=0
record() { # record KEY NS
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}

# --- cedana ---------------------------------------------------------------------------------
cedana_trial() { # cedana_trial WORKLOAD MODE TAG
    local wl=$1 mode=$2 tag=$3 pid tree path rpid t0 t1 t2 t3
    start_workload "$wl" "$WORK/workload.log"
    pid=$WORKLOAD_PID
    tree=$(tree_of "$pid")
    sync
    t0=$(now_ns)
    "$CEDANA" --address "$SOCK" dump process "$pid" --dir "$CK" --name "c-$tag" --compression "$mode" >"$OUT" 2>&1 ||
        show_failure "cedana dump process $pid --compression $mode"
    t1=$(now_ns)
    # shellcheck disable=SC2086 # one PID a word
    after_dump $tree
    path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
    [ -n "$path" ] && [ -e "$path" ] || show_failure "cedana dump: no \"Dumped to <path>\" line naming an existing checkpoint"
    SIZE["$wl|$mode|cedana"]=$(size_of "$path")
    sync
    t2=$(now_ns)
    "$CEDANA" --address "$SOCK" restore process --path "$path" >"$OUT" 2>&1 ||
        show_failure "cedana restore process --path $path"
    t3=$(now_ns)
    rpid=$(sed -n 's/^Restored PID \([0-9]*\) .*/\1/p' "$OUT" | tail -n 1)
    [ "$rpid" = "$pid" ] || show_failure "cedana restore: expected \"Restored PID $pid\""
    alive "$pid" || die "cedana restored PID $pid but it is not running"
    end_live
    rm -rf "$path" "$WORK/workload.log"
    record "$wl|dump|$mode|cedana" $((t1 - t0))
    record "$wl|restore|$mode|cedana" $((t3 - t2))
}

# --- plain CRIU -----------------------------------------------------------------------------
criu_dump() { # criu_dump MODE PID BASE: images in BASE (none), else the archive BASE.tar.*
    local mode=$1 pid=$2 base=$3 dir
    case "$mode" in
        none) dir=$base ;;
        *) dir=$base.raw ;;
    esac
    mkdir -p "$dir" && "$CRIU" dump -t "$pid" -D "$dir" -v4 -o dump.log --shell-job || return 1
    case "$mode" in
        none) return 0 ;;
        lz4) tar -C "$dir" -cf - . | lz4 -q >"$base.tar.lz4" ;;
        zstd) tar -C "$dir" -cf - . | zstd -q -1 -T0 >"$base.tar.zst" ;;
    esac && rm -rf "$dir"
}
criu_restore() { # criu_restore MODE BASE
    local mode=$1 base=$2 dir
    case "$mode" in
        none) "$CRIU" restore -D "$base" -v4 -o restore.log --shell-job -d; return ;;
    esac
    dir=$base.x
    mkdir -p "$dir" || return 1
    case "$mode" in
        lz4) lz4 -dc -q "$base.tar.lz4" | tar -C "$dir" -xf - ;;
        zstd) zstd -dc -q "$base.tar.zst" | tar -C "$dir" -xf - ;;
    esac && "$CRIU" restore -D "$dir" -v4 -o restore.log --shell-job -d && rm -rf "$dir"
}
criu_trial() { # criu_trial WORKLOAD MODE TAG
    local wl=$1 mode=$2 tag=$3 pid tree base t0 t1 t2 t3 log
    base=$CK/r-$tag
    start_workload "$wl" "$WORK/workload.log"
    pid=$WORKLOAD_PID
    tree=$(tree_of "$pid")
    sync
    t0=$(now_ns)
    criu_dump "$mode" "$pid" "$base" >"$OUT" 2>&1 || { [ "$mode" = none ] && log=$base/dump.log || log=$base.raw/dump.log; show_failure "criu dump -t $pid ($mode)" "$log"; }
    t1=$(now_ns)
    # shellcheck disable=SC2086 # one PID a word
    after_dump $tree
    case "$mode" in
        none) SIZE["$wl|$mode|criu"]=$(size_of "$base") ;;
        lz4) SIZE["$wl|$mode|criu"]=$(size_of "$base.tar.lz4") ;;
        zstd) SIZE["$wl|$mode|criu"]=$(size_of "$base.tar.zst") ;;
    esac
    sync
    t2=$(now_ns)
    criu_restore "$mode" "$base" >"$OUT" 2>&1 || { [ "$mode" = none ] && log=$base/restore.log || log=$base.x/restore.log; show_failure "criu restore ($mode)" "$log"; }
    t3=$(now_ns)
    alive "$pid" || die "criu restored PID $pid but it is not running"
    end_live
    rm -rf "$base" "$base".* "$WORK/workload.log"
    record "$wl|dump|$mode|criu" $((t1 - t0))
    record "$wl|restore|$mode|criu" $((t3 - t2))
}

# --- rounds ---------------------------------------------------------------------------------
CASES=("small none" "memhog none" "memhog lz4" "memhog zstd")
if [ -n "${BENCH_CASES:-}" ]; then
    IFS=, read -r -a CASES <<<"$BENCH_CASES"
    for c in "${CASES[@]}"; do
        [[ "$c" =~ ^(small|memhog)\ (none|lz4|zstd)$ ]] || die "BENCH_CASES: \"$c\" is not one of: small none, memhog none, memhog lz4, memhog zstd"
    done
fi
run_round() { # run_round N (0 = warm-up)
    local round=$1 i wl mode first
    for i in "${!CASES[@]}"; do
        read -r wl mode <<<"${CASES[$i]}"
        if (((round + i) % 2 == 0)); then first=cedana; else first=criu; fi
        log "round $round$([ "$round" -eq 0 ] && echo ' (warm-up)'): $wl $mode, $first first"
        if [ "$first" = cedana ]; then
            cedana_trial "$wl" "$mode" "$round-$i"
            criu_trial "$wl" "$mode" "$round-$i"
        else
            criu_trial "$wl" "$mode" "$round-$i"
            cedana_trial "$wl" "$mode" "$round-$i"
        fi
    done
}

machine_info() {
    local cpu
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "- date: $(date -Is)"
    echo "- nproc: $(nproc); CPU: ${cpu:-unknown}; memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "- kernel: $(uname -r) ($(uname -m)); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "- checkpoints in: $BENCH_DIR ($(df --output=fstype "$BENCH_DIR" | tail -n 1 | tr -d ' '))"
    echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1); CRIU: $("$CRIU" --version 2>&1 | head -n 1) ($CRIU)"
    echo "- lz4: $(lz4 -V 2>&1 | head -n 1)"
    echo "- zstd: $(zstd -V 2>&1 | head -n 1)"
    echo "- workloads: small = bash -c 'while true; do sleep 0.1; done'; memhog = ${MEMHOG_MIB} MiB"
    echo "- rounds: 1 warm-up + ${ROUNDS} measured; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

ms() { awk -v ns="$1" 'BEGIN { if (ns == "-") print "-"; else printf "%.1f", ns / 1e6 }'; }
mib() { awk -v b="$1" 'BEGIN { if (b == "") print "-"; else printf "%.1f", b / 1048576 }'; }

results_table() {
    local wl mode op label c_vals r_vals c_med r_med ratio c_rng r_rng wl_label criu_label
    echo "| workload | measurement | cedana median ms | criu median ms | cedana/criu | cedana min–max ms | criu min–max ms | checkpoint MiB cedana / criu | criu side |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
    for c in "${CASES[@]}"; do
        read -r wl mode <<<"$c"
        case "$wl" in
            small) wl_label="small (bash loop)" ;;
            memhog) wl_label="memhog ${MEMHOG_MIB} MiB" ;;
        esac
        for op in dump restore; do
            c_vals=$(tr ' ' '\n' <<<"${RES[$wl|$op|$mode|cedana]:-}" | sed '/^$/d')
            r_vals=$(tr ' ' '\n' <<<"${RES[$wl|$op|$mode|criu]:-}" | sed '/^$/d')
            c_med=$(median <<<"$c_vals")
            r_med=$(median <<<"$r_vals")
            ratio=$(awk -v a="$c_med" -v b="$r_med" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }')
            c_rng="$(ms "$(min_of <<<"$c_vals")")–$(ms "$(max_of <<<"$c_vals")")"
            r_rng="$(ms "$(min_of <<<"$r_vals")")–$(ms "$(max_of <<<"$r_vals")")"
            case "$op|$mode" in
                dump\|none) criu_label="criu dump" ;;
                restore\|none) criu_label="criu restore -d" ;;
                dump\|lz4) criu_label="criu dump; tar \\| lz4 -q; rm dir" ;;
                restore\|lz4) criu_label="lz4 -dc \\| tar -x; criu restore -d; rm dir" ;;
                dump\|zstd) criu_label="criu dump; tar \\| zstd -q -1 -T0; rm dir" ;;
                restore\|zstd) criu_label="zstd -dc \\| tar -x; criu restore -d; rm dir" ;;
            esac
            case "$op|$mode" in
                *\|none) label="$op (no compression)" ;;
                *\|lz4) label="$op (lz4)" ;;
                dump\|zstd) label="dump (zstd -1)" ;;
                restore\|zstd) label="restore (zstd)" ;;
            esac
            echo "| $wl_label | $label | $(ms "$c_med") | $(ms "$r_med") | $ratio | $c_rng | $r_rng | $(mib "${SIZE[$wl|$mode|cedana]:-}") / $(mib "${SIZE[$wl|$mode|criu]:-}") | $criu_label |"
        done
    done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "cedana $CEDANA, CRIU $CRIU, memhog $MEMHOG (${MEMHOG_MIB} MiB), ${ROUNDS} rounds, work dir $WORK"
start_daemon "$CEDANA" "$WORK"

RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana vs plain CRIU: checkpoint/restore wall clock" "Medians of ${ROUNDS} measured round(s), wall clock around each end-to-end command (cedana CLI → daemon → CRIU;
plain CRIU with the same options: -v4, --shell-job, restore detached). Checkpoint sizes from the last round."
