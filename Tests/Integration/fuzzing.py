"""Seeded generators for the fuzz tests: hostile FastCGI byte streams, and HTTP requests whose
correct answer the contract decides (the oracle)."""

from __future__ import annotations

import os
import random
import string
import struct
from dataclasses import dataclass, field

from fcgi_client import (
    ABORT_REQUEST, BEGIN_REQUEST, PARAMS, STDIN, begin_request, length, nginx_like_params, params_bytes, record,
    request_bytes, stream_records,
)
from session_tokens import (
    base64_cookie_value, chunks, mint_hs256, new_csrf_value, raw_json_cookie_value, url_encoded_cookie_value,
)

SEED = int(os.environ.get("FUZZ_SEED", "20261204"))


def case_count(default: int) -> int:
    return int(os.environ.get("FUZZ_CASES", default))


# --- The FastCGI socket -------------------------------------------------------------------------


@dataclass
class SocketCase:
    kind: str
    data: bytes
    #: True: the bytes are one whole request, which must be answered.
    answerable: bool = False
    #: True: close with a reset instead of a FIN after sending.
    abort: bool = False


def _random_bytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def _random_params(rng: random.Random) -> dict[str, str]:
    params = nginx_like_params("POST", "/api/auth/logout", "localhost", {}, b"")
    count = rng.choice([0, 1, 5, 50, 500, 10_000]) if rng.random() < 0.3 else rng.randint(0, 20)
    for i in range(count):
        name = "HTTP_X_" + "".join(rng.choices(string.ascii_uppercase, k=rng.randint(1, 12))) + str(i)
        value = _random_bytes(rng, rng.randint(0, 64)).decode("latin-1")  # arbitrary bytes, not UTF-8
        params[name] = value
    if rng.random() < 0.5:
        params["HTTP_AUTHORIZATION"] = "Bearer " + _random_bytes(rng, rng.randint(0, 200)).decode("latin-1")
    return params


def _mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        position = rng.randrange(len(out) + 1)
        if choice < 0.4 and out:
            out[min(position, len(out) - 1)] = rng.getrandbits(8)
        elif choice < 0.7:
            out[position:position] = _random_bytes(rng, rng.randint(1, 16))
        elif out:
            del out[position:position + rng.randint(1, 16)]
    return bytes(out)


def _overflowing_pair(rng: random.Random) -> bytes:
    big = rng.choice([0x7FFFFFFF, 0x7FFFFFFE, 0x3FFFFFFF, 0x40000000, 0x7FFFFF00, rng.randint(1 << 20, 0x7FFFFFFF)])
    other = rng.choice([0, 1, big, 0x7FFFFFFF - big + rng.randint(0, 16)])
    pair = length(big) + length(other) if rng.random() < 0.5 else length(other) + length(big)
    return pair + _random_bytes(rng, rng.randint(0, 32))


