#!/usr/bin/env python3
"""Side by side: reading a Notion page as text with `notion-server` (this repository)
and with the official `@notionhq/notion-mcp-server` (npm), both driven over stdio by
the official MCP Python SDK, both pointed at the repository's fake Notion
(`fake-apis notion`; nothing here reaches the internet).

What it measures, for the seeded pages "Team Handbook" and "Big page" (500 blocks,
three levels, child lists over 100 entries):

- tool calls a client needs to get the whole page content, and the bytes of tool
  results it gets back (the UTF-8 text the model reads; also the JSON-RPC result
  line as sent, "wire bytes", in the JSON file). Finding the page id (one `search`
  call on either server) is measured separately and not included.
    - notion-server: `get_page {page_id}`, then `get_page {page_id, cursor}` for as
      long as the output ends with a cursor (and, when a single block was too large
      for one output and cut -- only with a small `--ours-max-bytes` -- the
      `get_page {page_id: <block>}` the notice suggests, followed the same way).
    - official server, driven as a model would: `API-retrieve-a-page`, then
      `API-get-block-children {block_id, page_size: 100}` following `next_cursor`,
      then the same for every block with `has_children` (depth first; sub-pages and
      child databases, `child_page`/`child_database`, are other pages and are not
      entered -- notion-server does not enter them either). Its calls are paced
      (`--pace`, default 0.35 s apart: the fake allows 3 requests/s on average, a
      burst of 10, and this server does not retry); a 429 it passes back anyway is
      counted, waited out (1 s) and the call repeated (the repeat counts as a call).
- the HTTP requests each server sent to the fake and how many were answered 429
  (from the fake's `/_fake/requests` record, reset before each run).
- completeness: every block text of the page (as the fake defines it: rich text,
  table cells, equation expressions, URLs of media/bookmarks/embeds, titles of
  sub-pages), read independently from the fake's REST API, must appear in what the
  server returned: the Markdown for notion-server, every string of the collected
  JSON for the official server. Each text run (rich-text segment, cell, line of a
  code block) is looked up verbatim after collapsing whitespace and dropping
  Markdown backslash escapes. Captions (not part of a block's text) are checked the
  same way and reported separately.
- `tools/list` size: the compact JSON `tools` array exactly as the server sent it
  (the raw JSON-RPC line read from its stdout, re-serialised compactly with UTF-8
  kept; both servers already send compact JSON), for notion-server read-only and
  with `--allow-write`, and for the official server. The size computed the way
  integration/api/conftest.py does (`tools_list_bytes`, from the SDK's parsed
  models, ASCII-escaped) is in the JSON file too.
- probes of the official server against the fake: BASE_URL given with `/v1`, and
  the headers it sends (through a small recording proxy), including for its
  `API-retrieve-page-markdown` tool.

Run it with integration/bench/notion_compare.sh (installs the npm package, builds
the binaries), or directly:

    .venv/bin/python integration/bench/notion_compare.py \
        [--official-dir bench-data/npm] [--no-official] [--pace 0.35] \
        [--ours-max-bytes N] [--out-md bench-data/results-notion.md] \
        [--out-json bench-data/results-notion.json]

It prints a Markdown table and writes bench-data/results-notion.md and
bench-data/results-notion.json. Exit status: 0, or 1 when a server failed a run or
left block texts out.

Binaries: target/debug/{fake-apis,notion-server} (or $FAKE_APIS_BIN,
$NOTION_SERVER_BIN). The SDK's raw stdout lines are recorded by wrapping
`mcp.client.stdio._parse_line` (mcp 2.3.0); without it, wire sizes are estimated
from the parsed messages.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import mcp.client.stdio as _sdk_stdio
import mcp.types as types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

REPO = Path(__file__).resolve().parents[2]
TOKEN = "fake-notion-token-demo"
NOTION_VERSION = "2025-09-03"  # what the ground-truth walk sends
PAGES = ["Team Handbook", "Big page"]
OFFICIAL_PKG = "@notionhq/notion-mcp-server"
SESSION_TIMEOUT = 600.0
UUID = re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b")
MEDIA_KINDS = {"image", "video", "pdf", "file", "audio"}
LEAF_PAGES = {"child_page", "child_database"}
CUT_NOTICE = re.compile(r"alone exceeds the output limit and was cut\. Read its nested content with get_page \{\"page_id\": \"([^\"]+)\"\}")

# ---------------------------------------------------------------- raw stdout lines

RAW_LINES: list[str] = []
_orig_parse_line = getattr(_sdk_stdio, "_parse_line", None)
RAW_CAPTURE = _orig_parse_line is not None
if RAW_CAPTURE:

    def _recording_parse_line(line: str):  # type: ignore[no-untyped-def]
        RAW_LINES.append(line)
        return _orig_parse_line(line)  # type: ignore[misc]

    _sdk_stdio._parse_line = _recording_parse_line  # type: ignore[attr-defined]


def raw_responses() -> list[dict]:
    """The JSON-RPC responses recorded since the last clear, each with its size."""
    out = []
    for line in RAW_LINES:
        text = line.strip()
        if not text:
            continue
        try:
            msg = json.loads(text)
        except ValueError:
            continue
        if isinstance(msg, dict) and "result" in msg:
            out.append({"id": msg.get("id"), "result": msg["result"], "line_bytes": len(text.encode())})
    return out


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------- fake API


def binary(name: str, env_var: str) -> Path:
    env = os.environ.get(env_var)
    path = Path(env) if env else REPO / "target" / "debug" / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        sys.exit(f"notion_compare: {name} not found at {path}; build it with cargo (or set {env_var})")
    return path


class Fake:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [str(binary("fake-apis", "FAKE_APIS_BIN")), "notion"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.stop()
            sys.exit(f"notion_compare: fake-apis notion printed {self.base_url!r}, not its URL")
        self.origin = "/".join(self.base_url.split("/")[:3])
        self._last = 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def _control(self, method: str, path: str) -> Any:
        req = urllib.request.Request(self.origin + "/_fake/" + path, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def requests(self) -> list[dict]:
        return self._control("GET", "requests")

    def reset(self) -> None:
        self._control("POST", "reset")

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """A paced call to the fake's REST API (for the ground truth), 429s waited out."""
        for _ in range(20):
            wait = self._last + 0.4 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
            data = None if body is None else json.dumps(body).encode()
            req = urllib.request.Request(self.base_url + path, data=data, method=method)
            req.add_header("Authorization", f"Bearer {TOKEN}")
            req.add_header("Notion-Version", NOTION_VERSION)
            req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return json.loads(r.read())
            except urllib.error.HTTPError as e:
                if e.code == 429:
                    time.sleep(float(e.headers.get("Retry-After") or 1))
                    continue
                raise
        raise RuntimeError(f"{method} {path}: still rate limited")

    @staticmethod
    def settle() -> None:
        """Lets the fake's token bucket (burst 10 at 3/s) fill up again."""
        time.sleep(4.0)


