#!/usr/bin/env bash
# Idempotent set-up of everything Hornet's build and tests need on a fresh Debian machine that
# already has the Rust toolchain.
#
#   1. Debian packages: libclang-dev (bindgen for the rocksdb crate), build-essential and clang,
#      python3-venv, Node.js and npm. `apt-get update` runs only when something is missing.
#   2. Into the cache dir ${HORNET_CACHE:-$HOME/.cache/hornet} (never into the repository):
#        interop-venv/      Python venv with pytest, pytest-timeout and pyzeebe (pinned below)
#        zbctl-<version>/   the zbctl npm package (ships a linux binary), pinned below
#        bin/zbctl          symlink to that binary
#
# Prints nothing when everything is already in place. Safe to run concurrently with a build.
# Usage: deploy/bootstrap.sh            (exit 0 ready, non-zero with a message on what failed)
#        deploy/bootstrap.sh --print-env  also prints `export ...` lines for the tools' paths
set -euo pipefail

# Pins. pyzeebe 4.7.0 bundles gateway protos at Zeebe 8.6 level; zbctl 8.4.1 is the newest
# zbctl on npm (the standalone CLI was discontinued after 8.4).
PYTEST_VERSION=9.2.0
PYTEST_TIMEOUT_VERSION=2.4.0
PYZEEBE_VERSION=4.7.0
ZBCTL_VERSION=8.4.1

cache="${HORNET_CACHE:-$HOME/.cache/hornet}"
venv="$cache/interop-venv"
zbctl_dir="$cache/zbctl-$ZBCTL_VERSION"
zbctl_bin="$zbctl_dir/node_modules/zbctl/bin/zbctl-cli.linux"

say() { echo "bootstrap: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# --- Debian packages -------------------------------------------------------------------------
missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libclang-dev build-essential clang pkg-config; do
  have_pkg "$pkg" || missing+=("$pkg")
done
# The venv module needs ensurepip; Debian's python3 ships it separately in python3-venv, other
# interpreters (pyenv, python.org builds) carry it themselves.
command -v python3 >/dev/null || missing+=(python3)
if command -v python3 >/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3-venv)
fi
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]} > 0)); then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "missing ${missing[*]}; run as root or install sudo"
    sudo="sudo"
  fi
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
fi

mkdir -p "$cache/bin" || die "cannot create $cache"

# --- Python venv with pytest and pyzeebe ----------------------------------------------------
pins="pytest==$PYTEST_VERSION pytest-timeout==$PYTEST_TIMEOUT_VERSION pyzeebe==$PYZEEBE_VERSION"
stamp="$venv/.hornet-pins"
if [[ ! -x "$venv/bin/python" ]]; then
  say "creating Python venv $venv"
  python3 -m venv "$venv" || die "python3 -m venv $venv failed"
fi
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$pins" ]]; then
  say "installing $pins into $venv"
  # shellcheck disable=SC2086 # $pins is a list of requirement specifiers
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins ||
    die "pip install $pins failed"
  echo "$pins" >"$stamp"
fi

# --- zbctl from npm ----------------------------------------------------------------------------
if [[ ! -x "$zbctl_bin" ]]; then
  say "installing zbctl@$ZBCTL_VERSION into $zbctl_dir"
  mkdir -p "$zbctl_dir"
  # --prefix keeps node_modules in the cache dir; the package carries prebuilt binaries.
  npm install --prefix "$zbctl_dir" --no-audit --no-fund --no-save --loglevel=error \
    "zbctl@$ZBCTL_VERSION" >/dev/null || die "npm install zbctl@$ZBCTL_VERSION failed"
  [[ -x "$zbctl_bin" ]] || die "zbctl@$ZBCTL_VERSION has no linux binary at $zbctl_bin"
fi
# The npm wrapper script only picks the platform binary (and checks the registry for updates);
# link the binary itself so tests start it directly.
if [[ "$(readlink "$cache/bin/zbctl" 2>/dev/null)" != "$zbctl_bin" ]]; then
  ln -sfn "$zbctl_bin" "$cache/bin/zbctl"
fi

if [[ "${1:-}" == "--print-env" ]]; then
  echo "export HORNET_CACHE='$cache'"
  echo "export HORNET_PYTHON='$venv/bin/python'"
  echo "export ZBCTL='$cache/bin/zbctl'"
fi
