"""Logout from a browser: the session in Supabase cookies, guarded by double-submit CSRF and Origin."""

from __future__ import annotations

import secrets

import pytest

from expectations import (
    DEFAULT_CLEARED,
    assert_cleared_exactly,
    assert_cookies_untouched,
    assert_error,
    assert_success,
)
from session_tokens import (
    base64_cookie_value,
    chunks,
    cookie_header,
    new_csrf_value,
    raw_json_cookie_value,
    signed_csrf_token,
    url_encoded_cookie_value,
)
from web import logout


def browser_logout(port, cookies, csrf_header=None, extra_headers=None, **kw):
    headers = {"Cookie": cookie_header(cookies)}
    if csrf_header is not None:
        headers["X-CSRF-Token"] = csrf_header
    headers.update(extra_headers or {})
    return logout(port, None, headers=headers, **kw)


def assert_revoked(stub, session):
    assert session["session_id"] not in stub.live_sessions()
    assert stub.refresh(session["refresh_token"]) == 400
    [sent] = stub.logout_requests()
    assert sent["headers"]["authorization"] == f"Bearer {session['access_token']}"


def assert_nothing_happened(stub, session):
    assert stub.requests_for_users() == []
    assert session["session_id"] in stub.live_sessions()


@pytest.mark.parametrize("encode", [base64_cookie_value, raw_json_cookie_value, url_encoded_cookie_value],
                         ids=["base64", "raw-json", "url-encoded"])
def test_session_cookie_formats(app, stub, encode):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = browser_logout(app.port, [("sb-127-auth-token", encode(session)), ("csrf_token", csrf)], csrf)

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert_revoked(stub, session)


def test_chunked_session_cookie_and_code_verifier_are_all_cleared(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    first, second = chunks(base64_cookie_value(session), 2)
    cookies = [
        ("theme", "dark"),
        ("sb-127-auth-token.1", second),  # browsers do not promise an order
        ("sb-127-auth-token.0", first),
        ("sb-127-auth-token-code-verifier", "verifier-" + secrets.token_hex(8)),
        ("csrf_token", csrf),
    ]

    resp = browser_logout(app.port, cookies, csrf)

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED | {
        "sb-127-auth-token.0", "sb-127-auth-token.1", "sb-127-auth-token-code-verifier",
    })
    assert_revoked(stub, session)


