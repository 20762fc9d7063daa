#!/usr/bin/env bash
# `cedana migrate job` benchmark (issue 13): moving a memhog job between two daemons on this
# machine, end to end, against doing it by hand with the same daemons.
#
#   bench/migrate.sh [path-to-cedana]       (default build/cedana)
#
# Contenders, each on a fresh memhog job of $MEMHOG_MIB MiB started on daemon A:
#   migrate  `cedana migrate job JID --to B` (lz4, 2 streams: the defaults)
#   byhand   `cedana dump job JID --compression lz4` on A, `cp -r` of the checkpoint into B's
#            directory, `cedana restore process --path …` on B
# Timed: from the first command to the process running on B. One warm-up round, then
# $ROUNDS rounds, contenders alternated. Environment: ROUNDS=9, MEMHOG_MIB=1024,
# BENCH_OUT=FILE, BENCH_DIR=/var/tmp. Needs root. Everything it starts is ended by PID.
set -euo pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
# shellcheck source=lib.sh
source "$HERE/lib.sh"

if [ -z "${CEDANA_BENCH_SUBREAPER:-}" ]; then
    export CEDANA_BENCH_SUBREAPER=1
    exec_as_subreaper "$BASH" "$SELF" "$@"
fi

memhog_settings "$@"

WORK=$(mktemp -d "$BENCH_DIR/cedana-bench-migrate.XXXXXX")
OUT=$WORK/cmd.out
A=$WORK/a
B=$WORK/b
mkdir -p "$A/ckpt" "$B/ckpt"
A_PID=""
B_PID=""
JOB_PID=""

# start_one DIR: a daemon of lib.sh's on DIR/cedana.sock with a job database and checkpoint
# directory of its own; sets STARTED to its PID.
start_one() {
    CEDANA_CHECKPOINT_DIR=$1/ckpt start_daemon "$CEDANA" "$1" --db "$1/jobs.db"
    STARTED=$DAEMON_PID
}
stop_one() {
    [ -n "$1" ] || return 0
    DAEMON_PID=$1
    stop_daemon
}
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$JOB_PID" ] && [ -r "/proc/$JOB_PID/cmdline" ] && tr '\0' ' ' <"/proc/$JOB_PID/cmdline" | grep -q -e "$MEMHOG"; then
        end_pid "$JOB_PID"
    fi
    stop_one "$A_PID"
    stop_one "$B_PID"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

on() { # on a|b ARGS...
    local dir=$A
    [ "$1" = b ] && dir=$B
    shift
    "$CEDANA" --address "$dir/cedana.sock" --config-dir "$dir/config" "$@"
}

declare -A RES=()
RECORD=0
record() {
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}

# start_job JID: memhog as a job of A, once it says it is ready; sets JOB_PID.
start_job() {
    local jid=$1 i
    on a run process "$MEMHOG" "$MEMHOG_MIB" --jid "$jid" --out "$WORK/$jid.log" >"$OUT" 2>&1 || { cat "$OUT" >&2; die "cannot start the job"; }
    JOB_PID=$(sed -n 's/^Started job [^ ]* (PID \([0-9]*\)).*/\1/p' "$OUT")
    [ -n "$JOB_PID" ] || die "no PID in: $(cat "$OUT")"
    for ((i = 0; i < 12000; i++)); do
        grep -q '^ready$' "$WORK/$jid.log" 2>/dev/null && return 0
        sleep 0.01
    done
    die "memhog was not ready in 120 s"
}

trial() {
    local ct=$1 tag=$2 jid t0 t1 path copy
    jid=bench_${ct}_$tag
    start_job "$jid"
    sync
    t0=$(now_ns)
    case "$ct" in
        migrate)
            on a migrate job "$jid" --to "$B/cedana.sock" >"$OUT" 2>&1 || { cat "$OUT" >&2; die "migrate failed"; }
            ;;
        byhand)
            on a dump job "$jid" --compression lz4 >"$OUT" 2>&1 || { cat "$OUT" >&2; die "dump job failed"; }
            path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
            copy=$B/ckpt/${path##*/}
            cp -r "$path" "$copy"
            on b restore process --path "$copy" >"$OUT" 2>&1 || { cat "$OUT" >&2; die "restore on B failed"; }
            ;;
    esac
    t1=$(now_ns)
    alive "$JOB_PID" || die "PID $JOB_PID is not running after the $ct"
    record "$ct" $((t1 - t0))
    log "  $ct: $(((t1 - t0) / 1000000)) ms"
    end_pid "$JOB_PID"
    JOB_PID=""
    on a delete "$jid" --checkpoints >/dev/null 2>&1 || true
    on b delete "$jid" --checkpoints >/dev/null 2>&1 || true
    rm -rf "${A:?}"/ckpt/* "${B:?}"/ckpt/*
}

CONTENDERS=(migrate byhand)
run_round() {
    local round=$1 n=${#CONTENDERS[@]} k
    log "round $round$([ "$round" -eq 0 ] && echo ' (warm-up)')"
    for ((k = 0; k < n; k++)); do trial "${CONTENDERS[(round + k) % n]}" "$round"; done
}

vals() { tr ' ' '\n' <<<"${RES[$1]:-}" | sed '/^$/d'; }
ms() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.0f", v / 1e6 }'; }

machine_info() {
    echo "- date: $(date -Is); nproc: $(nproc); memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel: $(uname -r)"
    echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1); two daemons on UNIX sockets of this machine"
    echo "- workload: memhog ${MEMHOG_MIB} MiB as a job; rounds: 1 warm-up + ${ROUNDS} measured; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

results_table() {
    local m h
    m=$(vals migrate | median)
    h=$(vals byhand | median)
    echo "| contender | end to end ms (median) | min–max | × by hand |"
    echo "|---|---:|---:|---:|"
    echo "| cedana migrate job (lz4, 2 streams) | $(ms "$m") | $(ms "$(vals migrate | min_of)")–$(ms "$(vals migrate | max_of)") | $(awk -v a="$m" -v b="$h" 'BEGIN { printf "%.2f", a / b }') |"
    echo "| by hand: dump job (lz4) + cp -r + restore process on B | $(ms "$h") | $(ms "$(vals byhand | min_of)")–$(ms "$(vals byhand | max_of)") | 1.00 |"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_one "$A"
A_PID=$STARTED
start_one "$B"
B_PID=$STARTED
log "cedana $CEDANA, memhog ${MEMHOG_MIB} MiB, ${ROUNDS} rounds, work dir $WORK"
RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana migrate job: end to end against dump + copy + restore by hand" "Medians and min–max of ${ROUNDS} measured round(s) after one warm-up, contenders alternated,
each on a fresh memhog job. Wall clock (date +%s%N) from the first command to the process
running on daemon B. Both daemons on one machine: the copy is a local one, the stream a
UNIX socket; over a network both pay its speed."
