"""Shared fixtures for the API servers' interop tests (github-server, notion-server).

Each test module starts the repository's fake API (`target/debug/fake-apis github|notion`,
a stateful local stand-in for the real API; nothing here reaches the internet), then
drives the server binary over stdio with the official MCP Python SDK. The fake's
`/_fake/` endpoints tell what it received and inject faults.

Binaries: <repo>/target/debug/{fake-apis,github-server,notion-server}
(`cargo build --workspace --bins`), or $FAKE_APIS_BIN / $GITHUB_SERVER_BIN /
$NOTION_SERVER_BIN.
"""

from __future__ import annotations

import json
import os
import subprocess
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

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0  # seconds for any one MCP conversation


def binary(name: str, env_var: str) -> Path:
    env = os.environ.get(env_var)
    path = Path(env) if env else REPO / "target" / "debug" / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(
            f"{name} binary not found at {path}: run `cargo build --workspace --bins` (or set {env_var})",
            returncode=1,
        )
    return path


@dataclass
class FakeApi:
    """A running fake: `base_url` is what the server gets as --api-url."""

    base_url: str
    origin: str
    proc: subprocess.Popen

    def _control(self, method: str, path: str, body: object | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.origin + "/_fake/" + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def requests(self) -> list[dict]:
        """Every request the fake received since the last reset, in order."""
        return self._control("GET", "requests")  # type: ignore[return-value]

    def set_faults(self, **plan: object) -> None:
        self._control("PUT", "faults", plan)

    def reset(self) -> None:
        self._control("POST", "reset")


def start_fake(api: str) -> Iterator[FakeApi]:
    proc = subprocess.Popen(
        [str(binary("fake-apis", "FAKE_APIS_BIN")), api],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http://127.0.0.1:"):
        proc.kill()
        pytest.fail(f"fake-apis {api} did not print its URL (got {base_url!r})", pytrace=False)
    origin = "/".join(base_url.split("/")[:3])
    try:
        yield FakeApi(base_url, origin, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["initialize", "discover"])
def era(request: pytest.FixtureRequest) -> str:
    """Both protocol eras the SDK speaks: the initialize handshake and server/discover."""
    return request.param


@asynccontextmanager
async def open_session(
    command: Path, args: list[str], env: dict[str, str], era: str = "initialize"
) -> AsyncIterator[ClientSession]:
    """An MCP session with `command` over stdio, after the chosen handshake."""
    with anyio.fail_after(TIMEOUT):
        params = StdioServerParameters(command=str(command), args=args, env={"RUST_LOG": "warn", **env})
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                if era == "initialize":
                    await session.initialize()
                else:
                    await session.discover()
                yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def tools_list_bytes(session: ClientSession) -> tuple[list[types.Tool], int]:
    """The tools a server lists, and the size of that list as JSON on the wire."""
    listed = await session.list_tools()
    payload = json.dumps(
        {"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]},
        separators=(",", ":"),
    )
    return listed.tools, len(payload.encode())
