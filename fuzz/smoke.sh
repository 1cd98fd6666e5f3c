#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for N seconds each (default 20) from the committed
# seed corpus, and fails if any target crashes, panics, times out or runs out of memory.
#
#   fuzz/smoke.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Uses the nightly toolchain when rustup
# has one, otherwise the active toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Z flags).
# New corpus entries go to a scratch directory, so corpus/ keeps only the seeds. Crash inputs are
# written by libFuzzer to fuzz/artifacts/<target>/. Extra libFuzzer flags: FUZZ_ARGS="-jobs=2".
set -euo pipefail

cd "$(dirname "$0")"

seconds=20
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    targets=(feel_expression feel_unary_tests dmn_parse bpmn_parse log_entry_decode)
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "smoke.sh: cargo-fuzz is not installed; run: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
cargo=(cargo)
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo=(cargo +nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

dict_for() {
    case $1 in
        feel_*) echo "-dict=dicts/feel.dict" ;;
        dmn_parse | bpmn_parse) echo "-dict=dicts/xml.dict" ;;
        *) echo "" ;;
    esac
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    dict=$(dict_for "$target")
    # shellcheck disable=SC2086 # $dict and $FUZZ_ARGS are intentionally word-split (may be empty)
    if "${cargo[@]}" fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        $dict ${FUZZ_ARGS:-} >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    # libFuzzer's last progress line: "#N DONE cov: C ft: F corp: K/..." (edges, features, corpus).
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -1)
    printf '%-18s %-6s %10s execs %8s execs/s  %s\n' "$target" "$status" "${runs:-?}" "${speed:-?}" "${cov:-}"
    if [[ $status == FAILED ]]; then
        grep -E "panicked at|^SUMMARY|ERROR: libFuzzer|Test unit written to|^error" "$log" | head -20 >&2 || true
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "smoke.sh: failing targets: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
    exit 1
fi
