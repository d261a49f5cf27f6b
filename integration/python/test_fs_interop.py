"""Interop tests: the official MCP Python SDK (PyPI `mcp`) against the `fs-server` binary.

Every protocol test runs over stdio and over streamable HTTP, and with both protocol
eras the SDK speaks: the `initialize` handshake (2025-11-25) and `server/discover`
(2026-07-28). HTTP-only tests (health, Origin, bearer auth, metrics) talk to the HTTP
endpoint directly with urllib.

Binary: $FS_SERVER_BIN, else <repo>/target/debug/fs-server (`cargo build --workspace`).
Run:    integration/python/setup.sh && .venv/bin/python -m pytest integration/python -q
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
import zlib
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
TIMEOUT = 30.0  # seconds for any one test's MCP conversation

EXPECTED_TOOLS = {
    "list_roots",
    "list_directory",
    "directory_tree",
    "read_text_file",
    "read_media_file",
    "read_multiple_files",
    "get_file_info",
    "search_files",
    "grep",
}
KNOWN_LINE = "L07-kiwi: the quick brown fox jumps over the lazy dog"
UNICODE_LINE = "L09-plum: héllo wörld — ünïcödé ✓ 日本語テキスト 🦀 Ωμέγα"
SECRET_OUTSIDE = "TOP-SECRET-OUTSIDE-CONTENT-93c1"
NEEDLE = "needle_function_4242"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def server_bin() -> Path:
    env = os.environ.get("FS_SERVER_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "fs-server"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(
            f"fs-server binary not found at {path}: run `cargo build --workspace` "
            "(or set FS_SERVER_BIN to the binary)",
            returncode=1,
        )
    return path


def png_1x1() -> bytes:
    """A valid 1x1 red RGB PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def wav_silence() -> bytes:
    """A valid 8 kHz mono 16-bit WAV holding 80 samples of silence."""
    data = b"\x00\x00" * 80
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@dataclass
class Tree:
    base: Path  # holds root/ and the outside file
    root: Path
    notes: Path
    module: Path
    png: Path
    wav: Path
    ignored: Path
    outside: Path
    big: Path
    lines: list[str]


@pytest.fixture(scope="session")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    base = tmp_path_factory.mktemp("fsinterop").resolve()
    root = base / "root"
    (root / "src" / "nested" / "deep").mkdir(parents=True)
    fruits = "apple pear fig lime date kiwi kiwi plum plum yuzu sloe quince grape melon lemon guava mango papaya cherry olive"
    lines = [f"L{i:02d}-{w}: plain ascii line number {i}" for i, w in enumerate(fruits.split(), start=1)]
    lines[6] = KNOWN_LINE
    lines[8] = UNICODE_LINE
    notes = root / "notes.txt"
    notes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    module = root / "src" / "nested" / "deep" / "module.rs"
    module.write_text(f"// a nested module\npub fn {NEEDLE}() -> u32 {{\n    42\n}}\n")
    (root / "src" / "lib.rs").write_text("pub mod nested;\n")
    png = root / "pixel.png"
    png.write_bytes(png_1x1())
    wav = root / "beep.wav"
    wav.write_bytes(wav_silence())
    # A git work tree (ripgrep semantics: .gitignore applies inside a repository).
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / ".gitignore").write_text("ignored/\n*.log\n")
    (root / "ignored").mkdir()
    ignored = root / "ignored" / "secret_ignored.txt"
    ignored.write_text(f"ignored file also mentions {NEEDLE}\n")
    (root / "debug.log").write_text(f"log line {NEEDLE}\n")
    big = root / "big.txt"
    big.write_text("".join(f"big-{i:07d}: {'x' * 60}\n" for i in range(8000)))  # ~560 KB
    outside = base / "outside.txt"
    outside.write_text(SECRET_OUTSIDE + "\n")
    (root / "link_out.txt").symlink_to(outside)
    return Tree(base, root, notes, module, png, wav, ignored, outside, big, lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class HttpServer:
    url: str  # http://127.0.0.1:PORT
    proc: subprocess.Popen
    log: Path

    @property
    def mcp(self) -> str:
        return self.url + "/mcp"

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def start_http_server(bin_: Path, root: Path, log: Path, *extra: str) -> HttpServer:
    port = free_port()
    cmd = [str(bin_), "--http", f"127.0.0.1:{port}", *extra, str(root)]
    logf = log.open("w")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf)
    logf.close()
    server = HttpServer(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{' '.join(cmd)} exited with {proc.returncode}:\n{server.stderr()}", pytrace=False)
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"{' '.join(cmd)}: /healthz not ready after 20s:\n{server.stderr()}", pytrace=False)


