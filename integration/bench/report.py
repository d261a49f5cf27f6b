#!/usr/bin/env python3
"""Helpers for integration/bench/run.sh.

  report.py time --runs N --warmup W --out FILE -- CMD [ARGS...]
      Times CMD (stdout/stderr discarded) and writes a hyperfine-shaped JSON file
      ({"results": [{"command", "median", "mean", "min", "max", "times"}]}); used
      when hyperfine is not installed.

  report.py render RAW_DIR OUT.md
      Reads the raw results run.sh collected in RAW_DIR and prints a Markdown
      results table (also written to OUT.md). Exits 3 if a correctness check
      failed (wrong match counts, fd exhaustion, a failed run), 4 if only a
      performance target was missed and BENCH_STRICT=1.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RG_RATIO_TARGET = 1.5
IDLE_RSS_TARGET_MIB = 15.0


def cmd_time(argv: list[str]) -> int:
    runs, warmup, out = 5, 1, None
    while argv and argv[0] != "--":
        flag, value, argv = argv[0], argv[1], argv[2:]
        if flag == "--runs":
            runs = int(value)
        elif flag == "--warmup":
            warmup = int(value)
        elif flag == "--out":
            out = value
        else:
            raise SystemExit(f"report.py time: unknown option {flag}")
    cmd = argv[1:]
    if not cmd or out is None:
        raise SystemExit("usage: report.py time --runs N --warmup W --out FILE -- CMD...")
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    result = {
        "command": " ".join(cmd),
        "median": statistics.median(times),
        "mean": statistics.fmean(times),
        "min": min(times),
        "max": max(times),
        "times": times,
    }
    Path(out).write_text(json.dumps({"results": [result]}) + "\n")
    return 0


def load_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def load_lines(path: Path) -> list[dict]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out


def hyperfine_median(path: Path) -> float | None:
    data = load_json(path)
    if not data or not data.get("results"):
        return None
    return float(data["results"][0]["median"])


def summary(path: Path) -> dict | None:
    for rec in load_lines(path):
        if rec.get("kind") == "summary":
            return rec
    return None


def rss(path: Path, phase: str) -> dict | None:
    for rec in load_lines(path):
        if rec.get("kind") == "rss" and rec.get("phase") == phase:
            return rec
    return None


def fmt_s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def cmd_render(raw_dir: str, out_md: str) -> int:
    raw = Path(raw_dir)
    meta = load_json(raw / "meta.json") or {}
    rows: list[tuple[str, ...]] = []
    problems: list[str] = []
    missed: list[str] = []

    def verdict(ok: bool | None, what: str, correctness: bool = False) -> str:
        if ok is None:
            (problems if correctness else missed).append(f"{what}: no measurement")
            return "n/a"
        if not ok:
            (problems if correctness else missed).append(what)
        return "PASS" if ok else "FAIL"

    rg = hyperfine_median(raw / "rg.json")
    gw, gc = summary(raw / "grep-warm.jsonl"), summary(raw / "grep-cold.jsonl")
    gw_s = gw["median_s"] if gw else None
    gc_s = gc["median_s"] if gc else None
    r_warm, r_cold = ratio(gw_s, rg), ratio(gc_s, rg)
    rows.append((
        f"grep `{meta.get('token', '?')}` (tool call)", "rg", fmt_s(rg), fmt_s(gw_s),
        "n/a" if r_warm is None else f"{r_warm:.2f}x", f"<= {RG_RATIO_TARGET}x",
        verdict(None if r_warm is None else r_warm <= RG_RATIO_TARGET, "grep within 1.5x of rg"),
    ))
    rows.append((
        "grep, whole process (spawn+init+call)", "rg", fmt_s(rg), fmt_s(gc_s),
        "n/a" if r_cold is None else f"{r_cold:.2f}x", "info", "",
    ))

    find = hyperfine_median(raw / "find.json")
    sw, sc = summary(raw / "search-warm.jsonl"), summary(raw / "search-cold.jsonl")
    sw_s = sw["median_s"] if sw else None
    sc_s = sc["median_s"] if sc else None
    r_sw, r_sc = ratio(sw_s, find), ratio(sc_s, find)
    rows.append((
        f"search_files `{meta.get('glob', '?')}` (tool call)", "find -name", fmt_s(find), fmt_s(sw_s),
        "n/a" if r_sw is None else f"{r_sw:.2f}x", "info", "",
    ))
    rows.append((
        "search_files, whole process", "find -name", fmt_s(find), fmt_s(sc_s),
        "n/a" if r_sc is None else f"{r_sc:.2f}x", "info", "",
    ))

    idle = rss(raw / "rss.jsonl", "idle")
    after = rss(raw / "rss.jsonl", "after_calls")
    idle_mib = idle["rss_mib"] if idle else None
    rows.append((
        "idle RSS, stdio (after initialize)", "", "", "n/a" if idle_mib is None else f"{idle_mib:.1f} MiB",
        "", f"< {IDLE_RSS_TARGET_MIB:.0f} MiB",
        verdict(None if idle_mib is None else idle_mib < IDLE_RSS_TARGET_MIB, "idle RSS (stdio) under 15 MB"),
    ))
    http_rss = load_json(raw / "rss-http.json")
    if http_rss:
        v = http_rss.get("rss_mib")
        rows.append((
            "idle RSS, HTTP (after /healthz)", "", "", "n/a" if v is None else f"{v:.1f} MiB", "",
            f"< {IDLE_RSS_TARGET_MIB:.0f} MiB",
            verdict(None if v is None else v < IDLE_RSS_TARGET_MIB, "idle RSS (HTTP) under 15 MB"),
        ))
    if after:
        rows.append((
            "peak RSS after grep calls (VmHWM)", "", "", f"{after['hwm_mib']:.1f} MiB", "", "info", "",
        ))

    ul = load_json(raw / "ulimit.json") or {}
    ul_ok = ul.get("ok") if ul else None
    rows.append((
        f"grep + search_files + directory_tree under `ulimit -n {ul.get('limit', 256)}`", "", "",
        ul.get("detail", "n/a"), "", "no EMFILE",
        verdict(ul_ok, "no 'too many open files' under ulimit -n 256", correctness=True),
    ))

    # Correctness: every tool saw the planted matches.
    planted = meta.get("planted")
    rg_lines = meta.get("rg_match_lines")
    checks = []
    if planted is not None:
        checks.append(f"planted token in {planted} files")
        if rg_lines is not None:
            checks.append(f"rg found {rg_lines} matching lines")
            if rg_lines != planted:
                problems.append(f"rg found {rg_lines} lines, expected {planted}")
        if gw:
            found = gw.get("planted_found")
            checks.append(f"fs-server grep named {found}/{planted} planted files")
            if found != planted:
                problems.append(f"fs-server grep named {found} of {planted} planted files")
    if meta.get("find_count") is not None:
        checks.append(f"find matched {meta['find_count']} paths ({meta.get('find_count_unignored', '?')} outside ignored dirs)")
    if sw:
        checks.append(f"search_files returned {meta.get('search_count', sw.get('result_lines'))} lines")

    header = (
        "| benchmark | baseline | baseline median (s) | fs-server median | ratio | target | result |\n"
        "| --- | --- | ---: | ---: | ---: | --- | --- |"
    )
    table = "\n".join([header] + ["| " + " | ".join(r) + " |" for r in rows])
    lines = [
        "# fs-server benchmark results",
        "",
        f"- date: {meta.get('date', '?')}; machine: {meta.get('cpus', '?')} CPUs, {meta.get('kernel', '?')}",
        f"- tree: {meta.get('files', '?')} files (+{meta.get('ignored_files', '?')} git-ignored) in "
        f"{meta.get('leaf_dirs', '?')} leaf dirs, {meta.get('mbytes', '?')} MB; page cache warm",
        f"- tools: {meta.get('rg_version', '?')}; {meta.get('timer', '?')}; repeat {meta.get('repeat', '?')} (median)",
        f"- fs-server grep args: `{meta.get('grep_args', '')}`",
        f"- fs-server search_files args: `{meta.get('search_args', '')}`",
        "- tool-call times are measured by mcp-bench around `tools/call` on one warm connection;",
        "  whole-process times include spawning fs-server, `initialize`, and the call.",
        "",
        table,
        "",
        "Checks: " + ("; ".join(checks) if checks else "none"),
        "",
    ]
    if problems:
        lines += ["**Correctness problems:**", *[f"- {p}" for p in problems], ""]
    if missed:
        lines += ["**Targets missed:**", *[f"- {m}" for m in missed], ""]
    text = "\n".join(lines)
    Path(out_md).write_text(text)
    print(text)
    if problems:
        return 3
    if missed and os.environ.get("BENCH_STRICT") == "1":
        return 4
    return 0


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "time":
        return cmd_time(sys.argv[2:])
    if len(sys.argv) == 4 and sys.argv[1] == "render":
        return cmd_render(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
