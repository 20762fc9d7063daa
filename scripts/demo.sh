#!/usr/bin/env bash
# The demo `make demo` runs: a daemon on a private socket and its health check, then a
# counting process that is checkpointed (which ends it), restored, and counts on from where
# it was; then a clean stop.
set -euo pipefail

CEDANA=$(realpath "${1:-build/cedana}")
work=$(mktemp -d)
sock="$work/cedana.sock"
daemon_pid=""
counter_pid=""
cleanup() {
    if [ -n "$counter_pid" ] && kill -0 "$counter_pid" 2>/dev/null; then kill "$counter_pid"; fi
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid"
        wait "$daemon_pid" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "starting a daemon on $sock"
"$CEDANA" daemon start --address "$sock" --config-dir "$work" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 200); do
    [ -S "$sock" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log"; exit 1; }
    sleep 0.05
done
[ -S "$sock" ] || { echo "the daemon did not come up" >&2; cat "$work/daemon.log"; exit 1; }

step "cedana daemon check --full --profiling"
"$CEDANA" --address "$sock" daemon check --full --profiling

step "a counting process, its output in $work/counter.out"
( i=0; while true; do echo "$i"; i=$((i + 1)); sleep 0.2; done ) >"$work/counter.out" 2>&1 &
counter_pid=$!
until [ "$(wc -l <"$work/counter.out")" -ge 5 ]; do sleep 0.05; done
echo "counting, PID $counter_pid: $(tr '\n' ' ' <"$work/counter.out")"

step "cedana dump process $counter_pid --compression lz4 (checkpoint, then the process ends)"
"$CEDANA" --address "$sock" dump process "$counter_pid" --dir "$work" --compression lz4 | tee "$work/dump.txt"
checkpoint=$(tail -n 1 "$work/dump.txt" | awk '{print $NF}')
{ wait "$counter_pid"; } 2>/dev/null || true
last=$(tail -n 1 "$work/counter.out")
echo "the process is gone; its last number was $last; checkpoint: $(du -h "$checkpoint" | cut -f1)"

step "cedana restore process --path $checkpoint"
"$CEDANA" --address "$sock" restore process --path "$checkpoint" --out "$work/restored.out"
until [ "$(wc -l <"$work/restored.out" 2>/dev/null || echo 0)" -ge 5 ]; do sleep 0.05; done
echo "restored PID $counter_pid counts on: $(head -n 5 "$work/restored.out" | tr '\n' ' ')"
[ "$(head -n 1 "$work/restored.out")" -eq $((last + 1)) ] && echo "(it went on from $last, it did not start over)"
kill "$counter_pid"

step "stopping the daemon (SIGTERM)"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
[ ! -e "$sock" ] && echo "daemon stopped and removed its socket"
