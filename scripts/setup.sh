#!/usr/bin/env bash
# Installs everything the build and tests need on a fresh Debian 12 machine. Idempotent: when
# everything is present it only checks and returns (well under a second).
#   - apt packages: compilers, CMake/Ninja, GoogleTest, Google Benchmark, nlohmann-json, clang
#     (libFuzzer, sanitizers) and the runtime libraries V8 (libnode108) links against;
#   - V8 10.2 from Debian's libnode108/libnode-dev, unpacked into third_party/_deps/libnode with
#     `apt-get download` + `dpkg -x` (installing those .debs conflicts with the machine's Node.js);
#   - the npm packages of js/ (esbuild and the guest polyfills), with `npm ci`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/third_party/_deps"

apt_packages=(
  build-essential g++ cmake ninja-build pkg-config python3 ca-certificates
  libgtest-dev libgmock-dev googletest libbenchmark-dev nlohmann-json3-dev
  clang libclang-rt-14-dev clang-format
  libssl-dev libicu72 libc-ares2 libnghttp2-14 libbrotli1 libuv1 zlib1g
)

missing=()
for pkg in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# V8 from libnode108 (headers from libnode-dev), unpacked build-locally.
libnode="$deps/libnode"
if [ ! -f "$libnode/usr/include/node/v8.h" ] || [ ! -e "$libnode/usr/lib/x86_64-linux-gnu/libnode.so.108" ]; then
  echo "setup: fetching libnode108 + libnode-dev" >&2
  mkdir -p "$deps/debs" "$libnode"
  if ! ( cd "$deps/debs" && apt-get download libnode108 libnode-dev >/dev/null 2>&1 ); then
    as_root apt-get update -qq
    ( cd "$deps/debs" && apt-get download libnode108 libnode-dev >/dev/null )
  fi
  for deb in "$deps"/debs/libnode*.deb; do dpkg -x "$deb" "$libnode"; done
  # libnode-dev's unversioned symlink is what the linker looks for.
  ln -sf libnode.so.108 "$libnode/usr/lib/x86_64-linux-gnu/libnode.so"
fi
# The npm polyfills bundled into the guest snapshot (js/), exactly as the committed lockfile
# says; skipped when node_modules already matches it.
js="$root/js"
if ! command -v npm >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.se-installed-lock.json"; then
  echo "setup: npm ci in js/" >&2
  ( cd "$js" && npm ci --no-audit --no-fund --loglevel=error )
  cp "$js/package-lock.json" "$js/node_modules/.se-installed-lock.json"
fi
echo "setup: ok" >&2
