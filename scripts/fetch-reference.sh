#!/usr/bin/env bash
# Fetches the published reference sidecar (npm @secure-exec/sidecar-linux-x64-gnu@0.3.3) into
# third_party/_deps/reference for differential tests and side-by-side benchmarks. It is an oracle,
# never a product dependency. Idempotent: does nothing when the binary is already there.
# Prints the binary's path on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="@secure-exec/sidecar-linux-x64-gnu@0.3.3"
dest="$root/third_party/_deps/reference"
binary="$dest/package/secure-exec-sidecar"

if [ ! -x "$binary" ]; then
  command -v npm >/dev/null || { echo "fetch-reference: npm is required" >&2; exit 1; }
  mkdir -p "$dest"
  tarball="$(find "$dest" -maxdepth 1 -name 'secure-exec-sidecar-linux-x64-gnu-*.tgz' -print -quit)"
  if [ -z "$tarball" ]; then
    (cd "$dest" && npm pack --silent "$package" >&2)
    tarball="$(find "$dest" -maxdepth 1 -name 'secure-exec-sidecar-linux-x64-gnu-*.tgz' -print -quit)"
  fi
  [ -n "$tarball" ] || { echo "fetch-reference: npm pack produced no tarball" >&2; exit 1; }
  tar -xzf "$tarball" -C "$dest"
  chmod +x "$binary"
fi
echo "$binary"
