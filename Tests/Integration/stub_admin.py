"""Starts the Supabase Auth stand-in and drives its admin API."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from processes import terminate
from secret_registry import remember


JWKS_PATH = "/auth/v1/.well-known/jwks.json"
OPENID_PATH = "/auth/v1/.well-known/openid-configuration"


class Stub:
    def __init__(self, script: Path, workdir: Path):
        self.anon_key = "anon-" + secrets.token_hex(20)
        self.jwt_secret = secrets.token_urlsafe(48)
        remember(self.anon_key, self.jwt_secret)
        self.stderr_path = workdir / "stub.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            # name=value: a secret may start with "-", which argparse would take for an option.
            [sys.executable, str(script), "--port", "0", "--admin-port", "0",
             f"--anon-key={self.anon_key}", f"--jwt-secret={self.jwt_secret}", "--host", "127.0.0.1"],
            stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
        )
        line = self.proc.stdout.readline().decode().strip()
        parts = line.split()
        if len(parts) != 3 or parts[0] != "READY":
            self.stop()
            raise RuntimeError(f"stub did not start (first line {line[:80]!r}); see {self.stderr_path}")
        self.url, self.admin_url = parts[1], parts[2]
        # What Supabase Auth puts in `iss`, and what the responder requires by default.
        self.issuer = self.url + "/auth/v1"
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        terminate(self.proc)
        self._stderr.close()

    # admin API

    def admin(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.admin_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, (json.loads(raw) if raw else None)

    def reset(self) -> None:
        status, _ = self.admin("POST", "/admin/reset")
        assert status == 204

    def new_session(self, user_id: str | None = None, expires_in: int = 3600, alg: str = "HS256") -> dict:
        body = {"expires_in": expires_in, "alg": alg}
        if user_id:
            body["user_id"] = user_id
        status, session = self.admin("POST", "/admin/sessions", body)
        assert status == 201, status
        remember(session["access_token"], session["refresh_token"])
        return session

    def live_sessions(self, user_id: str | None = None) -> set[str]:
        path = "/admin/sessions" + (f"?user_id={user_id}" if user_id else "")
        status, body = self.admin("GET", path)
        assert status == 200
        return set(body["sessions"])

    def requests(self) -> list[dict]:
        status, body = self.admin("GET", "/admin/requests")
        assert status == 200
        return body["requests"]

    def logout_requests(self) -> list[dict]:
        return [r for r in self.requests() if r["path"].endswith("/auth/v1/logout")]

    def token_requests(self) -> list[dict]:
        return [r for r in self.requests() if r["path"].endswith("/auth/v1/token")]

    def ban_user(self, user_id: str, banned: bool = True) -> None:
        status, _ = self.admin("POST", f"/admin/users/{user_id}/ban", {"banned": banned})
        assert status == 204

    def set_issuer(self, issuer: str | None, openid_status: int | None = None) -> None:
        """The iss of new tokens and of the openid-configuration ("" none; None the stand-in's own)."""
        status, _ = self.admin("POST", "/admin/issuer", {"issuer": issuer, "openid_status": openid_status})
        assert status == 204

    def set_refresh(self, reuse_interval: int = 10, bucket: dict | None = None) -> None:
        status, _ = self.admin("POST", "/admin/refresh", {"reuse_interval": reuse_interval, "bucket": bucket})
        assert status == 204

    def jwks_requests(self) -> list[dict]:
        return [r for r in self.requests() if r["path"] == JWKS_PATH]

    def requests_for_users(self) -> list[dict]:
        """Every request but JWKS and openid-configuration fetches, which the responder makes on its own
        schedule and which carry nothing of a user's."""
        return [r for r in self.requests() if r["path"] not in (JWKS_PATH, OPENID_PATH)]

    def jwks_answer(self, status: int | None = None, cache_control: str | None = None, require_apikey: bool = False) -> None:
        """From now on the JWKS answers `status` (None: the keys), with `cache_control` (None: GoTrue's),
        and only to requests with the apikey when `require_apikey`."""
        code, _ = self.admin("POST", "/admin/jwks/answer",
                             {"status": status, "cache_control": cache_control, "require_apikey": require_apikey})
        assert code == 204

    def rotate_jwks(self) -> str:
        """A new ES256 signing key replaces the current one in the JWKS; returns its kid."""
        code, body = self.admin("POST", "/admin/jwks/rotate")
        assert code == 200
        return body["kid"]

    def clear_requests(self) -> None:
        self.admin("DELETE", "/admin/requests")

    def fault(self, **fault) -> None:
        status, _ = self.admin("POST", "/admin/faults", fault)
        assert status == 204

    def clear_faults(self) -> None:
        status, _ = self.admin("DELETE", "/admin/faults")
        assert status == 204

    def delete_user(self, user_id: str) -> None:
        status, _ = self.admin("DELETE", f"/admin/users/{user_id}")
        assert status == 204

    def logout_session(self, access_token: str) -> int:
        """Status of a local logout on the public API, sent straight to the stand-in."""
        req = urllib.request.Request(
            self.url + "/auth/v1/logout?scope=local", data=b"", method="POST",
            headers={"Authorization": f"Bearer {access_token}", "apikey": self.anon_key},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            err.read()
            return err.code

    def refresh(self, refresh_token: str) -> int:
        """Status of a refresh-token grant on the public API."""
        req = urllib.request.Request(
            self.url + "/auth/v1/token?grant_type=refresh_token",
            data=json.dumps({"refresh_token": refresh_token}).encode(), method="POST",
            headers={"Content-Type": "application/json", "apikey": self.anon_key},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                body = json.loads(resp.read())
                remember(body.get("access_token"), body.get("refresh_token"))
                return resp.status
        except urllib.error.HTTPError as err:
            err.read()
            return err.code
