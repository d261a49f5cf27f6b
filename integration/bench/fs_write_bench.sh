#!/usr/bin/env bash
# fs-server write benchmarks, through MCP over stdio (release build, mcp-bench client):
#   - edit_file latency on a 1 MB text file: median of BENCH_REPEAT calls, each changing
#     one line (read + match + atomic write + fsync + diff, end to end);
#   - write_file throughput for 1, 4 and 16 MB of content (MB/s of content per call,
#     end to end: JSON transfer and parsing, hashing, temp file, fsync, rename);
#   - for scale: the same atomic write done directly by Python (write, fsync, rename).
# Larger writes need a larger --max-body-bytes (default 16 MiB, the largest single request).
# Prints a table and writes it to bench-data/results-fs-write.md.
#
# Environment knobs:
#   BENCH_REPEAT   timed calls per measurement (default 20 for edit, 5 for writes)
#   BENCH_SIZES    write sizes in bytes (default "1000000 4000000 16000000")
#   BENCH_NO_BUILD 1: use the existing release binaries
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="$repo/bench-data"
work="$data/write"
raw="$data/raw-fs-write"
out_md="$data/results-fs-write.md"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
server="$target_dir/release/fs-server"
bench="$target_dir/release/mcp-bench"
edit_repeat="${BENCH_REPEAT:-20}"
write_repeat="${BENCH_REPEAT:-5}"
sizes="${BENCH_SIZES:-1000000 4000000 16000000}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'fs_write_bench.sh: error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is required"
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    say "building release binaries (fs-server, mcp-bench)"
    (cd "$repo" && cargo build --release --quiet -p fs-server -p e2e --bins)
fi
[[ -x "$server" ]] || die "$server missing: run cargo build --release -p fs-server"
[[ -x "$bench" ]] || die "$bench missing: run cargo build --release -p e2e --bins"

rm -rf "$work" "$raw"
mkdir -p "$work" "$raw"
work="$(cd "$work" && pwd -P)"

say "edit_file on a 1 MB file ($edit_repeat calls)"
"$bench" edit --label edit-1mb --file "$work/edit.txt" --size 1000000 --repeat "$edit_repeat" \
    --warmup 2 --server-stderr "$raw/server.log" -- "$server" --allow-write "$work" \
    >"$raw/edit.jsonl" || die "edit_file benchmark failed (see $raw/server.log)"

for size in $sizes; do
    say "write_file of $size bytes ($write_repeat calls)"
    "$bench" write --label "write-$size" --file "$work/write.txt" --size "$size" \
        --repeat "$write_repeat" --warmup 1 --server-stderr "$raw/server.log" \
        -- "$server" --allow-write "$work" >"$raw/write-$size.jsonl" ||
        die "write_file benchmark ($size bytes) failed (see $raw/server.log)"
done

say "direct atomic writes for scale (Python: write, fsync, rename, fsync dir)"
python3 - "$work" "$write_repeat" $sizes >"$raw/direct.json" <<'EOF'
import json, os, statistics, sys, time
work, repeat, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
out = {}
for size in sizes:
    data = [bytes([c]) * 63 + b"\n" for c in b"ab"]
    blobs = [d * (size // 64) for d in data]
    times = []
    for i in range(repeat + 1):
        t = time.perf_counter()
        tmp = os.path.join(work, ".direct.tmp")
        with open(tmp, "wb") as f:
            f.write(blobs[i % 2])
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(work, "direct.txt"))
        fd = os.open(work, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        if i:
            times.append(time.perf_counter() - t)
    med = statistics.median(times)
    out[str(size)] = {"median_s": med, "mb_per_s": len(blobs[0]) / 1e6 / med}
json.dump(out, sys.stdout)
EOF

python3 - "$raw" "$out_md" $sizes <<'EOF'
import datetime, json, os, platform, sys
raw, out_md, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]

def summary(path):
    for line in open(path):
        rec = json.loads(line)
        if rec.get("kind") == "summary":
            return rec
    raise SystemExit(f"no summary in {path}")

direct = json.load(open(os.path.join(raw, "direct.json")))
edit = summary(os.path.join(raw, "edit.jsonl"))
rows = [
    "| measurement | median | throughput | direct atomic write (Python) |",
    "|---|---|---|---|",
    f"| edit_file, one line of a {edit['file_bytes'] / 1e6:.1f} MB file ({edit['repeat']} calls) "
    f"| {edit['median_s'] * 1000:.1f} ms (min {edit['min_s'] * 1000:.1f}, max {edit['max_s'] * 1000:.1f}) | | |",
]
for size in sizes:
    w = summary(os.path.join(raw, f"write-{size}.jsonl"))
    d = direct[size]
    rows.append(
        f"| write_file {w['content_bytes'] / 1e6:.0f} MB ({w['repeat']} calls) | {w['median_s'] * 1000:.0f} ms "
        f"| {w['mb_per_s']:.0f} MB/s | {d['median_s'] * 1000:.0f} ms, {d['mb_per_s']:.0f} MB/s |"
    )
rows.append("| write_file 64 MB | over the default --max-body-bytes (16 MiB): raise it to send such a file | | |")
head = (
    f"# fs-server write benchmarks\n\n{datetime.datetime.now():%Y-%m-%d %H:%M}, "
    f"{os.cpu_count()} CPUs, {platform.platform()}; end to end over stdio (release build), "
    "every write fsynced and renamed into place.\n\n"
)
text = head + "\n".join(rows) + "\n"
open(out_md, "w").write(text)
print(text)
EOF
