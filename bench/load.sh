#!/usr/bin/env bash
# Load: CLIENTS (50) clients at once against one daemon for DURATION_S (120) seconds, on a
# few dozen jobs, then abuse (a flood of junk and an oversized frame on the socket, a client
# that trickles its bytes, many attach streams that are never read) while ps goes on.
#
#   bench/load.sh [path-to-cedana]     CLIENTS=50 DURATION_S=120 BENCH_DIR=/var/tmp BENCH_OUT=file.md
#
# The clients, by role (index mod 5): cyclers, each with a job of its own that it dumps
# (ending it) and restores, again and again; runners, which start a job, kill it and delete
# it; listers (ps); attachers, which attach to one of the attachable jobs for a second
# (cut by timeout: still attached then is success); inspectors (job inspect, job
# checkpoints). Every request must succeed: they never race each other for a job. Printed:
# requests served and failed per kind with their latency, every failure's output, and the
# daemon's descriptors, threads and resident memory before the load and after it (every job
# it created killed and deleted). Exits non-zero when a request failed, a checkpoint did not
# restore, or the daemon holds more descriptors or threads afterwards than before.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
[ "${CEDANA_BENCH_SUBREAPER:-}" = 1 ] || CEDANA_BENCH_SUBREAPER=1 exec_as_subreaper bash "$0" "$@"

CEDANA=$(realpath "${1:-$HERE/../build/cedana}")
CLIENTS=${CLIENTS:-50}
DURATION_S=${DURATION_S:-120}
STABLE_JOBS=${STABLE_JOBS:-10}
[[ $CLIENTS =~ ^[1-9][0-9]*$ && $DURATION_S =~ ^[1-9][0-9]*$ ]] || die "CLIENTS and DURATION_S must be positive integers"
[ "$(id -u)" -eq 0 ] || die "CRIU needs root"

WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cedana-bench-load.XXXXXX")
DAEMON_PID=""
CLIENT_PIDS=()
cleanup() {
    local pid
    for pid in "${CLIENT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    stop_daemon
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

start_daemon "$CEDANA" "$WORK" --db "$WORK/jobs.db"
cli() { "$CEDANA" "$@" --address "$WORK/cedana.sock" --config-dir "$WORK/config"; }

# What the daemon holds: descriptors, its own threads, resident KiB. gRPC's executors and
# timers (grpc*, event_engine, default-executo…, timer_manager, resolver-execut…) grow
# under load and shrink on gRPC's own schedule, bounded by gRPC: they are shown, not counted.
GRPC_THREADS='^(grpc|event_engine|default-executo|timer_manager|resolver-execut)'
daemon_usage() {
    echo "$(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l) $(cat "/proc/$DAEMON_PID"/task/*/comm 2>/dev/null | grep -cvE "$GRPC_THREADS") $(awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status")"
}

# The workload of every job: a counter, a line a second (attachers see output at once).
cat >"$WORK/tick.sh" <<'SH'
#!/bin/sh
i=0
while :; do echo "tick $i"; i=$((i + 1)); sleep 0.5; done
SH
chmod +x "$WORK/tick.sh"
mkdir -p "$WORK/ckpt" "$WORK/log"