# ---------------------------------------------------------------- ground truth


def plain(rich: list) -> str:
    return "".join(seg.get("plain_text", "") for seg in rich or [])


def block_runs(block: dict) -> tuple[str, list[str], list[str]]:
    """A block's text as the fake defines it, its text runs, and its caption runs."""
    kind = block.get("type", "")
    payload = block.get(kind) or {}
    captions = [seg.get("plain_text", "") for seg in payload.get("caption") or []]
    if isinstance(payload.get("rich_text"), list):
        rich = payload["rich_text"]
        return plain(rich), [seg.get("plain_text", "") for seg in rich], captions
    if kind == "table_row":
        cells = payload.get("cells") or []
        return (
            " | ".join(plain(c) for c in cells),
            [seg.get("plain_text", "") for c in cells for seg in c],
            captions,
        )
    if kind == "equation":
        e = payload.get("expression", "")
        return e, [e], captions
    if kind in LEAF_PAGES:
        t = payload.get("title", "")
        return t, [t], captions
    if kind in {"bookmark", "embed", "link_preview"}:
        u = payload.get("url", "")
        return u, [u], captions
    if kind in MEDIA_KINDS:
        source = payload.get("type", "external")
        u = (payload.get(source) or {}).get("url", "")
        return u, [u], captions
    return "", [], captions


