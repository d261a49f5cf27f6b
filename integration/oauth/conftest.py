"""Shared fixtures for the OAuth interop tests: the servers as OAuth 2.1 resource servers.

The authorization server is the npm package oauth2-mock-server (pinned in package.json,
installed by setup.sh) behind our harness authorization-server.mjs, run on the Node 22
that integration/conformance pins. It prints its issuer URL first and offers test
controls under /_test/ (register a client, rotate the key, mint good and bad tokens,
register opaque tokens for introspection, read its request log).

Each MCP server runs over HTTP on a port picked before it starts (its --public-url, the
resource the tokens name in `aud`, must be known then), with --oauth-issuer pointing at
that authorization server. Everything binds 127.0.0.1; nothing reaches the internet.

Binaries: <repo>/target/debug/{fs-server,sql-server,github-server,notion-server,fake-apis}
(`cargo build --workspace --bins`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE = REPO / "integration" / "conformance" / "node_modules" / ".bin" / "node"
TIMEOUT = 60.0  # seconds for any one MCP conversation
# The resource server's credentials at the AS's introspection endpoint.
INTROSPECTION_CLIENT = ("mcp-resource-server", "rs-secret")


def binary(name: str) -> Path:
    path = REPO / "target" / "debug" / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(f"{name} not found at {path}: run `cargo build --workspace --bins`", returncode=1)
    return path


def require_oauth(bin_: Path) -> None:
    """Fails (never skips) when the binary has no OAuth resource-server mode."""
    help_text = subprocess.run([str(bin_), "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--oauth-issuer" not in help_text:
        pytest.fail(f"{bin_.name} --help has no --oauth-issuer: its OAuth mode is missing", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method: str, url: str, body: object | None = None, headers: dict[str, str] | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- authorization server


@dataclass
class AuthServer:
    """A running authorization-server.mjs; `issuer` is its issuer URL (http://127.0.0.1:PORT)."""

    issuer: str
    proc: subprocess.Popen
    log_path: Path

    def control(self, method: str, path: str, body: object | None = None) -> object:
        return http_json(method, f"{self.issuer}/_test/{path}", body)

    def register_client(self, client_id: str, redirect_uris: list[str]) -> None:
        self.control("POST", "clients", {"client_id": client_id, "redirect_uris": redirect_uris})

    def token(self, variant: str = "valid", header: dict | None = None, **claims: object) -> str:
        """A JWT from the AS: defaults iss/sub alice/scope mcp:read mcp:write/iat,nbf now/exp +300 s."""
        body = {"variant": variant, "claims": claims, "header": header or {}}
        return self.control("POST", "token", body)["token"]  # type: ignore[index]

    def opaque(self, **answer: object) -> str:
        """An opaque token that /introspect answers with `answer` (active unless said otherwise)."""
        return self.control("POST", "opaque", answer)["token"]  # type: ignore[index]

    def rotate(self) -> str:
        return self.control("POST", "rotate", {})["kid"]  # type: ignore[index]

    def state(self) -> dict:
        return self.control("GET", "state")  # type: ignore[return-value]

    def requests(self) -> list[dict]:
        """Every request the AS received (test controls excepted), in order."""
        return self.control("GET", "log")  # type: ignore[return-value]

    def stderr(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def start_auth_server(log_path: Path, *extra: str) -> Iterator[AuthServer]:
    if not NODE.exists():
        pytest.exit(f"{NODE} missing: run integration/oauth/setup.sh", returncode=1)
    logf = log_path.open("w")
    proc = subprocess.Popen(
        [str(NODE), str(HERE / "authorization-server.mjs"), "--port", "0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=logf,
        text=True,
        cwd=HERE,
    )
    logf.close()
    assert proc.stdout is not None
    issuer = proc.stdout.readline().strip()
    if not issuer.startswith("http://127.0.0.1:"):
        proc.kill()
        pytest.fail(f"authorization-server.mjs printed {issuer!r}:\n{log_path.read_text()}", pytrace=False)
    try:
        yield AuthServer(issuer, proc, log_path)
    finally:
        stop_process(proc)


@contextmanager
def running_auth_server(log_path: Path, *extra: str) -> Iterator[AuthServer]:
    """start_auth_server for a `with` block (stopped when the block ends, even by an error)."""
    yield from start_auth_server(log_path, *extra)


# --------------------------------------------------------------------------- MCP servers


@dataclass
class McpServer:
    url: str  # http://127.0.0.1:PORT
    proc: subprocess.Popen
    log_path: Path
    cmd: list[str] = field(default_factory=list)

    @property
    def mcp(self) -> str:
        """The MCP endpoint, which is also the resource URI (--public-url)."""
        return self.url + "/mcp"

    def stderr(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def start_mcp_server(
    bin_: Path, auth: AuthServer, args: list[str], log_path: Path, env: dict[str, str] | None = None
) -> McpServer:
    """Starts `bin_` over HTTP as a resource server of `auth`; waits for /healthz."""
    require_oauth(bin_)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(bin_), "--http", f"127.0.0.1:{port}", "--oauth-issuer", auth.issuer, "--public-url", f"{url}/mcp"]
    cmd += args
    logf = log_path.open("w")
    full_env = {**os.environ, "RUST_LOG": "info", **(env or {})}
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf, env=full_env)
    logf.close()
    server = McpServer(url, proc, log_path, cmd)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{' '.join(cmd)} exited with {proc.returncode}:\n{server.stderr()}", pytrace=False)
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    stop_process(proc)
    pytest.fail(f"{' '.join(cmd)}: /healthz not ready after 20s:\n{server.stderr()}", pytrace=False)


@dataclass
class FakeApi:
    base_url: str
    proc: subprocess.Popen


def start_fake(api: str) -> FakeApi:
    proc = subprocess.Popen(
        [str(binary("fake-apis")), api, "--port", "0"],
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
    return FakeApi(base_url, proc)


def make_shop(path: Path) -> Path:
    """The sample shop of integration/sql/sample.sql as a SQLite file."""
    with sqlite3.connect(path) as db:
        db.executescript((REPO / "integration" / "sql" / "sample.sql").read_text())
    return path


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    yield from start_auth_server(tmp_path_factory.mktemp("as") / "authorization-server.log")
