"""Interop: fs-server's live resources driven by the official MCP Python SDK (PyPI `mcp`).

Over stdio and streamable HTTP:
- 2025-11-25 (`initialize`): `resources/subscribe`, an external change arrives as
  `notifications/resources/updated` through `message_handler`, and none after
  `resources/unsubscribe`.
- 2026-07-28 (`server/discover`): `subscriptions/listen` acknowledges only files inside
  the roots, and yields a `ResourceUpdated` event after a change.
- `resources/list` pages through >100 top-level files, each exactly once; a forged
  cursor is refused with -32602.

Binary: $FS_SERVER_BIN, else <repo>/target/debug/fs-server (`cargo build -p fs-server`).
Run:    integration/python/setup.sh && .venv/bin/python -m pytest integration/python -q
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp.types as types
import pytest
from mcp.client.session import ClientSession, IncomingMessage
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated, listen
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0  # seconds for any one test's conversation
REPORTED_WITHIN = 5.0  # seconds for a change to be reported (the debounce is 250 ms)
ABSENT_FOR = 1.0  # seconds to wait for a notification that must not come
MANY = 230  # top-level files for the pagination test


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def server_bin() -> Path:
    env = os.environ.get("FS_SERVER_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "fs-server"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(f"fs-server binary not found at {path}: run `cargo build -p fs-server`", returncode=1)
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fsresources").resolve()
    root = base / "root"
    root.mkdir()
    (root / "subdir").mkdir()
    for i in range(MANY):
        (root / f"many-{i:03d}.txt").write_text("x" * i)
    (base / "outside.txt").write_text("outside\n")
    return base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_url(server_bin: Path, base: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(server_bin), "--http", f"127.0.0.1:{port}", str(base / "root")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("fs-server --http did not become healthy", pytrace=False)
    yield url + "/mcp"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


class Updates:
    """Collects the URIs of `notifications/resources/updated` seen by `message_handler`."""

    def __init__(self) -> None:
        self.send, self.receive = anyio.create_memory_object_stream[str](100)

    async def handler(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            await self.send.send(message.params.uri)

    async def next(self, timeout: float) -> str | None:
        with anyio.move_on_after(timeout):
            return await self.receive.receive()
        return None


@asynccontextmanager
async def session_for(
    transport: str, era: str, server_bin: Path, base: Path, request: pytest.FixtureRequest, updates: Updates
) -> AsyncIterator[ClientSession]:
    """A connected, handshaken session; `era` is "initialize" or "discover"."""
    with anyio.fail_after(TIMEOUT):
        if transport == "stdio":
            params = StdioServerParameters(command=str(server_bin), args=[str(base / "root")])
            with open(os.devnull, "w") as devnull:
                async with stdio_client(params, errlog=devnull) as (read, write):
                    async with ClientSession(read, write, message_handler=updates.handler) as session:
                        await (session.initialize() if era == "initialize" else session.discover())
                        yield session
        else:
            url = request.getfixturevalue("http_url")
            async with create_mcp_http_client() as http_client:
                async with streamable_http_client(url, http_client=http_client) as (read, write):
                    async with ClientSession(read, write, message_handler=updates.handler) as session:
                        await (session.initialize() if era == "initialize" else session.discover())
                        yield session


def watched_file(base: Path, name: str) -> tuple[Path, str]:
    path = base / "root" / name
    path.write_text("v1\n")
    return path, path.as_uri()


def replace_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@pytest.mark.anyio
async def test_legacy_subscribe_and_unsubscribe(
    transport: str, server_bin: Path, base: Path, request: pytest.FixtureRequest
) -> None:
    path, uri = watched_file(base, f"legacy-{transport}.txt")
    updates = Updates()
    async with session_for(transport, "initialize", server_bin, base, request, updates) as session:
        caps = session.server_capabilities
        assert caps is not None and caps.resources is not None and caps.resources.subscribe
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # subscribe_resource is deprecated for 2026-07-28 only
            await session.subscribe_resource(uri)
            path.write_text("v2\n")
            assert await updates.next(REPORTED_WITHIN) == uri, "no update after a write"
            replace_atomically(path, "v3\n")
            assert await updates.next(REPORTED_WITHIN) == uri, "no update after a rename-replace"
            await session.unsubscribe_resource(uri)
        path.write_text("v4\n")
        assert await updates.next(ABSENT_FOR) is None, "update after unsubscribe"


@pytest.mark.anyio
async def test_legacy_subscribe_outside_the_roots_is_refused(
    transport: str, server_bin: Path, base: Path, request: pytest.FixtureRequest
) -> None:
    async with session_for(transport, "initialize", server_bin, base, request, Updates()) as session:
        with warnings.catch_warnings(), pytest.raises(MCPError) as refused:
            warnings.simplefilter("ignore")
            await session.subscribe_resource((base / "outside.txt").as_uri())
        assert refused.value.code == -32602


@pytest.mark.anyio
async def test_listen_acknowledges_inside_files_and_reports_changes(
    transport: str, server_bin: Path, base: Path, request: pytest.FixtureRequest
) -> None:
    path, uri = watched_file(base, f"listen-{transport}.txt")
    outside = (base / "outside.txt").as_uri()
    async with session_for(transport, "discover", server_bin, base, request, Updates()) as session:
        async with listen(session, resource_subscriptions=[uri, outside]) as subscription:
            assert subscription.honored.resource_subscriptions == [uri]
            path.write_text("v2\n")
            with anyio.fail_after(REPORTED_WITHIN):
                event = await subscription.__anext__()
            assert event == ResourceUpdated(uri=uri)


@pytest.mark.anyio
async def test_resources_list_pages_and_refuses_forged_cursors(
    transport: str, server_bin: Path, base: Path, request: pytest.FixtureRequest
) -> None:
    async with session_for(transport, "initialize", server_bin, base, request, Updates()) as session:
        names: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = await session.list_resources(params=types.PaginatedRequestParams(cursor=cursor))
            pages += 1
            assert len(page.resources) <= 100
            names += [r.name for r in page.resources]
            cursor = page.next_cursor
            if cursor is None:
                break
        many = [n for n in names if n.startswith("many-")]
        assert sorted(many) == [f"many-{i:03d}.txt" for i in range(MANY)]
        assert len(names) == len(set(names)), "an entry was listed twice"
        assert "subdir" not in names
        assert pages >= 3
        with pytest.raises(MCPError) as refused:
            await session.list_resources(params=types.PaginatedRequestParams(cursor="Zm9yZ2Vk"))
        assert refused.value.code == -32602