def socket_cases(count: int, seed: int = SEED):
    """`count` seeded cases: whole requests (random params, non-UTF-8 bytes, 10,000 params, bodies),
    mutations of them, overflowing and huge lengths, truncations, multiplexed ids and aborts."""
    rng = random.Random(seed)
    for index in range(count):
        params = _random_params(rng)
        body = _random_bytes(rng, rng.choice([0, 0, 10, 4096, 4097, 20_000]))
        whole = request_bytes(params, body, keep_connection=rng.random() < 0.3)
        kind = rng.choice(["whole", "mutated", "truncated", "overflow", "huge-record", "random-records",
                           "multiplexed", "abort", "garbage"])
        if kind == "whole":
            yield SocketCase(kind, whole, answerable=True)
        elif kind == "mutated":
            yield SocketCase(kind, _mutate(rng, whole))
        elif kind == "truncated":
            yield SocketCase(kind, whole[: rng.randrange(len(whole))])
        elif kind == "overflow":
            yield SocketCase(kind, begin_request() + record(PARAMS, _overflowing_pair(rng)) + stream_records(PARAMS, b""))
        elif kind == "huge-record":
            declared = rng.choice([0xFFFF, 0x8000, 0xFF00])
            header = struct.pack(">BBHHBx", 1, rng.choice([PARAMS, STDIN]), 1, declared, rng.randint(0, 255))
            yield SocketCase(kind, begin_request() + header + _random_bytes(rng, rng.randint(0, 512)))
        elif kind == "random-records":
            data = begin_request() if rng.random() < 0.7 else b""
            for _ in range(rng.randint(1, 12)):
                kind_byte = rng.choice([BEGIN_REQUEST, ABORT_REQUEST, PARAMS, STDIN, 3, 6, 7, 8, 9, 10, 11, 255])
                content = _random_bytes(rng, rng.randint(0, 64))
                data += record(kind_byte, content, request_id=rng.choice([0, 1, 1, 2, 65535]),
                               padding=rng.randint(0, 8), version=rng.choice([1, 1, 1, 0, 2]))
            yield SocketCase(kind, data)
        elif kind == "multiplexed":
            data = begin_request() + begin_request(request_id=2) + stream_records(PARAMS, params_bytes(params), 2)
            yield SocketCase(kind, data + stream_records(STDIN, b"", 2))
        elif kind == "abort":
            yield SocketCase(kind, whole[: rng.randrange(len(whole))], abort=True)
        else:
            yield SocketCase(kind, _random_bytes(rng, rng.randint(1, 2048)))
        del index


# --- HTTP through nginx, with the contract as oracle ---------------------------------------------


@dataclass
class HttpCase:
    method: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    #: The status and error code the contract requires (code None on success).
    status: int
    code: str | None
    #: The session a correct answer revokes, if any.
    revokes: dict | None = None
    #: Requests a correct answer makes to Supabase Auth (an expired session's refresh, a second copy's logout).
    upstream_calls: int = 0
    notes: list[str] = field(default_factory=list)


VALID_SCOPES = ["local", "global", "others"]
JUNK_COOKIE_NAMES = ["theme", "sb-other-auth-token", "sb-other-auth-token.0", "sb-127-auth-token-code-verifier",
                     "_ga", "csrf", "SESSION", "sb-access-token-x", "a" * 40]


def _junk_cookies(rng: random.Random) -> list[tuple[str, str]]:
    alphabet = string.ascii_letters + string.digits + "-_.~%!*'()"
    return [(rng.choice(JUNK_COOKIE_NAMES) + (str(rng.randint(0, 9)) if rng.random() < 0.3 else ""),
             "".join(rng.choices(alphabet, k=rng.randint(0, 80)))) for _ in range(rng.randint(0, 12))]


