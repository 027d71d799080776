#!/usr/bin/env bash
# The main job from a fresh machine: installs dependencies, builds, and runs examples/hello.js in a
# fresh VM of a fresh sidecar through the CLI (`secure-exec run`), exiting with the guest's exit code.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" release secure-exec secure-exec-sidecar >/dev/null
cd "$root"
exec build/bin/secure-exec run examples/hello.js
