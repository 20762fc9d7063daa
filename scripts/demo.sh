#!/usr/bin/env bash
# The demo `make demo` runs: a daemon on a private socket, its health check with timings,
# and a clean stop. It grows with each capability (checkpoint/restore of a counter next).
set -euo pipefail

CEDANA=$(realpath "${1:-build/cedana}")
work=$(mktemp -d)
sock="$work/cedana.sock"
daemon_pid=""
cleanup() {
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

step "stopping the daemon (SIGTERM)"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
[ ! -e "$sock" ] && echo "daemon stopped and removed its socket"
