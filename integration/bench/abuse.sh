#!/usr/bin/env bash
# Soak-and-abuse benchmark of the transports (`make bench` runs it), against release
# builds of fs-server and sql-server, through tests/src/bin/mcp-abuse.rs:
#   (a) 1,100 half-open connections against fs-server held to 1,024 file descriptors;
#   (b) 5,000 idle sessions, two rounds, RSS on fs-server and sql-server;
#   (c) SIGTERM during a 5 s call, both protocol generations, within and past the grace;
#   (d) the malformed-message corpus over stdio and HTTP.
# Prints a Markdown report and writes it to bench-data/results-abuse.md. All traffic
# stays on loopback. Knobs: ABUSE_SOCKETS (1100), ABUSE_SESSIONS (5000),
# BENCH_NO_BUILD=1 to use the existing release binaries.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/bench-data"
mkdir -p "$out"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"

command -v prlimit >/dev/null || { echo "abuse.sh: prlimit (util-linux) is required" >&2; exit 1; }

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    printf '\n== building fs-server, sql-server and mcp-abuse (release)\n' >&2
    # Separately: built together, cargo unifies the e2e client's rmcp features into
    # the servers' build, and the binaries under target/release may not be the ones
    # a plain `cargo build --release -p fs-server` (or `cargo install`) makes.
    cargo build --quiet --release -p fs-server -p sql-server
    cargo build --quiet --release -p e2e --bin mcp-abuse
fi

# The flood client holds more sockets than the server it floods may.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
E2E_BIN_DIR="$target_dir/release" "$target_dir/release/mcp-abuse" \
    --sockets "${ABUSE_SOCKETS:-1100}" --sessions "${ABUSE_SESSIONS:-5000}" \
    --out "$out/results-abuse.md"
