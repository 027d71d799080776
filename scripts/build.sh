#!/usr/bin/env bash
# Configures (once) and builds with Ninja. Usage: scripts/build.sh [release|asan] [ninja targets...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:-release}"; shift || true
case "$kind" in
  release) dir="$root/build"; type=Release; extra=() ;;
  asan) dir="$root/build-asan"; type=Asan; extra=() ;;
  *) echo "unknown build kind $kind" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DSE_WERROR=ON "${extra[@]}" >/dev/null
fi
cmake --build "$dir" -- "$@"
