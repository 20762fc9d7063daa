#!/usr/bin/env bash
# Streamed checkpoints (`dump --streams N`, issue 12) benchmark: restore and dump wall clock
# against plain CRIU and against today's lz4 archive, the daemon's own CPU time per GB
# dumped, and the daemon's peak resident memory, all in one run on one memhog workload.
#
#   bench/streams.sh [path-to-cedana]       (default build/cedana)
#
# The workload is build/bench/memhog $MEMHOG_MIB (poorly compressible anonymous memory),
# started afresh for every trial (stdio on /dev/null and a log file, not in a session of its
# own, so every contender dumps it as a shell job). Cases (BENCH_CASES), each a set of
# contenders measured on the same workload:
#   restore  wall clock of the restore alone (the dump before it is untimed):
#            plain CRIU `criu restore -D raw -v4 -o restore.log --shell-job -d` from the
#            directory `criu dump -v4 -o dump.log --shell-job` wrote, vs
#            `cedana restore process --path P` from an lz4 archive (--compression lz4) and
#            from --streams 2 / --streams 4 --compression lz4 directories. Target ≤ 1.3 × CRIU.
#   dump     wall clock of the dump: cedana --streams 2|4 --compression lz4 vs cedana
#            --compression lz4 (the archive) and vs `criu dump` + `tar -C dir -cf - . |
#            lz4 -q > x.tar.lz4` (the removal of the raw directory afterwards is untimed).
#            Targets: streamed ≤ 0.30 × criu+tar|lz4, and ≤ 1.00 × the archive.
#   cpu      the daemon's own CPU time (utime + stime of the daemon process, fields 14 and 15
#            of /proc/<pid>/stat, every thread; CRIU is a child of the daemon and only ever
#            reaches cutime/cstime, which are left out) per GB (10^9 bytes) of checkpoint
#            written, for --streams 4 --compression none and, to compare, --compression none
#            (a plain directory). Target ≤ 0.2 CPU-s/GB for the streamed one. The reaped
#            children's CPU (cutime + cstime: CRIU) is shown beside it for scale.
#   rss      the daemon's peak RSS (VmHWM after `echo 5 > /proc/<pid>/clear_refs`) during a
#            --streams 4 --compression lz4 dump and during its restore; the lz4 archive's
#            dump and restore for comparison.
# One warm-up round, then $ROUNDS rounds. Within a case the contenders' order is rotated by
# one from each case to the next and from each round to the next, so every contender goes
# first in turn (the machine is noisy: a slow spell hits all contenders alike, and medians
# drop the outliers). Prints machine info and a Markdown table (medians, min–max) on stdout;
# progress goes to stderr.
#
# Environment:
#   ROUNDS=9            measured rounds (after one warm-up round)
#   BENCH_CASES=...     only these cases, comma-separated (default: restore,dump,cpu,rss)
#   MEMHOG_MIB=1024     size of the memhog workload
#   BENCH_OUT=FILE      also write the results (Markdown) to FILE
#   BENCH_DIR=/var/tmp  where checkpoints go (one filesystem; needs ~3 x MEMHOG_MIB free)
#   CRIU=/opt/cedana/criu/criu   the CRIU plain CRIU runs as
#   MEMHOG=<dir of cedana>/bench/memhog
#
# Needs root. Everything it writes is under a fresh directory in $BENCH_DIR, and everything
# it starts (daemon, workloads, restored processes) is ended by PID on exit.
set -euo pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# Re-exec as a child subreaper so every orphan (the process `criu restore -d` leaves, the
# children of a killed workload) is reaped by this script, not left a zombie holding the PID
# the next restore needs; see lib.sh.
if [ -z "${CEDANA_BENCH_SUBREAPER:-}" ]; then
    export CEDANA_BENCH_SUBREAPER=1
    exec_as_subreaper "$BASH" "$SELF" "$@"
fi

ROUNDS=${ROUNDS:-9}
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