def stop(server: HttpServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="module")
def http_server(server_bin: Path, tree: Tree) -> Iterator[HttpServer]:
    server = start_http_server(server_bin, tree.root, tree.base / "http-server.log")
    yield server
    stop(server)


@pytest.fixture(scope="module")
def auth_server(server_bin: Path, tree: Tree) -> Iterator[HttpServer]:
    server = start_http_server(server_bin, tree.root, tree.base / "auth-server.log", "--auth-token", "s3cret")
    yield server
    stop(server)


@dataclass
class Target:
    transport: str  # "stdio" | "http"
    era: str  # "initialize" | "discover"
    tree: Tree
    bin: Path
    http: HttpServer | None = None


@pytest.fixture(
    params=[("stdio", "initialize"), ("stdio", "discover"), ("http", "initialize"), ("http", "discover")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def target(request: pytest.FixtureRequest, server_bin: Path, tree: Tree) -> Target:
    transport, era = request.param
    http = request.getfixturevalue("http_server") if transport == "http" else None
    return Target(transport, era, tree, server_bin, http)


async def handshake(session: ClientSession, era: str) -> None:
    if era == "initialize":
        await session.initialize()
    else:
        await session.discover()


_session_counter = iter(range(1_000_000))


async def checked_handshake(session: ClientSession, era: str, log: Path) -> None:
    """Handshake, turning a failure into one readable error that carries the server's stderr."""
    try:
        await handshake(session, era)
    except Exception as e:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
        raise RuntimeError(f"{era} handshake failed: {e!r}\n--- server stderr ({log}) ---\n{tail}") from None


@asynccontextmanager
async def open_session(
    t: Target,
    headers: dict[str, str] | None = None,
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[ClientSession]:
    """A connected, handshaken ClientSession for target `t` (stdio: `args`/`env` override the command)."""
    with anyio.fail_after(TIMEOUT):
        if t.transport == "stdio":
            argv = [str(t.tree.root)] if args is None else args
            params = StdioServerParameters(command=str(t.bin), args=argv, env=env)
            log = t.tree.base / f"stdio-server-{next(_session_counter)}.log"
            with log.open("w") as errlog:
                async with stdio_client(params, errlog=errlog) as (read, write):
                    async with ClientSession(read, write) as session:
                        await checked_handshake(session, t.era, log)
                        yield session
        else:
            assert t.http is not None
            async with create_mcp_http_client(headers=headers) as http_client:
                async with streamable_http_client(t.http.mcp, http_client=http_client) as (read, write):
                    async with ClientSession(read, write) as session:
                        await checked_handshake(session, t.era, t.http.log)
                        yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def call_ok(session: ClientSession, tool: str, args: dict) -> str:
    result = await session.call_tool(tool, args)
    assert not result.is_error, f"{tool}({args}) failed: {text_of(result)}"
    return text_of(result)


# --------------------------------------------------------------------------- protocol tests (x4)


@pytest.mark.anyio
async def test_handshake_reports_server_name(target: Target) -> None:
    async with open_session(target) as s:
        info = s.server_info
        assert info is not None, f"{target.era}: server sent no serverInfo"
        assert "fs" in info.name, f"unexpected server name {info.name!r}"
        caps = s.server_capabilities
        assert caps is not None and caps.tools is not None, "tools capability not declared"
        assert caps.resources is not None, "resources capability not declared"


@pytest.mark.anyio
async def test_tools_list_names_and_read_only(target: Target) -> None:
    async with open_session(target) as s:
        tools = (await s.list_tools()).tools
        names = {t.name for t in tools}
        assert EXPECTED_TOOLS <= names, f"missing tools: {sorted(EXPECTED_TOOLS - names)}"
        for tool in tools:
            assert tool.annotations is not None, f"{tool.name}: no annotations"
            assert tool.annotations.read_only_hint is True, f"{tool.name}: readOnlyHint is not true"
            assert tool.annotations.destructive_hint is not True, f"{tool.name}: destructiveHint true"
            assert tool.input_schema.get("type") == "object", f"{tool.name}: input schema not an object"


@pytest.mark.anyio
async def test_read_text_file_known_and_multibyte_lines(target: Target) -> None:
    async with open_session(target) as s:
        text = await call_ok(s, "read_text_file", {"path": str(target.tree.notes)})
        assert KNOWN_LINE in text
        assert UNICODE_LINE in text, "multi-byte line was not returned intact"
        assert target.tree.lines[-1] in text


@pytest.mark.anyio
async def test_read_text_file_head_and_tail(target: Target) -> None:
    lines = target.tree.lines
    async with open_session(target) as s:
        head = await call_ok(s, "read_text_file", {"path": str(target.tree.notes), "head": 3})
        assert all(line in head for line in lines[:3]), head
        assert "L04-" not in head and lines[-1] not in head, head
        tail = await call_ok(s, "read_text_file", {"path": str(target.tree.notes), "tail": 2})
        assert all(line in tail for line in lines[-2:]), tail
        assert lines[-3] not in tail and lines[0] not in tail, tail


@pytest.mark.anyio
async def test_read_text_file_large_output_is_truncated(target: Target) -> None:
    async with open_session(target) as s:
        text = await call_ok(s, "read_text_file", {"path": str(target.tree.big)})
        assert text.startswith("big-0000000:"), text[:100]
        assert len(text.encode()) <= 256 * 1024 + 2048, f"output not capped: {len(text.encode())} bytes"
        assert "[truncated" in text, text[-500:]


@pytest.mark.anyio
async def test_read_multiple_files(target: Target) -> None:
    async with open_session(target) as s:
        paths = [str(target.tree.notes), str(target.tree.module)]
        text = await call_ok(s, "read_multiple_files", {"paths": paths})
        assert KNOWN_LINE in text and NEEDLE in text


@pytest.mark.anyio
async def test_grep_finds_known_line(target: Target) -> None:
    async with open_session(target) as s:
        text = await call_ok(s, "grep", {"pattern": "quick brown fox", "path": str(target.tree.root)})
        assert "notes.txt" in text and "quick brown fox" in text, text
        text = await call_ok(s, "grep", {"pattern": NEEDLE, "path": str(target.tree.root)})
        assert "module.rs" in text, text
        assert "secret_ignored" not in text and "debug.log" not in text, f"gitignored file matched:\n{text}"
        text = await call_ok(
            s, "grep", {"pattern": NEEDLE.upper(), "path": str(target.tree.root), "case": "insensitive"}
        )
        assert "module.rs" in text, text
        text = await call_ok(s, "grep", {"pattern": "日本語テキスト", "path": str(target.tree.root), "literal": True})
        assert "notes.txt" in text and "日本語テキスト" in text, text


@pytest.mark.anyio
async def test_search_files_respects_gitignore(target: Target) -> None:
    async with open_session(target) as s:
        text = await call_ok(s, "search_files", {"pattern": "*.rs", "path": str(target.tree.root)})
        assert "module.rs" in text, text
        text = await call_ok(s, "search_files", {"pattern": "*.txt", "path": str(target.tree.root)})
        assert "notes.txt" in text, text
        assert "secret_ignored.txt" not in text, f"gitignored file listed:\n{text}"


@pytest.mark.anyio
async def test_directory_tree(target: Target) -> None:
    async with open_session(target) as s:
        text = await call_ok(s, "directory_tree", {"path": str(target.tree.root), "max_depth": 10})
        for name in ("src", "nested", "deep", "module.rs", "notes.txt", "pixel.png"):
            assert name in text, f"{name} missing from tree:\n{text}"
        shallow = await call_ok(s, "directory_tree", {"path": str(target.tree.root), "max_depth": 1})
        assert "src" in shallow and "module.rs" not in shallow, shallow


@pytest.mark.anyio
async def test_list_directory_and_file_info(target: Target) -> None:
    async with open_session(target) as s:
        text = await call_ok(s, "list_directory", {"path": str(target.tree.root)})
        assert "notes.txt" in text and "src" in text, text
        info = await call_ok(s, "get_file_info", {"path": str(target.tree.notes)})
        assert str(target.tree.notes.stat().st_size) in info, info
        roots = await call_ok(s, "list_roots", {})
        assert str(target.tree.root) in roots, roots


@pytest.mark.anyio
async def test_read_media_file_png_and_wav(target: Target) -> None:
    async with open_session(target) as s:
        result = await s.call_tool("read_media_file", {"path": str(target.tree.png)})
        assert not result.is_error, text_of(result)
        images = [c for c in result.content if isinstance(c, types.ImageContent)]
        assert images, f"no image content in {result.content!r}"
        assert images[0].mime_type == "image/png"
        assert base64.b64decode(images[0].data) == png_1x1()
        result = await s.call_tool("read_media_file", {"path": str(target.tree.wav)})
        assert not result.is_error, text_of(result)
        audio = [c for c in result.content if isinstance(c, types.AudioContent)]
        assert audio, f"no audio content in {result.content!r}"
        assert audio[0].mime_type.startswith("audio/"), audio[0].mime_type
        assert base64.b64decode(audio[0].data) == wav_silence()


@pytest.mark.anyio
async def test_escapes_are_tool_errors_without_leaks(target: Target) -> None:
    attempts = [
        ("read_text_file", {"path": "/etc/passwd"}),
        ("read_text_file", {"path": "../outside.txt"}),
        ("read_text_file", {"path": str(target.tree.root / ".." / "outside.txt")}),
        ("read_text_file", {"path": str(target.tree.outside)}),
        ("read_text_file", {"path": str(target.tree.root / "link_out.txt")}),
        ("read_media_file", {"path": "/etc/passwd"}),
        ("read_multiple_files", {"paths": ["/etc/passwd"]}),
        ("get_file_info", {"path": "/etc/passwd"}),
        ("list_directory", {"path": "/etc"}),
        ("grep", {"pattern": "root", "path": "/etc"}),
        ("search_files", {"pattern": "passwd", "path": "/etc"}),
        ("directory_tree", {"path": str(target.tree.base)}),
    ]
    async with open_session(target) as s:
        for tool, args in attempts:
            try:
                result = await s.call_tool(tool, args)
            except MCPError as e:  # a JSON-RPC error is not what the interface promises
                pytest.fail(f"{tool}({args}) gave JSON-RPC error {e}, expected a result with isError")
            text = text_of(result)
            dump = result.model_dump_json()
            if tool == "read_multiple_files" and not result.is_error:
                # Per-file failures may be reported inline; nothing may leak either way.
                assert "root:x:" not in dump, f"{tool}({args}) leaked /etc/passwd"
                continue
            assert result.is_error, f"{tool}({args}) was not an error: {text[:300]}"
            assert "root:x:" not in dump, f"{tool}({args}) leaked /etc/passwd"
            assert SECRET_OUTSIDE not in dump, f"{tool}({args}) leaked the outside file"


@pytest.mark.anyio
async def test_resource_template_and_read(target: Target) -> None:
    async with open_session(target) as s:
        templates = (await s.list_resource_templates()).resource_templates
        uris = [t.uri_template for t in templates]
        assert "file:///{+path}" in uris, uris
        result = await s.read_resource(f"file://{target.tree.notes}")
        assert result.contents, "resources/read returned no contents"
        content = result.contents[0]
        assert isinstance(content, types.TextResourceContents), content
        assert KNOWN_LINE in content.text and UNICODE_LINE in content.text
        assert content.mime_type and content.mime_type.startswith("text/"), content.mime_type


@pytest.mark.anyio
async def test_resource_read_outside_roots_is_rejected(target: Target) -> None:
    async with open_session(target) as s:
        for uri in ("file:///etc/passwd", f"file://{target.tree.outside}"):
            try:
                result = await s.read_resource(uri)
            except MCPError:
                continue
            dump = result.model_dump_json()
            pytest.fail(f"resources/read {uri} succeeded: {dump[:300]}")


@pytest.mark.anyio
@pytest.mark.parametrize("how", ["--root", "FS_SERVER_ROOTS"])
async def test_roots_from_flag_and_env(server_bin: Path, tree: Tree, how: str) -> None:
    t = Target("stdio", "initialize", tree, server_bin)
    second = tree.root / "src"
    if how == "--root":
        args, env = ["--root", str(tree.root), "--root", str(second)], None
    else:
        args, env = [], {"FS_SERVER_ROOTS": f"{tree.root}:{second}"}
    async with open_session(t, args=args, env=env) as s:
        roots = await call_ok(s, "list_roots", {})
        assert str(tree.root) in roots and str(second) in roots, roots


# --------------------------------------------------------------------------- HTTP-only tests


def http_request(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(65536).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


INIT_BODY = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw-http-test", "version": "0"},
        },
    }
).encode()
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def test_http_healthz(http_server: HttpServer) -> None:
    status, _ = http_request(http_server.url + "/healthz")
    assert status == 200


def test_http_foreign_origin_is_403(http_server: HttpServer) -> None:
    status, body = http_request(
        http_server.mcp, method="POST", body=INIT_BODY, headers={**MCP_HEADERS, "Origin": "http://evil.example"}
    )
    assert status == 403, f"expected 403 for a foreign Origin, got {status}: {body[:300]}"
    port = http_server.url.rsplit(":", 1)[1]
    status, body = http_request(
        http_server.mcp, method="POST", body=INIT_BODY, headers={**MCP_HEADERS, "Origin": f"http://localhost:{port}"}
    )
    assert status == 200, f"expected 200 for Origin http://localhost:{port}, got {status}: {body[:300]}"


def test_http_auth_missing_or_wrong_token_is_401(auth_server: HttpServer) -> None:
    status, body = http_request(auth_server.mcp, method="POST", body=INIT_BODY, headers=MCP_HEADERS)
    assert status == 401, f"no token: expected 401, got {status}: {body[:300]}"
    status, body = http_request(
        auth_server.mcp, method="POST", body=INIT_BODY, headers={**MCP_HEADERS, "Authorization": "Bearer wrong"}
    )
    assert status == 401, f"wrong token: expected 401, got {status}: {body[:300]}"
    status, body = http_request(
        auth_server.mcp, method="POST", body=INIT_BODY, headers={**MCP_HEADERS, "Authorization": "s3cret"}
    )
    assert status == 401, f"token without Bearer scheme: expected 401, got {status}: {body[:300]}"


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["initialize", "discover"])
async def test_http_auth_right_token_sdk_works(auth_server: HttpServer, server_bin: Path, tree: Tree, era: str) -> None:
    t = Target("http", era, tree, server_bin, auth_server)
    async with open_session(t, headers={"Authorization": "Bearer s3cret"}) as s:
        names = {tool.name for tool in (await s.list_tools()).tools}
        assert EXPECTED_TOOLS <= names
        text = await call_ok(s, "read_text_file", {"path": str(tree.notes)})
        assert KNOWN_LINE in text


