#!/usr/bin/env bash
# Runs the Compose-loader fuzz target for a while (default 600 s).
#
#   fuzz/run.sh [SECONDS]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The machine has only a stable toolchain, so
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the sanitizer flags it needs. The corpus starts from
# the conformance cases and the examples.
set -euo pipefail
secs=${1:-600}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus="$here/corpus/load_compose"
mkdir -p "$corpus"
cases=${TUG_CONFORMANCE_DIR:-$repo/../shared/conformance/compose}/cases
if [ -d "$cases" ]; then
  for c in "$cases"/*/compose.yaml; do
    cp "$c" "$corpus/$(basename "$(dirname "$c")").yaml"
  done
fi
find "$repo/examples" -name 'compose*.y*ml' -exec cp {} "$corpus/" \; 2>/dev/null || true
cd "$here"
RUSTC_BOOTSTRAP=1 cargo fuzz run load_compose "$corpus" -- \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -max_len=8192
