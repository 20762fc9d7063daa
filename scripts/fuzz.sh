#!/usr/bin/env bash
# Runs every libFuzzer harness of tests/fuzz for SECONDS each (default 180), starting from
# the kept corpus. New inputs that reach new code go to BUILD/fuzz-corpus/<name>/ (merge
# the useful ones into tests/fuzz/corpus/<name>/ by hand: `<name>_fuzz -merge=1 DEST SRC`);
# a crash, hang, leak or sanitizer report stops that harness, and its input is left as
# BUILD/fuzz-artifacts/<name>-crash-… (keep it in the corpus once fixed).
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS] [HARNESS...]
set -euo pipefail
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS] [HARNESS...]}
seconds=${2:-180}
shift $(( $# >= 2 ? 2 : 1 ))
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$build"
build=$(pwd)

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    for source in "$root"/tests/fuzz/*_fuzz.cpp; do
        name=$(basename "$source" .cpp)
        harnesses+=("${name%_fuzz}")
    done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for name in "${harnesses[@]}"; do
    fuzzer="$build/tests/fuzz/${name}_fuzz"
    if [ ! -x "$fuzzer" ]; then
        echo "fuzz: $fuzzer is missing: build with make fuzz (clang, CEDANA_FUZZ=ON)" >&2
        exit 2
    fi
    corpus="$build/fuzz-corpus/$name"
    artifacts="$build/fuzz-artifacts"
    mkdir -p "$corpus" "$artifacts"
    echo "fuzz: $name for ${seconds}s"
    # -timeout: an input taking longer is a hang; -rss_limit_mb: one using more is a leak or
    # an allocation a lying size asked for.
    if ! "$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$artifacts/$name-" "$corpus" "$root/tests/fuzz/corpus/$name" \
            >"$build/fuzz-$name.log" 2>&1; then
        failed+=("$name")
        tail -40 "$build/fuzz-$name.log" >&2
        continue
    fi
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/fuzz-$name.log" | sed "s/^/fuzz: $name: /"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: found a problem in: ${failed[*]} (inputs in $build/fuzz-artifacts/, logs in $build/fuzz-<name>.log)" >&2
    exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds}s each, nothing found"