CASES=(restore dump cpu rss)
if [ -n "${BENCH_CASES:-}" ]; then
    IFS=, read -r -a CASES <<<"$BENCH_CASES"
    [ "${#CASES[@]}" -gt 0 ] || die "BENCH_CASES is empty"
    for c in "${CASES[@]}"; do
        [[ "$c" =~ ^(restore|dump|cpu|rss)$ ]] || die "BENCH_CASES: \"$c\" is not one of: restore, dump, cpu, rss"
    done
fi
has_case() {
    local c
    for c in "${CASES[@]}"; do [ "$c" = "$1" ] && return 0; done
    return 1
}

if ! command -v lz4 >/dev/null; then
    log "installing the lz4 command-line tool"
    DEBIAN_FRONTEND=noninteractive apt-get install -y lz4 >/dev/null || die "cannot install lz4"
fi
command -v perl >/dev/null && command -v tar >/dev/null || die "needs perl and tar"

# Space: the biggest moment is a checkpoint next to the scratch directory a restore decodes it
# into, or CRIU's raw images next to their tar.lz4.
need_mib=$((3 * MEMHOG_MIB + 512))
avail_mib=$(df --output=avail -BM "$BENCH_DIR" | tail -n 1 | tr -dc 0-9)
[ "$avail_mib" -ge "$need_mib" ] || die "$BENCH_DIR has ${avail_mib} MiB free; the benchmark needs ${need_mib} MiB"
mem_avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem_avail_mib" -ge $((MEMHOG_MIB + 256)) ] || die "only ${mem_avail_mib} MiB of memory available for a ${MEMHOG_MIB} MiB workload"

CLK_TCK=$(getconf CLK_TCK)
WORK=$(mktemp -d "$BENCH_DIR/cedana-bench-streams.XXXXXX")
SOCK=$WORK/cedana.sock
CK=$WORK/checkpoints
OUT=$WORK/cmd.out
mkdir -p "$CK"

# LIVE_PID (lib.sh) is ended on exit only while it still runs our memhog: between a dump
# and a restore its PID is free and could have been taken by anything.
end_live() {
    [ -n "$LIVE_PID" ] || return 0
    end_pid "$LIVE_PID"
    LIVE_PID=""
}
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$LIVE_PID" ] && [ -r "/proc/$LIVE_PID/cmdline" ] && tr '\0' ' ' <"/proc/$LIVE_PID/cmdline" | grep -q -e "$MEMHOG"; then
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

# show_failure WHAT [LOG]: the command's output, CRIU's errors and the daemon's last words,
# then exit (the streamed paths are new: their exact error is what a report needs).
show_failure() {
    log "$1 failed; its output:"
    cat "$OUT" >&2 || true
    if [ -n "${2:-}" ] && [ -f "$2" ]; then
        log "errors in $2:"
        grep -E 'Error|Warn' "$2" | tail -n 20 >&2 || true
    fi
    if [ -f "$WORK/daemon.log" ]; then
        log "last lines of the daemon's log:"
        tail -n 20 "$WORK/daemon.log" >&2 || true
    fi
    die "$1"
}

# --- daemon counters ------------------------------------------------------------------------
# stat_fields: the fields of /proc/<daemon>/stat from field 3 on (the command name, field 2,
# may hold spaces, so everything up to its closing parenthesis goes). Field N is then $((N-2)).
stat_fields() { sed 's/^.*) //' "/proc/$DAEMON_PID/stat"; }
daemon_ticks() { stat_fields | awk '{ print $12 + $13 }'; }          # utime + stime (14, 15)
daemon_child_ticks() { stat_fields | awk '{ print $14 + $15 }'; }    # cutime + cstime (16, 17)
# reset_peak: VmHWM back to the current RSS, so the next read is the peak of what follows.
reset_peak() { echo 5 >"/proc/$DAEMON_PID/clear_refs"; }
daemon_status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }

