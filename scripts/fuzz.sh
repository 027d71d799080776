#!/usr/bin/env bash
# Builds the frame decoder fuzzer with clang (libFuzzer + ASan + UBSan) in build-fuzz, seeds a corpus
# from the golden session payloads and fuzzes for the given number of seconds (default 60).
# Usage: scripts/fuzz.sh [seconds]. Exits non-zero on any crash, leak, sanitizer report or over-allocation.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
dir="$root/build-fuzz"
sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

if [ ! -f "$dir/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSE_FUZZ=ON \
    -DCMAKE_C_FLAGS="$sanitizers" -DCMAKE_CXX_FLAGS="$sanitizers" >/dev/null
fi
cmake --build "$dir" -j2 --target frame_decoder_fuzz

corpus="$dir/fuzz-corpus/frame_decoder"
artifacts="$dir/fuzz-artifacts/"
mkdir -p "$corpus" "$artifacts"
python3 - "$root/tests/data/reference-session.jsonl" "$corpus" <<'PY'
import json, pathlib, sys
corpus = pathlib.Path(sys.argv[2])
for index, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    if line.strip():
        payload = bytes.fromhex(json.loads(line)["payload_hex"])
        (corpus / f"reference-{index:02d}").write_bytes(payload)
PY

log="$dir/fuzz.log"
if ! "$dir/bin/frame_decoder_fuzz" "$corpus" -max_total_time="$seconds" -rss_limit_mb=512 -malloc_limit_mb=64 \
  -max_len=4096 -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "fuzz: frame decoder FAILED (full log: $log, reproducer in $artifacts)" >&2
  exit 1
fi
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
echo "fuzz: frame decoder ran $runs inputs in ${seconds}s with no crash, leak or over-allocation"
