"""What a resource server must refuse, and the headers it must refuse with: raw HTTP.

One fs-server with --allow-write as the resource server of the test authorization
server (--auth-failures-per-minute 0, so the refusals are not turned into 429s;
introspection configured for opaque tokens). Each bad token is minted by the AS's
/_test/token (see authorization-server.mjs): expired, not yet valid, wrong issuer,
another resource's audience, alg none, tampered payload, altered signature, unknown
kid, HS256 keyed with the public key. Then scopes (read-only tokens see and call only
read tools; a write call is 403 insufficient_scope), key rotation without a restart,
the protected-resource metadata, and opaque tokens through RFC 7662 introspection.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from conftest import (
    INTROSPECTION_CLIENT,
    AuthServer,
    McpServer,
    binary,
    make_shop,
    running_auth_server,
    start_mcp_server,
    stop_process,
)

MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
PROTOCOL = "2025-11-25"
WRITE_TOOLS = {"write_file", "edit_file", "create_directory"}
BOTH = "mcp:read mcp:write"


@dataclass
class Setup:
    auth: AuthServer
    server: McpServer
    root: Path

    @property
    def prm_url(self) -> str:
        return self.server.url + "/.well-known/oauth-protected-resource/mcp"

    def token(self, variant: str = "valid", **claims: object) -> str:
        return self.auth.token(variant, aud=claims.pop("aud", self.server.mcp), **claims)


def fs_server(auth: AuthServer, work: Path, *extra: str) -> tuple[McpServer, Path]:
    root = work / "root"
    root.mkdir(exist_ok=True)
    (root / "notes.txt").write_text("read me\n")
    args = [
        "--allow-write",
        "--auth-failures-per-minute",
        "0",
        "--oauth-introspection-url",
        auth.issuer + "/introspect",
        "--oauth-client-id",
        INTROSPECTION_CLIENT[0],
        *extra,
        str(root),
    ]
    env = {"MCP_OAUTH_CLIENT_SECRET": INTROSPECTION_CLIENT[1]}
    return start_mcp_server(binary("fs-server"), auth, args, work / "fs-server.log", env), root


@pytest.fixture(scope="module")
def setup(auth_server: AuthServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    server, root = fs_server(auth_server, tmp_path_factory.mktemp("fs"))
    try:
        yield Setup(auth_server, server, root)
    finally:
        stop_process(server.proc)


# --------------------------------------------------------------------------- raw MCP over HTTP


def post(server: McpServer, message: dict, token: str | None = None, session: str | None = None) -> httpx2.Response:
    headers = dict(MCP_HEADERS)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if session is not None:
        headers["Mcp-Session-Id"] = session
        headers["MCP-Protocol-Version"] = PROTOCOL
    return httpx2.post(server.mcp, content=json.dumps(message).encode(), headers=headers, timeout=30)


def initialize(server: McpServer, token: str | None) -> httpx2.Response:
    params = {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "oauth-refusals", "version": "0"}}
    return post(server, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}, token)


def reply(response: httpx2.Response) -> dict:
    """The JSON-RPC message of a response, whether plain JSON or one SSE event."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                return json.loads(line[5:])
        raise AssertionError(f"no data in SSE reply: {response.text!r}")
    return response.json()


def open_session(server: McpServer, token: str) -> str:
    response = initialize(server, token)
    assert response.status_code == 200, (response.status_code, response.headers, response.text)
    session = response.headers["mcp-session-id"]
    done = post(server, {"jsonrpc": "2.0", "method": "notifications/initialized"}, token, session)
    assert done.status_code in (200, 202), done.text
    return session


def call(server: McpServer, token: str, method: str, params: dict) -> httpx2.Response:
    session = open_session(server, token)
    return post(server, {"jsonrpc": "2.0", "id": 2, "method": method, "params": params}, token, session)


def tool_names(server: McpServer, token: str) -> set[str]:
    response = call(server, token, "tools/list", {})
    assert response.status_code == 200, response.text
    return {tool["name"] for tool in reply(response)["result"]["tools"]}


def challenge(response: httpx2.Response) -> str:
    header = response.headers.get("www-authenticate", "")
    assert header.startswith("Bearer"), f"WWW-Authenticate: {header!r}"
    return header


# --------------------------------------------------------------------------- 401 matrix


def test_valid_token_is_accepted(setup: Setup) -> None:
    """The baseline the refusals are measured against."""
    response = initialize(setup.server, setup.token())
    assert response.status_code == 200, (response.status_code, response.headers, response.text)
    assert reply(response)["result"]["protocolVersion"] == PROTOCOL