# --- results --------------------------------------------------------------------------------
# RES[case|contender|metric] = "v v ..." (one value per measured round); SIZE[case|contender]
# = checkpoint bytes (last round).
declare -A RES=()
declare -A SIZE=()
RECORD=0
record() { # record KEY VALUE
    [ "$RECORD" -eq 1 ] || return 0
    RES["$1"]="${RES["$1"]:-} $2"
}

# Contenders: criu:raw (criu dump directory), criu:tarlz4 (criu dump + tar | lz4 -q), and
# c:STREAMS:COMPRESSION (cedana; STREAMS 0 = no --streams).
contender_label() {
    case "$1" in
        criu:raw) echo "plain CRIU (raw images directory)" ;;
        criu:tarlz4) echo "criu dump + tar \\| lz4 -q" ;;
        c:0:lz4) echo "cedana --compression lz4 (archive)" ;;
        c:0:none) echo "cedana --compression none (directory)" ;;
        c:*)
            local s c
            IFS=: read -r _ s c <<<"$1"
            echo "cedana --streams $s --compression $c"
            ;;
    esac
}
case_contenders() {
    case "$1" in
        restore) echo "criu:raw c:0:lz4 c:2:lz4 c:4:lz4" ;;
        dump) echo "criu:tarlz4 c:0:lz4 c:2:lz4 c:4:lz4" ;;
        cpu) echo "c:4:none c:0:none" ;;
        rss) echo "c:4:lz4 c:0:lz4" ;;
    esac
}
# The cases whose trials restore what they dumped (the others only dump; the workload is gone).
case_restores() { [ "$1" = restore ] || [ "$1" = rss ]; }

# check_shards PATH N COMPRESSION: PATH holds exactly the N shards a streamed dump writes.
check_shards() {
    local path=$1 n=$2 comp=$3 ext="" k count
    if [ "$comp" = lz4 ]; then ext=.lz4; fi
    [ -d "$path" ] || show_failure "the streamed checkpoint $path is not a directory"
    for ((k = 0; k < n; k++)); do
        [ -f "$path/img-$k$ext" ] || show_failure "the streamed checkpoint $path has no img-$k$ext (it holds: $(ls -A "$path" | tr '\n' ' '))"
    done
    count=$(find "$path" -mindepth 1 -maxdepth 1 | wc -l)
    [ "$count" -eq "$n" ] || show_failure "the streamed checkpoint $path holds $count entries, not its $n shards: $(ls -A "$path" | tr '\n' ' ')"
}

