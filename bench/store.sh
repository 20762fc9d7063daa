#!/usr/bin/env bash
# The cedana:// store (issue 13) benchmark: a dump to a store of our own (`cedana store
# serve` on loopback) and a restore from it against the same dump and restore on local disk,
# and against doing it by hand (local dump, then curl uploading the archive to the store;
# curl downloading it, then the local restore), in one run, on one memhog workload.
#
#   bench/store.sh [path-to-cedana]       (default build/cedana)
#
# Contenders, each on a fresh memhog of $MEMHOG_MIB MiB (poorly compressible):
#   local     --dir $WORK/checkpoints --compression lz4 (the baseline)
#   store     --dir cedana://bench/ckpt --compression lz4 (uploaded while CRIU dumps)
#   storex4   the same with --streams 4 (four uploads in parallel)
#   byhand    the local lz4 dump, then one whole-body curl PUT to an upload URL of the store;
#             restore: curl GET from its download URL, then the local restore
# Measured: wall clock of the dump and of the restore (CLI → daemon → CRIU → the store), the
# daemon's peak RSS during the dump (VmHWM after clear_refs 5) and the store's.
# One warm-up round, then $ROUNDS rounds, contenders rotated by one each round.
#
# Environment: ROUNDS=9, MEMHOG_MIB=1024, BENCH_OUT=FILE (also write the Markdown there),
# BENCH_DIR=/var/tmp. Needs root, curl, jq, openssl. Everything it starts is ended by PID.
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
for tool in curl jq openssl; do command -v "$tool" >/dev/null || die "needs $tool"; done

WORK=$(mktemp -d "$BENCH_DIR/cedana-bench-store.XXXXXX")
SOCK=$WORK/cedana.sock
CK=$WORK/checkpoints
OUT=$WORK/cmd.out
STORE=$WORK/store
mkdir -p "$CK"
STORE_PID=""

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$LIVE_PID" ] && [ -r "/proc/$LIVE_PID/cmdline" ] && tr '\0' ' ' <"/proc/$LIVE_PID/cmdline" | grep -q -e "$MEMHOG"; then
        end_pid "$LIVE_PID"
    fi
    stop_daemon
    if [ -n "$STORE_PID" ]; then
        kill -TERM "$STORE_PID" 2>/dev/null
        wait "$STORE_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_failure() {
    log "$1 failed; its output:"
    cat "$OUT" >&2 || true
    log "last lines of the daemon's log:"
    tail -n 20 "$WORK/daemon.log" >&2 || true
    die "$1"
}

start_store() {
    local i
    openssl rand -hex 24 >"$WORK/token"
    chmod 600 "$WORK/token"
    "$CEDANA" store serve --address 127.0.0.1:0 --dir "$STORE" --token-file "$WORK/token" </dev/null >"$WORK/store.out" 2>&1 &
    STORE_PID=$!
    for ((i = 0; i < 200; i++)); do
        grep -q '^cedana store serving ' "$WORK/store.out" && break
        kill -0 "$STORE_PID" 2>/dev/null || die "the store exited: $(cat "$WORK/store.out")"
        sleep 0.05
    done
    CEDANA_URL=$(sed -n 's/^cedana store serving .* at //p' "$WORK/store.out")
    [ -n "$CEDANA_URL" ] || die "the store did not start: $(cat "$WORK/store.out")"
    CEDANA_AUTH_TOKEN=$(cat "$WORK/token")
    export CEDANA_URL CEDANA_AUTH_TOKEN
}

status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

declare -A RES=()
declare -A SIZE=()
RECORD=0
record() {
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}

CONTENDERS=(local store storex4 byhand)
label() {
    case "$1" in
        local) echo "local disk, --compression lz4 (baseline)" ;;
        store) echo "cedana://, --compression lz4" ;;
        storex4) echo "cedana://, --compression lz4 --streams 4" ;;
        byhand) echo "by hand: local lz4 dump + curl PUT to the store; curl GET + local restore" ;;
    esac
}

# api METHOD PATH: the file API with the token; prints the answer's body.
api() { curl -sS -f -X "$1" -H "Authorization: Bearer $CEDANA_AUTH_TOKEN" "$CEDANA_URL/v2/files/$2"; }

remote_bytes() { du -sb "$STORE/objects/${1#cedana://}" | awk '{ print $1 }'; }
remove_remote() { rm -rf "${STORE:?}/objects/${1#cedana://}"; }

