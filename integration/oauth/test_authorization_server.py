"""The test authorization server alone (no MCP server): what the other tests rely on.

Checks that authorization-server.mjs starts, publishes the library's metadata and JWKS,
enforces a registered client and PKCE, issues access tokens whose claims (aud = the RFC
8707 resource, scope, sub, client_id) verify against its JWKS, mints each bad-token
variant as described, rotates its key and answers introspection. Tokens are checked
with PyJWT (installed with the MCP SDK), independently of the harness.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx2
import jwt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
import pytest
from conftest import INTROSPECTION_CLIENT, AuthServer, running_auth_server

RESOURCE = "http://127.0.0.1:1/mcp"
CLIENT = "harness-client"
REDIRECT = "http://127.0.0.1:1/callback"


def b64json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwks_key(auth: AuthServer, kid: str) -> jwt.PyJWK:
    keys = httpx2.get(auth.issuer + "/jwks").json()["keys"]
    matching = [k for k in keys if k["kid"] == kid]
    assert matching, f"kid {kid} not in JWKS {[k['kid'] for k in keys]}"
    return jwt.PyJWK(matching[0])


def verify(auth: AuthServer, token: str, audience: str = RESOURCE) -> dict:
    kid = b64json(token.split(".")[0])["kid"]
    return jwt.decode(token, jwks_key(auth, kid), algorithms=["RS256"], audience=audience, issuer=auth.issuer)


def authorize(auth: AuthServer, **overrides: str) -> httpx2.Response:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "state": "st",
        "scope": "mcp:read",
        "resource": RESOURCE,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    response = httpx2.get(auth.issuer + "/authorize", params=params)
    response.verifier = verifier  # type: ignore[attr-defined]
    return response


@pytest.fixture(scope="module")
def auth(auth_server: AuthServer) -> AuthServer:
    auth_server.register_client(CLIENT, [REDIRECT])
    return auth_server


def test_metadata_and_jwks(auth: AuthServer) -> None:
    meta = httpx2.get(auth.issuer + "/.well-known/openid-configuration").json()
    assert meta["issuer"] == auth.issuer
    assert meta["token_endpoint"] == auth.issuer + "/token"
    assert meta["jwks_uri"] == auth.issuer + "/jwks"
    assert "S256" in meta["code_challenge_methods_supported"]
    keys = httpx2.get(meta["jwks_uri"]).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]
    assert keys[0]["kid"] == auth.state()["kid"]


def test_authorization_code_with_pkce_gives_a_token_for_the_resource(auth: AuthServer) -> None:
    response = authorize(auth)
    assert response.status_code == 302, response.text
    location = urlparse(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["st"]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "code_verifier": response.verifier,  # type: ignore[attr-defined]
        "resource": RESOURCE,
    }
    wrong = httpx2.post(auth.issuer + "/token", data={**form, "code_verifier": secrets.token_urlsafe(48)})
    assert wrong.status_code == 400, wrong.text  # the library's PKCE check; the code is spent
    response = authorize(auth)
    form["code"] = parse_qs(urlparse(response.headers["location"]).query)["code"][0]
    form["code_verifier"] = response.verifier  # type: ignore[attr-defined]
    token = httpx2.post(auth.issuer + "/token", data=form)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["scope"] == "mcp:read" and body["token_type"] == "Bearer"
    claims = verify(auth, body["access_token"])
    assert claims["aud"] == RESOURCE and claims["scope"] == "mcp:read"
    assert claims["sub"] == "alice" and claims["client_id"] == CLIENT
    replay = httpx2.post(auth.issuer + "/token", data=form)
    assert replay.status_code == 400, replay.text


def test_authorize_refuses_unknown_client_and_missing_pkce(auth: AuthServer) -> None:
    assert authorize(auth, client_id="stranger").status_code == 400
    assert authorize(auth, redirect_uri="http://127.0.0.1:2/elsewhere").status_code == 400
    plain = authorize(auth, code_challenge_method="plain")
    assert plain.status_code == 302 and "error=invalid_request" in plain.headers["location"]


def test_token_without_code_verifier_is_refused(auth: AuthServer) -> None:
    response = authorize(auth)
    code = parse_qs(urlparse(response.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT, "redirect_uri": REDIRECT}
    refused = httpx2.post(auth.issuer + "/token", data=form)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text


def test_minted_variants(auth: AuthServer) -> None:
    valid = auth.token(aud=RESOURCE, scope="mcp:read")
    claims = verify(auth, valid)
    assert claims["scope"] == "mcp:read" and claims["sub"] == "alice" and claims["exp"] - claims["iat"] == 300

    none = auth.token("alg-none", aud=RESOURCE)
    assert b64json(none.split(".")[0])["alg"] == "none" and none.endswith(".")

    for variant in ("tampered", "bad-signature", "unknown-kid"):
        token = auth.token(variant, aud=RESOURCE)
        with pytest.raises((jwt.InvalidSignatureError, AssertionError)):
            verify(auth, token)

    confused = auth.token("hs256-public-key", aud=RESOURCE)
    header, payload, signature = confused.split(".")
    assert b64json(header)["alg"] == "HS256"
    pem = jwks_key(auth, b64json(header)["kid"]).key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    mac = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == signature

    expired = auth.token(aud=RESOURCE, exp=1, iat=0, nbf=0)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(auth, expired)


def test_introspection(auth: AuthServer) -> None:
    opaque = auth.opaque(scope="mcp:read", aud=RESOURCE, sub="alice", client_id=CLIENT, exp=2**31)
    url = auth.issuer + "/introspect"
    assert httpx2.post(url, data={"token": opaque}).status_code == 401  # no client authentication
    answer = httpx2.post(url, data={"token": opaque}, auth=INTROSPECTION_CLIENT).json()
    assert answer["active"] is True and answer["scope"] == "mcp:read" and answer["aud"] == RESOURCE
    inactive = auth.opaque(active=False)
    assert httpx2.post(url, data={"token": inactive}, auth=INTROSPECTION_CLIENT).json() == {"active": False}
    assert httpx2.post(url, data={"token": "never-issued"}, auth=INTROSPECTION_CLIENT).json() == {"active": False}


def test_rotation_replaces_the_key(auth_server: AuthServer) -> None:
    before = auth_server.state()["kid"]
    old_token = auth_server.token(aud=RESOURCE)
    after = auth_server.rotate()
    assert after != before and auth_server.state()["jwks_kids"] == [after]
    new_token = auth_server.token(aud=RESOURCE)
    assert b64json(new_token.split(".")[0])["kid"] == after
    assert verify(auth_server, new_token)["sub"] == "alice"
    with pytest.raises(AssertionError):
        verify(auth_server, old_token)  # its kid is gone from the JWKS


def test_rfc8414_document_when_asked(tmp_path: Path) -> None:
    with running_auth_server(tmp_path / "as.log", "--rfc8414") as auth:
        meta = httpx2.get(auth.issuer + "/.well-known/oauth-authorization-server").json()
        assert meta["issuer"] == auth.issuer and meta["jwks_uri"] == auth.issuer + "/jwks"
    with running_auth_server(tmp_path / "as-plain.log") as auth:
        assert httpx2.get(auth.issuer + "/.well-known/oauth-authorization-server").status_code == 404