# --- one trial ------------------------------------------------------------------------------
# trial CASE CONTENDER TAG: a fresh workload, dumped by CONTENDER, restored by it when the case
# restores; records what the case measures.
trial() {
    local cs=$1 ct=$2 tag=$3 pid tree base path rpid t0 t1 t2 t3 streams comp
    local tk0 tk1 ck0 ck1 rss0 hwm bytes key="$1|$2"
    local -a flags
    base=$CK/$cs-$tag
    start_workload memhog "$WORK/workload.log"
    pid=$WORKLOAD_PID
    tree=$(tree_of "$pid")
    sync

    # Dump.
    case "$ct" in
        criu:raw)
            mkdir -p "$base"
            t0=$(now_ns)
            "$CRIU" dump -t "$pid" -D "$base" -v4 -o dump.log --shell-job >"$OUT" 2>&1 ||
                show_failure "criu dump -t $pid" "$base/dump.log"
            t1=$(now_ns)
            path=$base
            ;;
        criu:tarlz4)
            mkdir -p "$base.raw"
            t0=$(now_ns)
            { "$CRIU" dump -t "$pid" -D "$base.raw" -v4 -o dump.log --shell-job &&
                tar -C "$base.raw" -cf - . | lz4 -q >"$base.tar.lz4"; } >"$OUT" 2>&1 ||
                show_failure "criu dump -t $pid + tar | lz4" "$base.raw/dump.log"
            t1=$(now_ns)
            rm -rf "$base.raw"
            path=$base.tar.lz4
            ;;
        c:*)
            IFS=: read -r _ streams comp <<<"$ct"
            flags=(--compression "$comp")
            if [ "$streams" -gt 0 ]; then flags=(--streams "$streams" "${flags[@]}"); fi
            rss0=$(daemon_status_kib VmRSS)
            reset_peak
            tk0=$(daemon_ticks)
            ck0=$(daemon_child_ticks)
            t0=$(now_ns)
            "$CEDANA" --address "$SOCK" dump process "$pid" --dir "$CK" --name "$cs-$tag" "${flags[@]}" >"$OUT" 2>&1 ||
                show_failure "cedana dump process $pid ${flags[*]}"
            t1=$(now_ns)
            tk1=$(daemon_ticks)
            ck1=$(daemon_child_ticks)
            hwm=$(daemon_status_kib VmHWM)
            path=$(tail -n 1 "$OUT" | sed -n 's/^Dumped to //p')
            [ -n "$path" ] && [ -e "$path" ] || show_failure "cedana dump: no \"Dumped to <path>\" line naming an existing checkpoint"
            if [ "$streams" -gt 0 ]; then check_shards "$path" "$streams" "$comp"; fi
            ;;
    esac
    # shellcheck disable=SC2086 # one PID a word
    after_dump $tree
    # The PID is free now; it is ours again only once a restore has brought it back.
    LIVE_PID=""
    bytes=$(size_of "$path")
    SIZE["$key"]=$bytes
    record "$key|dump_ns" $((t1 - t0))
    if [[ "$ct" == c:* ]]; then
        # CPU seconds per GB (10^9 bytes) of checkpoint written.
        record "$key|cpu_s_per_gb" "$(awk -v t=$((tk1 - tk0)) -v hz="$CLK_TCK" -v b="$bytes" 'BEGIN { printf "%.4f", t / hz / (b / 1e9) }')"
        record "$key|child_cpu_s_per_gb" "$(awk -v t=$((ck1 - ck0)) -v hz="$CLK_TCK" -v b="$bytes" 'BEGIN { printf "%.4f", t / hz / (b / 1e9) }')"
        record "$key|dump_hwm_kib" "$hwm"
        record "$key|dump_rss0_kib" "$rss0"
        log "  $ct dump: $(((t1 - t0) / 1000000)) ms, daemon CPU $((tk1 - tk0)) ticks, children $((ck1 - ck0)) ticks, VmHWM $((hwm / 1024)) MiB, $((bytes / 1048576)) MiB"
    else
        log "  $ct dump: $(((t1 - t0) / 1000000)) ms, $((bytes / 1048576)) MiB"
    fi

    if case_restores "$cs"; then
        sync
        # From here the restored process may hold the PID; cleanup checks it is our memhog.
        LIVE_PID=$pid
        case "$ct" in
            criu:raw)
                t2=$(now_ns)
                "$CRIU" restore -D "$base" -v4 -o restore.log --shell-job -d >"$OUT" 2>&1 ||
                    show_failure "criu restore -D $base" "$base/restore.log"
                t3=$(now_ns)
                alive "$pid" || die "criu restored PID $pid but it is not running"
                log "  $ct restore: $(((t3 - t2) / 1000000)) ms"
                ;;
            c:*)
                rss0=$(daemon_status_kib VmRSS)
                reset_peak
                t2=$(now_ns)
                "$CEDANA" --address "$SOCK" restore process --path "$path" >"$OUT" 2>&1 ||
                    show_failure "cedana restore process --path $path"
                t3=$(now_ns)
                hwm=$(daemon_status_kib VmHWM)
                rpid=$(sed -n 's/^Restored PID \([0-9]*\) .*/\1/p' "$OUT" | tail -n 1)
                [ "$rpid" = "$pid" ] || show_failure "cedana restore: expected \"Restored PID $pid\""
                alive "$pid" || die "cedana restored PID $pid but it is not running"
                record "$key|restore_hwm_kib" "$hwm"
                record "$key|restore_rss0_kib" "$rss0"
                log "  $ct restore: $(((t3 - t2) / 1000000)) ms, VmHWM $((hwm / 1024)) MiB"
                ;;
        esac
        record "$key|restore_ns" $((t3 - t2))
        end_live
    fi
    rm -rf "$base" "$base".* "$path" "$WORK/workload.log"
}

