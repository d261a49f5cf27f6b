#!/usr/bin/env bash
# The official MCP conformance suite (npm @modelcontextprotocol/conformance, pinned in
# package.json) against all four servers over streamable HTTP, for both protocol
# generations: 2025-11-25 (initialize and sessions) and 2026-07-28 (stateless,
# server/discover). Every scenario of the suite runs (`--suite all`); the checks that
# cannot pass on a production server, because they call the suite's own fixture tools,
# prompts and resources (test_simple_text, test_prompt_with_arguments,
# test://static-text, ...), are listed with the reason in expected-failures/SERVER.yml.
# The suite fails the run on any other failure, and on a listed check that now passes.
#
# Then the MCP Inspector CLI's --strict mode checks every server's tool schemas for
# portability (exit 6 on an error-severity problem).
#
# Usage: integration/conformance/run.sh [fs|sql|github|notion ...]   (default: all four)
# Env: BIN_DIR (default target/debug, built by `make build`), KEEP=1 keeps the results
# folder and prints its path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin_dir="${BIN_DIR:-$repo/target/debug}"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(fs sql github notion)

"$here/setup.sh"
node="$here/node_modules/.bin/node"
conformance=("$node" "$here/node_modules/.bin/conformance")
inspector=("$node" "$here/node_modules/.bin/mcp-inspector" --cli)

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then echo "results kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# Waits up to 20 s for GET $1 to answer 200.
wait_healthy() {
    python3 - "$1" <<'EOF'
import sys, time, urllib.request
deadline = time.time() + 20
while time.time() < deadline:
    try:
        if urllib.request.urlopen(sys.argv[1], timeout=1).status == 200:
            sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(f"{sys.argv[1]} did not become healthy")
EOF
}

# Starts fake-apis for $1 (github|notion) in this shell (so cleanup stops it) and
# sets fake_url to its base URL.
fake_url=
start_fake() {
    local out="$work/fake-$1.url"
    "$bin_dir/fake-apis" "$1" >"$out" 2>>"$work/fake-$1.log" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
    fake_url="$(head -n1 "$out")"
}

# The arguments that make server $1 serve something real: a folder, the sample shop,
# the fake APIs.
server_args() {
    case "$1" in
        fs)
            mkdir -p "$work/files/docs"
            echo "hello" >"$work/files/readme.txt"
            echo "# notes" >"$work/files/docs/notes.md"
            echo "$work/files"
            ;;
        sql)
            python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' \
                "$work/shop.sqlite" "$repo/integration/sql/sample.sql"
            echo "--url sqlite:$work/shop.sqlite"
            ;;
        github | notion) echo "--api-url $fake_url" ;;
    esac
}

# The environment server $1 needs besides the flags: the fakes' demo tokens.
server_env() {
    case "$1" in
        github) echo "GITHUB_TOKEN=fake-github-token-demo" ;;
        notion) echo "NOTION_TOKEN=fake-notion-token-demo" ;;
    esac
}

# The Inspector's --strict check of one server's tools/list: $1 names it, the rest
# are the Inspector's arguments for reaching it (a URL, or a command for stdio).
strict_check() {
    local label="$1"
    shift
    echo "== inspector --strict: $label" >&2
    # RUST_LOG=off: a stdio server's own log would share the Inspector's stderr.
    if "${inspector[@]}" --strict --method tools/list -e RUST_LOG=off "$@" >/dev/null \
        2>"$work/strict.txt"; then
        if [ -s "$work/strict.txt" ]; then
            echo "   ok (no error-severity problem); it reports:" >&2
            sed 's/^/     /' "$work/strict.txt" >&2
        else
            echo "   ok: no schema portability problem reported" >&2
        fi
    else
        failed+=("$label: inspector --strict")
        failures=$((failures + 1))
        cat "$work/strict.txt" >&2
    fi
}

failed=()
passed=0
skipped=0
failures=0
for name in "${servers[@]}"; do
    binary="$bin_dir/$name-server"
    case "$name" in github | notion) start_fake "$name" ;; esac
    args="$(server_args "$name")"
    port="$(free_port)"
    # --rate-limit 0: the suite sends many requests from one address in a burst.
    # shellcheck disable=SC2046,SC2086
    env $(server_env "$name") RUST_LOG=warn "$binary" --http "127.0.0.1:$port" --rate-limit 0 $args \
        2>>"$work/$name-server.log" &
    pids+=($!)
    url="http://127.0.0.1:$port"
    wait_healthy "$url/healthz"
    for version in 2025-11-25 2026-07-28; do
        out="$work/results/$name-$version"
        log="$work/$name-$version.txt"
        echo "== conformance: $name-server, protocol $version" >&2
        if "${conformance[@]}" server --url "$url/mcp" --suite all --spec-version "$version" \
            --expected-failures "$here/expected-failures/$name.yml" -o "$out" >"$log" 2>&1; then
            status=ok
        else
            status=FAILED
            failed+=("$name-server $version")
        fi
        read -r ok left_out bad <<<"$(python3 "$here/count.py" "$out" "$here/expected-failures/$name.yml")"
        passed=$((passed + ok))
        skipped=$((skipped + left_out))
        failures=$((failures + bad))
        # A run can fail with no unexpected check: a listed check now passes (stale).
        [ "$status" = FAILED ] && [ "$bad" = 0 ] && failures=$((failures + 1))
        echo "   $status: $ok checks passed, $bad failed, $left_out left out (listed in expected-failures/$name.yml)" >&2
        if [ "$status" = FAILED ]; then
            sed -n '/Baseline\|Unexpected\|Stale\|✗\|✓ .*:/,$p' "$log" | tail -40 >&2
        fi
    done

    strict_check "$name-server over HTTP" --transport http --server-url "$url/mcp"
done

# The configurations with the most tools, over stdio: every write tool, every toolset.
mkdir -p "$work/files"
strict_check "fs-server --allow-write --allow-delete over stdio" \
    "$bin_dir/fs-server" --allow-write --allow-delete "$work/files"
strict_check "github-server --toolsets all --allow-write over stdio" -e GITHUB_TOKEN=unused \
    "$bin_dir/github-server" --api-url http://127.0.0.1:9 --toolsets all --allow-write
strict_check "notion-server --allow-write over stdio" -e NOTION_TOKEN=unused \
    "$bin_dir/notion-server" --api-url http://127.0.0.1:9/v1 --allow-write

echo "conformance: ${#failed[@]} run(s) failed; fixture-only checks left out: $skipped" >&2
# The closing line in the form test runners use.
echo "conformance: $passed passed, $failures failed"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
