"""`doctor` with --oauth-issuer: it finds the authorization server's metadata and keys
exactly as serving would, reports what clients will meet, and fails (exit 1) when the
issuer cannot be reached. Runs fs-server's doctor; the OAuth part is shared by all four."""

from __future__ import annotations

import subprocess

from conftest import AuthServer, binary, free_port


def doctor(issuer: str, tmp: str) -> subprocess.CompletedProcess[str]:
    port = free_port()
    cmd = [
        str(binary("fs-server")), "doctor", tmp,
        "--http", f"127.0.0.1:{port}",
        "--oauth-issuer", issuer,
        "--public-url", f"http://127.0.0.1:{port}/mcp",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_doctor_reports_the_issuer_metadata_and_keys(auth_server: AuthServer, tmp_path) -> None:
    done = doctor(auth_server.issuer, str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"✓ OAuth: authorization server {auth_server.issuer} found" in out, out
    assert "signing key(s) at" in out, out
    assert "token endpoint" in out and "authorization endpoint" in out, out
    assert "/.well-known/oauth-protected-resource/mcp" in out, out


def test_doctor_fails_when_the_issuer_is_unreachable(tmp_path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    done = doctor(dead, str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "✗ OAuth: no authorization server metadata" in done.stdout, done.stdout
