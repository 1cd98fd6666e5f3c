#!/usr/bin/env bash
# Builds (release) and runs a Hornet cluster on this machine: N broker processes on 127.0.0.1, every
# partition replicated on R of them, each node with its embedded gateway. Ctrl-C stops them all.
#
#   ./deploy/run-cluster.sh [nodes (3)] [partitions (3)] [replication factor (3)]
#
# Node i serves clients on port 26500+10*i (26500, 26510, 26520), its REST API on 8080+10*i, its
# internal API (Raft, command forwarding) on 26502+10*i and monitoring on 9600+10*i; its data lives
# in ./cluster-data/node-i and its log in ./cluster-data/node-i.log. Any node's gateway reaches
# every partition.
# Environment: HORNET_BIN (skip the build and run this binary), CARGO_TARGET_DIR, and the ZEEBE_*
# variables listed in README.md (applied to every node).
set -euo pipefail

nodes="${1:-3}"
partitions="${2:-3}"
replication="${3:-3}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${HORNET_CACHE:-$HOME/.cache/hornet}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"

if [[ -z "${HORNET_BIN:-}" ]]; then
    "$repo_root/deploy/bootstrap.sh"
    (cd "$repo_root" && cargo build --release -p hornet --bin hornet)
    HORNET_BIN="$CARGO_TARGET_DIR/release/hornet"
fi

data="${HORNET_CLUSTER_DATA:-$PWD/cluster-data}"
mkdir -p "$data"
contact_points=""
for ((i = 0; i < nodes; i++)); do
    contact_points+="${contact_points:+,}127.0.0.1:$((26502 + 10 * i))"
done

pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for ((i = 0; i < nodes; i++)); do
    ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT=$((26501 + 10 * i)) "$HORNET_BIN" broker --host 127.0.0.1 --node-id "$i" --cluster-size "$nodes" \
        --partitions "$partitions" --replication-factor "$replication" \
        --contact-points "$contact_points" --data-dir "$data/node-$i" \
        --gateway-port $((26500 + 10 * i)) --internal-port $((26502 + 10 * i)) \
        --monitoring-port $((9600 + 10 * i)) --rest-port $((8080 + 10 * i)) 2>"$data/node-$i.log" &
    pids+=("$!")
done

for ((i = 0; i < nodes; i++)); do
    until curl -sf "http://127.0.0.1:$((9600 + 10 * i))/ready" >/dev/null; do
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            echo "node $i exited; see $data/node-$i.log" >&2
            exit 1
        fi
        sleep 0.1
    done
done
echo "cluster of $nodes nodes ready: gateways on 127.0.0.1:26500, 26510, ...; logs in $data" >&2
wait "${pids[@]}"
