"""Hostile or broken requests: a 4xx with the JSON envelope, and the responder keeps serving."""

from __future__ import annotations

import pytest

from expectations import assert_cookies_untouched, assert_envelope_if_json, assert_error, assert_success
from session_tokens import base64_cookie_value, new_csrf_value
from web import LOGOUT_PATH, logout, raw_request, request


@pytest.fixture(autouse=True)
def still_serving_afterwards(app, stub):
    yield
    assert request(app.port, "GET", "/healthz").status == 200
    assert_success(logout(app.port, stub.new_session()["access_token"]))


def raw_logout(port: int, *header_lines: bytes, body: bytes = b"") -> object:
    head = b"POST " + LOGOUT_PATH.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
    head += b"".join(line + b"\r\n" for line in header_lines)
    head += b"Content-Length: " + str(len(body)).encode()
    return raw_request(port, head, body)


@pytest.mark.parametrize("cookie", [
    ";;;=;==; ; =value; name-without-value",
    "sb-127-auth-token=base64-!!!not-base64!!!; csrf_token=abc; X-CSRF=abc",
    "sb-127-auth-token=%7B%22access_token%22%3A; csrf_token=abcabcabcabc",
    'sb-127-auth-token={"access_token":42}; csrf_token=abcabcabcabc',
    "sb-127-auth-token.1=only-the-second-chunk; csrf_token=abcabcabcabc",
    "sb-127-auth-token=" + "A" * 3000 + "; csrf_token=abcabcabcabc",
])
def test_malformed_cookies(app, cookie):
    resp = logout(app.port, None, headers={"Cookie": cookie, "X-CSRF-Token": "abcabcabcabc"})

    assert_envelope_if_json(resp)
    assert resp.status in (401, 403), resp


def test_16_kib_authorization_header(app, stub):
    resp = logout(app.port, "A" * 16 * 1024)

    assert_envelope_if_json(resp)
    assert stub.requests_for_users() == []


def test_16_kib_cookie_header(app, stub):
    resp = logout(app.port, None, headers={"Cookie": "junk=" + "j" * 16 * 1024})

    assert_envelope_if_json(resp)
    assert stub.requests_for_users() == []


def test_non_utf8_bytes_in_session_cookie(app, stub):
    resp = raw_logout(app.port, b"Cookie: sb-127-auth-token=\xff\xfe\x80abc; csrf_token=abcabcabcabc",
                      b"X-CSRF-Token: abcabcabcabc")

    assert_envelope_if_json(resp)
    assert resp.status == 401, resp
    assert stub.requests_for_users() == []


def test_non_utf8_bytes_in_authorization(app, stub):
    resp = raw_logout(app.port, b"Authorization: Bearer \xff\xfe\xfd.\x80\x81.\xc3\x28")

    assert_error(resp, 401, "invalid_token")
    assert stub.requests_for_users() == []


def test_non_utf8_bytes_in_csrf_header(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    cookie = f"sb-127-auth-token={base64_cookie_value(session)}; csrf_token={csrf}".encode()

    resp = raw_logout(app.port, b"Cookie: " + cookie, b"X-CSRF-Token: " + csrf.encode()[:-2] + b"\xff\xfe")

    assert_error(resp, 403, "csrf_token_invalid")
    assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []


@pytest.fixture(scope="module")
def allowlisted(start_deployment):
    return start_deployment("bad-input-allowlist", LOGOUT_ALLOWED_ORIGINS="https://app.example.com")


def test_non_utf8_bytes_in_origin_with_an_allowlist(allowlisted, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    cookie = f"sb-127-auth-token={base64_cookie_value(session)}; csrf_token={csrf}".encode()

    resp = raw_logout(allowlisted.port, b"Cookie: " + cookie, b"X-CSRF-Token: " + csrf.encode(),
                      b"Origin: https://app.example.com\xff\xfe")

    assert_error(resp, 403, "origin_not_allowed")
    assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []
    assert request(allowlisted.port, "GET", "/healthz").status == 200


def test_token_with_three_dots(app, stub):
    resp = logout(app.port, "aaaa.bbbb.cccc.dddd")

    assert_error(resp, 401, "invalid_token")
    assert stub.requests_for_users() == []


def test_one_mebibyte_body(app, stub):
    session = stub.new_session()

    resp = logout(app.port, session["access_token"], body=b"{" + b"x" * (1024 * 1024 - 1))

    # nginx refuses it before the responder sees it, with the same envelope and headers.
    assert_error(resp, 413, "payload_too_large")
    assert_cookies_untouched(resp)
    assert session["session_id"] in stub.live_sessions()
