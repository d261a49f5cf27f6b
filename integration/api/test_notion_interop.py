"""Interop: the official MCP Python SDK (PyPI `mcp`) drives `notion-server` over stdio,
against the repository's fake Notion (`fake-apis notion`), in both protocol eras.

The Markdown fixture shared with the Rust tests (servers/notion-server/tests/fixtures/
all_blocks.md) is written with create_page and read back with get_page; the fake's
request record shows retries and the absence of rate-limit refusals. With
Notion-Version 2026-03-11, update_page_content edits a page through the markdown
endpoint and keeps its child page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, FakeApi, binary, open_session, start_fake, text_of, tools_list_bytes

TOKEN = "fake-notion-token-demo"
WRITE_TOOLS = {
    "create_page",
    "append_markdown",
    "update_page_content",
    "update_page_properties",
    "move_page",
    "create_data_source",
    "add_comment",
    "archive_page",
}
MARKDOWN_VERSION = "2026-03-11"
FIXTURE = REPO / "servers/notion-server/tests/fixtures/all_blocks.md"
UUID = re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b")

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeApi]:
    yield from start_fake("notion")


@pytest.fixture(scope="module")
def server() -> Path:
    return binary("notion-server", "NOTION_SERVER_BIN")


def session(server: Path, fake: FakeApi, era: str = "initialize", *extra: str):
    return open_session(server, ["--api-url", fake.base_url, *extra], {"NOTION_TOKEN": TOKEN}, era)


async def find(session, query: str, kind: str = "page") -> str:
    result = await session.call_tool("search", {"query": query, "object": kind})
    assert not result.is_error, text_of(result)
    match = UUID.search(text_of(result))
    assert match, f"no {kind} titled {query!r} in: {text_of(result)}"
    return match.group(0)


def words(markdown: str) -> list[str]:
    """The words of a Markdown text, without its syntax: what a round trip must keep."""
    return re.findall(r"[A-Za-z0-9]{3,}", markdown)


async def test_tools_are_few_small_and_read_only_by_default(server: Path, fake: FakeApi, era: str) -> None:
    async with session(server, fake, era) as s:
        tools, size = await tools_list_bytes(s)
    names = {t.name for t in tools}
    assert names == {"search", "get_page", "get_data_source", "query_data_source", "list_comments", "list_users"}
    assert size < 12_000, size
    async with session(server, fake, era, "--allow-write") as s:
        tools, size = await tools_list_bytes(s)
    assert WRITE_TOOLS <= {t.name for t in tools}
    assert size < 12_000, f"tools/list with writes is {size} bytes"


async def test_read_a_page_as_markdown(server: Path, fake: FakeApi, era: str) -> None:
    async with session(server, fake, era) as s:
        page_id = await find(s, "Team Handbook")
        fake.reset()
        result = await s.call_tool("get_page", {"page_id": page_id})
        assert not result.is_error, text_of(result)
        markdown = text_of(result)
        assert markdown.lstrip().startswith(("#", "---", "Title", "title", "**")), markdown[:200]
        assert "```" in markdown, "code blocks come back fenced"
        assert re.search(r"^\s*- \[[ x]\] ", markdown, re.M), "to-dos come back as task items"
        assert re.search(r"^\|.*\|$", markdown, re.M), "tables come back as Markdown tables"
        # The fake's 3/s budget is shared by every session of this module, so it may
        # refuse a request with 429; the server must then wait and ask again.
        sent = fake.requests()
        last = {r["path"]: r["status"] for r in sent}
        assert sent and set(last.values()) == {200}, [(r["path"], r["status"]) for r in sent]
        assert {r["status"] for r in sent} <= {200, 429}


async def test_markdown_round_trip_and_data_source(server: Path, fake: FakeApi) -> None:
    fixture = FIXTURE.read_text()
    async with session(server, fake, "initialize", "--allow-write") as s:
        parent = await find(s, "Team Handbook")
        created = await s.call_tool(
            "create_page", {"parent_page_id": parent, "title": "Interop round trip", "markdown": fixture}
        )
        assert not created.is_error, text_of(created)
        new_id = UUID.search(text_of(created))
        assert new_id, text_of(created)
        back = await s.call_tool("get_page", {"page_id": new_id.group(0)})
        assert not back.is_error, text_of(back)
        missing = set(words(fixture)) - set(words(text_of(back)))
        assert not missing, f"words of the fixture lost in the round trip: {sorted(missing)[:20]}"

        source = await find(s, "Projects", "data_source")
        rows = await s.call_tool("query_data_source", {"data_source_id": source, "limit": 5})
        assert not rows.is_error, text_of(rows)
        assert len([line for line in text_of(rows).splitlines() if line.startswith("{")]) == 5


async def test_forced_429s_are_waited_out(server: Path, fake: FakeApi) -> None:
    async with session(server, fake) as s:
        fake.reset()
        fake.set_faults(rate_limit_next=2, retry_after_secs=1)
        result = await s.call_tool("search", {"query": "Projects"})
        assert not result.is_error, text_of(result)
        statuses = [r["status"] for r in fake.requests()]
        assert statuses[:2] == [429, 429] and statuses[-1] == 200, statuses


async def test_unknown_page_is_an_actionable_error(server: Path, fake: FakeApi) -> None:
    async with session(server, fake) as s:
        result = await s.call_tool("get_page", {"page_id": "00000000-0000-4000-8000-000000000000"})
    assert result.is_error
    assert "404" in text_of(result) or "not found" in text_of(result).lower()
    assert "shared" in text_of(result) or "access" in text_of(result)


async def test_update_page_content_through_the_markdown_endpoint(server: Path, fake: FakeApi) -> None:
    async with session(server, fake, "initialize", "--allow-write", "--notion-version", MARKDOWN_VERSION) as s:
        parent = await find(s, "Team Handbook")
        created = await s.call_tool(
            "create_page",
            {"parent_page_id": parent, "title": "Interop edit", "markdown": "# Notes\n\nOld paragraph\n\nKeep me"},
        )
        assert not created.is_error, text_of(created)
        page = UUID.search(text_of(created)).group(0)
        child = await s.call_tool("create_page", {"parent_page_id": page, "title": "Interop child"})
        assert not child.is_error, text_of(child)

        dry = await s.call_tool(
            "update_page_content",
            {"page_id": page, "start_text": "Old paragraph", "markdown": "New paragraph", "dry_run": True},
        )
        assert not dry.is_error, text_of(dry)
        assert "-Old paragraph" in text_of(dry) and "+New paragraph" in text_of(dry), text_of(dry)

        fake.reset()
        done = await s.call_tool(
            "update_page_content", {"page_id": page, "start_text": "Old paragraph", "markdown": "New paragraph"}
        )
        assert not done.is_error, text_of(done)
        assert "markdown endpoint" in text_of(done), text_of(done)
        sent = [(r["method"], r["path"]) for r in fake.requests()]
        assert ("PATCH", f"/v1/pages/{page}/markdown") in sent, sent
        assert not any(m == "DELETE" for m, _ in sent), sent

        back = await s.call_tool("get_page", {"page_id": page})
        text = text_of(back)
        assert "read_via: markdown endpoint" in text, text
        assert "New paragraph" in text and "Old paragraph" not in text, text
        assert "Keep me" in text and "[Child page: Interop child]" in text, text
