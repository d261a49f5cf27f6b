#!/usr/bin/env bash
# fs-server benchmarks (`make bench`): over a generated tree of >= 100,000 files,
#   - grep (MCP tool) side by side with ripgrep, same tree and pattern;
#   - search_files side by side with find -name;
#   - grep/search_files/directory_tree under `ulimit -n 256` (no fd exhaustion);
#   - idle RSS after initialize (stdio) and after /healthz (HTTP).
# Prints a results table and writes it to bench-data/results-fs.md.
#
# Environment knobs:
#   BENCH_FILES   files in the tree          (default 100000)
#   BENCH_REPEAT  timed runs per measurement (default 10)
#   BENCH_TREE    where the tree lives       (default bench-data/tree)
#   BENCH_STRICT  1: exit non-zero when a performance target is missed
#   BENCH_NO_BUILD 1: use the existing release binaries
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
files="${BENCH_FILES:-100000}"
repeat="${BENCH_REPEAT:-10}"
data="$repo/bench-data"
tree="${BENCH_TREE:-$data/tree}"
raw="$data/raw-fs"
out_md="$data/results-fs.md"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
server="$target_dir/release/fs-server"
bench="$target_dir/release/mcp-bench"
token="ZQXRARE_TOKEN_4711"
glob="*_config.rs"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
need=()
command -v rg >/dev/null || need+=(ripgrep)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v python3 >/dev/null || need+=(python3)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    say "installing ${need[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
        $sudo apt-get update -qq >/dev/null
        $sudo apt-get install -y -qq "${need[@]}" >/dev/null ||
            echo "run.sh: could not install ${need[*]}; continuing with what is there" >&2
    fi
fi
command -v rg >/dev/null || die "ripgrep (rg) is required: apt-get install ripgrep"
command -v python3 >/dev/null || die "python3 is required"
command -v curl >/dev/null || die "curl is required"

# time_cmd OUT.json CMD...: median of $repeat runs after one warm-up, hyperfine-shaped JSON.
time_cmd() {
    local out="$1"
    shift
    if command -v hyperfine >/dev/null; then
        hyperfine --shell=none --style none --warmup 1 --runs "$repeat" --export-json "$out" \
            -- "$(printf '%q ' "$@")" >/dev/null
    else
        python3 "$here/report.py" time --runs "$repeat" --warmup 1 --out "$out" -- "$@"
    fi
}

# ---------------------------------------------------------------- build + data
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    say "building release binaries (fs-server, mcp-bench)"
    (cd "$repo" && cargo build --release --quiet -p fs-server -p e2e --bins)
fi
[[ -x "$server" ]] || die "$server missing: run cargo build --release -p fs-server"
[[ -x "$bench" ]] || die "$bench missing: run cargo build --release -p e2e --bins"

say "generating the tree ($files files) in $tree"
python3 "$here/gen_tree.py" "$tree" --files "$files" --token "$token"
stamp="$tree.gen.json"

rm -rf "$raw"
mkdir -p "$raw"
say "warming the page cache"
rg -c "$token" "$tree" >/dev/null || true
find "$tree" -name "$glob" >/dev/null

grep_args="$(printf '{"pattern":"%s","path":"%s","max_results":10000}' "$token" "$tree")"
search_args="$(printf '{"pattern":"%s","path":"%s","max_results":100000}' "$glob" "$tree")"
first_planted="$(python3 -c 'import json,sys,os; print(os.path.basename(json.load(open(sys.argv[1]))["planted_files"][0]))' "$stamp")"

# ---------------------------------------------------------------- grep vs rg
say "rg vs fs-server grep ($repeat runs each)"
time_cmd "$raw/rg.json" rg -n --no-heading "$token" "$tree"
rg_lines="$(rg -n --no-heading "$token" "$tree" | wc -l)"
"$bench" call --label grep-warm --tool grep --args "$grep_args" --repeat "$repeat" --warmup 1 \
    --expect "$first_planted" --save-result "$raw/grep-result.txt" --server-stderr "$raw/server.log" \
    -- "$server" "$tree" >"$raw/grep-warm.jsonl" ||
    die "fs-server grep failed (see $raw/server.log)"
"$bench" cold --label grep-cold --tool grep --args "$grep_args" --repeat "$repeat" \
    --server-stderr "$raw/server.log" -- "$server" "$tree" >"$raw/grep-cold.jsonl" ||
    die "fs-server grep (cold) failed"
planted_found="$(python3 - "$stamp" "$raw/grep-result.txt" <<'EOF'
import json, sys
planted = json.load(open(sys.argv[1]))["planted_files"]
text = open(sys.argv[2], encoding="utf-8", errors="replace").read()
print(sum(1 for p in planted if p in text))
EOF
)"
ignored_hits="$(grep -c ignored_build "$raw/grep-result.txt" || true)"

# ---------------------------------------------------------------- search_files vs find
say "find -name vs fs-server search_files"
time_cmd "$raw/find.json" find "$tree" -name "$glob"
find_count="$(find "$tree" -name "$glob" | wc -l)"
find_count_unignored="$(find "$tree" -name "$glob" -not -path '*/ignored_build/*' | wc -l)"
"$bench" call --label search-warm --tool search_files --args "$search_args" --repeat "$repeat" --warmup 1 \
    --save-result "$raw/search-result.txt" --server-stderr "$raw/server.log" \
    -- "$server" "$tree" >"$raw/search-warm.jsonl" ||
    die "fs-server search_files failed (see $raw/server.log)"
