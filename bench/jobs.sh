#!/usr/bin/env bash
# Managed-jobs benchmark: `cedana ps` with 1,000 jobs in the database, the daemon's idle
# resident memory, and run → dump job → restore job of a small workload against plain CRIU
# dump + restore of the same workload, in one run.
#
#   bench/jobs.sh [path-to-cedana]      ROUNDS=20 (after one warm-up; CRIU's own run-to-run swing
#                                       needs that many for a steady median), BENCH_DIR=/var/tmp
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CEDANA=$(realpath "${1:-build/cedana}")
CRIU=${CRIU:-/opt/cedana/criu/criu}
ROUNDS=${ROUNDS:-20}
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
[ "${CEDANA_BENCH_SUBREAPER:-}" = 1 ] || CEDANA_BENCH_SUBREAPER=1 exec_as_subreaper bash "$0" "$@"

WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cedana-bench-jobs.XXXXXX")
LIVE_PID=""
cleanup() {
    [ -n "$LIVE_PID" ] && end_pid "$LIVE_PID" || true
    [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

SOCK=$WORK/cedana.sock
mkdir -p "$WORK/config"
"$CEDANA" daemon start --address "$SOCK" --config-dir "$WORK/config" --db "$WORK/jobs.db" </dev/null >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
for ((i = 0; i < 400; i++)); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || die "the daemon did not start: $(cat "$WORK/daemon.log")"
C=("$CEDANA" --address "$SOCK" --config-dir "$WORK/config")

"${C[@]}" daemon check >/dev/null || true
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$DAEMON_PID/status")

# 1,000 jobs, as the daemon would have written them (their PIDs long gone, as after a busy day).
{
    echo "BEGIN;"
    for ((i = 0; i < 1000; i++)); do
        echo "INSERT INTO jobs (jid, type, pid, command, log, attachable, gpu, created, exit_status, start_ticks) VALUES ('bench_job$i', 'process', $((4000000 + i)), 'sleep 1', '/var/log/cedana-output-bench_job$i.log', 0, 0, $(date +%s), 0, 0);"
    done
    echo "INSERT INTO checkpoints (id, jid, time, size, path, compression) SELECT 'c-' || jid, jid, created, 659456, '/tmp/x', 'lz4' FROM jobs;"
    echo "COMMIT;"
} | sqlite3 "$WORK/jobs.db"
ps_ms=()
for ((r = 0; r <= ROUNDS; r++)); do
    t0=$(now_ns)
    "${C[@]}" ps >/dev/null
    t1=$(now_ns)
    ((r > 0)) && ps_ms+=($(((t1 - t0) / 1000)))
done
ps_median=$(printf '%s\n' "${ps_ms[@]}" | median)
rows=$("${C[@]}" ps | wc -l)
"${C[@]}" delete --all >/dev/null

cedana_ms=()
criu_ms=()
for ((r = 0; r <= ROUNDS; r++)); do
    # cedana: a managed job, dumped and restored by id.
    out=$("${C[@]}" run process --jid "rt$r" --out "$WORK/rt$r.log" -- bash -c 'while true; do sleep 0.1; done')
    pid=$(sed -n 's/.*(PID \([0-9]*\)).*/\1/p' <<<"$out")
    LIVE_PID=$pid
    sleep 0.3
    t0=$(now_ns)
    "${C[@]}" dump job "rt$r" --dir "$WORK/ck" >/dev/null
    wait_gone "$pid" 20 || die "job rt$r did not end after its dump"
    "${C[@]}" restore job "rt$r" >/dev/null
    t1=$(now_ns)
    end_pid "$pid"
    ((r > 0)) && cedana_ms+=($(((t1 - t0) / 1000)))

    # plain CRIU: the same loop, dumped and restored with the same options.
    setsid bash -c 'while true; do sleep 0.1; done' </dev/null >/dev/null 2>&1 &
    pid=$!
    disown "$pid"
    LIVE_PID=$pid
    sleep 0.3
    mkdir -p "$WORK/raw$r"
    t0=$(now_ns)
    "$CRIU" dump -t "$pid" -D "$WORK/raw$r" -v4 -o dump.log
    wait_gone "$pid" 20 || die "the plain CRIU workload did not end after its dump"
    "$CRIU" restore -D "$WORK/raw$r" -v4 -o restore.log -d
    t1=$(now_ns)
    end_pid "$pid"
    LIVE_PID=""
    ((r > 0)) && criu_ms+=($(((t1 - t0) / 1000)))
done
cedana_median=$(printf '%s\n' "${cedana_ms[@]}" | median)
criu_median=$(printf '%s\n' "${criu_ms[@]}" | median)

echo "## Managed jobs ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, kernel $(uname -r), $ROUNDS rounds after a warm-up)"
echo
echo "| measurement | cedana | plain CRIU | ratio | target |"
echo "|---|---:|---:|---:|---|"
printf '| `cedana ps`, 1,000 jobs (%s lines) | %.1f ms | | | ≤ 50 ms |\n' "$rows" "$(bc -l <<<"$ps_median / 1000")"
printf '| daemon idle RSS | %.1f MiB | | | ≤ 20 MiB |\n' "$(bc -l <<<"$rss_kib / 1024")"
printf '| dump + restore, shell loop | %.1f ms | %.1f ms | %.2f | ≤ 1.2× |\n' "$(bc -l <<<"$cedana_median / 1000")" \
    "$(bc -l <<<"$criu_median / 1000")" "$(bc -l <<<"$cedana_median / $criu_median")"
