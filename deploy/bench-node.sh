#!/usr/bin/env bash
# Measures one single-node Hornet broker the way docs/performance.md reports it: time from exec to
# `/ready` on an empty data directory, idle resident memory, then one `hornet bench` run against it.
#
#   ./deploy/bench-node.sh [partitions (2)] -- [hornet bench arguments ...]
#
# Environment: HORNET_BIN (default: $CARGO_TARGET_DIR/release/hornet, else target/release/hornet),
# HORNET_BENCH_PORT (gateway port, default 36500; monitoring, internal and REST ports are the next
# three), HORNET_BENCH_DATA (data directory, default a fresh temporary one, removed afterwards),
# HORNET_BENCH_LOG (broker log file).
# The broker is stopped when the run ends.
set -euo pipefail

partitions="${1:-2}"
shift || true
[[ "${1:-}" == "--" ]] && shift

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${HORNET_BIN:-${CARGO_TARGET_DIR:-$repo_root/target}/release/hornet}"
port="${HORNET_BENCH_PORT:-36500}"
monitoring=$((port + 1))
data="${HORNET_BENCH_DATA:-}"
cleanup_data=""
if [[ -z "$data" ]]; then
    data="$(mktemp -d /tmp/hornet-bench.XXXXXX)"
    cleanup_data="$data"
fi
log="${HORNET_BENCH_LOG:-$data.log}"

pid=""
cleanup() {
    if [[ -n "$pid" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [[ -n "$cleanup_data" ]]; then
        rm -rf "$cleanup_data"
    fi
}
trap cleanup EXIT INT TERM

start_ns=$(date +%s%N)
"$bin" broker --host 127.0.0.1 --partitions "$partitions" --data-dir "$data/data" \
    --gateway-port "$port" --monitoring-port "$monitoring" \
    --internal-port $((port + 2)) --rest-port $((port + 3)) 2>"$log" &
pid=$!
until curl -sf "http://127.0.0.1:$monitoring/ready" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "broker exited; see $log" >&2
        exit 1
    fi
    sleep 0.005
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 2
idle_rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
echo "broker pid $pid: ready after ${ready_ms} ms (exec to /ready), idle RSS ${idle_rss_kib} KiB" >&2
echo "ready_ms=$ready_ms idle_rss_kib=$idle_rss_kib pid=$pid"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
if [[ $# -gt 0 ]]; then
    before=$(cpu_ticks "$pid")
    started=$(date +%s%N)
    /usr/bin/time -f "generator CPU: %U s user + %S s system in %e s wall" \
        "$bin" bench --address "127.0.0.1:$port" --monitoring "127.0.0.1:$monitoring" "$@"
    elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
    ticks=$(( $(cpu_ticks "$pid") - before ))
    hz=$(getconf CLK_TCK)
    echo "broker CPU during the run: $(( ticks * 1000 / hz )) ms in ${elapsed_ms} ms wall ($(( ticks * 100000 / hz / elapsed_ms ))% of one core)"
fi