def _garbage_token(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_."
    return "".join(rng.choices(alphabet, k=rng.randint(1, 300)))


def http_case(rng: random.Random, stub) -> HttpCase:
    """One request and the answer the contract requires, in the contract's order of checks."""
    method = "POST" if rng.random() < 0.92 else rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
    scope_roll = rng.random()
    scope = None if scope_roll < 0.6 else rng.choice(VALID_SCOPES) if scope_roll < 0.85 else rng.choice(
        ["", "LOCAL", "everything", "local,global", "%00", "global;", "l" * 300])
    query = "" if scope is None else f"?scope={scope}"
    size_roll = rng.random()
    body = b"" if size_roll < 0.7 else bytes(rng.getrandbits(8) for _ in range(
        rng.randint(1, 4096) if size_roll < 0.9 else rng.randint(4097, 12_000)))
    headers: list[tuple[str, str]] = []
    cookies = _junk_cookies(rng)
    for _ in range(rng.randint(0, 3)):
        headers.append(("X-" + "".join(rng.choices(string.ascii_letters, k=6)), _garbage_token(rng)))

    credential = rng.choice(["none", "bearer", "bearer", "bearer-garbage", "bearer-expired", "not-bearer",
                             "cookie", "cookie", "cookie-garbage", "cookie-expired", "cookie-twice"])
    session = None
    token_state = None  # "valid", "invalid", "expired"
    from_cookie = False
    if credential == "bearer":
        session = stub.new_session()
        headers.append(("Authorization", "Bearer " + session["access_token"]))
        token_state = "valid"
    elif credential == "bearer-garbage":
        headers.append(("Authorization", "Bearer " + _garbage_token(rng)))
        token_state = "invalid"
    elif credential == "bearer-expired":
        headers.append(("Authorization", "Bearer " + mint_hs256(stub.jwt_secret, stub.issuer, expires_in=-300)))
        token_state = "expired"
    elif credential == "not-bearer":
        headers.append(("Authorization", rng.choice(["Basic dXNlcjpwYXNz", "Token abc", "Digest x"])))
    elif credential == "cookie-twice":
        # A host-only copy left from before a Domain was set, holding a session already ended: the live
        # one beside it is ended all the same.
        from_cookie = True
        stale = stub.new_session()
        assert stub.logout_session(stale["access_token"]) == 204
        session = stub.new_session()
        cookies += [("sb-127-auth-token", base64_cookie_value(stale)), ("sb-127-auth-token", base64_cookie_value(session))]
        token_state = "valid"
    elif credential in ("cookie", "cookie-garbage", "cookie-expired"):
        from_cookie = True
        if credential in ("cookie", "cookie-expired"):
            # An expired cookie session holds its refresh token: it is refreshed, then revoked.
            session = stub.new_session(expires_in=-600 if credential == "cookie-expired" else 3600)
            encode = rng.choice([base64_cookie_value, raw_json_cookie_value, url_encoded_cookie_value])
            value = encode(session)
            token_state = "valid"
        else:
            value = "base64-" + _garbage_token(rng)
            token_state = "invalid"
        if rng.random() < 0.3:
            cookies += [(f"sb-127-auth-token.{i}", part) for i, part in enumerate(chunks(value, rng.randint(2, 4)))]
        else:
            cookies.append(("sb-127-auth-token", value))

    csrf_roll = rng.random()
    csrf = new_csrf_value()
    if from_cookie or rng.random() < 0.2:
        cookies.append(("csrf_token", csrf))
        if csrf_roll < 0.7:
            headers.append(("X-CSRF-Token", csrf))
        elif csrf_roll < 0.85:
            headers.append(("X-CSRF-Token", new_csrf_value()))
    origin_state = "ok"
    origin_roll = rng.random()
    if origin_roll < 0.1:
        headers.append(("Sec-Fetch-Site", "cross-site"))
        origin_state = "refused"
    elif origin_roll < 0.2:
        headers.append(("Origin", "null"))
        origin_state = "refused"
    elif origin_roll < 0.4:
        headers.append(("Origin", "https://app.example.com"))
        headers.append(("Sec-Fetch-Site", rng.choice(["same-origin", "same-site", "none"])))
    rng.shuffle(cookies)
    if cookies:
        headers.append(("Cookie", "; ".join(f"{n}={v}" for n, v in cookies)))

    status, code, revokes = _oracle(method, scope, len(body), credential, token_state, from_cookie, csrf_roll,
                                    origin_state, session)
    calls = 0 if status != 200 else 2 if credential in ("cookie-expired", "cookie-twice") else 1
    return HttpCase(method, query, headers, body, status, code, revokes, calls)


NGINX_BODY_LIMIT = 8 * 1024
RESPONDER_BODY_LIMIT = 4 * 1024


def _oracle(method, scope, body_length, credential, token_state, from_cookie, csrf_roll, origin_state, session):
    if body_length > NGINX_BODY_LIMIT:
        return 413, "payload_too_large", None  # nginx's client_max_body_size, before any routing
    if method != "POST":
        return 405, "method_not_allowed", None
    if body_length > RESPONDER_BODY_LIMIT:
        return 413, "payload_too_large", None
    if scope is not None and scope not in VALID_SCOPES:
        return 400, "invalid_scope", None
    if token_state is None:
        return 401, "missing_token", None
    if from_cookie:
        if origin_state == "refused":
            return 403, "origin_not_allowed", None
        if csrf_roll >= 0.85:
            return 403, "csrf_token_missing", None
        if csrf_roll >= 0.7:
            return 403, "csrf_token_invalid", None
    if token_state == "invalid":
        return 401, "invalid_token", None
    if token_state == "expired":
        return 401, "token_expired", None
    return 200, None, session