def ground_truth(fake: Fake, title: str) -> dict:
    found = fake.api("POST", "/search", {"query": title, "filter": {"property": "object", "value": "page"}})
    ids = [r["id"] for r in found["results"] if plain(r["properties"]["title"]["title"]) == title]
    if not ids:
        raise RuntimeError(f"the fake has no page titled {title!r}")
    page_id = ids[0]
    blocks: list[dict] = []

    def walk(parent: str, depth: int) -> None:
        cursor = None
        children = []
        while True:
            q = "?page_size=100" + (f"&start_cursor={cursor}" if cursor else "")
            page = fake.api("GET", f"/blocks/{parent}/children{q}")
            children.extend(page["results"])
            cursor = page.get("next_cursor") if page.get("has_more") else None
            if not cursor:
                break
        for b in children:
            text, runs, captions = block_runs(b)
            blocks.append(
                {"id": b["id"], "type": b["type"], "depth": depth, "text": text, "runs": runs, "captions": captions}
            )
            if b.get("has_children") and b["type"] not in LEAF_PAGES:
                walk(b["id"], depth + 1)

    walk(page_id, 1)
    return {"title": title, "page_id": page_id, "blocks": blocks}


# ---------------------------------------------------------------- completeness

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", _ESCAPE.sub(r"\1", text)).strip()


def needles(runs: list[str]) -> list[str]:
    out = []
    for run in runs:
        for line in run.split("\n"):
            n = norm(line)
            if n:
                out.append(n)
    return out


def completeness(truth: dict, haystack: str) -> dict:
    hay = norm(haystack)
    with_text = [b for b in truth["blocks"] if needles(b["runs"])]
    missing = [b for b in with_text if not all(n in hay for n in needles(b["runs"]))]
    with_caption = [b for b in truth["blocks"] if needles(b["captions"])]
    caption_missing = [b for b in with_caption if not all(n in hay for n in needles(b["captions"]))]
    return {
        "blocks": len(truth["blocks"]),
        "blocks_with_text": len(with_text),
        "present": len(with_text) - len(missing),
        "missing": [{"type": b["type"], "text": b["text"][:120]} for b in missing],
        "captions": len(with_caption),
        "captions_present": len(with_caption) - len(caption_missing),
        "captions_missing": [
            {"type": b["type"], "caption": "".join(b["captions"])[:120]} for b in caption_missing
        ],
    }


def json_strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            json_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            json_strings(v, out)


# ---------------------------------------------------------------- MCP plumbing


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


@asynccontextmanager
async def session(command: str, args: list[str], env: dict[str, str], errlog):
    with anyio.fail_after(SESSION_TIMEOUT):
        params = StdioServerParameters(command=command, args=args, env=env)
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as s:
                init = await s.initialize()
                yield s, init


def server_info(init: Any) -> dict:
    info = getattr(init, "server_info", None)
    return {"name": getattr(info, "name", None), "version": getattr(info, "version", None)}


