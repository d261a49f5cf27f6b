"""Scale-out with the official Python SDK: three github-server replicas sharing state
through Redis behind HAProxy (configs/haproxy.cfg, round-robin, no stickiness).

- A 2025-11-25 client (initialize, one Mcp-Session-Id) and a 2026-07-28 client
  (discover, stateless) each make 100 calls through the balancer; every replica
  serves a share, and the session opened on one is restored on the others.
- A replica killed mid-run: HAProxy's health check marks it DOWN, and 2026-07-28
  calls the client retries succeed.
- Redis stopped mid-run: no call fails, /metrics shows the fallback, the log says so
  once; Redis started again: sharing resumes.
"""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import anyio
import mcp.types as types
import pytest
from conftest import Replica, Stack, mcp_session, start_stack, stop_stack, wait_until

pytestmark = pytest.mark.anyio

CALLS = 100


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def served(replica: Replica) -> float:
    return replica.metric('mcp_tool_calls_total{tool="get_me",outcome="ok"}')


def fallbacks(replica: Replica) -> float:
    return sum(
        float(line.split()[-1])
        for line in replica.metrics().splitlines()
        if line.startswith("mcp_redis_fallbacks_total{")
    )


async def call_ok(session, tool: str = "get_me") -> None:
    result = await session.call_tool(tool, {})
    assert not result.is_error, text_of(result)
    assert "octo-demo" in text_of(result)


@pytest.mark.parametrize("era", ["initialize", "discover"])
async def test_100_calls_round_robin_through_the_balancer(stack: Stack, era: str) -> None:
    with anyio.fail_after(120):
        async with mcp_session(stack.balancer.mcp, era) as session:
            for _ in range(CALLS):
                await call_ok(session)
    shares = [served(r) for r in stack.replicas]
    assert sum(shares) == CALLS, shares
    # Round-robin with no stickiness: every replica served about a third.
    assert all(share >= CALLS // 3 - 5 for share in shares), shares


async def test_a_killed_replica_is_dropped_and_retried_calls_succeed(stack: Stack) -> None:
    doomed = stack.replicas[1]
    # Each call takes 1 s upstream and 20 run at once, in rounds; the kill comes in
    # the middle of the second round, so it catches calls in flight on the doomed
    # replica: those get an error (HAProxy retries only requests that never
    # reached a replica), and the client retries them.
    stack.fake.set_faults(delay_ms=1000, delay_path_prefix="/user")
    done = 0
    retried = 0
    killed_after = 0

    async def worker(calls: int) -> None:
        nonlocal done, retried
        for _ in range(calls):
            for attempt in range(4):
                try:
                    async with mcp_session(stack.balancer.mcp, "discover") as session:
                        await call_ok(session)
                    break
                except Exception:
                    if attempt == 3:
                        raise
                    retried += 1
                    await anyio.sleep(0.5)
            done += 1

    with anyio.fail_after(120):
        async with anyio.create_task_group() as tasks:
            for _ in range(20):
                tasks.start_soon(worker, 5)
            while done < 20:
                await anyio.sleep(0.05)
            await anyio.sleep(0.5)
            killed_after = done
            doomed.proc.send_signal(signal.SIGKILL)
    assert done == CALLS
    assert retried >= 1, "the kill caught no call in flight; nothing was retried"
    wait_until(lambda: stack.balancer.status()["replica2"].startswith("DOWN"), "haproxy to mark replica2 DOWN", 10)
    status = stack.balancer.status()
    assert status["replica1"] == "UP" and status["replica3"] == "UP", status
    print(f"replica killed after {killed_after} of {CALLS} calls: {retried} calls failed and were retried by the client, all {CALLS} succeeded")


async def test_redis_outage_degrades_then_sharing_resumes(fake_github, haproxy, private_redis, tmp_path: Path) -> None:
    stack = start_stack(fake_github, haproxy, private_redis.url, tmp_path)
    try:
        with anyio.fail_after(120):
            async with mcp_session(stack.balancer.mcp, "discover") as session:
                for _ in range(9):
                    await call_ok(session)
                assert [r.metric("mcp_redis_up") for r in stack.replicas] == [1.0, 1.0, 1.0]
                assert private_redis.keys(f"{stack.prefix}:*"), "the replicas share through Redis"

                private_redis.stop()
                for _ in range(30):
                    await call_ok(session)  # no call fails
                assert [r.metric("mcp_redis_up") for r in stack.replicas] == [0.0, 0.0, 0.0]
                assert all(fallbacks(r) > 0 for r in stack.replicas)

                private_redis.start()  # same port, empty
                await anyio.sleep(1.5)  # the replicas leave Redis alone for 1 s after a failure
                for _ in range(15):
                    await call_ok(session)
                assert [r.metric("mcp_redis_up") for r in stack.replicas] == [1.0, 1.0, 1.0]
                assert private_redis.keys(f"{stack.prefix}:rate:*"), "the shared rate limit is back in Redis"
    finally:
        stop_stack(stack)
    for log in stack.logs:
        text = log.read_text()
        assert text.count("Redis is unreachable") == 1, f"{log}: the outage is logged once\n{text[-2000:]}"
        assert text.count("Redis answers again") == 1, f"{log}: the recovery is logged once"


async def test_without_redis_a_session_needs_sticky_routing(fake_github, haproxy, tmp_path: Path) -> None:
    """The documented alternative: no Redis, HAProxy sticky on Mcp-Session-Id."""
    from conftest import start_balancer, start_replica, stop

    replicas = [start_replica(fake_github, None, "unused", tmp_path / f"r{i}.log") for i in range(3)]
    sticky = start_balancer(haproxy, replicas, sticky=True)
    try:
        with anyio.fail_after(60):
            async with mcp_session(sticky.mcp, "initialize") as session:
                for _ in range(12):
                    await call_ok(session)
        shares = sorted(served(r) for r in replicas)
        assert shares == [0.0, 0.0, 12.0], f"every call went to the session's replica: {shares}"
    finally:
        stop(sticky.proc)
        for replica in replicas:
            with contextlib.suppress(Exception):
                stop(replica.proc)
