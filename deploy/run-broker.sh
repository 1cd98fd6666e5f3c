#!/usr/bin/env bash
# Builds (release) and runs a single-node Hornet broker with its embedded gateway.
#
#   ./deploy/run-broker.sh [hornet broker flags...]
#
# Defaults: client gRPC on 0.0.0.0:26500, monitoring (/ready, /health, /metrics) on 9600, data in
# ./data. Every flag after the script name goes to `hornet broker`, e.g.
#   ./deploy/run-broker.sh --data-dir /var/lib/hornet --partitions 3
# Environment: CARGO_TARGET_DIR (default ${HORNET_CACHE:-$HOME/.cache/hornet}/target) and the
# ZEEBE_* variables listed in README.md.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${HORNET_CACHE:-$HOME/.cache/hornet}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"

"$repo_root/deploy/bootstrap.sh"
cd "$repo_root"
exec cargo run --release -p hornet --bin hornet -- broker "$@"
