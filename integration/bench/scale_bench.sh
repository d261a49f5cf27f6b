#!/usr/bin/env bash
# What sharing through Redis (--redis-url) adds per call, side by side with local
# mode (`make bench`): github-server in release mode against the fake GitHub, p50/p99
# of a cached read and of a rate-limited read. Needs Redis at REDIS_URL (default
# the machine's, redis://127.0.0.1:6379). Writes bench-data/results-scale.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
cd "$repo"
if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
    cargo build --release --quiet -p github-server -p e2e --bin github-server --bin mcp-scale-bench
fi
mkdir -p bench-data
E2E_BIN_DIR="$target_dir/release" "$target_dir/release/mcp-scale-bench" "${BENCH_CALLS:-1000}" | tee bench-data/results-scale.md
