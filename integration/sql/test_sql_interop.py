"""Interop tests: the official MCP Python SDK (PyPI `mcp`) against the `sql-server` binary.

Every protocol test runs over stdio and over streamable HTTP, with both protocol eras
the SDK speaks: the `initialize` handshake (2025-11-25) and `server/discover`
(2026-07-28). The database is the sample shop (integration/sql/sample.sql) built with
Python's own sqlite3 module, so these tests need no database server; when
POSTGRES_URL is set, one more test queries PostgreSQL the same way.

Binary: $SQL_SERVER_BIN, else <repo>/target/debug/sql-server (`cargo build --workspace`).
Run:    integration/python/setup.sh && .venv/bin/python -m pytest integration/sql -q
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import mcp.types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "integration" / "sql" / "sample.sql"
TIMEOUT = 30.0
EXPECTED_TOOLS = {
    "query",
    "explain",
    "list_schemas",
    "list_tables",
    "search_objects",
    "describe_table",
}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def server_bin() -> Path:
    env = os.environ.get("SQL_SERVER_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "sql-server"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"sql-server binary not found at {path}: run `cargo build --workspace` (or set SQL_SERVER_BIN)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlinterop") / "shop.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(SAMPLE.read_text())
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class HttpServer:
    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def mcp(self) -> str:
        return self.url + "/mcp"


@pytest.fixture(scope="module")
def http_server(server_bin: Path, shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("sqlhttp") / "server.log"
    cmd = [str(server_bin), "--http", f"127.0.0.1:{port}", "--url", f"sqlite:{shop}"]
    with log.open("w") as logf:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf)
    server = HttpServer(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sql-server exited with {proc.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("sql-server /healthz not ready after 20 s", pytrace=False)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@dataclass
class Target:
    transport: str  # "stdio" | "http"
    era: str  # "initialize" | "discover"
    bin: Path
    shop: Path
    http: HttpServer | None = None


@pytest.fixture(
    params=[("stdio", "initialize"), ("stdio", "discover"), ("http", "initialize"), ("http", "discover")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def target(request: pytest.FixtureRequest, server_bin: Path, shop: Path) -> Target:
    transport, era = request.param
    http = request.getfixturevalue("http_server") if transport == "http" else None
    return Target(transport, era, server_bin, shop, http)


async def handshake(session: ClientSession, era: str) -> None:
    if era == "initialize":
        await session.initialize()
    else:
        await session.discover()


@asynccontextmanager
async def open_session(t: Target, url: str | None = None) -> AsyncIterator[ClientSession]:
    with anyio.fail_after(TIMEOUT):
        if t.transport == "stdio":
            params = StdioServerParameters(
                command=str(t.bin), args=["--url", url or f"sqlite:{t.shop}"], env={"RUST_LOG": "warn"}
            )
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await handshake(session, t.era)
                    yield session
        else:
            assert t.http is not None
            async with create_mcp_http_client() as http_client:
                async with streamable_http_client(t.http.mcp, http_client=http_client) as (read, write):
                    async with ClientSession(read, write) as session:
                        await handshake(session, t.era)
                        yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


# --------------------------------------------------------------------------- protocol tests (x4)


@pytest.mark.anyio
async def test_handshake_and_capabilities(target: Target) -> None:
    async with open_session(target) as s:
        assert s.server_info is not None and s.server_info.name == "sql-server"
        caps = s.server_capabilities
        assert caps is not None
        assert caps.tools is not None and caps.resources is not None and caps.prompts is not None


@pytest.mark.anyio
async def test_tools_are_read_only(target: Target) -> None:
    async with open_session(target) as s:
        tools = (await s.list_tools()).tools
        assert {t.name for t in tools} == EXPECTED_TOOLS
        for tool in tools:
            a = tool.annotations
            assert a is not None, tool.name
            assert a.read_only_hint is True and a.destructive_hint is False, tool.name
            assert a.idempotent_hint is True and a.open_world_hint is False, tool.name
        query = next(t for t in tools if t.name == "query")
        assert query.output_schema and "rows" in query.output_schema["properties"]


@pytest.mark.anyio
async def test_query_with_parameters_returns_structured_rows(target: Target) -> None:
    before = digest(target.shop)
    async with open_session(target) as s:
        result = await s.call_tool(
            "query",
            {
                "sql": "SELECT status, count(*) AS n FROM orders WHERE ordered_at >= ? GROUP BY status ORDER BY status",
                "params": ["2024-07-01"],
            },
        )
        assert not result.is_error, text_of(result)
        data = result.structured_content
        assert data is not None
        assert [c["name"] for c in data["columns"]] == ["status", "n"]
        statuses = [row[0] for row in data["rows"]]
        assert statuses == sorted(statuses) and "paid" in statuses
        assert all(isinstance(row[1], int) for row in data["rows"])
        assert data["truncated"] is False
        assert text_of(result).splitlines()[0].split() == ["status", "|", "n"]
    assert digest(target.shop) == before


@pytest.mark.anyio
async def test_writes_and_stacked_statements_are_tool_errors(target: Target) -> None:
    before = digest(target.shop)
    async with open_session(target) as s:
        for sql in [
            "DELETE FROM orders",
            "SELECT 1; DROP TABLE orders",
            "PRAGMA user_version = 9",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d",
        ]:
            try:
                result = await s.call_tool("query", {"sql": sql})
            except MCPError as e:
                pytest.fail(f"{sql!r} gave JSON-RPC error {e}; expected isError")
            assert result.is_error, f"{sql!r} was not refused: {text_of(result)}"
            assert "Refused" in text_of(result), text_of(result)
    assert digest(target.shop) == before


@pytest.mark.anyio
async def test_truncation_tells_how_to_page(target: Target) -> None:
    async with open_session(target) as s:
        result = await s.call_tool("query", {"sql": "SELECT id FROM orders ORDER BY id", "max_rows": 25})
        data = result.structured_content
        assert data["row_count"] == 25 and data["truncated"] is True
        assert "OFFSET 25" in data["next"]


@pytest.mark.anyio
async def test_catalog_tools(target: Target) -> None:
    async with open_session(target) as s:
        tables = text_of(await s.call_tool("list_tables", {"filter": "order"}))
        assert "main.orders (table)" in tables and "main.order_totals (view)" in tables
        described = text_of(await s.call_tool("describe_table", {"table": "orders"}))
        assert "Primary key: (id)" in described and "→ main.customers(id)" in described
        plan = text_of(await s.call_tool("explain", {"sql": "SELECT * FROM orders WHERE customer_id = ?", "params": [3]}))
        assert "idx_orders_customer" in plan


@pytest.mark.anyio
async def test_resources_and_prompt(target: Target) -> None:
    async with open_session(target) as s:
        listed = await s.list_resources()
        uris = [str(r.uri) for r in listed.resources]
        assert uris[0] == "sql://default" and "sql://default/main/customers" in uris
        templates = [t.uri_template for t in (await s.list_resource_templates()).resource_templates]
        assert "sql://{database}/{schema}/{table}" in templates
        overview = await s.read_resource("sql://default")
        text = overview.contents[0].text
        assert "main.order_items (table)" in text and "→ orders" in text
        table = await s.read_resource("sql://default/main/products")
        assert "sku" in table.contents[0].text
        with pytest.raises(MCPError):
            await s.read_resource("sql://default/main/no_such_table")
        prompts = (await s.list_prompts()).prompts
        assert [p.name for p in prompts] == ["explore_database"]
        prompt = await s.get_prompt("explore_database", {"question": "Best-selling category?"})
        body = prompt.messages[0].content.text
        assert "Best-selling category?" in body and "main.products" in body


# --------------------------------------------------------------------------- engines and HTTP


@pytest.mark.anyio
async def test_postgres_when_available(server_bin: Path, shop: Path) -> None:
    url = os.environ.get("POSTGRES_URL")
    if not url:
        pytest.skip("skipped: POSTGRES_URL not set")
    t = Target("stdio", "initialize", server_bin, shop)
    async with open_session(t, url=url) as s:
        result = await s.call_tool(
            "query",
            {"sql": "SELECT $1::numeric(10,2) AS amount, $2::date + 1 AS next_day", "params": ["12.30", "2024-02-28"]},
        )
        assert not result.is_error, text_of(result)
        assert result.structured_content["rows"] == [["12.30", "2024-02-29"]]
        refused = await s.call_tool("query", {"sql": "SELECT pg_sleep(10)"})
        assert refused.is_error and "pg_sleep" in text_of(refused)


def test_http_refuses_foreign_origins(http_server: HttpServer) -> None:
    body = (
        b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
        b'"capabilities":{},"clientInfo":{"name":"t","version":"0"}}}'
    )
    req = urllib.request.Request(
        http_server.mcp,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "Origin": "http://evil.example",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 403