async def tools_list(s: ClientSession) -> dict:
    RAW_LINES.clear()
    listed = await s.list_tools()
    sdk_payload = json.dumps(
        {"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]},
        separators=(",", ":"),
    )
    raw = [r for r in raw_responses() if isinstance(r["result"], dict) and "tools" in r["result"]]
    if raw:
        tools_json = compact(raw[-1]["result"]["tools"])
        source = "raw stdout line"
    else:
        tools_json = compact([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools])
        source = "SDK models (raw capture unavailable)"
    return {
        "tools": len(listed.tools),
        "names": [t.name for t in listed.tools],
        "bytes": len(tools_json.encode()),
        "measured_from": source,
        "conftest_tools_list_bytes": len(sdk_payload.encode()),
        "next_cursor": listed.next_cursor,
    }


class Calls:
    """Counts tool calls and the bytes of their results."""

    def __init__(self, s: ClientSession) -> None:
        self.s = s
        self.log: list[dict] = []

    async def call(self, name: str, args: dict) -> types.CallToolResult:
        RAW_LINES.clear()
        start = time.monotonic()
        result = await self.s.call_tool(name, args)
        text = text_of(result)
        raw = [r for r in raw_responses() if isinstance(r["result"], dict) and "content" in r["result"]]
        wire = (
            raw[-1]["line_bytes"]
            if raw
            else len(compact({"jsonrpc": "2.0", "id": 0, "result": result.model_dump(mode="json", by_alias=True, exclude_none=True)}).encode())
        )
        self.log.append(
            {
                "tool": name,
                "args": args,
                "is_error": bool(result.is_error),
                "text_bytes": len(text.encode()),
                "wire_bytes": wire,
                "ms": round((time.monotonic() - start) * 1000, 1),
            }
        )
        return result

    def summary(self, skip: int = 0) -> dict:
        calls = self.log[skip:]
        by_tool: dict[str, int] = {}
        for c in calls:
            by_tool[c["tool"]] = by_tool.get(c["tool"], 0) + 1
        return {
            "calls": len(calls),
            "calls_by_tool": by_tool,
            "text_bytes": sum(c["text_bytes"] for c in calls),
            "wire_bytes": sum(c["wire_bytes"] for c in calls),
            "errors": sum(c["is_error"] for c in calls),
        }


def fake_summary(reqs: list[dict]) -> dict:
    statuses: dict[str, int] = {}
    for r in reqs:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    return {"api_requests": len(reqs), "api_429": statuses.get("429", 0), "api_statuses": statuses}


# ---------------------------------------------------------------- notion-server


async def run_ours(fake: Fake, truths: list[dict], max_bytes: int | None, errlog) -> dict:
    server = str(binary("notion-server", "NOTION_SERVER_BIN"))
    env = {"NOTION_TOKEN": TOKEN, "RUST_LOG": "warn"}
    base_args = ["--api-url", fake.base_url]
    out: dict[str, Any] = {"pages": {}}
    async with session(server, base_args + ["--allow-write"], env, errlog) as (s, init):
        out["tools_list_write"] = await tools_list(s)
    async with session(server, base_args, env, errlog) as (s, init):
        out["server_info"] = server_info(init)
        out["tools_list"] = await tools_list(s)
        for truth in truths:
            fake.settle()
            fake.reset()
            calls = Calls(s)
            found = await calls.call("search", {"query": truth["title"], "object": "page"})
            match = UUID.search(text_of(found))
            if found.is_error or not match:
                out["pages"][truth["title"]] = {"failed": f"search: {text_of(found)[:300]}"}
                continue
            page_id = match.group(0)
            search = calls.summary()
            fake.reset()  # count only the requests reading the page
            started = time.monotonic()
            pieces: list[str] = []
            # What a model follows: the page's cursor, and, for a block too large for
            # one output (only with a small max_bytes), get_page on that block.
            todo: list[tuple[str, str | None]] = [(page_id, None)]
            seen: set[tuple[str, str | None]] = set()
            failure = None
            while todo and not failure:
                target, cursor = todo.pop(0)
                if (target, cursor) in seen:
                    continue
                seen.add((target, cursor))
                args: dict[str, Any] = {"page_id": target}
                if cursor:
                    args["cursor"] = cursor
                if max_bytes:
                    args["max_bytes"] = max_bytes
                result = await calls.call("get_page", args)
                text = text_of(result)
                if result.is_error:
                    failure = f"get_page: {text[:300]}"
                    break
                pieces.append(text)
                for cut in CUT_NOTICE.finditer(text):
                    todo.append((cut.group(1), None))
                notice = text.rsplit("(The page continues", 1)
                nxt = re.search(r'"cursor":\s*"([^"]+)"', notice[1]) if len(notice) == 2 else None
                if nxt:
                    todo.insert(0, (target, nxt.group(1)))
                if len(calls.log) > 500:
                    failure = "more than 500 get_page calls"
            seconds = time.monotonic() - started
            row = {
                "page_id": page_id,
                "search": {k: search[k] for k in ("calls", "text_bytes", "wire_bytes")},
                **calls.summary(skip=1),
                "seconds": round(seconds, 2),
                **fake_summary(fake.requests()),
                "tool_429": 0,
                "completeness": completeness(truth, "\n".join(pieces)),
            }
            if failure:
                row["failed"] = failure
            out["pages"][truth["title"]] = row
    return out


# ---------------------------------------------------------------- official server


def official_paths(npm_dir: Path) -> tuple[Path, str] | None:
    pkg = npm_dir / "node_modules" / "@notionhq" / "notion-mcp-server"
    cli = pkg / "bin" / "cli.mjs"
    if not cli.is_file():
        return None
    version = json.loads((pkg / "package.json").read_text())["version"]
    return cli, version


def api_error(text: str) -> dict | None:
    """The Notion error the official server passed back as an ordinary result."""
    try:
        data = json.loads(text)
    except ValueError:
        return {"code": "not_json", "message": text[:200]}
    if isinstance(data, dict) and (data.get("object") == "error" or data.get("status") == "error"):
        return data
    return None


class Official:
    def __init__(self, s: ClientSession, pace: float) -> None:
        self.calls = Calls(s)
        self.pace = pace
        self.last = 0.0
        self.rate_limited = 0
        self.collected: list[Any] = []

    async def call(self, name: str, args: dict) -> dict:
        for _ in range(10):
            wait = self.last + self.pace - time.monotonic()
            if wait > 0:
                await anyio.sleep(wait)
            self.last = time.monotonic()
            result = await self.calls.call(name, args)
            text = text_of(result)
            err = api_error(text)
            if err and (err.get("status") == 429 or err.get("code") == "rate_limited"):
                self.rate_limited += 1
                await anyio.sleep(1.0)
                continue
            if result.is_error or err:
                raise RuntimeError(f"{name} {args}: {text[:300]}")
            data = json.loads(text)
            self.collected.append(data)
            return data
        raise RuntimeError(f"{name} {args}: rate limited ten times in a row")

    async def children(self, block_id: str) -> None:
        cursor = None
        kids: list[dict] = []
        while True:
            args: dict[str, Any] = {"block_id": block_id, "page_size": 100}
            if cursor:
                args["start_cursor"] = cursor
            page = await self.call("API-get-block-children", args)
            kids.extend(page.get("results", []))
            cursor = page.get("next_cursor") if page.get("has_more") else None
            if not cursor:
                break
        for b in kids:
            if b.get("has_children") and b.get("type") not in LEAF_PAGES:
                await self.children(b["id"])


async def run_official(fake: Fake, truths: list[dict], cli: Path, pace: float, errlog) -> dict:
    node = shutil.which("node") or "node"
    env = {"NOTION_TOKEN": TOKEN, "BASE_URL": fake.origin}
    out: dict[str, Any] = {"pages": {}}
    async with session(node, [str(cli)], env, errlog) as (s, init):
        out["server_info"] = server_info(init)
        out["tools_list"] = await tools_list(s)
        for truth in truths:
            fake.settle()
            fake.reset()
            o = Official(s, pace)
            row: dict[str, Any] = {}
            try:
                found = await o.call(
                    "API-post-search",
                    {"query": truth["title"], "filter": {"property": "object", "value": "page"}},
                )
                ids = [
                    r["id"]
                    for r in found.get("results", [])
                    if plain(r.get("properties", {}).get("title", {}).get("title", [])) == truth["title"]
                ]
                if not ids:
                    raise RuntimeError(f"search found no page titled {truth['title']!r}")
                page_id = ids[0]
                search = o.calls.summary()
                o.collected.clear()
                fake.reset()  # count only the requests reading the page
                started = time.monotonic()
                await o.call("API-retrieve-a-page", {"page_id": page_id})
                await o.children(page_id)
                seconds = time.monotonic() - started
                strings: list[str] = []
                json_strings(o.collected, strings)
                row = {
                    "page_id": page_id,
                    "search": {k: search[k] for k in ("calls", "text_bytes", "wire_bytes")},
                    **o.calls.summary(skip=search["calls"]),
                    "seconds": round(seconds, 2),
                    **fake_summary(fake.requests()),
                    "tool_429": o.rate_limited,
                    "completeness": completeness(truth, "\n".join(strings)),
                }
            except Exception as e:  # noqa: BLE001 - reported, not hidden
                row = {"failed": str(e), **o.calls.summary(), **fake_summary(fake.requests())}
            out["pages"][truth["title"]] = row
    return out


class _Recorder(BaseHTTPRequestHandler):
    """Forwards to the fake and notes each request's method, path and headers."""

    upstream = ""
    seen: list[dict] = []

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        auth = self.headers.get("Authorization") or ""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "notion_version": self.headers.get("Notion-Version"),
                "user_agent": self.headers.get("User-Agent"),
                "content_type": self.headers.get("Content-Type"),
                "authorization": (auth.split(" ", 1)[0] + " <redacted>") if auth else None,
            }
        )
        req = urllib.request.Request(self.upstream + self.path, data=body, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in {"host", "connection", "content-length", "accept-encoding"}:
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, headers, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers, e.read()
        self.seen[-1]["status"] = status
        self.send_response(status)
        for k in ("Content-Type", "Retry-After"):
            if headers.get(k):
                self.send_header(k, headers[k])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _forward

    def log_message(self, *args: Any) -> None:  # quiet
        pass


async def probe_official(fake: Fake, cli: Path, page_id: str, errlog) -> dict:
    node = shutil.which("node") or "node"
    probes: dict[str, Any] = {}

    # 1. BASE_URL with the /v1 suffix, as notion-server's --api-url takes it.
    fake.settle()
    fake.reset()
    async with session(node, [str(cli)], {"NOTION_TOKEN": TOKEN, "BASE_URL": fake.base_url}, errlog) as (s, _):
        r = await s.call_tool("API-retrieve-a-page", {"page_id": page_id})
    sent = fake.requests()
    probes["base_url_with_v1"] = {
        "BASE_URL": fake.base_url,
        "paths_received": [f"{x['method']} {x['path']} -> {x['status']}" for x in sent],
        "result_is_error": bool(r.is_error),
        "result": text_of(r)[:300],
    }

    # 2. Headers, through a recording proxy (BASE_URL = the proxy's origin).
    _Recorder.upstream = fake.origin
    _Recorder.seen = []
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{proxy.server_address[1]}"
    fake.settle()
    results = {}
    try:
        async with session(node, [str(cli)], {"NOTION_TOKEN": TOKEN, "BASE_URL": origin}, errlog) as (s, _):
            for name, args in [
                ("API-retrieve-a-page", {"page_id": page_id}),
                ("API-get-block-children", {"block_id": page_id, "page_size": 2}),
                ("API-retrieve-page-markdown", {"page_id": page_id}),
            ]:
                r = await s.call_tool(name, args)
                results[name] = {"is_error": bool(r.is_error), "result": text_of(r)[:300]}
                await anyio.sleep(0.4)
    finally:
        proxy.shutdown()
        proxy.server_close()
    probes["headers_via_proxy"] = {"requests": list(_Recorder.seen), "results": results}
    return probes


# ---------------------------------------------------------------- report


def fmt(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


def render(report: dict) -> str:
    ours, off = report["ours"], report.get("official")
    off_name = f"{OFFICIAL_PKG} {report['official_version']}" if off else None
    lines = [
        "# notion-server vs the official Notion MCP server: reading a page as text",
        "",
        f"Against the fake Notion (`fake-apis notion`), {report['generated_at']}. "
        f"notion-server {ours['server_info'].get('version')}"
        + (f"; {off_name} (node {report.get('node_version')})." if off else "; official server skipped: " + report.get("official_skipped", "") + "."),
        "",
        "## Reading the whole page",
        "",
        "| Page | Server | Tool calls | Result bytes (text) | vs ours | Wire bytes | API requests | 429s | Block texts present | Captions present |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for title in PAGES:
        base = ours["pages"].get(title, {})
        for name, side in [("notion-server", ours), (off_name, off)]:
            if side is None:
                continue
            row = side["pages"].get(title, {})
            if "completeness" not in row:
                lines.append(f"| {title} | {name} | FAILED: {row.get('failed', '?')[:120]} | | | | | | | |")
                continue
            c = row["completeness"]
            ratio = (
                f"{row['text_bytes'] / base['text_bytes']:.1f}×"
                if side is not ours and base.get("text_bytes") and "completeness" in base
                else "–"
            )
            present = f"{c['present']}/{c['blocks_with_text']}" + (" ✓" if not c["missing"] else " ✗")
            caps = f"{c['captions_present']}/{c['captions']}" if c["captions"] else "–"
            lines.append(
                f"| {title} | {name} | {row['calls']} | {fmt(row['text_bytes'])} | {ratio} | "
                f"{fmt(row['wire_bytes'])} | {row['api_requests']} | {row['api_429']} | {present} | {caps} |"
            )
    lines += [
        "",
        "Tool calls, bytes and API requests count only reading the page; finding its id takes one search call "
        "on either server ("
        + "; ".join(
            f"{side_name}: "
            + " / ".join(fmt(side["pages"].get(t, {}).get("search", {}).get("text_bytes", "?")) for t in PAGES)
            + " bytes"
            for side_name, side in [("notion-server", ours), ("official", off)]
            if side
        )
        + f" for {' / '.join(PAGES)}). Block texts present: every text run of every block (sub-pages not entered) "
        "found in the server's output; captions are checked apart (they are not part of a block's text). "
        "429s: answers the fake gave with status 429 (notion-server waits them out itself; "
        "for the official server each one also came back to the client as a result, was waited out and the call repeated). "
        "Wire bytes: the JSON-RPC result lines as sent (the official server's JSON text is JSON-escaped again there).",
        "",
        "## tools/list",
        "",
        "| Server | Tools | tools/list bytes (compact `tools` array as sent) |",
        "|---|---:|---:|",
        f"| notion-server (read-only) | {ours['tools_list']['tools']} | {fmt(ours['tools_list']['bytes'])} |",
        f"| notion-server --allow-write | {ours['tools_list_write']['tools']} | {fmt(ours['tools_list_write']['bytes'])} |",
    ]
    if off:
        lines.append(f"| {off_name} (always read+write) | {off['tools_list']['tools']} | {fmt(off['tools_list']['bytes'])} |")
    missing_notes = []
    for name, side in [("notion-server", ours), (off_name, off)]:
        if not side:
            continue
        for title in PAGES:
            c = side["pages"].get(title, {}).get("completeness")
            if c and (c["missing"] or c["captions_missing"]):
                missing_notes.append(
                    f"- {name}, {title}: "
                    + "; ".join(
                        [f"missing {m['type']} \"{m['text']}\"" for m in c["missing"][:5]]
                        + [f"caption of {m['type']} \"{m['caption']}\" missing" for m in c["captions_missing"][:5]]
                    )
                )
    for name, side in [("notion-server", ours), (off_name, off)]:
        for title in PAGES:
            other = {
                k: v
                for k, v in (side or {}).get("pages", {}).get(title, {}).get("api_statuses", {}).items()
                if k not in ("200", "429")
            }
            if other:
                missing_notes.append(f"- {name}, {title}: the fake also answered " + ", ".join(f"{v}× {k}" for k, v in other.items()))
    if missing_notes:
        lines += ["", "## Left out, and other answers", ""] + missing_notes
    probes = report.get("probes")
    if probes:
        lines += ["", "## The official server against the fake", ""]
        b = probes["base_url_with_v1"]
        lines.append(
            f"- BASE_URL with `/v1` ({b['BASE_URL']}): the fake received "
            + (", ".join(f"`{p}`" for p in b["paths_received"]) or "nothing")
            + "; BASE_URL must be the origin (its tools' paths start with /v1)."
        )
        for req in probes["headers_via_proxy"]["requests"]:
            lines.append(
                f"- `{req['method']} {req['path'].split('?')[0]}` (proxied) sent Notion-Version `{req['notion_version']}`, "
                f"User-Agent `{req['user_agent']}`, Authorization `{req['authorization']}` → {req.get('status')}"
            )
        flagged = [n for n, r in probes["headers_via_proxy"]["results"].items() if "\"object\":\"error\"" in r["result"]]
        if b["result"].find("\"object\":\"error\"") >= 0:
            flagged.append("API-retrieve-a-page (BASE_URL with /v1)")
        if flagged:
            unflagged = not b["result_is_error"] and all(
                not probes["headers_via_proxy"]["results"].get(n, {}).get("is_error", False) for n in flagged
            )
            lines.append(
                "- Notion API errors come back as ordinary tool results"
                + (" (`isError` not set)" if unflagged else "")
                + ": " + ", ".join(flagged) + "."
            )
    lines.append("")
    return "\n".join(lines)


def failed(report: dict) -> bool:
    for side in (report["ours"], report.get("official")):
        if not side:
            continue
        for row in side["pages"].values():
            if "failed" in row or row.get("completeness", {}).get("missing"):
                return True
    return False


async def amain(opts: argparse.Namespace) -> int:
    official = None
    report: dict[str, Any] = {
        "generated_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "raw_capture": RAW_CAPTURE,
        "pace_seconds": opts.pace,
    }
    if opts.no_official:
        report["official_skipped"] = "--no-official"
    else:
        official = official_paths(opts.official_dir)
        if official is None:
            report["official_skipped"] = f"{OFFICIAL_PKG} not installed under {opts.official_dir}"
        elif not shutil.which("node"):
            report["official_skipped"] = "node not found"
            official = None
    if official:
        report["official_version"] = official[1]
        report["node_version"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()

    fake = Fake()
    report["fake_base_url"] = fake.base_url
    with tempfile.TemporaryFile("w+") as errlog:
        try:
            print(f"fake Notion at {fake.base_url}; reading the ground truth", file=sys.stderr)
            truths = [ground_truth(fake, t) for t in PAGES]
            report["ground_truth"] = {
                t["title"]: {
                    "page_id": t["page_id"],
                    "blocks": len(t["blocks"]),
                    "max_depth": max(b["depth"] for b in t["blocks"]),
                }
                for t in truths
            }
            print("notion-server ...", file=sys.stderr)
            report["ours"] = await run_ours(fake, truths, opts.ours_max_bytes, errlog)
            if official:
                print(f"{OFFICIAL_PKG} {official[1]} ...", file=sys.stderr)
                report["official"] = await run_official(fake, truths, official[0], opts.pace, errlog)
                print("probing the official server ...", file=sys.stderr)
                report["probes"] = await probe_official(fake, official[0], truths[0]["page_id"], errlog)
        except BaseException:
            errlog.seek(0)
            tail = errlog.read()[-4000:]
            if tail:
                print("--- servers' stderr (tail) ---\n" + tail, file=sys.stderr)
            raise
        finally:
            fake.stop()

    md = render(report)
    print(md)
    opts.out_md.parent.mkdir(parents=True, exist_ok=True)
    opts.out_md.write_text(md)
    opts.out_json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {opts.out_md} and {opts.out_json}", file=sys.stderr)
    return 1 if failed(report) else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--official-dir", type=Path, default=REPO / "bench-data" / "npm", help="npm --prefix where the official server is installed")
    p.add_argument("--no-official", action="store_true", help="measure notion-server only")
    p.add_argument("--pace", type=float, default=0.35, help="seconds between the official server's tool calls")
    p.add_argument("--ours-max-bytes", type=int, default=None, help="max_bytes for get_page (default: the server's)")
    p.add_argument("--out-md", type=Path, default=REPO / "bench-data" / "results-notion.md")
    p.add_argument("--out-json", type=Path, default=REPO / "bench-data" / "results-notion.json")
    opts = p.parse_args()
    return anyio.run(amain, opts)


if __name__ == "__main__":
    sys.exit(main())
