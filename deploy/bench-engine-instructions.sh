#!/usr/bin/env bash
# Counts the instructions the engine executes per processed command, a figure the noise of a shared
# machine does not move: the engine benchmark (`cargo bench -p hornet-engine --bench process`, one
# create + activate + complete cycle of the one-task process over in-memory state) runs under
# callgrind, and the instructions inside `Engine::process` are divided by its calls.
#
#   ./deploy/bench-engine-instructions.sh [seconds (3)]
#
# Needs valgrind (Debian: apt-get install valgrind). Prints "<instructions per call> <calls>".
set -euo pipefail

seconds="${1:-3}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/hornet-instructions.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cd "$repo_root"
bench="$(cargo bench -p hornet-engine --bench process --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*"' | tail -1 | sed 's/"executable":"\(.*\)"/\1/')"
[[ -x "$bench" ]] || { echo "cannot build the engine benchmark" >&2; exit 1; }
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$bench" --bench \
    --profile-time "$seconds" >/dev/null 2>&1

# Callgrind names each function once as "(id) name" and refers to it by "(id)" afterwards; a call
# line "calls=N ..." is followed by the line whose second field is the instructions of those calls.
awk '
    match($0, /^c?fn=\([0-9]+\) /) {
        id = substr($0, index($0, "(") + 1); id = substr(id, 1, index(id, ")") - 1)
        if ($0 ~ /hornet_engine::Engine::process$/) process[id] = 1
    }
    /^cfn=\(/ {
        id = substr($0, index($0, "(") + 1); id = substr(id, 1, index(id, ")") - 1)
        target = (id in process)
        next
    }
    /^calls=/ { if (target) { split($0, c, /[= ]/); calls += c[2]; take = 1 }; target = 0; next }
    take { instructions += $2; take = 0 }
    END {
        if (calls == 0) { print "no calls of Engine::process found" > "/dev/stderr"; exit 1 }
        printf "%d %d\n", instructions / calls, calls
    }
' "$work/callgrind.out"
