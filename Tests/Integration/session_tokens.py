"""Access tokens, Supabase session cookies and CSRF tokens, built the way clients build them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
import uuid

from secret_registry import remember


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_session_id(token: str) -> str | None:
    """The `session_id` claim of a JWT, without checking its signature."""
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload)).get("session_id")


def mint_hs256(secret: str, issuer: str, *, expires_in: int = 3600, omit: tuple[str, ...] = (), **overrides) -> str:
    """A Supabase-shaped HS256 access token signed with `secret`, from `issuer` (`$SUPABASE_URL/auth/v1`)."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "sub": str(uuid.uuid4()),
        "aud": "authenticated",
        "exp": now + expires_in,
        "iat": now - 5,
        "email": "someone@example.com",
        "phone": "",
        "role": "authenticated",
        "aal": "aal1",
        "session_id": str(uuid.uuid4()),
        "is_anonymous": False,
    }
    claims.update(overrides)
    for name in omit:
        claims.pop(name, None)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{body}".encode()
    signature = _b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    token = f"{header}.{body}.{signature}"
    remember(token)
    return token


def unsigned_token(**claims) -> str:
    """An `alg: none` token, which must never be accepted."""
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    token = f"{header}.{body}."
    remember(token)
    return token


def session_json(session: dict) -> str:
    """The session object supabase-js stores, compact JSON."""
    return json.dumps(
        {
            "access_token": session["access_token"],
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": session.get("expires_at", int(time.time()) + 3600),
            "refresh_token": session["refresh_token"],
            "user": {"id": session.get("user_id", str(uuid.uuid4())), "aud": "authenticated"},
        },
        separators=(",", ":"),
    )


def base64_cookie_value(session: dict) -> str:
    """`base64-` + base64url(session JSON), as @supabase/ssr writes it."""
    value = "base64-" + _b64url(session_json(session).encode())
    remember(value)
    return value


def raw_json_cookie_value(session: dict) -> str:
    value = session_json(session)
    remember(value)
    return value


def url_encoded_cookie_value(session: dict) -> str:
    value = urllib.parse.quote(session_json(session), safe="")
    remember(value)
    return value


def chunks(value: str, count: int) -> list[str]:
    """Splits a cookie value into `count` nearly equal, non-empty chunks, in order."""
    assert 0 < count <= len(value)
    bounds = [len(value) * i // count for i in range(count + 1)]
    return [value[start:end] for start, end in zip(bounds, bounds[1:])]


def new_csrf_value() -> str:
    value = secrets.token_hex(16)
    remember(value)
    return value


def signed_csrf_token(secret: str, session_id: str, nonce_hex: str | None = None) -> str:
    """OWASP signed double-submit token bound to `session_id`."""
    nonce = nonce_hex or secrets.token_hex(16)
    message = f"{len(session_id)}!{session_id}!{len(nonce)}!{nonce}"
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    token = f"{mac}.{nonce}"
    remember(token, mac)
    return token


def cookie_header(pairs: list[tuple[str, str]]) -> str:
    return "; ".join(f"{name}={value}" for name, value in pairs)


def mint_es256(private_key, kid: str, issuer: str, *, expires_in: int = 3600, **overrides) -> str:
    """A Supabase-shaped ES256 access token signed with a `cryptography` EC private key, from `issuer`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    now = int(time.time())
    claims = {"iss": issuer, "sub": str(uuid.uuid4()), "aud": "authenticated", "exp": now + expires_in, "iat": now - 5,
              "role": "authenticated", "session_id": str(uuid.uuid4())}
    claims.update(overrides)
    header = _b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": kid}).encode())
    signing_input = f"{header}.{_b64url(json.dumps(claims).encode())}"
    r, s = decode_dss_signature(private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    token = f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    remember(token)
    return token
