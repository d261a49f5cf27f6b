#!/usr/bin/env bash
# sql-server benchmark (`make bench` runs it): on PostgreSQL ($POSTGRES_URL, default the
# machine's local server), side by side in one run:
#   - 1,000 sequential `query` calls through sql-server (release build, stdio) against the
#     same statements run directly with sqlx, and against @modelcontextprotocol/server-postgres
#     (installed from npm into bench-data/npm, git-ignored);
#   - a 1,000,000-row table queried without LIMIT: time to the capped rows, peak RSS.
# Prints a table and writes bench-data/results-sql.json and bench-data/results-sql.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/bench-data"
npm_dir="$out/npm"
npm_pkg="@modelcontextprotocol/server-postgres@0.6.2"
export POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export SQL_BENCH_CALLS="${SQL_BENCH_CALLS:-1000}"
export SQL_BENCH_BIG_ROWS="${SQL_BENCH_BIG_ROWS:-1000000}"
mkdir -p "$out" "$npm_dir"

say() { printf '\n== %s\n' "$*" >&2; }

npm_server="$npm_dir/node_modules/@modelcontextprotocol/server-postgres/dist/index.js"
if command -v npm >/dev/null && command -v node >/dev/null; then
    if [[ ! -f "$npm_server" ]]; then
        say "installing $npm_pkg into $npm_dir"
        npm install --prefix "$npm_dir" --no-audit --no-fund --silent "$npm_pkg" >&2
    fi
    export SQL_BENCH_NPM_SERVER="$npm_server"
else
    echo "bench.sh: node/npm not found; the server-postgres comparison is skipped" >&2
fi

say "building sql-server (release)"
cargo build --quiet --release -p sql-server

say "running the benchmark ($SQL_BENCH_CALLS calls, $SQL_BENCH_BIG_ROWS-row table)"
E2E_BIN_DIR="$repo/target/release" SQL_BENCH_OUT="$out/results-sql.json" \
    cargo test --quiet --release -p e2e --test sql_bench -- --ignored --nocapture sql_bench >&2

python3 - "$out/results-sql.json" "$out/results-sql.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def f(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    return f"{v:,.1f}{unit}" if isinstance(v, float) else f"{v:,}{unit}"
rows = [
    ("sqlx directly, prepared, no ping on checkout (calls/s)", f(r.get("sqlx_prepared_per_s"))),
    ("sqlx directly, prepared, pool defaults (calls/s)", f(r.get("sqlx_default_pool_per_s"))),
    ("sqlx directly, simple protocol (calls/s)", f(r.get("sqlx_simple_per_s"))),
    ("sql-server `query` over stdio (calls/s)", f(r.get("sql_server_per_s"))),
    ("@modelcontextprotocol/server-postgres (calls/s)", f(r.get("npm_server_per_s"))),
    ("sql-server overhead vs the fastest sqlx (target ≤ 1.5x)", f(r.get("overhead_vs_fastest_sqlx"), "x")),
    ("sql-server overhead vs sqlx with pool defaults", f(r.get("overhead_vs_sqlx_default_pool"), "x")),
    ("sql-server speed-up vs server-postgres (target ≥ 3x)", f(r.get("speedup_vs_npm"), "x")),
    (f"{r['big_rows']:,}-row SELECT * via sql-server, first (ms)", f(r.get("big_first_ms"))),
    (f"{r['big_rows']:,}-row SELECT * via sql-server, warm avg of 5 (ms)", f(r.get("big_repeat_ms"))),
    ("sql-server peak RSS after 1,000 calls (MiB)", f((r.get("sql_server_peak_rss_kib_after_calls") or 0) / 1024)),
    ("sql-server peak RSS after 6 big queries (MiB)", f((r.get("sql_server_peak_rss_kib_after_6_big") or 0) / 1024)),
    (f"{r['big_rows']:,}-row SELECT * via server-postgres (ms)", f(r.get("npm_big_ms"))),
    ("server-postgres peak RSS (MiB)", f((r.get("npm_peak_rss_kib") or 0) / 1024) if r.get("npm_peak_rss_kib") else "n/a"),
]
md = "| measure | value |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)
kinds = r.get("per_kind") or []
if kinds:
    md += "\n| statement kind | sqlx (µs/call) | sql-server (µs/call) | server-postgres (µs/call) | overhead vs sqlx | speed-up vs server-postgres |\n|---|---|---|---|---|---|\n"
    for k in kinds:
        md += f"| {k['kind']} | {f(k['sqlx_us'])} | {f(k['sql_server_us'])} | {f(k.get('npm_server_us'))} | {f(k['overhead_vs_sqlx'], 'x')} | {f(k.get('speedup_vs_npm'), 'x')} |\n"
md += f"\n{r['calls']} sequential calls per round cycling over {r['statements']} statements (point lookup, aggregate, join, group by, paged scan) on PostgreSQL; each rate is the median of {r.get('rounds', 1)} interleaved rounds ({r.get('per_kind_calls', 0)} calls per kind in the per-kind table); one minimal JSON-RPC client drives both MCP servers; every client connects without TLS.\n"
open(sys.argv[2], "w").write(md)
print(md)
PY
