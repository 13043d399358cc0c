#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 60), starting from the committed
# seeds; prints the executions per target and exits non-zero if any target found a crash, a
# timeout or an out-of-memory input (the reproducer is left in fuzz/artifacts/<target>/).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Environment: FUZZ_DEV=1 builds without optimizations (much faster to build, slower to run:
# what CI uses for its short run); FUZZ_TIMEOUT (seconds one input may take, default 20).
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); works on the stable toolchain with
# no sanitizer (`-s none`): the harnesses are safe Rust, so a finding is a panic or a hang.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

build=(-s none --codegen-units 16)
if [ "${FUZZ_DEV:-0}" = 1 ]; then
    build+=(--dev)
fi
timeout="${FUZZ_TIMEOUT:-20}"

# Longest input per target: canonicalization work grows fast with the number of blank nodes,
# so rdfc inputs stay small; bodies elsewhere are bounded by the request size limits.
max_len() {
    case "$1" in
        rdfc) echo 2048 ;;
        multibase | status_list | jwt | enveloped) echo 8192 ;;
        *) echo 16384 ;;
    esac
}

echo "== building ${#targets[@]} fuzz targets (${build[*]})"
start=$(date +%s)
cargo fuzz build "${build[@]}" >/dev/null
echo "built in $(($(date +%s) - start)) s"

failed=()
total=0
for t in "${targets[@]}"; do
    # New inputs go to the scratch directory named first; the committed seeds stay as they are.
    work="target/corpus/$t"
    mkdir -p "$work" "artifacts/$t"
    log="target/fuzz-$t.log"
    status=0
    cargo fuzz run "${build[@]}" "$t" "$work" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout="$timeout" \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
        >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs="${execs:-0}"
    total=$((total + execs))
    if [ "$status" -eq 0 ]; then
        printf '%-14s %10s executions in %ss: ok\n' "$t" "$execs" "$seconds"
    else
        printf '%-14s %10s executions: FAILED (exit %s), log fuzz/%s\n' "$t" "$execs" "$status" "$log"
        grep -E '^==[0-9]+== ERROR|panicked at|^SUMMARY|Test unit written' "$log" | head -5 || true
        failed+=("$t")
    fi
done
echo "total: $total executions"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "findings in: ${failed[*]} (reproducers in fuzz/artifacts/)"
    exit 1
fi
