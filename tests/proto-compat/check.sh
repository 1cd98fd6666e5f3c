#!/usr/bin/env bash
# Wire-compatibility check of proto/gateway.proto against the Zeebe gateway protocol as shipped
# by real Zeebe clients.
#
# What it checks: for every reference descriptor below, every service method (name, request and
# response type, client/server streaming), every message incl. nested ones (every field's name,
# number, type, label, referenced type, oneof membership and proto3 `optional`), and every enum
# value (name and number) that the REFERENCE defines must exist identically in OUR
# proto/gateway.proto. Ours may define more (it tracks a newer Zeebe than some references).
#
# References (pinned, so the result is reproducible):
#   - PyPI zeebe-grpc==8.4.13: the last zeebe-grpc line pyzeebe depended on (pyzeebe 4.0-4.x
#     required zeebe-grpc>=8.4,<9; 8.4.13 is the newest release of that package).
#   - PyPI pyzeebe==4.7.0: from 4.x on pyzeebe bundles its own generated gateway_pb2 instead of
#     depending on zeebe-grpc, so its descriptor is checked separately.
#   - npm @camunda8/sdk@8.8.13: ships dist/proto/zeebe.proto (Zeebe 8.8 protocol).
# The Python packages are installed without dependencies (their protobuf pins conflict with
# grpcio-tools'); their serialized descriptors are read from the generated *_pb2.py source, so
# they are never imported.
#
# Everything is installed into ${HORNET_CACHE:-$HOME/.cache/hornet} (proto-compat-venv plus an npm pack
# extract), never into the repository; a second run only re-runs the comparison.
#
# Exit status: 0 compatible, 1 incompatible (a diff is printed), 2 setup failure.
set -euo pipefail

GRPCIO_TOOLS_VERSION=1.85.1
ZEEBE_GRPC_VERSION=8.4.13
PYZEEBE_VERSION=4.7.0
CAMUNDA_SDK_VERSION=8.8.13

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
cache="${HORNET_CACHE:-$HOME/.cache/hornet}"
# A venv of its own: other tests may install clients whose protobuf pins clash with grpcio-tools.
venv="$cache/proto-compat-venv"
npm_dir="$cache/npm/camunda8-sdk-$CAMUNDA_SDK_VERSION"
stamp="$venv/.hornet-proto-compat-pins"
pins="grpcio-tools==$GRPCIO_TOOLS_VERSION zeebe-grpc==$ZEEBE_GRPC_VERSION pyzeebe==$PYZEEBE_VERSION"

setup_failure() {
  echo "proto-compat: setup failed: $*" >&2
  exit 2
}

mkdir -p "$cache" || setup_failure "cannot create cache dir $cache"

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv" || setup_failure "python3 -m venv $venv"
fi
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$pins" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "grpcio-tools==$GRPCIO_TOOLS_VERSION" ||
    setup_failure "pip install grpcio-tools==$GRPCIO_TOOLS_VERSION"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    "zeebe-grpc==$ZEEBE_GRPC_VERSION" "pyzeebe==$PYZEEBE_VERSION" ||
    setup_failure "pip install zeebe-grpc==$ZEEBE_GRPC_VERSION pyzeebe==$PYZEEBE_VERSION"
  echo "$pins" >"$stamp"
fi

sdk_proto="$npm_dir/package/dist/proto/zeebe.proto"
if [[ ! -f "$sdk_proto" ]]; then
  command -v npm >/dev/null || setup_failure "npm not found (needed for @camunda8/sdk)"
  rm -rf "$npm_dir"
  mkdir -p "$npm_dir"
  # npm pack fetches just the published tarball; installing would pull the SDK's whole
  # dependency tree although only the .proto is needed.
  tarball="$(cd "$npm_dir" && npm pack --silent "@camunda8/sdk@$CAMUNDA_SDK_VERSION" 2>/dev/null | tail -n 1)" ||
    setup_failure "npm pack @camunda8/sdk@$CAMUNDA_SDK_VERSION"
  tar -xzf "$npm_dir/$tarball" -C "$npm_dir" package/dist/proto/zeebe.proto ||
    setup_failure "@camunda8/sdk@$CAMUNDA_SDK_VERSION has no dist/proto/zeebe.proto"
  rm -f "$npm_dir/$tarball"
fi

site_packages="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

exec "$venv/bin/python" "$here/compare_descriptors.py" \
  --ours "$repo_root/proto/gateway.proto" \
  --reference-pb2 "zeebe-grpc $ZEEBE_GRPC_VERSION=$site_packages/zeebe_grpc/gateway_pb2.py" \
  --reference-pb2 "pyzeebe $PYZEEBE_VERSION=$site_packages/pyzeebe/proto/gateway_pb2.py" \
  --reference-proto "@camunda8/sdk $CAMUNDA_SDK_VERSION=$sdk_proto"