def test_legacy_access_token_cookie(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = browser_logout(app.port, [("sb-access-token", session["access_token"]),
                                     ("sb-refresh-token", session["refresh_token"]), ("csrf_token", csrf)], csrf)

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert_revoked(stub, session)


def test_bearer_header_wins_over_cookie(app, stub):
    by_header, by_cookie = stub.new_session(), stub.new_session()

    resp = logout(app.port, by_header["access_token"],
                  headers={"Cookie": cookie_header([("sb-127-auth-token", base64_cookie_value(by_cookie))])})

    assert_success(resp)
    assert stub.live_sessions() == {by_cookie["session_id"]}


def test_csrf_header_missing_is_403_and_changes_nothing(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = browser_logout(app.port, [("sb-127-auth-token", base64_cookie_value(session)), ("csrf_token", csrf)])

    assert_error(resp, 403, "csrf_token_missing")
    assert_cookies_untouched(resp)
    assert_nothing_happened(stub, session)


def test_csrf_cookie_missing_is_403_and_changes_nothing(app, stub):
    session = stub.new_session()

    resp = browser_logout(app.port, [("sb-127-auth-token", base64_cookie_value(session))], new_csrf_value())

    assert resp.status == 403, resp
    assert resp.error_code in {"csrf_token_missing", "csrf_token_invalid"}
    assert_cookies_untouched(resp)
    assert_nothing_happened(stub, session)


@pytest.mark.parametrize("forged", ["different", "prefix", "empty"])
def test_csrf_header_different_is_403_and_changes_nothing(app, stub, forged):
    session = stub.new_session()
    csrf = new_csrf_value()
    header = {"different": new_csrf_value(), "prefix": csrf[:-1], "empty": ""}[forged]

    resp = browser_logout(app.port, [("sb-127-auth-token", base64_cookie_value(session)), ("csrf_token", csrf)],
                          header)

    assert resp.status == 403, resp
    assert resp.error_code in ({"csrf_token_invalid", "csrf_token_missing"} if forged == "empty"
                               else {"csrf_token_invalid"})
    assert_cookies_untouched(resp)
    assert_nothing_happened(stub, session)


@pytest.mark.parametrize("origin_headers", [
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
], ids=["origin-null", "cross-site", "origin-null-same-origin"])
def test_cross_site_cookie_request_is_403_origin_not_allowed(app, stub, origin_headers):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = browser_logout(app.port, [("sb-127-auth-token", base64_cookie_value(session)), ("csrf_token", csrf)],
                          csrf, origin_headers)

    assert_error(resp, 403, "origin_not_allowed")
    assert_cookies_untouched(resp)
    assert_nothing_happened(stub, session)


def test_origin_is_checked_before_the_csrf_token(app, stub):
    session = stub.new_session()

    resp = browser_logout(app.port, [("sb-127-auth-token", base64_cookie_value(session))], None,
                          {"Sec-Fetch-Site": "cross-site"})

    assert_error(resp, 403, "origin_not_allowed")


def test_same_origin_browser_request_succeeds(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = browser_logout(app.port, [("sb-127-auth-token", base64_cookie_value(session)), ("csrf_token", csrf)],
                          csrf, {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})

    assert_success(resp)


def test_bearer_request_needs_no_csrf_and_no_origin_check(app, stub):
    session = stub.new_session()

    resp = logout(app.port, session["access_token"], headers={"Origin": "https://elsewhere.example",
                                                              "Sec-Fetch-Site": "cross-site"})

    assert_success(resp)


@pytest.fixture(scope="module")
def allowlisted(start_deployment):
    return start_deployment("allowed-origins",
                            LOGOUT_ALLOWED_ORIGINS="https://app.example.com,http://localhost:3000")


@pytest.mark.parametrize("origin,allowed", [
    ("https://app.example.com", True),
    ("http://localhost:3000", True),
    ("https://evil.example.com", False),
    ("https://app.example.com.evil.com", False),
    ("https://app.example.com:8443", False),
    ("http://app.example.com", False),
    ("http://localhost:30000", False),
])
def test_allowed_origins_match_whole_origins(allowlisted, stub, origin, allowed):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = browser_logout(allowlisted.port, [("sb-127-auth-token", base64_cookie_value(session)),
                                             ("csrf_token", csrf)], csrf, {"Origin": origin})

    if allowed:
        assert_success(resp)
    else:
        assert_error(resp, 403, "origin_not_allowed")
        assert_cookies_untouched(resp)
        assert_nothing_happened(stub, session)


CSRF_SECRET = "csrf-" + secrets.token_hex(32)


@pytest.fixture(scope="module")
def signed_csrf(start_deployment):
    return start_deployment("signed-csrf", LOGOUT_CSRF_SECRET=CSRF_SECRET)


def test_signed_csrf_bound_to_the_session_succeeds(signed_csrf, stub):
    session = stub.new_session()
    token = signed_csrf_token(CSRF_SECRET, session["session_id"])

    resp = browser_logout(signed_csrf.port, [("sb-127-auth-token", base64_cookie_value(session)),
                                             ("csrf_token", token)], token)

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert_revoked(stub, session)


@pytest.mark.parametrize("kind", ["unsigned", "other-session", "other-secret", "tampered-nonce"])
def test_signed_csrf_rejects_tokens_not_bound_to_this_session(signed_csrf, stub, kind):
    session = stub.new_session()
    other = stub.new_session()
    good = signed_csrf_token(CSRF_SECRET, session["session_id"])
    token = {
        "unsigned": new_csrf_value(),
        "other-session": signed_csrf_token(CSRF_SECRET, other["session_id"]),
        "other-secret": signed_csrf_token("csrf-" + secrets.token_hex(32), session["session_id"]),
        "tampered-nonce": good.split(".")[0] + "." + secrets.token_hex(16),
    }[kind]

    resp = browser_logout(signed_csrf.port, [("sb-127-auth-token", base64_cookie_value(session)),
                                             ("csrf_token", token)], token)

    assert_error(resp, 403, "csrf_token_invalid")
    assert_cookies_untouched(resp)
    assert_nothing_happened(stub, session)