@pytest.mark.anyio
async def test_http_metrics_count_tool_calls(http_server: HttpServer, server_bin: Path, tree: Tree) -> None:
    t = Target("http", "initialize", tree, server_bin, http_server)
    async with open_session(t) as s:
        await call_ok(s, "get_file_info", {"path": str(tree.notes)})
    status, body = http_request(http_server.url + "/metrics")
    assert status == 200, body[:300]
    samples = [line for line in body.splitlines() if line and not line.startswith("#")]
    hits = [line for line in samples if "get_file_info" in line]
    assert hits, f"no metrics sample mentions get_file_info:\n{body[:2000]}"
    assert any(float(line.rsplit(" ", 1)[-1]) >= 1 for line in hits), hits


# --------------------------------------------------------------------------- CLI


def test_doctor_healthy_and_missing_root(server_bin: Path, tree: Tree) -> None:
    ok = subprocess.run([str(server_bin), "doctor", str(tree.root)], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, f"doctor on a healthy root exited {ok.returncode}:\n{ok.stdout}{ok.stderr}"
    missing = tree.base / "no-such-root"
    bad = subprocess.run([str(server_bin), "doctor", str(missing)], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1, f"doctor on a missing root exited {bad.returncode}:\n{bad.stdout}{bad.stderr}"
    assert "no-such-root" in bad.stdout + bad.stderr, bad.stdout + bad.stderr