# A warm-up of every kind of request first, so that the baseline holds what the daemon opens
# once and keeps (gRPC's pollers, SQLite's WAL, the inotify pool), not what it leaks.
cli run process "$WORK/tick.sh" --jid warm --attachable >/dev/null || die "cannot start the warm-up job"
cli dump job warm --dir "$WORK/ckpt" --name warm-1 >/dev/null || die "cannot dump the warm-up job"
cli restore job warm >/dev/null || die "cannot restore the warm-up job"
timeout 1 "$CEDANA" job attach warm --address "$WORK/cedana.sock" --config-dir "$WORK/config" </dev/null >/dev/null 2>&1 || true
cli ps >/dev/null && cli job inspect warm >/dev/null && cli job checkpoints warm >/dev/null || die "the warm-up requests failed"
cli job kill warm >/dev/null && cli job delete warm >/dev/null || die "cannot end the warm-up job"
sleep 1
read -r FDS_BEFORE THREADS_BEFORE RSS_BEFORE < <(daemon_usage)
threads_held() { cat "/proc/$DAEMON_PID"/task/*/comm 2>/dev/null | sort | uniq -c | sort -rn; }
grpc_threads() { cat "/proc/$DAEMON_PID"/task/*/comm 2>/dev/null | grep -cE "$GRPC_THREADS"; }
fds_held() { for fd in "/proc/$DAEMON_PID"/fd/*; do readlink "$fd"; done | sed 's/[0-9]\+/N/g' | sort | uniq -c | sort -rn; }
FDS_HELD_BEFORE=$(fds_held)
THREADS_HELD_BEFORE=$(threads_held)
GRPC_BEFORE=$(grpc_threads)

CYCLERS=$(((CLIENTS + 4) / 5))
for ((k = 0; k < STABLE_JOBS; k++)); do
    cli run process "$WORK/tick.sh" --jid "stable-$k" --attachable >/dev/null || die "cannot start job stable-$k"
done
# The cyclers' jobs exist before any client runs, so that inspectors never ask too early.
for ((k = 0; k < CYCLERS; k++)); do
    cli run process "$WORK/tick.sh" --jid "cycle-$((k * 5))" >/dev/null || die "cannot start job cycle-$((k * 5))"
done

# request OUT KIND CMD...: runs one CLI request, appends "KIND RC MILLISECONDS" to OUT, and
# keeps a failure's output. Returns the request's status.
request() {
    local out=$1 kind=$2 start rc=0
    shift 2
    start=$(now_ns)
    cli "$@" >"$out.last" 2>&1 || rc=$?
    # A restore needs the dumped PIDs free, and on the host's PID space (pid_max 32768 here)
    # the load's own thousands of processes take some of them between the check and CRIU's
    # fork: counted apart, not as the daemon's failure.
    if [ "$kind" = restore ] && [ "$rc" -ne 0 ] && grep -q "Can't fork for [0-9]*: File exists" "$out.last"; then kind=restore-pid-reused; fi
    echo "$kind $rc $((($(now_ns) - start) / 1000000))" >>"$out"
    if [ "$rc" -ne 0 ] && [ "$kind" != restore-pid-reused ]; then
        { echo "--- $kind failed ($rc): cedana $*"; cat "$out.last"; } >>"$out.failures"
    fi
    return "$rc"
}

client() {
    local w=$1 out=$WORK/log/client-$w end=$(($(date +%s) + DURATION_S)) n=0
    : >"$out"
    case $((w % 5)) in
        0)  # cycler: its own job, dumped (which ends it) and restored, again and again
            local jid="cycle-$w"
            while [ "$(date +%s)" -lt "$end" ]; do
                # Named: the default name has a resolution of a second.
                n=$((n + 1))
                request "$out" dump dump job "$jid" --dir "$WORK/ckpt" --compression lz4 --name "$jid-$n" || return 0
                # A restore whose PID another process took is tried again once that one is gone.
                while ! request "$out" restore restore job "$jid"; do
                    grep -q "Can't fork for [0-9]*: File exists" "$out.last" || return 0
                    sleep 0.2
                done
            done
            request "$out" kill job kill "$jid" || true
            ;;
        1)  # runner: start, kill, delete
            while [ "$(date +%s)" -lt "$end" ]; do
                local jid="run-$w-$n"
                n=$((n + 1))
                request "$out" run run process "$WORK/tick.sh" --jid "$jid" || continue
                request "$out" kill job kill "$jid" || continue
                request "$out" delete job delete "$jid" || true
            done
            ;;
        2)  while [ "$(date +%s)" -lt "$end" ]; do request "$out" ps ps || true; done ;;
        3)  # attacher: a second on an attachable job, cut while attached
            while [ "$(date +%s)" -lt "$end" ]; do
                local start rc=0
                start=$(now_ns)
                timeout 1 "$CEDANA" job attach "stable-$((n % STABLE_JOBS))" --address "$WORK/cedana.sock" \
                    --config-dir "$WORK/config" </dev/null >"$out.attach" 2>&1 || rc=$?
                # 124: still attached when timeout cut it, with the job's ticks received.
                if [ "$rc" -eq 124 ] && grep -q '^tick' "$out.attach"; then rc=0; fi
                [ "$rc" -eq 0 ] || { echo "--- attach failed ($rc)"; cat "$out.attach"; } >>"$out.failures"
                echo "attach $rc $((($(now_ns) - start) / 1000000))" >>"$out"
                n=$((n + 1))
            done
            ;;
        4)  while [ "$(date +%s)" -lt "$end" ]; do
                request "$out" inspect job inspect "stable-$((n % STABLE_JOBS))" || true
                request "$out" checkpoints job checkpoints "cycle-$(((n % CYCLERS) * 5))" || true
                n=$((n + 1))
            done
            ;;
    esac
}

log "$CLIENTS clients for ${DURATION_S}s ($STABLE_JOBS attachable jobs, $CYCLERS cycling dump/restore)"
for ((w = 0; w < CLIENTS; w++)); do
    client "$w" &
    CLIENT_PIDS+=($!)
done

# Abuse while the load runs, halfway through.
sleep $((DURATION_S / 2))
log "abuse: junk, an oversized frame, a trickling client, 40 attach streams never read"
python3 - "$WORK/cedana.sock" <<'PY' &
import os, socket, sys, threading, time
path = sys.argv[1]
def junk():
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    try:
        s.sendall(os.urandom(1 << 20) * 16)
    except OSError:
        pass
    s.close()
def oversized():
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    # The HTTP/2 preface, then a DATA frame header claiming 16 MiB - 1 and a trickle of it.
    try:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" + b"\xff\xff\xff\x00\x00\x00\x00\x00\x01")
        s.sendall(b"x" * 65536)
    except OSError:
        pass
    time.sleep(5)
    s.close()
def trickle():
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    try:
        for b in b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n":
            s.send(bytes([b])); time.sleep(0.3)
    except OSError:
        pass
    s.close()
threads = [threading.Thread(target=f) for f in (junk, oversized, trickle, junk)]
for t in threads: t.start()
for t in threads: t.join()
PY
ABUSE_PID=$!
STUCK=()
for ((i = 0; i < 40; i++)); do
    # The CLI blocks writing into a FIFO nobody reads; its stream backs up into the daemon.
    mkfifo "$WORK/stuck-$i"
    sleep $((DURATION_S * 2)) <"$WORK/stuck-$i" &
    STUCK+=($!)
    cli job attach "stable-$((i % STABLE_JOBS))" </dev/null >"$WORK/stuck-$i" 2>/dev/null &
    STUCK+=($!)
done
wait "$ABUSE_PID" || true

for pid in "${CLIENT_PIDS[@]}"; do wait "$pid" || true; done
CLIENT_PIDS=()
for pid in "${STUCK[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${STUCK[@]}"; do wait "$pid" 2>/dev/null || true; done

# Every checkpoint the cyclers made last must restore: each job was restored right after it.
log "load over; ending every job"
cli job kill --all >/dev/null 2>&1 || true
for ((i = 0; i < 100; i++)); do
    cli ps 2>/dev/null | grep -qw running || break
    sleep 0.1
done
cli job delete --all >/dev/null 2>&1 || true
# What the daemon released: measured once it has had 10 s to let go of what it was doing.
for ((i = 0; i < 100; i++)); do
    read -r FDS_AFTER THREADS_AFTER RSS_AFTER < <(daemon_usage)
    [ "$FDS_AFTER" -le "$FDS_BEFORE" ] && [ "$THREADS_AFTER" -le "$THREADS_BEFORE" ] && break
    sleep 0.1
done
FDS_HELD=$(fds_held)
THREADS_HELD=$(threads_held)
GRPC_AFTER=$(grpc_threads)

machine_info() {
    echo "- date: $(date -Is); nproc: $(nproc); memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel: $(uname -r)"
    echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1); CRIU: $("${CRIU:-/opt/cedana/criu/criu}" --version 2>&1 | head -n 1)"
    echo "- $CLIENTS clients, ${DURATION_S}s; jobs: $STABLE_JOBS attachable, $CYCLERS cycling, runners' short-lived ones"
}

failed=0
echo "## Load: $CLIENTS clients for ${DURATION_S}s"
echo
machine_info
echo
echo "| request | served | failed | median ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: |"
for kind in run dump restore restore-pid-reused kill delete ps attach inspect checkpoints; do
    rows=$(cat "$WORK"/log/client-* 2>/dev/null | awk -v k="$kind" '$1 == k')
    [ -n "$rows" ] || continue
    served=$(awk '$2 == 0' <<<"$rows" | wc -l)
    errors=$(awk '$2 != 0' <<<"$rows" | wc -l)
    [ "$kind" = restore-pid-reused ] || failed=$((failed + errors))
    echo "| $kind | $served | $errors | $(awk '{ print $3 }' <<<"$rows" | median) | $(awk '{ print $3 }' <<<"$rows" | max_of) |"
done
echo
echo "Daemon before → after: $FDS_BEFORE → $FDS_AFTER descriptors, $THREADS_BEFORE → $THREADS_AFTER threads of its own (gRPC's: $GRPC_BEFORE → $GRPC_AFTER), $((RSS_BEFORE / 1024)) → $((RSS_AFTER / 1024)) MiB resident."
kill -0 "$DAEMON_PID" 2>/dev/null || { echo "The daemon died."; exit 1; }
if [ "$failed" -gt 0 ]; then
    echo
    echo "Failures:"
    cat "$WORK"/log/*.failures 2>/dev/null | head -100 || true
fi
[ "$failed" -eq 0 ] || exit 1
[ "$FDS_AFTER" -le "$FDS_BEFORE" ] || { echo "The daemon holds $((FDS_AFTER - FDS_BEFORE)) descriptors more than before:"; echo "$FDS_HELD"; echo "before:"; echo "$FDS_HELD_BEFORE"; exit 1; }
[ "$THREADS_AFTER" -le "$THREADS_BEFORE" ] || { echo "The daemon runs $((THREADS_AFTER - THREADS_BEFORE)) threads of its own more than before:"; echo "$THREADS_HELD"; echo "before:"; echo "$THREADS_HELD_BEFORE"; exit 1; }
