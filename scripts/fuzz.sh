#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each).
# Usage: scripts/fuzz.sh [SECONDS]
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain
# accept them. Seeds: the test fixtures of every format.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
mkdir -p corpus/ingest corpus/timestamp
find ../crates/lockstep-cli/tests/fixtures ../crates/lockstep-ingest/tests/fixtures -type f -size -64k -exec cp {} corpus/ingest/ \;
for target in ingest timestamp; do
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=8192
done
