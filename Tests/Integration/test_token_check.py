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
        "wrong-secret": mint_hs256(wrong_secret, stub.issuer),
        "alg-none": unsigned_token(sub="5b0c1c52-0000-4000-8000-000000000001", session_id="x", exp=int(time.time()) + 600),
        "no-session-id": mint_hs256(stub.jwt_secret, stub.issuer, omit=("session_id",)),
        "no-sub": mint_hs256(stub.jwt_secret, stub.issuer, omit=("sub",)),
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
    assert stub.requests_for_users() == []


def test_expired_token_is_401_token_expired_and_clears_cookies(app, stub):
    token = mint_hs256(stub.jwt_secret, stub.issuer, expires_in=-300)

    resp = logout(app.port, token)

    assert_error(resp, 401, "token_expired")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.requests_for_users() == []


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
    forged = {"access_token": mint_hs256(secrets.token_urlsafe(48), stub.issuer), "refresh_token": secrets.token_hex(12)}

    resp = logout(app.port, None, headers={
        "Cookie": cookie_header([("sb-127-auth-token.0", base64_cookie_value(forged)), ("csrf_token", csrf)]),
        "X-CSRF-Token": csrf,
    })

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED | {"sb-127-auth-token.0"})
    assert stub.requests_for_users() == []


def test_valid_self_minted_token_reaches_supabase(app, stub):
    # The stand-in only knows sessions it created, so a well-signed token for an unknown session is refused there.
    token = mint_hs256(stub.jwt_secret, stub.issuer)

    resp = logout(app.port, token)

    assert resp.status == 401, resp
    assert resp.error_code in {"session_not_found", "invalid_token"}
    assert len(stub.logout_requests()) == 1


def test_freshly_created_token_succeeds(app, stub):
    assert_success(logout(app.port, stub.new_session()["access_token"]))


def minted_for(stub, session, **claims) -> str:
    """A token for a live session of the stand-in, signed with the project's secret, with `claims` changed:
    Supabase Auth would end the session, so only the responder's own check can refuse it."""
    omit = tuple(name for name, value in claims.items() if value is None)
    changed = {name: value for name, value in claims.items() if value is not None}
    return mint_hs256(stub.jwt_secret, changed.pop("iss", stub.issuer), omit=omit,
                      sub=session["user_id"], session_id=session["session_id"], **changed)


@pytest.mark.parametrize("claims", [
    {"iss": "https://abcdefghij.supabase.co/auth/v1"}, {"iss": None}, {"aud": "anon"}, {"aud": ["anon", "other"]},
    {"aud": None},
], ids=["other-issuer", "no-issuer", "other-audience", "array-without-it", "no-audience"])
def test_token_for_another_issuer_or_audience_is_401_with_nothing_upstream(app, stub, claims):
    session = stub.new_session()
    stub.clear_requests()

    resp = logout(app.port, minted_for(stub, session, **claims))

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.requests_for_users() == []
    assert session["session_id"] in stub.live_sessions()


def test_audience_as_an_array_that_names_it_is_accepted(app, stub):
    session = stub.new_session()

    resp = logout(app.port, minted_for(stub, session, aud=["authenticated", "other"]))

    assert_success(resp)
    assert session["session_id"] not in stub.live_sessions()


@pytest.fixture(scope="module")
def custom_claims(start_deployment):
    return start_deployment("custom-claims", LOGOUT_JWT_ISSUER="https://auth.example.com/auth/v1", LOGOUT_JWT_AUDIENCE="")


def test_configured_issuer_and_unchecked_audience(custom_claims, stub):
    session = stub.new_session()

    refused = logout(custom_claims.port, session["access_token"])
    assert_error(refused, 401, "invalid_token")
    assert stub.requests_for_users() == []

    accepted = logout(custom_claims.port,
                      minted_for(stub, session, iss="https://auth.example.com/auth/v1", aud="anything"))
    assert_success(accepted)
    assert session["session_id"] not in stub.live_sessions()