def test_no_token_is_401_with_the_metadata_url(setup: Setup) -> None:
    response = initialize(setup.server, None)
    assert response.status_code == 401, response.text
    header = challenge(response)
    assert f'resource_metadata="{setup.prm_url}"' in header, header
    assert 'scope="mcp:read mcp:write"' in header, header
    assert "error=" not in header, f"no credentials is not an invalid token (RFC 6750 §3.1): {header}"


# case -> (variant of /_test/token, claims given the current time)
BAD_TOKENS = {
    "expired": ("valid", lambda now: {"iat": now - 1200, "nbf": now - 1200, "exp": now - 600}),
    "not-yet-valid": ("valid", lambda now: {"nbf": now + 600, "exp": now + 1200}),
    "wrong-issuer": ("valid", lambda now: {"iss": "http://127.0.0.1:1/another-issuer"}),
    "other-audience": ("valid", lambda now: {"aud": "http://127.0.0.1:1/mcp"}),
    "no-audience": ("valid", lambda now: {"aud": None}),
    "alg-none": ("alg-none", lambda now: {}),
    "tampered-payload": ("tampered", lambda now: {}),
    "altered-signature": ("bad-signature", lambda now: {}),
    "unknown-kid": ("unknown-kid", lambda now: {}),
    "hs256-with-public-key": ("hs256-public-key", lambda now: {}),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_invalid_token_is_401_invalid_token(setup: Setup, case: str) -> None:
    variant, claims_at = BAD_TOKENS[case]
    claims = claims_at(int(time.time()))
    response = initialize(setup.server, setup.token(variant, **claims))
    assert response.status_code == 401, f"{case}: {response.status_code} {response.text[:300]}"
    header = challenge(response)
    assert 'error="invalid_token"' in header, f"{case}: {header}"
    assert f'resource_metadata="{setup.prm_url}"' in header, f"{case}: {header}"


def test_garbage_bearer_is_401(setup: Setup) -> None:
    response = initialize(setup.server, "not-a-token")
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in challenge(response)


def test_token_without_the_read_scope_is_refused(setup: Setup) -> None:
    response = initialize(setup.server, setup.token(scope="profile email"))
    assert response.status_code in (401, 403), response.text
    header = challenge(response)
    assert 'error="insufficient_scope"' in header or 'error="invalid_token"' in header, header
    assert "mcp:read" in header, header


# --------------------------------------------------------------------------- scopes


def test_read_only_token_lists_only_read_tools(setup: Setup) -> None:
    read_only = tool_names(setup.server, setup.token(scope="mcp:read"))
    everything = tool_names(setup.server, setup.token(scope=BOTH))
    assert {"read_text_file", "list_directory", "grep"} <= read_only, read_only
    assert not read_only & WRITE_TOOLS, read_only & WRITE_TOOLS
    assert WRITE_TOOLS <= everything, everything
    assert read_only < everything


def test_write_call_with_read_only_token_is_403_insufficient_scope(setup: Setup) -> None:
    target = setup.root / "written-by-reader.txt"
    args = {"name": "write_file", "arguments": {"path": str(target), "content": "should not exist"}}
    response = call(setup.server, setup.token(scope="mcp:read"), "tools/call", args)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    header = challenge(response)
    assert 'error="insufficient_scope"' in header, header
    assert 'scope="mcp:read mcp:write"' in header, header
    assert f'resource_metadata="{setup.prm_url}"' in header, header
    assert not target.exists()

    allowed = call(setup.server, setup.token(scope=BOTH), "tools/call", args)
    assert allowed.status_code == 200, allowed.text
    assert not reply(allowed)["result"].get("isError"), reply(allowed)
    assert target.read_text() == "should not exist"


def test_read_call_with_read_only_token_works(setup: Setup) -> None:
    args = {"name": "read_text_file", "arguments": {"path": str(setup.root / "notes.txt")}}
    response = call(setup.server, setup.token(scope="mcp:read"), "tools/call", args)
    assert response.status_code == 200, response.text
    assert "read me" in json.dumps(reply(response)["result"])


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("path", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"])
def test_protected_resource_metadata(setup: Setup, path: str) -> None:
    response = httpx2.get(setup.server.url + path)
    assert response.status_code == 200, response.text
    prm = response.json()
    assert prm["resource"] == setup.server.mcp
    assert prm["authorization_servers"] == [setup.auth.issuer]
    assert prm["scopes_supported"] == ["mcp:read", "mcp:write"]
    assert prm["bearer_methods_supported"] == ["header"]


def test_sql_server_metadata_offers_only_the_read_scope(auth_server: AuthServer, tmp_path: Path) -> None:
    shop = make_shop(tmp_path / "shop.sqlite")
    server = start_mcp_server(binary("sql-server"), auth_server, ["--url", f"sqlite:{shop}"], tmp_path / "sql.log")
    try:
        prm = httpx2.get(server.url + "/.well-known/oauth-protected-resource/mcp").json()
        assert prm["resource"] == server.mcp and prm["scopes_supported"] == ["mcp:read"], prm
        header = challenge(initialize(server, None))
        assert 'scope="mcp:read"' in header, header
    finally:
        stop_process(server.proc)


# --------------------------------------------------------------------------- introspection


def test_opaque_token_is_checked_by_introspection(setup: Setup) -> None:
    before = len(setup.auth.requests())
    exp = int(time.time()) + 300
    good = setup.auth.opaque(scope=BOTH, aud=setup.server.mcp, exp=exp, sub="alice", client_id="mcp-interop-client")
    response = initialize(setup.server, good)
    assert response.status_code == 200, (response.status_code, response.headers, response.text)
    asked = [r for r in setup.auth.requests()[before:] if r["path"] == "/introspect"]
    assert asked, "the server did not call the introspection endpoint"
    assert asked[0]["body"]["token"] == good and asked[0]["auth"].startswith("Basic "), asked[0]

    inactive = setup.auth.opaque(active=False)
    refused = initialize(setup.server, inactive)
    assert refused.status_code == 401 and 'error="invalid_token"' in challenge(refused), refused.text

    elsewhere = setup.auth.opaque(scope=BOTH, aud="http://127.0.0.1:1/mcp", exp=exp, sub="alice")
    refused = initialize(setup.server, elsewhere)
    assert refused.status_code == 401 and 'error="invalid_token"' in challenge(refused), refused.text


# --------------------------------------------------------------------------- key rotation


def test_key_rotation_without_restart(tmp_path: Path) -> None:
    """A dedicated AS and server: the rotation must not disturb the module's other tests."""
    with running_auth_server(tmp_path / "as.log") as auth:
        server, _ = fs_server(auth, tmp_path, "--oauth-jwks-cooldown", "1")
        try:
            old_token = auth.token(aud=server.mcp)
            assert initialize(server, old_token).status_code == 200
            new_kid = auth.rotate()
            time.sleep(1.5)  # past the server's refetch cooldown
            new_token = auth.token(aud=server.mcp)
            response = initialize(server, new_token)
            assert response.status_code == 200, (new_kid, response.status_code, response.text, server.stderr())
            jwks_fetches = [r for r in auth.requests() if r["path"] == "/jwks"]
            assert len(jwks_fetches) >= 2, jwks_fetches
            gone = initialize(server, old_token)
            assert gone.status_code == 401, "a token signed by a key no longer in the JWKS was accepted"
        finally:
            stop_process(server.proc)


# --------------------------------------------------------------------------- metadata discovery


def test_server_found_the_openid_metadata_and_jwks(setup: Setup) -> None:
    """oauth2-mock-server publishes only /.well-known/openid-configuration: the fallback."""
    assert initialize(setup.server, setup.token()).status_code == 200
    fetched = [r["path"] for r in setup.auth.requests() if r["method"] == "GET"]
    assert "/.well-known/openid-configuration" in fetched, fetched
    assert "/jwks" in fetched, fetched


def test_server_prefers_rfc8414_metadata(tmp_path: Path) -> None:
    with running_auth_server(tmp_path / "as.log", "--rfc8414") as auth:
        server, _ = fs_server(auth, tmp_path)
        try:
            assert initialize(server, auth.token(aud=server.mcp)).status_code == 200
            fetched = [r["path"] for r in auth.requests() if r["method"] == "GET"]
            assert "/.well-known/oauth-authorization-server" in fetched, fetched
            assert "/.well-known/openid-configuration" not in fetched, fetched
        finally:
            stop_process(server.proc)


# --------------------------------------------------------------------------- sessions


def test_a_session_is_bound_to_the_person_who_opened_it(setup: Setup) -> None:
    """Someone else's token on alice's session gets 404, as if it did not exist;
    alice's own next token (same subject) keeps working on it."""
    alice = setup.token(sub="alice")
    session = open_session(setup.server, alice)
    listing = {"jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": {}}
    mallory = setup.token(sub="mallory")
    hijack = post(setup.server, listing, mallory, session)
    assert hijack.status_code == 404, (hijack.status_code, hijack.text)
    assert "Session not found" in hijack.text
    again = post(setup.server, listing, setup.token(sub="alice"), session)
    assert again.status_code == 200, again.text
    assert reply(again)["result"]["tools"]
