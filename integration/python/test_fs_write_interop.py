"""Interop tests for fs-server's write tools, driven by the official MCP Python SDK (PyPI `mcp`).

What a new user does: start fs-server with --allow-write, read a file (which reports its
sha256), preview an edit with dry_run and read the diff, apply it with the hash, read the
file back, and see that a stale hash is refused. Over stdio with both protocol eras (the
`initialize` handshake and `server/discover`), and over streamable HTTP.

Binary: $FS_SERVER_BIN, else <repo>/target/debug/fs-server (`cargo build --workspace`).
Run:    integration/python/setup.sh && .venv/bin/python -m pytest integration/python -q
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import mcp.types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0

WRITE_TOOLS = {  # name: (destructiveHint, idempotentHint)
    "write_file": (True, True),
    "edit_file": (True, False),
    "create_directory": (False, True),
    "move_path": (True, False),
    "copy_path": (True, True),
    "append_file": (False, False),
}
ORIGINAL = "def greet(name):\n    return 'Hello, ' + name\n\n\ndef main():\n    print(greet('world'))\n"
SHA256 = re.compile(r"sha256: ([0-9a-f]{64})")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def server_bin() -> Path:
    env = os.environ.get("FS_SERVER_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "fs-server"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(f"fs-server binary not found at {path}: run `cargo build --workspace`", returncode=1)
    return path


@dataclass
class Workspace:
    base: Path
    root: Path
    module: Path
    outside: Path


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    base = tmp_path.resolve()
    root = base / "project"
    root.mkdir()
    module = root / "hello.py"
    module.write_text(ORIGINAL)
    outside = base / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("OUTSIDE\n")
    (root / "escape").symlink_to(outside / "planted.txt")  # dangling, points outside
    return Workspace(base, root, module, outside)


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def call_ok(session: ClientSession, tool: str, args: dict) -> str:
    result = await session.call_tool(tool, args)
    assert not result.is_error, f"{tool}({args}) failed: {text_of(result)}"
    return text_of(result)


async def call_err(session: ClientSession, tool: str, args: dict) -> str:
    result = await session.call_tool(tool, args)
    assert result.is_error, f"{tool}({args}) should have failed: {text_of(result)}"
    return text_of(result)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def stdio_session(bin_: Path, ws: Workspace, era: str, *flags: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=str(bin_), args=[*flags, str(ws.root)])
    log = ws.base / "server.log"
    with anyio.fail_after(TIMEOUT), log.open("w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await (session.initialize() if era == "initialize" else session.discover())
                yield session


@contextmanager
def http_server(bin_: Path, ws: Workspace, *flags: str) -> Iterator[str]:
    """fs-server over streamable HTTP on a free loopback port; yields its /mcp URL."""
    port = free_port()
    log = (ws.base / "http-server.log").open("w")
    proc = subprocess.Popen(
        [str(bin_), "--http", f"127.0.0.1:{port}", *flags, str(ws.root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"fs-server --http did not start: {(ws.base / 'http-server.log').read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@asynccontextmanager
async def http_session(url: str) -> AsyncIterator[ClientSession]:
    with anyio.fail_after(TIMEOUT):
        async with streamable_http_client(url) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


# --------------------------------------------------------------------------- the new user's walk-through


async def dry_run_apply_and_read_back(s: ClientSession, ws: Workspace) -> None:
    path = str(ws.module)
    read = await call_ok(s, "read_text_file", {"path": path})
    assert read.startswith(ORIGINAL), read
    hashes = SHA256.findall(read.replace("[sha256: ", "sha256: "))
    assert len(hashes) == 1, f"read_text_file should end with the file's sha256: {read!r}"
    before = hashes[0]

    edit = {"old_text": "return 'Hello, ' + name", "new_text": "return f'Hello, {name}!'"}
    preview = await call_ok(s, "edit_file", {"path": path, "edits": [edit], "dry_run": True})
    assert preview.startswith("Dry run"), preview
    assert f"--- {path}" in preview and f"+++ {path}" in preview, preview
    assert "-    return 'Hello, ' + name" in preview, preview
    assert "+    return f'Hello, {name}!'" in preview, preview
    assert ws.module.read_text() == ORIGINAL, "a dry run must not write"

    applied = await call_ok(s, "edit_file", {"path": path, "edits": [edit], "expected_sha256": before})
    assert applied.startswith("Edited "), applied
    assert "+1 -1 lines" in applied, applied
    assert "```diff" in applied and "+    return f'Hello, {name}!'" in applied, applied
    expected = ORIGINAL.replace("return 'Hello, ' + name", "return f'Hello, {name}!'")
    assert ws.module.read_text() == expected

    reread = await call_ok(s, "read_text_file", {"path": path})
    assert reread.startswith(expected), reread
    after = SHA256.findall(reread.replace("[sha256: ", "sha256: "))[0]
    assert after in applied, "the edit result reports the new hash"

    stale = await call_err(s, "edit_file", {"path": path, "edits": [edit], "expected_sha256": before})
    assert "changed since you read it" in stale and after in stale, stale
    assert ws.module.read_text() == expected, "a refused edit must not write"


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["initialize", "discover"])
async def test_write_tools_listed_with_honest_annotations(server_bin: Path, ws: Workspace, era: str) -> None:
    async with stdio_session(server_bin, ws, era, "--allow-write") as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert "delete_path" not in tools, "delete_path needs --allow-delete"
        for name, (destructive, idempotent) in WRITE_TOOLS.items():
            assert name in tools, f"{name} missing with --allow-write"
            a = tools[name].annotations
            assert a is not None, name
            assert a.read_only_hint is False, name
            assert a.destructive_hint is destructive, name
            assert a.idempotent_hint is idempotent, name
            assert a.open_world_hint is False, name
    async with stdio_session(server_bin, ws, era) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert not names & set(WRITE_TOOLS), f"write tools listed without --allow-write: {names & set(WRITE_TOOLS)}"


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["initialize", "discover"])
async def test_stdio_dry_run_apply_and_read_back(server_bin: Path, ws: Workspace, era: str) -> None:
    async with stdio_session(server_bin, ws, era, "--allow-write") as s:
        await dry_run_apply_and_read_back(s, ws)


@pytest.mark.anyio
async def test_http_dry_run_apply_and_read_back(server_bin: Path, ws: Workspace) -> None:
    with http_server(server_bin, ws, "--allow-write") as url:
        async with http_session(url) as s:
            await dry_run_apply_and_read_back(s, ws)


@pytest.mark.anyio
async def test_write_create_copy_move_delete_and_refusals(server_bin: Path, ws: Workspace) -> None:
    async with stdio_session(server_bin, ws, "initialize", "--allow-write", "--allow-delete") as s:
        out = await call_ok(
            s, "write_file", {"path": "docs/notes.md", "content": "# Notes\r\nfirst\r\n", "create_parents": True}
        )
        assert out.startswith("Created ") and "sha256: " in out, out
        await call_ok(s, "edit_file", {"path": "docs/notes.md", "edits": [{"old_text": "first\n", "new_text": "first\nsecond\n"}]})
        assert (ws.root / "docs/notes.md").read_bytes() == b"# Notes\r\nfirst\r\nsecond\r\n", "CRLF kept"
        out = await call_ok(s, "copy_path", {"source": "docs", "destination": "docs-copy"})
        assert "Copied directory" in out, out
        out = await call_err(s, "move_path", {"source": "hello.py", "destination": "docs-copy/notes.md"})
        assert "overwrite" in out, out
        await call_ok(s, "move_path", {"source": "docs-copy/notes.md", "destination": "notes-old.md"})
        out = await call_ok(s, "delete_path", {"path": "docs-copy"})
        assert "empty directory" in out, out
        out = await call_err(s, "delete_path", {"path": str(ws.root), "recursive": True})
        assert "root" in out, out
        # CVE-2025-53109: a dangling link pointing outside must not create the file there.
        out = await call_err(s, "write_file", {"path": "escape", "content": "PWNED"})
        assert "outside" in out or "access denied" in out, out
        assert sorted(p.name for p in ws.outside.iterdir()) == ["keep.txt"]
