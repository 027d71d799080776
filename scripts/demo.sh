#!/usr/bin/env bash
# The main job from a fresh machine: installs dependencies, builds, and runs the CLI against a
# fresh VM in a fresh sidecar (filesystem demo until JavaScript guests land).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" release secure-exec secure-exec-sidecar >/dev/null
exec "$root/build/bin/secure-exec" fs demo
