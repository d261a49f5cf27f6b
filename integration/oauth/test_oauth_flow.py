"""The whole OAuth 2.1 flow, done by the official Python SDK's client, against each server.

For fs-server, sql-server, github-server and notion-server over HTTP, in both protocol
eras (initialize = 2025-11-25 with a session; discover = 2026-07-28 stateless), the SDK's
`OAuthClientProvider` starts with no token and must, by itself: get a 401, read the
protected-resource metadata the 401 names, read the authorization server's metadata,
use its client registration (oauth2-mock-server has no dynamic registration, so the
client is pre-registered, as with most real authorization servers), get a code with
PKCE (S256) and the RFC 8707 resource, trade it for a token, and then list tools and
call one. The user agent is `UserAgent` below: it GETs the authorization URL without
following the redirect and hands the code and state back to the SDK.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import anyio
import httpx2
import mcp.types as types
import pytest
from conftest import TIMEOUT, AuthServer, McpServer, binary, make_shop, start_fake, start_mcp_server, stop_process
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

CLIENT_ID = "mcp-interop-client"
REDIRECT = "http://127.0.0.1:9/oauth/callback"  # never contacted: the user agent stops at it

pytestmark = pytest.mark.anyio


class MemoryStorage:
    """The SDK's TokenStorage, in memory, holding the pre-registered client."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info = OAuthClientInformationFull(
            client_id=CLIENT_ID,
            redirect_uris=[REDIRECT],
            token_endpoint_auth_method="none",
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        )

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@dataclass
class UserAgent:
    """Plays the browser: follows the authorization URL to the AS and reads the redirect."""

    authorization_urls: list[str] = field(default_factory=list)
    result: AuthorizationCodeResult | None = None

    async def redirect_handler(self, url: str) -> None:
        self.authorization_urls.append(url)
        async with httpx2.AsyncClient(follow_redirects=False) as client:
            response = await client.get(url)
        assert response.status_code == 302, f"authorize answered {response.status_code}: {response.text}"
        location = urlparse(response.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT, location
        query = parse_qs(location.query)
        assert "error" not in query, query
        self.result = AuthorizationCodeResult(
            code=query["code"][0], state=query.get("state", [None])[0], iss=query.get("iss", [None])[0]
        )

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None, "callback before the redirect"
        return self.result


def claims_of(jwt: str) -> dict:
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


# --------------------------------------------------------------------------- the four servers


@dataclass
class Target:
    name: str
    server: McpServer
    tool: str
    arguments: dict
    expect: str  # text the tool's answer must contain
    scopes: set[str]  # what the server's 401 should ask for


@pytest.fixture(scope="module")
def flow_auth(auth_server: AuthServer) -> AuthServer:
    auth_server.register_client(CLIENT_ID, [REDIRECT])
    return auth_server


@pytest.fixture(scope="module", params=["fs", "sql", "github", "notion"])
def target(request: pytest.FixtureRequest, flow_auth: AuthServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    name = request.param
    work = tmp_path_factory.mktemp(name)
    env: dict[str, str] = {}
    fake = None
    both = {"mcp:read", "mcp:write"}  # offered by servers started with their write tools on
    if name == "fs":
        root = work / "root"
        root.mkdir()
        (root / "hello.txt").write_text("hello from the oauth flow\n")
        args, call = [str(root), "--allow-write"], ("read_text_file", {"path": str(root / "hello.txt")}, "hello from the oauth flow")
        scopes = both
    elif name == "sql":
        shop = make_shop(work / "shop.sqlite")
        args = ["--url", f"sqlite:{shop}"]
        call = ("query", {"sql": "SELECT name FROM customers ORDER BY id LIMIT 1"}, "name")
        scopes = {"mcp:read"}
    elif name == "github":
        fake = start_fake("github")
        args, env = ["--api-url", fake.base_url, "--allow-write"], {"GITHUB_TOKEN": "fake-github-token-demo"}
        call, scopes = ("get_me", {}, "octo-demo"), both
    else:
        fake = start_fake("notion")
        args, env = ["--api-url", fake.base_url, "--allow-write"], {"NOTION_TOKEN": "fake-notion-token-demo"}
        call, scopes = ("search", {"query": "Projects"}, "Projects"), both
    server = start_mcp_server(binary(f"{name}-server"), flow_auth, args, work / "server.log", env)
    try:
        yield Target(name, server, call[0], call[1], call[2], scopes)
    finally:
        stop_process(server.proc)
        if fake is not None:
            stop_process(fake.proc)


@dataclass
class Exchange:
    storage: MemoryStorage
    agent: UserAgent
    seen: list[tuple[str, str, int]]  # (method, url, status) of every HTTP exchange


@asynccontextmanager
async def oauth_session(t: Target, era: str) -> AsyncIterator[tuple[ClientSession, Exchange]]:
    storage, agent = MemoryStorage(), UserAgent()
    provider = OAuthClientProvider(
        server_url=t.server.mcp,
        client_metadata=OAuthClientMetadata(
            client_name="mcp-bundle oauth interop",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=agent.redirect_handler,
        callback_handler=agent.callback_handler,
    )
    exchange = Exchange(storage, agent, [])

    async def record(response: httpx2.Response) -> None:
        exchange.seen.append((response.request.method, str(response.request.url), response.status_code))

    with anyio.fail_after(TIMEOUT):
        async with create_mcp_http_client(auth=provider) as http_client:
            http_client.event_hooks["response"].append(record)
            async with streamable_http_client(t.server.mcp, http_client=http_client) as (read, write):
                async with ClientSession(read, write) as session:
                    try:
                        if era == "initialize":
                            await session.initialize()
                        else:
                            await session.discover()
                    except Exception as e:
                        raise RuntimeError(f"{era} failed: {e!r}\nseen: {exchange.seen}\n{t.server.stderr()}") from e
                    yield session, exchange


@pytest.mark.parametrize("era", ["initialize", "discover"])
async def test_sdk_completes_the_oauth_flow(target: Target, flow_auth: AuthServer, era: str) -> None:
    t = target
    before = len(flow_auth.requests())
    async with oauth_session(t, era) as (session, exchange):
        listed = await session.list_tools()
        names = {tool.name for tool in listed.tools}
        assert t.tool in names, names
        result = await session.call_tool(t.tool, t.arguments)
        assert not result.is_error, text_of(result)
        assert t.expect in text_of(result) or t.expect in json.dumps(result.structured_content), text_of(result)

    # The server answered the token-less first request with 401 and sent the client to its PRM.
    first = exchange.seen[0]
    assert first[1] == t.server.mcp and first[2] == 401, exchange.seen
    prm_url = t.server.url + "/.well-known/oauth-protected-resource/mcp"
    assert (("GET", prm_url, 200)) in exchange.seen, exchange.seen
    oidc = flow_auth.issuer + "/.well-known/openid-configuration"
    assert ("GET", oidc, 200) in exchange.seen, exchange.seen
    # Every MCP request (POST) after the flow was accepted.
    start = exchange.seen.index(("GET", oidc, 200))
    after = [s for s in exchange.seen[start:] if s[0] == "POST" and s[1] == t.server.mcp]
    assert len(after) >= 3 and all(status in (200, 202) for _, _, status in after), exchange.seen

    # The authorization request carried PKCE S256, the resource and the server's scopes.
    assert len(exchange.agent.authorization_urls) == 1
    query = {k: v[0] for k, v in parse_qs(urlparse(exchange.agent.authorization_urls[0]).query).items()}
    assert query["client_id"] == CLIENT_ID and query["code_challenge_method"] == "S256"
    assert query["resource"] == t.server.mcp
    assert set(query["scope"].split()) == t.scopes, query

    # The AS saw the token request with the verifier and the resource; the token names them.
    seen_by_as = flow_auth.requests()[before:]
    token_requests = [r for r in seen_by_as if r["path"] == "/token"]
    assert len(token_requests) == 1, seen_by_as
    body = token_requests[0]["body"]
    assert body["grant_type"] == "authorization_code" and body["code_verifier"] and body["resource"] == t.server.mcp
    assert exchange.storage.tokens is not None
    claims = claims_of(exchange.storage.tokens.access_token)
    assert claims["aud"] == t.server.mcp and claims["iss"] == flow_auth.issuer and claims["sub"] == "alice"
    assert set(claims["scope"].split()) == t.scopes