"$bench" cold --label search-cold --tool search_files --args "$search_args" --repeat "$repeat" \
    --server-stderr "$raw/server.log" -- "$server" "$tree" >"$raw/search-cold.jsonl" ||
    die "fs-server search_files (cold) failed"
search_count="$(grep -c '_config\.rs' "$raw/search-result.txt" || true)"

# ---------------------------------------------------------------- fd limit
say "grep, search_files, directory_tree under ulimit -n 256"
ulimit_log="$raw/ulimit-server.log"
: >"$ulimit_log"
tree_args="$(printf '{"path":"%s","max_depth":3,"max_entries":5000}' "$tree")"
ul_status=0
(
    ulimit -n 256
    ulimit -n >"$raw/ulimit-n"
    "$bench" call --label ulimit-grep --tool grep --args "$grep_args" --repeat 1 --warmup 0 \
        --expect "$first_planted" --server-stderr "$ulimit_log" -- "$server" "$tree" &&
        "$bench" call --label ulimit-search --tool search_files --args "$search_args" --repeat 1 --warmup 0 \
            --server-stderr "$ulimit_log" -- "$server" "$tree" &&
        "$bench" call --label ulimit-tree --tool directory_tree --args "$tree_args" --repeat 1 --warmup 0 \
            --server-stderr "$ulimit_log" -- "$server" "$tree"
) >"$raw/ulimit.jsonl" 2>"$raw/ulimit-client.log" || ul_status=$?
emfile=0
if grep -qiE 'too many open files|os error 24|EMFILE' "$ulimit_log" "$raw/ulimit-client.log" "$raw/ulimit.jsonl"; then
    emfile=1
fi
python3 - "$raw/ulimit.json" "$ul_status" "$emfile" "$(cat "$raw/ulimit-n" 2>/dev/null || echo 0)" <<'EOF'
import json, sys
out, status, emfile, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ok = status == 0 and emfile == 0 and limit == 256
detail = "ok" if ok else ("EMFILE seen" if emfile else f"run failed (exit {status}, limit {limit})")
json.dump({"limit": limit, "ok": ok, "status": status, "emfile": bool(emfile), "detail": detail}, open(out, "w"))
EOF
if [[ $ul_status -ne 0 ]]; then
    echo "run.sh: the ulimit run failed; client said:" >&2
    tail -5 "$raw/ulimit-client.log" >&2 || true
fi

# ---------------------------------------------------------------- RSS
say "idle RSS (stdio, then HTTP)"
"$bench" rss --label rss --settle-ms 1000 --tool grep --args "$grep_args" --repeat 3 \
    --server-stderr "$raw/server.log" -- "$server" "$tree" >"$raw/rss.jsonl" ||
    echo "run.sh: rss measurement failed" >&2
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$server" --http "127.0.0.1:$port" "$tree" </dev/null >/dev/null 2>>"$raw/server.log" &
http_pid=$!
ready=0
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
        ready=1
        break
    fi
    kill -0 "$http_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ $ready == 1 ]]; then
    sleep 1
    python3 - "$http_pid" "$raw/rss-http.json" <<'EOF'
import json, sys
pid, out = sys.argv[1], sys.argv[2]
fields = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status") if ":" in l)
kib = int(fields["VmRSS"].split()[0])
json.dump({"rss_kib": kib, "rss_mib": kib / 1024}, open(out, "w"))
EOF
else
    echo "run.sh: the HTTP server did not become healthy; skipping HTTP RSS" >&2
fi
kill "$http_pid" 2>/dev/null || true
wait "$http_pid" 2>/dev/null || true

# ---------------------------------------------------------------- report
rg_version="$(rg --version)"
rg_version="${rg_version%%$'\n'*}"
timer="hyperfine $(hyperfine --version 2>/dev/null | awk '{print $2}')"
command -v hyperfine >/dev/null || timer="python timing loop"
python3 - "$stamp" "$raw/meta.json" <<EOF
import json, sys, os, platform, datetime
info = json.load(open(sys.argv[1]))
meta = {
    "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    "cpus": os.cpu_count(),
    "kernel": platform.platform(),
    "files": info["files"],
    "ignored_files": info["ignored_files"],
    "leaf_dirs": info["leaf_dirs"],
    "mbytes": round(info["bytes"] / 1e6, 1),
    "planted": len(info["planted_files"]),
    "token": "$token",
    "glob": "$glob",
    "rg_version": "$rg_version",
    "timer": "$timer",
    "repeat": $repeat,
    "rg_match_lines": $rg_lines,
    "planted_found": $planted_found,
    "ignored_hits": $ignored_hits,
    "find_count": $find_count,
    "find_count_unignored": $find_count_unignored,
    "search_count": $search_count,
    "grep_args": '$grep_args',
    "search_args": '$search_args',
}
json.dump(meta, open(sys.argv[2], "w"), indent=1)
EOF
# planted_found goes into the grep summary too, for the report's check.
python3 - "$raw/grep-warm.jsonl" "$planted_found" <<'EOF'
import json, sys
path, found = sys.argv[1], int(sys.argv[2])
lines = [json.loads(l) for l in open(path) if l.strip()]
for rec in lines:
    if rec.get("kind") == "summary":
        rec["planted_found"] = found
open(path, "w").write("".join(json.dumps(r) + "\n" for r in lines))
EOF
if [[ "$ignored_hits" != 0 ]]; then
    echo "run.sh: warning: fs-server grep returned $ignored_hits lines from git-ignored dirs" >&2
fi

say "results"
python3 "$here/report.py" render "$raw" "$out_md"
