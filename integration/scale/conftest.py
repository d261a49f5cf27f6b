"""Fixtures for the scale-out interop tests: the fake GitHub (`target/debug/fake-apis`),
three github-server replicas sharing state through Redis, and HAProxy running the
shipped configs/haproxy.cfg in front of them, driven by the official MCP Python SDK.

Needs Redis (REDIS_URL, which .ci/run sets; a test that stops and restarts Redis
starts its own `redis-server` instead of touching the machine's) and HAProxy
(integration/scale/setup.sh installs Debian's). Without them the tests are skipped
and say why. Everything listens on loopback only.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[2]
DEMO_TOKEN = "fake-github-token-demo"  # the fake's demo user (integration/fakes/src/github/callers.rs)


def binary(name: str) -> Path:
    path = REPO / "target" / "debug" / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(f"{name} not found at {path}: run `cargo build --workspace --bins`", returncode=1)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_until(check, what: str, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def redis_authority(url: str) -> tuple[str, int]:
    rest = url.removeprefix("redis://").rsplit("@", 1)[-1].split("/", 1)[0]
    host, _, port = rest.rpartition(":")
    return host or "127.0.0.1", int(port or 6379)


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(7) == b"+PONG\r\n"
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("skipped: REDIS_URL is not set (e.g. redis://127.0.0.1:6379; .ci/run sets it)")
    if not redis_answers(*redis_authority(url)):
        pytest.skip(f"skipped: the Redis at REDIS_URL does not answer PING")
    return url


@pytest.fixture(scope="session")
def haproxy() -> str:
    path = shutil.which("haproxy")
    if not path:
        pytest.skip("skipped: haproxy is not installed (run integration/scale/setup.sh)")
    return path


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Fake:
    base_url: str
    proc: subprocess.Popen

    def requests(self) -> list[dict]:
        import json

        _, body = http_get(self.base_url + "/_fake/requests")
        return json.loads(body)

    def set_faults(self, **plan: object) -> None:
        import json

        request = urllib.request.Request(
            self.base_url + "/_fake/faults", data=json.dumps(plan).encode(), method="PUT",
            headers={"content-type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def fake_github() -> Iterator[Fake]:
    proc = subprocess.Popen(
        [str(binary("fake-apis")), "github"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http://127.0.0.1:"):
        stop(proc)
        pytest.fail(f"fake-apis did not print its URL (got {base_url!r})", pytrace=False)
    try:
        yield Fake(base_url, proc)
    finally:
        stop(proc)


@dataclass
class Replica:
    base: str
    proc: subprocess.Popen

    def metrics(self) -> str:
        return http_get(self.base + "/metrics")[1]

    def metric(self, name: str) -> float:
        """The value of the sample `name` (with its labels, if any) at /metrics, 0 when absent."""
        for line in self.metrics().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return 0.0


def start_replica(fake: Fake, redis: str | None, prefix: str, log: Path) -> Replica:
    port = free_port()
    args = [str(binary("github-server")), "--http", f"127.0.0.1:{port}", "--api-url", fake.base_url]
    args += ["--trusted-proxy", "127.0.0.1"]
    if redis:
        args += ["--redis-url", redis, "--redis-prefix", prefix]
    env = {**os.environ, "GITHUB_TOKEN": DEMO_TOKEN, "RUST_LOG": "info"}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    replica = Replica(f"http://127.0.0.1:{port}", proc)
    wait_until(lambda: http_get(replica.base + "/healthz")[0] == 200, f"replica on {port}")
    return replica


@dataclass
class Balancer:
    base: str
    stats: str
    proc: subprocess.Popen

    @property
    def mcp(self) -> str:
        return self.base + "/mcp"

    def status(self) -> dict[str, str]:
        """Each replica's state as HAProxy's health checks see it (UP, DOWN, ...)."""
        _, body = http_get(self.stats + "/stats;csv")
        rows = csv.DictReader(io.StringIO(body.lstrip("# ")))
        return {r["svname"]: r["status"] for r in rows if r["pxname"] == "replicas" and r["svname"].startswith("replica")}


def start_balancer(haproxy: str, replicas: list[Replica], sticky: bool = False) -> Balancer:
    port, stats_port = free_port(), free_port()
    env = {**os.environ, "MCP_LB_BIND": f"127.0.0.1:{port}", "MCP_LB_STATS_BIND": f"127.0.0.1:{stats_port}"}
    for i, replica in enumerate(replicas, start=1):
        env[f"MCP_REPLICA_{i}"] = replica.base.removeprefix("http://")
    if sticky:
        env["MCP_STICKY_SESSIONS"] = "1"
    proc = subprocess.Popen(
        [haproxy, "-f", str(REPO / "configs" / "haproxy.cfg"), "-db"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    balancer = Balancer(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stats_port}", proc)
    wait_until(lambda: set(balancer.status().values()) == {"UP"}, "haproxy to see every replica up")
    return balancer


@dataclass
class Stack:
    fake: Fake
    replicas: list[Replica]
    balancer: Balancer
    prefix: str
    logs: list[Path] = field(default_factory=list)


def start_stack(fake: Fake, haproxy: str, redis: str | None, tmp: Path) -> Stack:
    prefix = f"mcp-pytest-{uuid.uuid4().hex[:12]}"
    logs = [tmp / f"replica{i}.log" for i in range(1, 4)]
    replicas = [start_replica(fake, redis, prefix, log) for log in logs]
    return Stack(fake, replicas, start_balancer(haproxy, replicas), prefix, logs)


def stop_stack(stack: Stack) -> None:
    stop(stack.balancer.proc)
    for replica in stack.replicas:
        stop(replica.proc)


@pytest.fixture
def stack(fake_github: Fake, haproxy: str, redis_url: str, tmp_path: Path) -> Iterator[Stack]:
    stack = start_stack(fake_github, haproxy, redis_url, tmp_path)
    try:
        yield stack
    finally:
        stop_stack(stack)


@asynccontextmanager
async def mcp_session(url: str, era: str) -> AsyncIterator[ClientSession]:
    """A ClientSession on `url` after `initialize` (2025-11-25) or `discover` (2026-07-28)."""
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            if era == "initialize":
                await session.initialize()
            else:
                await session.discover()
            yield session


class PrivateRedis:
    """A redis-server of the test's own on a loopback port, so it can be stopped and
    started without touching the machine's Redis."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: redis_answers("127.0.0.1", self.port), "redis-server to answer")

    def stop(self) -> None:
        if self.proc:
            stop(self.proc)

    def keys(self, pattern: str) -> list[str]:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--scan", "--pattern", pattern],
            capture_output=True, text=True, timeout=10, check=True,
        )
        return out.stdout.split()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        pytest.skip("skipped: redis-server is not installed (the machine's Redis package provides it)")
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
