#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs dependencies, builds, runs every test.
#   scripts/test.sh           format check, release build: unit + integration + differential tests, then a
#                             bounded fuzz run
#   scripts/test.sh asan      AddressSanitizer + UBSan build: unit and integration tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lane="${1:-release}"
"$root/scripts/setup.sh"
case "$lane" in
  release)
    "$root/scripts/check-format.sh"
    "$root/scripts/fetch-reference.sh" >/dev/null
    "$root/scripts/build.sh" release
    ctest --test-dir "$root/build" --output-on-failure --timeout 600
    "$root/scripts/fuzz.sh" "${SE_FUZZ_SECONDS:-60}"
    ;;
  asan)
    "$root/scripts/build.sh" asan
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # Leaks are checked in the sidecars the integration tests spawn too: each must exit 0 at EOF,
    # and LeakSanitizer makes a leaking one exit non-zero. (Its exit-time tracer used to crash on
    # the dlopen'd libnode's dynamic TLS; src/sidecar/main.cc sets intercept_tls_get_addr=0.)
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      ctest --test-dir "$root/build-asan" --output-on-failure --timeout 900 -L 'unit|integration'
    ;;
  *) echo "usage: scripts/test.sh [release|asan]" >&2; exit 2 ;;
esac
