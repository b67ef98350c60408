"""A logout ends the session whatever state the browser's copy of it is in: expired or about to expire
(refreshed, then revoked), refused as expired by Supabase Auth, a banned user's, held in two same-named
cookies, or signed by a self-hosted Supabase Auth without an issuer; through nginx against the stand-in."""

from __future__ import annotations

import json

import pytest

from expectations import (
    DEFAULT_CLEARED,
    assert_cleared_exactly,
    assert_cookies_untouched,
    assert_error,
    assert_success,
)
from secret_registry import remember
from session_tokens import base64_cookie_value, cookie_header, new_csrf_value, signed_csrf_token
from web import logout

CSRF_SECRET = "csrf-secret-for-the-session-state-tests-0123456789"


def cookie_logout(port, sessions, *, csrf=None, extra_cookies=(), **kw):
    """A browser logout carrying each session in its own copy of the session cookie."""
    csrf = csrf or new_csrf_value()
    pairs = [("sb-127-auth-token", base64_cookie_value(s)) for s in sessions]
    pairs += list(extra_cookies) + [("csrf_token", csrf)]
    return logout(port, None, headers={"Cookie": cookie_header(pairs), "X-CSRF-Token": csrf}, **kw)


def remember_fresh_tokens(stub):
    """The access tokens the responder got by refreshing: they must never reach its output either."""
    for sent in stub.logout_requests():
        remember(sent["headers"].get("authorization", "").removeprefix("Bearer "))


def test_an_expired_cookie_session_is_refreshed_then_revoked(app, stub):
    session = stub.new_session(expires_in=-3600)

    resp = cookie_logout(app.port, [session])

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert session["session_id"] not in stub.live_sessions()
    sent = stub.requests_for_users()
    assert [r["path"] for r in sent] == ["/auth/v1/token", "/auth/v1/logout"]
    token, revoke = sent
    assert token["query"] == "grant_type=refresh_token"
    assert token["headers"]["apikey"] == stub.anon_key
    assert token["headers"]["content-type"] == "application/json"
    assert token["headers"]["x-supabase-api-version"] == "2024-01-01"
    assert "authorization" not in token["headers"]
    assert json.loads(token["body"]) == {"refresh_token": session["refresh_token"]}
    fresh = revoke["headers"]["authorization"].removeprefix("Bearer ")
    remember_fresh_tokens(stub)
    assert fresh != session["access_token"]
    assert fresh.encode() not in resp.body and all(fresh not in line for line in resp.set_cookies)


def test_a_token_within_the_refresh_margin_is_refreshed_first(app, stub):
    session = stub.new_session(expires_in=60)

    assert_success(cookie_logout(app.port, [session]))
    assert [r["path"] for r in stub.requests_for_users()] == ["/auth/v1/token", "/auth/v1/logout"]
    remember_fresh_tokens(stub)


def test_a_token_supabase_refuses_as_expired_is_refreshed_once(app, stub):
    # Fresh by this host's clock, expired by Supabase Auth's (a clock ahead): 403 bad_jwt.
    session = stub.new_session()
    stub.fault(kind="status", status=403, code="bad_jwt", path="logout")

    assert_success(cookie_logout(app.port, [session]))
    assert [r["path"] for r in stub.requests_for_users()] == ["/auth/v1/logout", "/auth/v1/token", "/auth/v1/logout"]
    assert session["session_id"] not in stub.live_sessions()
    remember_fresh_tokens(stub)


def test_an_expired_bearer_token_stays_token_expired(app, stub):
    session = stub.new_session(expires_in=-3600)

    resp = logout(app.port, session["access_token"])

    assert_error(resp, 401, "token_expired")
    assert stub.requests_for_users() == []


@pytest.mark.parametrize("code", ["refresh_token_not_found", "refresh_token_already_used", "session_not_found",
                                  "session_expired", "user_banned"])
def test_a_refused_refresh_is_session_not_found_and_clears(app, stub, code):
    session = stub.new_session(expires_in=-3600)
    stub.fault(kind="status", status=400, code=code, path="token")

    resp = cookie_logout(app.port, [session])

    assert_error(resp, 401, "session_not_found")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert [r["path"] for r in stub.requests_for_users()] == ["/auth/v1/token"]


def test_validation_failed_on_refresh_is_invalid_token_and_clears(app, stub):
    stub.fault(kind="status", status=400, code="validation_failed", path="token")

    resp = cookie_logout(app.port, [stub.new_session(expires_in=-3600)])

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)


def test_a_malformed_refresh_token_is_invalid_token_and_never_sent(app, stub):
    session = dict(stub.new_session(expires_in=-3600), refresh_token="not a token")

    resp = cookie_logout(app.port, [session])

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.requests_for_users() == []


def test_a_failing_refresh_keeps_the_cookies(app, stub):
    session = stub.new_session(expires_in=-3600)
    stub.fault(kind="status", status=503, times=-1, path="token")

    resp = cookie_logout(app.port, [session])

    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert session["session_id"] in stub.live_sessions()
    assert resp.all("Retry-After") == []


def test_an_empty_refresh_bucket_answers_its_retry_after_and_keeps_the_cookies(app, stub):
    session = stub.new_session(expires_in=-3600)
    stub.set_refresh(bucket={"burst": 0, "per_second": 0, "retry_after": 120})

    resp = cookie_logout(app.port, [session])

    assert_error(resp, 500, "session_invalidation_failed")
    assert resp.all("Retry-After") == ["120"]
    assert_cookies_untouched(resp)
    assert [r["path"] for r in stub.requests_for_users()] == ["/auth/v1/token"]
    assert session["session_id"] in stub.live_sessions()


