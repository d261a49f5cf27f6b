"""Interop: the official MCP Python SDK against sql-server's operator-defined tools
(configs/sql-server-tools.toml on the sample shop) and search_objects, over stdio.

With --custom-tools-only the SDK sees only the operator's tools; their typed arguments
(string, integer, number, boolean, an optional one left out) give the rows Python's own
sqlite3 computes, with structured content matching the output schema.

Binary: $SQL_SERVER_BIN, else <repo>/target/debug/sql-server (`cargo build --workspace`).
Run:    integration/python/setup.sh && .venv/bin/python -m pytest integration/sql -q
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp.types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "integration" / "sql" / "sample.sql"
TOOLS = REPO / "configs" / "sql-server-tools.toml"
TIMEOUT = 30.0


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def server_bin() -> Path:
    env = os.environ.get("SQL_SERVER_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "sql-server"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"sql-server binary not found at {path}: run `cargo build --workspace`", pytrace=False)
    return path


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlcustom") / "shop.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(SAMPLE.read_text())
    return path


@asynccontextmanager
async def session(bin: Path, shop: Path, *extra: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=str(bin),
        args=["--database", f"shop=sqlite:{shop}", "--tools-file", str(TOOLS), *extra],
        env={"RUST_LOG": "warn"},
    )
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                yield s


def rows_of(result: types.CallToolResult) -> list[list]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content["rows"]


@pytest.mark.anyio
async def test_custom_tools_only_with_typed_arguments(server_bin: Path, shop: Path) -> None:
    async with session(server_bin, shop, "--custom-tools-only") as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert set(tools) == {"orders_by_status", "customers_by_country"}
        schema = tools["orders_by_status"].input_schema
        assert schema["properties"]["limit"]["type"] == "integer"
        assert schema["properties"]["min_total"]["type"] == "number"
        assert set(schema["required"]) == {"status", "limit"}
        assert tools["customers_by_country"].input_schema["properties"]["vip_only"]["type"] == "boolean"
        assert tools["orders_by_status"].annotations.read_only_hint is True

        with sqlite3.connect(shop) as db:
            want = [
                r[0]
                for r in db.execute(
                    "SELECT order_id FROM order_totals WHERE status = 'paid' AND total >= 150.5 ORDER BY ordered_at DESC LIMIT 7"
                )
            ]
            want_all = [
                r[0]
                for r in db.execute("SELECT order_id FROM order_totals WHERE status = 'shipped' ORDER BY ordered_at DESC LIMIT 3")
            ]
            want_vip = [r[0] for r in db.execute("SELECT id FROM customers WHERE country = 'DE' AND vip = 1 ORDER BY name")]
            want_de = [r[0] for r in db.execute("SELECT id FROM customers WHERE country = 'DE' ORDER BY name")]
        assert want and want_vip and len(want_de) > len(want_vip)

        r = await s.call_tool("orders_by_status", {"status": "paid", "min_total": 150.5, "limit": 7})
        assert [row[0] for row in rows_of(r)] == want
        r = await s.call_tool("orders_by_status", {"status": "shipped", "limit": 3})
        assert [row[0] for row in rows_of(r)] == want_all
        r = await s.call_tool("customers_by_country", {"country": "DE", "vip_only": True})
        assert [row[0] for row in rows_of(r)] == want_vip
        r = await s.call_tool("customers_by_country", {"country": "DE", "vip_only": False})
        assert [row[0] for row in rows_of(r)] == want_de

        bad = await s.call_tool("orders_by_status", {"status": "paid", "limit": "many"})
        assert bad.is_error
        # The free query tool does not exist for this client.
        with pytest.raises(MCPError, match="tool not found"):
            await s.call_tool("query", {"sql": "SELECT 1"})


@pytest.mark.anyio
async def test_search_objects(server_bin: Path, shop: Path) -> None:
    async with session(server_bin, shop) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert {"query", "search_objects", "orders_by_status"} <= names
        r = await s.call_tool("search_objects", {"pattern": "customer", "kinds": ["table", "column"]})
        assert not r.is_error
        text = "\n".join(c.text for c in r.content if isinstance(c, types.TextContent))
        assert "table    main.customers" in text
        assert "column   main.orders.customer_id" in text
