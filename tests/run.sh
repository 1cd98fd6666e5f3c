#!/usr/bin/env bash
# THE test command for Hornet. Runs every check and prints one closing line
# `N passed, N failed` over the steps (CI reads it); exits non-zero if any step failed.
#
# Steps, in order (each runs even if an earlier one failed, except where it needs the binary):
#   bootstrap    deploy/bootstrap.sh (Debian packages, Python venv with pyzeebe, zbctl)
#   fmt          cargo fmt --all -- --check
#   clippy       cargo clippy --workspace --all-targets -- -D warnings
#   unit         cargo nextest run --workspace (or cargo test) plus doc tests
#   build        cargo build -p hornet --bin hornet (debug)
#   interop      pytest tests/interop against that binary (real zbctl and pyzeebe clients)
#   proto-compat tests/proto-compat/check.sh, if present
#   dmn-tck      the DMN TCK runner over ../shared/dmn-tck/TestCases (or $HORNET_DMN_TCK): prints
#                passed/failed/skipped per test case folder and in total (the floor is asserted
#                by crates/dmn/tests/tck.rs in the unit step)
#
# Environment:
#   HORNET_CACHE       cache dir for tools and the target dir (default ~/.cache/hornet)
#   CARGO_TARGET_DIR   default $HORNET_CACHE/target (persistent, outside the clone)
#   HORNET_BIN         broker binary for the interop suite (default: the one built here)
#   HORNET_TEST_STEPS  space-separated subset of the step names above to run (default: all)
#   PYTEST_ADDOPTS     extra pytest options for the interop step (e.g. "-k zbctl -x")
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root" || exit 2
export HORNET_CACHE="${HORNET_CACHE:-$HOME/.cache/hornet}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HORNET_CACHE/target}"
# CI has no terminal; keep cargo's output plain and its progress bars out of the log.
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"

steps="${HORNET_TEST_STEPS:-bootstrap fmt clippy unit build interop proto-compat dmn-tck}"
passed=0
failed=0
failed_names=()
results=()

wants() { [[ " $steps " == *" $1 "* ]]; }

# run_step NAME CMD...: runs CMD, records the outcome and its duration.
run_step() {
  local name="$1"
  shift
  echo
  echo "=== [$name] $*"
  local start=$SECONDS
  "$@"
  local rc=$?
  local took=$((SECONDS - start))
  if ((rc == 0)); then
    passed=$((passed + 1))
    results+=("ok     $name (${took}s)")
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    results+=("FAILED $name (${took}s, exit $rc)")
  fi
  return "$rc"
}

# skip_failed NAME REASON: a step that could not run counts as failed, with the reason.
skip_failed() {
  echo
  echo "=== [$1] not run: $2"
  failed=$((failed + 1))
  failed_names+=("$1")
  results+=("FAILED $1 (not run: $2)")
}

unit_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    # nextest does not run doc tests; they follow separately.
    cargo nextest run --workspace --no-fail-fast --no-tests=warn || return 1
    cargo test --workspace --doc || return 1
  else
    cargo test --workspace --no-fail-fast || return 1
  fi
}

interop_tests() {
  local python="$HORNET_CACHE/interop-venv/bin/python"
  [[ -x "$python" ]] || {
    echo "interop: $python missing (bootstrap failed?)" >&2
    return 1
  }
  HORNET_BIN="$hornet_bin" ZBCTL="${ZBCTL:-$HORNET_CACHE/bin/zbctl}" \
    "$python" -m pytest tests/interop -ra -p no:cacheprovider
}

wants bootstrap && run_step bootstrap "$repo_root/deploy/bootstrap.sh"
wants fmt && run_step fmt cargo fmt --all -- --check
wants clippy && run_step clippy cargo clippy --workspace --all-targets -- -D warnings
wants unit && run_step unit unit_tests

hornet_bin="${HORNET_BIN:-$CARGO_TARGET_DIR/debug/hornet}"
build_ok=1
if wants build && [[ -z "${HORNET_BIN:-}" ]]; then
  if [[ -f crates/hornet/Cargo.toml ]]; then
    run_step build cargo build -p hornet --bin hornet || build_ok=0
  else
    skip_failed build "crates/hornet does not exist yet"
    build_ok=0
  fi
fi

if wants interop; then
  if ((build_ok == 0)); then
    skip_failed interop "no hornet binary (build step failed)"
  elif [[ ! -x "$hornet_bin" ]]; then
    skip_failed interop "no hornet binary at $hornet_bin"
  else
    run_step interop interop_tests
  fi
fi

if wants proto-compat; then
  if [[ -f tests/proto-compat/check.sh ]]; then
    run_step proto-compat bash tests/proto-compat/check.sh
  else
    echo
    echo "=== [proto-compat] tests/proto-compat/check.sh not present; nothing to run"
  fi
fi

if wants dmn-tck; then
  tck_dir="${HORNET_DMN_TCK:-$repo_root/../shared/dmn-tck/TestCases}"
  if [[ -d "$tck_dir" ]]; then
    run_step dmn-tck cargo run -q -p hornet-dmn --bin dmn-tck -- "$tck_dir"
  else
    echo
    echo "=== [dmn-tck] $tck_dir not present; nothing to run"
  fi
fi

echo
echo "=== summary (target dir $CARGO_TARGET_DIR)"
for line in "${results[@]}"; do
  echo "  $line"
done
if ((failed > 0)); then
  echo "  failed steps: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
