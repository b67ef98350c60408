"""Tokens the responder must refuse itself, before any call to Supabase Auth."""

from __future__ import annotations

import secrets
import time

import pytest

from expectations import DEFAULT_CLEARED, assert_cleared_exactly, assert_error, assert_success
from session_tokens import base64_cookie_value, cookie_header, mint_hs256, new_csrf_value, unsigned_token
from web import logout


def bad_tokens(stub):
    wrong_secret = secrets.token_urlsafe(48)
    good = stub.new_session()["access_token"]
    header, payload, signature = good.split(".")
    return {
        "wrong-secret": mint_hs256(wrong_secret),
        "alg-none": unsigned_token(sub="5b0c1c52-0000-4000-8000-000000000001", session_id="x", exp=int(time.time()) + 600),
        "no-session-id": mint_hs256(stub.jwt_secret, omit=("session_id",)),
        "no-sub": mint_hs256(stub.jwt_secret, omit=("sub",)),
        "tampered-payload": f"{header}.{payload[:-2]}AA.{signature}",
        "not-a-jwt": "not-a-jwt-" + secrets.token_hex(8),
        "three-dots": good + ".extra",
        "empty-segments": "..",
    }


@pytest.mark.parametrize("kind", ["wrong-secret", "alg-none", "no-session-id", "no-sub", "tampered-payload",
                                  "not-a-jwt", "three-dots", "empty-segments"])
def test_invalid_bearer_token_is_401_and_clears_cookies(app, stub, kind):
    token = bad_tokens(stub)[kind]
    stub.clear_requests()

    resp = logout(app.port, token)

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.requests() == []


def test_expired_token_is_401_token_expired_and_clears_cookies(app, stub):
    token = mint_hs256(stub.jwt_secret, expires_in=-300)

    resp = logout(app.port, token)

    assert_error(resp, 401, "token_expired")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.requests() == []


def test_token_expired_within_leeway_still_reaches_supabase(app, stub):
    session = stub.new_session(expires_in=-5)

    resp = logout(app.port, session["access_token"])

    # Supabase Auth has no leeway: it answers bad_jwt (expired); the client holds a dead session either way.
    assert len(stub.logout_requests()) == 1
    assert resp.status in (200, 401), resp
    if resp.status == 401:
        assert resp.error_code in {"token_expired", "invalid_token"}
    assert_cleared_exactly(resp, DEFAULT_CLEARED)


def test_invalid_cookie_token_is_401_and_clears_the_cookies_it_came_in(app, stub):
    csrf = new_csrf_value()
    forged = {"access_token": mint_hs256(secrets.token_urlsafe(48)), "refresh_token": secrets.token_hex(12)}

    resp = logout(app.port, None, headers={
        "Cookie": cookie_header([("sb-127-auth-token.0", base64_cookie_value(forged)), ("csrf_token", csrf)]),
        "X-CSRF-Token": csrf,
    })

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED | {"sb-127-auth-token.0"})
    assert stub.requests() == []


def test_valid_self_minted_token_reaches_supabase(app, stub):
    # The stand-in only knows sessions it created, so a well-signed token for an unknown session is refused there.
    token = mint_hs256(stub.jwt_secret)

    resp = logout(app.port, token)

    assert resp.status == 401, resp
    assert resp.error_code in {"session_not_found", "invalid_token"}
    assert len(stub.logout_requests()) == 1


def test_freshly_created_token_succeeds(app, stub):
    assert_success(logout(app.port, stub.new_session()["access_token"]))
