#!/usr/bin/env bash
# Reading a Notion page as text: notion-server side by side with the official
# @notionhq/notion-mcp-server (npm), both driven over stdio by the official MCP Python
# SDK against the repository's fake Notion (no internet). See notion_compare.py for
# what is measured. Writes bench-data/results-notion.md and bench-data/results-notion.json.
#
#   integration/bench/notion_compare.sh [notion_compare.py options, e.g. --pace 0.5]
#
# Environment knobs:
#   NOTION_MCP_VERSION  the official server's npm version (default: the pinned one below)
#   BENCH_NO_BUILD=1    use the existing target/debug binaries
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
npm_dir="$repo/bench-data/npm"
pkg="@notionhq/notion-mcp-server"
version="${NOTION_MCP_VERSION:-2.5.2}"
python="$repo/.venv/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'notion_compare.sh: error: %s\n' "$*" >&2; exit 1; }

# The pinned official Python SDK (and pytest) in .venv, as `make test` uses them.
"$repo/integration/python/setup.sh" || die "could not set up $repo/.venv (see integration/python/setup.sh)"

extra=()
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "node or npm is not installed: skipping the official server ($pkg), measuring notion-server only"
    extra+=(--no-official)
else
    installed="$npm_dir/node_modules/$pkg/package.json"
    have=""
    [[ -f "$installed" ]] && have="$(node -p "require('$installed').version" 2>/dev/null || true)"
    if [[ "$have" != "$version" ]]; then
        say "installing $pkg@$version into ${npm_dir#"$repo"/}"
        mkdir -p "$npm_dir"
        if ! npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error "$pkg@$version" >&2; then
            say "npm install failed: skipping the official server"
            extra+=(--no-official)
        fi
    else
        say "$pkg@$version already in ${npm_dir#"$repo"/}"
    fi
fi

if [[ "${BENCH_NO_BUILD:-}" != 1 ]]; then
    say "building fake-apis and notion-server"
    (cd "$repo" && cargo build -p fake-apis --bins && cargo build -p notion-server)
fi

say "running integration/bench/notion_compare.py"
cd "$repo"
exec "$python" "$here/notion_compare.py" --official-dir "$npm_dir" ${extra[@]+"${extra[@]}"} "$@"
