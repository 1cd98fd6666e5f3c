#!/usr/bin/env bash
# Compares two Hornet binaries the way docs/performance.md does: single-node runs of
# deploy/bench-node.sh, alternating A and B (A B B A A B ...) so that drift of a shared machine falls
# on both, then the median of each measure per binary.
#
#   ./deploy/bench-compare.sh <binary A> <binary B> [rounds (3)] -- [hornet bench arguments ...]
#
# Example: ./deploy/bench-compare.sh /tmp/hornet-before /tmp/hornet-after 3 -- \
#              --duration 30s --warmup 5s --rate 0 --max-in-flight 256 --workers 8
# Environment: HORNET_BENCH_PARTITIONS (default 2), and what deploy/bench-node.sh reads.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
binary_a="$1"
binary_b="$2"
shift 2
rounds=3
if [[ $# -gt 0 && "$1" != "--" ]]; then
    rounds="$1"
    shift
fi
[[ "${1:-}" == "--" ]] && shift
for bin in "$binary_a" "$binary_b"; do
    [[ -x "$bin" ]] || { echo "not an executable: $bin" >&2; exit 2; }
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/hornet-compare.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The first number named `$2` in the JSON file `$1`.
json_field() { grep -o "\"$2\": *[0-9.eE+-]*" "$1" | head -1 | sed 's/.*: *//'; }

# One run: prints "completed/s p50 p99 broker-CPU-µs-per-instance generator-CPU-µs-per-instance".
run_once() {
    local bin="$1" out="$work/run.out" json="$work/run.json"
    shift
    HORNET_BIN="$bin" "$repo_root/deploy/bench-node.sh" "${HORNET_BENCH_PARTITIONS:-2}" -- \
        "$@" --json "$json" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
    # The broker's CPU covers warm-up and measurement alike, so it is divided by the measured rate
    # times the whole wall time (as docs/performance.md does).
    # The generator's CPU is counted the same way, from `/usr/bin/time` in bench-node.sh.
    local cpu_ms wall_ms generator
    cpu_ms=$(sed -n 's/^broker CPU during the run: \([0-9]*\) ms in \([0-9]*\) ms.*/\1/p' "$out")
    wall_ms=$(sed -n 's/^broker CPU during the run: \([0-9]*\) ms in \([0-9]*\) ms.*/\2/p' "$out")
    generator=$(sed -n 's/^generator CPU: \([0-9.]*\) s user + \([0-9.]*\) s system in \([0-9.]*\) s wall.*/\1 \2 \3/p' "$out")
    awk -v rate="$(json_field "$json" completed_per_second)" \
        -v p50="$(json_field "$json" p50_ms)" -v p99="$(json_field "$json" p99_ms)" \
        -v cpu="$cpu_ms" -v wall="$wall_ms" -v generator="$generator" \
        'BEGIN {
            split(generator, g, " ")
            broker = rate > 0 ? cpu * 1000000 / (rate * wall) : 0
            gen = (rate > 0 && g[3] > 0) ? (g[1] + g[2]) * 1000000 / (rate * g[3]) : 0
            printf "%.0f %.1f %.1f %.0f %.0f\n", rate, p50, p99, broker, gen
        }'
}

printf '%-6s %-4s %12s %9s %9s %16s %16s\n' round bin completed/s p50_ms p99_ms cpu_us/instance gen_us/instance
for round in $(seq 1 "$rounds"); do
    order="A B"
    (( round % 2 == 0 )) && order="B A"
    for which in $order; do
        bin="$binary_a"
        [[ "$which" == B ]] && bin="$binary_b"
        line=$(run_once "$bin" "$@")
        echo "$line" >>"$work/$which"
        # shellcheck disable=SC2086
        printf '%-6s %-4s %12s %9s %9s %16s %16s\n' "$round" "$which" $line
    done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "medians over $rounds runs each (A: $binary_a, B: $binary_b)"
printf '%-4s %12s %9s %9s %16s %16s\n' bin completed/s p50_ms p99_ms cpu_us/instance gen_us/instance
for which in A B; do
    printf '%-4s' "$which"
    for column in 1 2 3 4 5; do
        width=12
        (( column > 1 )) && width=9
        (( column >= 4 )) && width=16
        printf " %${width}s" "$(cut -d' ' -f"$column" "$work/$which" | median)"
    done
    echo
done
