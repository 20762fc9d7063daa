#!/usr/bin/env bash
# Checkpoints in S3 (issue 13) benchmark: a dump to s3:// and a restore from it against the
# same dump and restore on local disk, in one run, on one memhog workload, with an
# S3-compatible server (moto) on loopback.
#
#   bench/s3.sh [path-to-cedana]       (default build/cedana)
#
# Contenders, each on a fresh memhog of $MEMHOG_MIB MiB (poorly compressible), dumped and
# then restored by the same contender:
#   local   --dir $WORK/checkpoints --compression lz4 (the baseline)
#   s3      --dir s3://bench/ckpt --compression lz4 (one object, uploaded while CRIU dumps)
#   s3x4    --dir s3://bench/ckpt --compression lz4 --streams 4 (four objects in parallel)
#   byhand  what a user does without remote storage: the local lz4 dump, then boto3's
#           upload_file (multipart, 8 MiB parts, 10 threads); restore: boto3's
#           download_file, then the local restore. Both steps are timed together.
# Measured: the dump's and the restore's wall clock (CLI to daemon to CRIU to the store),
# and the daemon's peak RSS during the dump (VmHWM after clear_refs 5): the memory that
# uploading costs. Targets: dump to S3 ≤ 1.3 × local, restore from S3 ≤ 1.5 × local; the
# server's own speed bounds both, which the by-hand contender shows.
# One warm-up round, then $ROUNDS rounds, contenders rotated by one each round. moto keeps
# the objects in memory: each is deleted once restored.
#
# Environment: ROUNDS=9, MEMHOG_MIB=1024, BENCH_OUT=FILE (also write the Markdown there),
# BENCH_DIR=/var/tmp (where local checkpoints and the work directory go).
# Needs root, moto_server, curl. Everything it starts is ended by PID on exit.
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
command -v moto_server >/dev/null || die "needs moto_server (an S3-compatible server)"
command -v curl >/dev/null || die "needs curl"

WORK=$(mktemp -d "$BENCH_DIR/cedana-bench-s3.XXXXXX")
SOCK=$WORK/cedana.sock
CK=$WORK/checkpoints
OUT=$WORK/cmd.out
mkdir -p "$CK"
MOTO_PID=""
BUCKET=bench

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$LIVE_PID" ] && [ -r "/proc/$LIVE_PID/cmdline" ] && tr '\0' ' ' <"/proc/$LIVE_PID/cmdline" | grep -q -e "$MEMHOG"; then
        end_pid "$LIVE_PID"
    fi
    stop_daemon
    if [ -n "$MOTO_PID" ]; then
        kill -TERM "$MOTO_PID" 2>/dev/null
        wait "$MOTO_PID" 2>/dev/null
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

# moto on a free port of loopback, accepting any keys (signatures are not what is measured).
start_moto() {
    local port i
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    moto_server -H 127.0.0.1 -p "$port" </dev/null >"$WORK/moto.log" 2>&1 &
    MOTO_PID=$!
    ENDPOINT=http://127.0.0.1:$port
    for ((i = 0; i < 600; i++)); do
        curl -s -o /dev/null -m 2 "$ENDPOINT/" && break
        kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log" >&2; die "moto exited at start"; }
        sleep 0.05
    done
    curl -s -f -o /dev/null -X PUT "$ENDPOINT/$BUCKET" || die "cannot create the bucket $BUCKET in moto"
}

daemon_status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }

declare -A RES=()
declare -A SIZE=()
RECORD=0
record() {
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}

CONTENDERS=(local s3 s3x4 byhand)
label() {
    case "$1" in
        local) echo "local disk, --compression lz4 (baseline)" ;;
        s3) echo "s3://, --compression lz4" ;;
        s3x4) echo "s3://, --compression lz4 --streams 4" ;;
        byhand) echo "by hand: local lz4 dump + boto3 upload; boto3 download + local restore" ;;
    esac
}