trial() {
    local ct=$1 tag=$2 pid tree path t0 t1 t2 t3 hwm shwm bytes rpid url
    local -a flags=(--compression lz4)
    case "$ct" in
        local | byhand) flags+=(--dir "$CK") ;;
        store) flags+=(--dir cedana://bench/ckpt) ;;
        storex4) flags+=(--dir cedana://bench/ckpt --streams 4) ;;
    esac
    start_workload memhog "$WORK/workload.log"
    pid=$WORKLOAD_PID
    tree=$(tree_of "$pid")
    sync
    echo 5 >"/proc/$DAEMON_PID/clear_refs"
    echo 5 >"/proc/$STORE_PID/clear_refs"
    t0=$(now_ns)
    "$CEDANA" --address "$SOCK" dump process "$pid" --name "$ct-$tag" "${flags[@]}" >"$OUT" 2>&1 ||
        show_failure "cedana dump process $pid ${flags[*]}"
    path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
    [ -n "$path" ] || show_failure "cedana dump: no \"Dumped to\" line"
    if [ "$ct" = byhand ]; then
        url=$(api PUT "byhand/${path##*/}" | jq -r .url)
        curl -sS -f -o /dev/null -X PUT -T "$path" "$url" || show_failure "curl upload of $path"
        rm -f "$path"
    fi
    t1=$(now_ns)
    hwm=$(status_kib "$DAEMON_PID" VmHWM)
    shwm=$(status_kib "$STORE_PID" VmHWM)
    # shellcheck disable=SC2086
    after_dump $tree
    LIVE_PID=""
    case "$ct" in
        local) bytes=$(size_of "$path") ;;
        byhand) bytes=$(remote_bytes "byhand/${path##*/}") ;;
        *) bytes=$(remote_bytes "$path") ;;
    esac
    SIZE[$ct]=$bytes
    sync
    LIVE_PID=$pid
    t2=$(now_ns)
    if [ "$ct" = byhand ]; then
        url=$(api GET "byhand/${path##*/}" | jq -r .url)
        curl -sS -f -o "$path" "$url" || show_failure "curl download to $path"
    fi
    "$CEDANA" --address "$SOCK" restore process --path "$path" >"$OUT" 2>&1 ||
        show_failure "cedana restore process --path $path"
    t3=$(now_ns)
    rpid=$(sed -n 's/^Restored PID \([0-9]*\) .*/\1/p' "$OUT" | tail -n 1)
    [ "$rpid" = "$pid" ] || show_failure "cedana restore: expected \"Restored PID $pid\""
    alive "$pid" || die "cedana restored PID $pid but it is not running"
    end_pid "$pid"
    LIVE_PID=""
    record "$ct|dump_ns" $((t1 - t0))
    record "$ct|restore_ns" $((t3 - t2))
    record "$ct|dump_hwm_kib" "$hwm"
    record "$ct|store_hwm_kib" "$shwm"
    log "  $ct: dump $(((t1 - t0) / 1000000)) ms (VmHWM $((hwm / 1024)) MiB, store $((shwm / 1024)) MiB), restore $(((t3 - t2) / 1000000)) ms, $((bytes / 1048576)) MiB"
    case "$ct" in
        local) rm -rf "$path" ;;
        byhand) rm -rf "$path" && remove_remote "byhand/${path##*/}" ;;
        *) remove_remote "$path" ;;
    esac
    rm -f "$WORK/workload.log"
}

run_round() {
    local round=$1 n=${#CONTENDERS[@]} k
    log "round $round$([ "$round" -eq 0 ] && echo ' (warm-up)'): ${CONTENDERS[round % n]} first"
    for ((k = 0; k < n; k++)); do trial "${CONTENDERS[(round + k) % n]}" "$round"; done
}

vals() { tr ' ' '\n' <<<"${RES[$1]:-}" | sed '/^$/d'; }
med() { vals "$1" | median; }
ms() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.0f", v / 1e6 }'; }
mib() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.0f", v / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
span() { echo "$(ms "$(vals "$1" | min_of)")–$(ms "$(vals "$1" | max_of)")"; }

machine_info() {
    echo "- date: $(date -Is); nproc: $(nproc); memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel: $(uname -r)"
    echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1); store: cedana store serve on loopback, its directory in $BENCH_DIR"
    echo "- workload: memhog ${MEMHOG_MIB} MiB (poorly compressible); rounds: 1 warm-up + ${ROUNDS} measured; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

results_table() {
    local ct dl rl dh rh
    dl=$(med "local|dump_ns")
    rl=$(med "local|restore_ns")
    dh=$(med "byhand|dump_ns")
    rh=$(med "byhand|restore_ns")
    echo "| contender | dump ms (median) | min–max | × local | × by hand | restore ms (median) | min–max | × local | × by hand | daemon VmHWM during the dump, MiB | store VmHWM, MiB | checkpoint MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for ct in "${CONTENDERS[@]}"; do
        echo "| $(label "$ct") | $(ms "$(med "$ct|dump_ns")") | $(span "$ct|dump_ns") | $(ratio "$(med "$ct|dump_ns")" "$dl") | $(ratio "$(med "$ct|dump_ns")" "$dh") | $(ms "$(med "$ct|restore_ns")") | $(span "$ct|restore_ns") | $(ratio "$(med "$ct|restore_ns")" "$rl") | $(ratio "$(med "$ct|restore_ns")" "$rh") | $(mib "$(med "$ct|dump_hwm_kib")") | $(mib "$(med "$ct|store_hwm_kib")") | $(awk -v b="${SIZE[$ct]:-0}" 'BEGIN { printf "%.0f", b / 1048576 }') |"
    done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_store
log "cedana $CEDANA, store at $CEDANA_URL, memhog ${MEMHOG_MIB} MiB, ${ROUNDS} rounds, work dir $WORK"
start_daemon "$CEDANA" "$WORK"
RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana checkpoints in a cedana store: dump to and restore from cedana:// against local disk and by hand" "Medians and min–max of ${ROUNDS} measured round(s) after one warm-up, contenders rotated per
round, each on a fresh memhog. Wall clock (date +%s%N) around each end-to-end command (CLI →
daemon → CRIU → the store); a restore from cedana:// includes its download. VmHWM: peak RSS
after clear_refs 5 before the dump, of the daemon and of the store. The store runs on the
same two cores and writes to the same disk as the local contender: its CPU and its writes
are part of every cedana:// number."
