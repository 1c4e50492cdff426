#!/usr/bin/env bash
# The edit loop: wall time of `cargo test` after touching one file of a stage, warm target dir.
# Usage: bash benches/edit-loop.sh; PER_CRATE=1 runs only the touched stage crate's tests.
# Touches a report, a themes and an ingest source file in turn and prints the seconds each took.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env > /dev/null
cargo test --release --workspace --no-run -q 2> /dev/null
for stage in report themes ingest; do
  # the stage crate's lib.rs, or its module in a single-crate tree
  for file in crates/chorus-$stage/src/lib.rs src/$stage/mod.rs; do [ -f "$file" ] && break; done
  touch "$file"
  start=$(date +%s.%N)
  if [ "${PER_CRATE:-}" = 1 ] && [ -d crates/chorus-$stage ]; then
    cargo test --release -q -p chorus-$stage > /dev/null 2>&1
  else
    cargo test --release -q --workspace > /dev/null 2>&1
  fi
  end=$(date +%s.%N)
  printf '%s\t%s\t%.1f s\n' "$stage" "$file" "$(echo "$end - $start" | bc)"
done