# remote_bytes URL: the bytes of the object, or of the objects under the prefix.
remote_bytes() {
    local key=${1#"s3://$BUCKET/"}
    curl -s "$ENDPOINT/$BUCKET?list-type=2&prefix=$key" | grep -o '<Size>[0-9]*</Size>' | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }'
}
remove_remote() {
    local key=${1#"s3://$BUCKET/"} k
    for k in $(curl -s "$ENDPOINT/$BUCKET?list-type=2&prefix=$key" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g'); do
        curl -s -f -o /dev/null -X DELETE "$ENDPOINT/$BUCKET/$k" || die "cannot delete $k"
    done
}

# boto upload FILE KEY | boto download KEY FILE: boto3's managed transfer (what `aws s3 cp`
# runs), against the server.
boto() {
    python3 - "$@" <<'PY'
import sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=__import__("os").environ["AWS_ENDPOINT"], config=Config(s3={"addressing_style": "path"}))
if sys.argv[1] == "upload":
    s3.upload_file(sys.argv[2], "bench", sys.argv[3])
else:
    s3.download_file("bench", sys.argv[2], sys.argv[3])
PY
}

trial() {
    local ct=$1 tag=$2 pid tree path t0 t1 t2 t3 hwm bytes rpid
    local -a flags=(--compression lz4)
    case "$ct" in
        local) flags+=(--dir "$CK") ;;
        s3) flags+=(--dir "s3://$BUCKET/ckpt") ;;
        s3x4) flags+=(--dir "s3://$BUCKET/ckpt" --streams 4) ;;
        byhand) flags+=(--dir "$CK") ;;
    esac
    start_workload memhog "$WORK/workload.log"
    pid=$WORKLOAD_PID
    tree=$(tree_of "$pid")
    sync
    echo 5 >"/proc/$DAEMON_PID/clear_refs"
    t0=$(now_ns)
    "$CEDANA" --address "$SOCK" dump process "$pid" --name "$ct-$tag" "${flags[@]}" >"$OUT" 2>&1 ||
        show_failure "cedana dump process $pid ${flags[*]}"
    t1=$(now_ns)
    hwm=$(daemon_status_kib VmHWM)
    path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
    [ -n "$path" ] || show_failure "cedana dump: no \"Dumped to\" line"
    if [ "$ct" = byhand ]; then
        boto upload "$path" "byhand/${path##*/}" || show_failure "boto3 upload of $path"
        t1=$(now_ns)
        rm -f "$path"
    fi
    # shellcheck disable=SC2086
    after_dump $tree
    LIVE_PID=""
    case "$ct" in
        local) bytes=$(size_of "$path") ;;
        byhand) bytes=$(remote_bytes "s3://$BUCKET/byhand/${path##*/}") ;;
        *) bytes=$(remote_bytes "$path") ;;
    esac
    SIZE[$ct]=$bytes
    sync
    LIVE_PID=$pid
    t2=$(now_ns)
    if [ "$ct" = byhand ]; then
        boto download "byhand/${path##*/}" "$path" || show_failure "boto3 download to $path"
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
    log "  $ct: dump $(((t1 - t0) / 1000000)) ms (VmHWM $((hwm / 1024)) MiB), restore $(((t3 - t2) / 1000000)) ms, $((bytes / 1048576)) MiB"
    case "$ct" in
        local) rm -rf "$path" ;;
        byhand) rm -rf "$path" && remove_remote "s3://$BUCKET/byhand/${path##*/}" ;;
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
meets() { awk -v a="$1" -v l="$2" 'BEGIN { if (a == "-") print "-"; else if (a + 0 <= l + 0) print "yes"; else print "**no**" }'; }
span() { echo "$(ms "$(vals "$1" | min_of)")–$(ms "$(vals "$1" | max_of)")"; }

machine_info() {
    echo "- date: $(date -Is); nproc: $(nproc); memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel: $(uname -r)"
    echo "- cedana: $("$CEDANA" version 2>&1 | head -n 1); server: moto $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null) on loopback"
    echo "- workload: memhog ${MEMHOG_MIB} MiB (poorly compressible); rounds: 1 warm-up + ${ROUNDS} measured; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

results_table() {
    local ct dl rl dr rr
    dl=$(med "local|dump_ns")
    rl=$(med "local|restore_ns")
    local dh rh
    dh=$(med "byhand|dump_ns")
    rh=$(med "byhand|restore_ns")
    echo "| contender | dump ms (median) | min–max | × local | × by hand | restore ms (median) | min–max | × local | × by hand | daemon VmHWM during the dump, MiB | checkpoint MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for ct in "${CONTENDERS[@]}"; do
        dr=$(ratio "$(med "$ct|dump_ns")" "$dl")
        rr=$(ratio "$(med "$ct|restore_ns")" "$rl")
        if [[ $ct == s3* ]]; then
            dr="$dr (≤ 1.3: $(meets "$dr" 1.3))"
            rr="$rr (≤ 1.5: $(meets "$rr" 1.5))"
        fi
        echo "| $(label "$ct") | $(ms "$(med "$ct|dump_ns")") | $(span "$ct|dump_ns") | $dr | $(ratio "$(med "$ct|dump_ns")" "$dh") | $(ms "$(med "$ct|restore_ns")") | $(span "$ct|restore_ns") | $rr | $(ratio "$(med "$ct|restore_ns")" "$rh") | $(mib "$(med "$ct|dump_hwm_kib")") | $(awk -v b="${SIZE[$ct]:-0}" 'BEGIN { printf "%.0f", b / 1048576 }') |"
    done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_moto
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_ENDPOINT=$ENDPOINT
log "cedana $CEDANA, moto at $ENDPOINT, memhog ${MEMHOG_MIB} MiB, ${ROUNDS} rounds, work dir $WORK"
start_daemon "$CEDANA" "$WORK"
RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana checkpoints in S3: dump to and restore from s3:// against local disk" "Medians and min–max of ${ROUNDS} measured round(s) after one warm-up, contenders rotated per
round, each on a fresh memhog. Wall clock (date +%s%N) around each end-to-end command (CLI →
daemon → CRIU → the store); a restore from s3:// includes its download. VmHWM: the daemon's
peak RSS after clear_refs 5 before the dump. The server is moto, in Python, on the same two
cores: its own CPU is part of every S3 number."