def test_a_rate_limited_logout_without_retry_after_answers_30(app, stub):
    session = stub.new_session()
    stub.fault(kind="status", status=429, path="logout")

    resp = cookie_logout(app.port, [session])

    assert_error(resp, 500, "session_invalidation_failed")
    assert resp.all("Retry-After") == ["30"]
    assert_cookies_untouched(resp)
    assert len(stub.logout_requests()) == 1


def test_a_rate_limit_whose_retry_after_fits_the_deadline_is_waited_out(app, stub):
    session = stub.new_session()
    stub.fault(kind="status", status=429, path="logout", retry_after=1)

    resp = cookie_logout(app.port, [session])

    assert_success(resp)
    first, second = stub.logout_requests()
    assert second["at"] - first["at"] >= 1.0


def test_a_banned_users_session_is_cleared_as_session_not_found(app, stub):
    session = stub.new_session()
    stub.ban_user(session["user_id"])

    resp = cookie_logout(app.port, [session])

    assert_error(resp, 401, "session_not_found")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    # While the ban lasts nothing can end it; a timed ban lifts.
    assert session["session_id"] in stub.live_sessions()


def test_every_session_in_same_named_cookies_is_ended_and_cookies_cleared_once(app, stub):
    stale = stub.new_session()  # a copy left from before: its session already ended
    assert_success(logout(app.port, stale["access_token"]))
    live = stub.new_session()
    expired = stub.new_session(expires_in=-3600)

    resp = cookie_logout(app.port, [stale, live, expired])

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert live["session_id"] not in stub.live_sessions()
    assert expired["session_id"] not in stub.live_sessions()
    remember_fresh_tokens(stub)


def test_a_live_session_that_cannot_be_ended_keeps_every_cookie(app, stub):
    gone = stub.new_session()
    logout(app.port, gone["access_token"])
    live = stub.new_session(expires_in=-3600)
    stub.fault(kind="status", status=503, times=-1, path="token")

    resp = cookie_logout(app.port, [gone, live])

    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)


def test_chunked_copies_group_by_order_of_appearance(app, stub):
    first, second = stub.new_session(), stub.new_session()
    a, b = base64_cookie_value(first), base64_cookie_value(second)
    csrf = new_csrf_value()
    pairs = [("sb-127-auth-token.0", a[:40]), ("sb-127-auth-token.0", b[:50]),
             ("sb-127-auth-token.1", a[40:]), ("sb-127-auth-token.1", b[50:]), ("csrf_token", csrf)]

    resp = logout(app.port, None, headers={"Cookie": cookie_header(pairs), "X-CSRF-Token": csrf})

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED | {"sb-127-auth-token.0", "sb-127-auth-token.1"})
    assert {first["session_id"], second["session_id"]} & stub.live_sessions() == set()


@pytest.fixture(scope="module")
def signed_csrf(start_deployment):
    return start_deployment("session-states-signed-csrf", LOGOUT_CSRF_SECRET=CSRF_SECRET)


def test_a_signed_csrf_token_bound_to_either_session_is_valid(signed_csrf, stub):
    first, second = stub.new_session(), stub.new_session()
    token = signed_csrf_token(CSRF_SECRET, second["session_id"])

    resp = cookie_logout(signed_csrf.port, [first, second], csrf=token)

    assert_success(resp)
    assert {first["session_id"], second["session_id"]} & stub.live_sessions() == set()


@pytest.fixture(scope="module")
def self_hosted(start_deployment, stub):
    """A self-hosted Supabase Auth without GOTRUE_JWT_ISSUER: its discovery names no issuer."""
    stub.set_issuer("")
    try:
        return start_deployment("self-hosted-no-issuer")
    finally:
        stub.set_issuer(None)


def test_a_self_hosted_supabase_without_an_issuer_is_discovered(self_hosted, stub):
    stub.set_issuer("")
    session = stub.new_session()

    resp = logout(self_hosted.port, session["access_token"])

    assert_success(resp)
    assert session["session_id"] not in stub.live_sessions()
    # A token that does carry an issuer is not this project's.
    stub.set_issuer(None)
    assert_error(logout(self_hosted.port, stub.new_session()["access_token"]), 401, "invalid_token")


@pytest.fixture(scope="module")
def custom_domain(start_deployment, stub):
    stub.set_issuer("https://abcdefghijklmnopqrst.supabase.co/auth/v1")
    try:
        return start_deployment("custom-domain-issuer")
    finally:
        stub.set_issuer(None)


def test_a_custom_domains_issuer_is_discovered(custom_domain, stub):
    stub.set_issuer("https://abcdefghijklmnopqrst.supabase.co/auth/v1")
    assert_success(logout(custom_domain.port, stub.new_session()["access_token"]))


@pytest.fixture(scope="module")
def issuer_off(start_deployment):
    return start_deployment("issuer-not-checked", LOGOUT_JWT_ISSUER="none")


def test_issuer_none_checks_no_issuer(issuer_off, stub):
    stub.set_issuer("https://elsewhere.example/auth/v1")
    assert_success(logout(issuer_off.port, stub.new_session()["access_token"]))


@pytest.fixture(scope="module")
def guarded_jwks(start_deployment, stub):
    """An older self-hosted gateway that guards the JWKS with the apikey too."""
    stub.reset()
    stub.jwks_answer(require_apikey=True)
    try:
        return start_deployment("guarded-jwks", SUPABASE_JWT_SECRET=None)
    finally:
        stub.jwks_answer()


def test_a_guarded_jwks_is_fetched_with_the_apikey(guarded_jwks, stub):
    pytest.importorskip("cryptography")
    stub.jwks_answer(require_apikey=True)
    session = stub.new_session(alg="ES256")

    assert_success(logout(guarded_jwks.port, session["access_token"]))
    assert session["session_id"] not in stub.live_sessions()