# --- rounds ---------------------------------------------------------------------------------
run_round() { # run_round N (0 = warm-up)
    local round=$1 i cs n k
    local -a cts
    for i in "${!CASES[@]}"; do
        cs=${CASES[$i]}
        read -r -a cts <<<"$(case_contenders "$cs")"
        n=${#cts[@]}
        log "round $round$([ "$round" -eq 0 ] && echo ' (warm-up)'): $cs, ${cts[(round + i) % n]} first"
        for ((k = 0; k < n; k++)); do
            trial "$cs" "${cts[(round + i + k) % n]}" "$round"
        done
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
    echo "- workload: memhog ${MEMHOG_MIB} MiB (poorly compressible); cases: ${CASES[*]}"
    echo "- rounds: 1 warm-up + ${ROUNDS} measured; load average at start: ${LOAD_START}, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# vals KEY: the recorded values, one a line.
vals() { tr ' ' '\n' <<<"${RES[$1]:-}" | sed '/^$/d'; }
# fmt KIND VALUE: ms from ns, MiB from KiB, or a number as is (2 decimals).
fmt() {
    awk -v k="$1" -v v="$2" 'BEGIN {
        if (v == "-" || v == "") { print "-"; exit }
        if (k == "ns") printf "%.1f", v / 1e6
        else if (k == "kib") printf "%.1f", v / 1024
        else printf "%.3f", v
    }'
}
# stat_cells KEY KIND: "median | min–max" of KEY's values.
stat_cells() {
    local v
    v=$(vals "$1")
    echo "$(fmt "$2" "$(median <<<"$v")") | $(fmt "$2" "$(min_of <<<"$v")")–$(fmt "$2" "$(max_of <<<"$v")")"
}
med() { vals "$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
# meets VALUE LIMIT: yes when VALUE ≤ LIMIT.
meets() { awk -v a="$1" -v l="$2" 'BEGIN { if (a == "-" || a == "") print "-"; else if (a + 0 <= l + 0) print "yes"; else print "**no**" }'; }
size_cell() { awk -v b="${SIZE[$1]:-}" 'BEGIN { if (b == "") print "-"; else printf "%.1f", b / 1048576 }'; }

results_table() {
    local key ct base arc r1 r2
    echo "| case | contender | metric | median | min–max | ratio | target | met | checkpoint MiB |"
    echo "|---|---|---|---:|---:|---:|---|---|---:|"
    if has_case restore; then
        base=$(med "restore|criu:raw|restore_ns")
        for ct in criu:raw c:0:lz4 c:2:lz4 c:4:lz4; do
            key="restore|$ct"
            if [ "$ct" = criu:raw ]; then
                r1="1.00 (baseline)"
                echo "| restore | $(contender_label "$ct") | restore wall ms | $(stat_cells "$key|restore_ns" ns) | $r1 | | | $(size_cell "$key") |"
            else
                r1=$(ratio "$(med "$key|restore_ns")" "$base")
                echo "| restore | $(contender_label "$ct") | restore wall ms | $(stat_cells "$key|restore_ns" ns) | $r1 × CRIU | ≤ 1.3 × CRIU | $(meets "$r1" 1.3) | $(size_cell "$key") |"
            fi
        done
    fi
    if has_case dump; then
        base=$(med "dump|criu:tarlz4|dump_ns")
        arc=$(med "dump|c:0:lz4|dump_ns")
        for ct in criu:tarlz4 c:0:lz4 c:2:lz4 c:4:lz4; do
            key="dump|$ct"
            case "$ct" in
                criu:tarlz4)
                    echo "| dump | $(contender_label "$ct") | dump wall ms | $(stat_cells "$key|dump_ns" ns) | 1.00 (baseline) | | | $(size_cell "$key") |"
                    ;;
                c:0:lz4)
                    r1=$(ratio "$(med "$key|dump_ns")" "$base")
                    echo "| dump | $(contender_label "$ct") | dump wall ms | $(stat_cells "$key|dump_ns" ns) | $r1 × criu+tar\\|lz4 | | | $(size_cell "$key") |"
                    ;;
                *)
                    r1=$(ratio "$(med "$key|dump_ns")" "$base")
                    r2=$(ratio "$(med "$key|dump_ns")" "$arc")
                    echo "| dump | $(contender_label "$ct") | dump wall ms | $(stat_cells "$key|dump_ns" ns) | $r1 × criu+tar\\|lz4; $r2 × archive | ≤ 0.30 × criu+tar\\|lz4; ≤ 1.00 × archive | $(meets "$r1" 0.30); $(meets "$r2" 1.00) | $(size_cell "$key") |"
                    ;;
            esac
        done
    fi
    if has_case cpu; then
        for ct in c:4:none c:0:none; do
            key="cpu|$ct"
            if [ "$ct" = c:4:none ]; then
                r1=$(med "$key|cpu_s_per_gb")
                echo "| cpu | $(contender_label "$ct") | daemon CPU s/GB (utime+stime) | $(stat_cells "$key|cpu_s_per_gb" num) | | ≤ 0.2 s/GB | $(meets "$r1" 0.2) | $(size_cell "$key") |"
            else
                echo "| cpu | $(contender_label "$ct") | daemon CPU s/GB (utime+stime) | $(stat_cells "$key|cpu_s_per_gb" num) | | | | $(size_cell "$key") |"
            fi
            echo "| cpu | $(contender_label "$ct") | reaped children (CRIU) CPU s/GB, for scale | $(stat_cells "$key|child_cpu_s_per_gb" num) | | | | |"
            echo "| cpu | $(contender_label "$ct") | dump wall ms | $(stat_cells "$key|dump_ns" ns) | | | | |"
        done
    fi
    if has_case rss; then
        for ct in c:4:lz4 c:0:lz4; do
            key="rss|$ct"
            echo "| rss | $(contender_label "$ct") | daemon VmHWM MiB during the dump | $(stat_cells "$key|dump_hwm_kib" kib) | | | | $(size_cell "$key") |"
            echo "| rss | $(contender_label "$ct") | daemon VmHWM MiB during its restore | $(stat_cells "$key|restore_hwm_kib" kib) | | | | |"
            echo "| rss | $(contender_label "$ct") | daemon VmRSS MiB before the dump (the peak's floor) | $(stat_cells "$key|dump_rss0_kib" kib) | | | | |"
        done
    fi
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "cedana $CEDANA, CRIU $CRIU, memhog $MEMHOG (${MEMHOG_MIB} MiB), ${ROUNDS} rounds, cases ${CASES[*]}, work dir $WORK"
start_daemon "$CEDANA" "$WORK"

RECORD=0
run_round 0
RECORD=1
for ((r = 1; r <= ROUNDS; r++)); do run_round "$r"; done

print_report "cedana streamed checkpoints (--streams N): restore, dump, daemon CPU and memory" "Medians and min–max of ${ROUNDS} measured round(s) after one warm-up, on ${MEMHOG_MIB} MiB of memhog,
contenders alternated (rotated) per case and per round. Wall clock (date +%s%N) around each
end-to-end command (cedana CLI → daemon → CRIU; plain CRIU with -v4, --shell-job, restore
detached); the restore case's dumps and the removal of criu+tar|lz4's raw directory are
untimed. Daemon CPU: utime+stime of the daemon (all threads, CLK_TCK=${CLK_TCK}) before and
after each dump, over the checkpoint's bytes / 10^9. VmHWM: the daemon's peak RSS after
clear_refs 5 before each command. Checkpoint sizes from the last round."