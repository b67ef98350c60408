"""The clearing Set-Cookie lines under cookie settings, and when Clear-Site-Data may be sent."""

from __future__ import annotations

import pytest

from expectations import (
    CLEAR_SITE_DATA,
    DEFAULT_CLEARED,
    assert_cleared_exactly,
    assert_success,
    cleared,
    clearing_attributes,
)
from fcgi_client import fcgi_request, nginx_like_params
from session_tokens import base64_cookie_value, cookie_header, new_csrf_value
from web import logout

COOKIE_DOMAIN = "example.com"


@pytest.fixture(scope="module")
def with_domain(start_deployment):
    return start_deployment(
        "cookie-domain",
        LOGOUT_COOKIE_DOMAIN=COOKIE_DOMAIN,
        LOGOUT_COOKIE_SECURE="false",
        LOGOUT_COOKIE_SAMESITE="Strict",
        LOGOUT_COOKIE_PATH="/app",
        LOGOUT_CSRF_COOKIE="__Host-csrf",
        LOGOUT_COOKIE_NAME="__Secure-sb-session",
    )


def test_cookie_domain_clears_each_name_with_domain_and_host_only(with_domain, stub):
    session = stub.new_session()

    resp = logout(with_domain.port, session["access_token"])

    assert_success(resp)
    by_name = cleared(resp)
    assert set(by_name) == {"sb-access-token", "sb-refresh-token", "__Host-csrf", "__Secure-sb-session"}
    plain = dict(secure=False, samesite="Strict", path="/app")
    for name in ("sb-access-token", "sb-refresh-token"):
        assert sorted(by_name[name], key=len) == [clearing_attributes(**plain),
                                                  clearing_attributes(**plain, domain=COOKIE_DOMAIN)], name
    secure = dict(plain, secure=True)
    assert sorted(by_name["__Secure-sb-session"], key=len) == [
        clearing_attributes(**secure), clearing_attributes(**secure, domain=COOKIE_DOMAIN)]


def test_host_prefixed_cookie_never_gets_a_domain_and_is_always_secure(with_domain, stub):
    resp = logout(with_domain.port, stub.new_session()["access_token"])

    host_lines = cleared(resp)["__Host-csrf"]
    assert host_lines, "the CSRF cookie was not cleared"
    for attributes in host_lines:
        assert "domain" not in attributes
        assert "secure" in attributes
    # One host-only deletion is all a __Host- cookie can need.
    assert len(host_lines) == 1


def test_configured_cookie_names_carry_the_session(with_domain, stub):
    session = stub.new_session()
    csrf = new_csrf_value()

    resp = logout(with_domain.port, None, headers={
        "Cookie": cookie_header([("__Secure-sb-session", base64_cookie_value(session)), ("__Host-csrf", csrf),
                                 ("csrf_token", "not-the-configured-cookie")]),
        "X-CSRF-Token": csrf,
    })

    assert_success(resp)
    assert session["session_id"] not in stub.live_sessions()
    assert "csrf_token" not in cleared(resp)


@pytest.fixture(scope="module")
def site_data(start_deployment):
    """A single-application origin that opts into Clear-Site-Data."""
    return start_deployment("site-data", LOGOUT_CLEAR_SITE_DATA=CLEAR_SITE_DATA)


def test_clear_site_data_is_off_by_default_even_on_a_secure_request(app, stub):
    resp = logout(app.port, stub.new_session()["access_token"], host="localhost")

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED, clear_site_data=False)


def test_plain_http_host_gets_set_cookie_without_clear_site_data(site_data, stub):
    resp = logout(site_data.port, stub.new_session()["access_token"], host="example.com")

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED, clear_site_data=False)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "LOCALHOST", "[::1]"])
def test_loopback_hosts_are_a_secure_context(site_data, stub, host):
    resp = logout(site_data.port, stub.new_session()["access_token"], host=host)

    assert_success(resp)
    assert resp.all("Clear-Site-Data") == [CLEAR_SITE_DATA]


@pytest.mark.parametrize("secure_params", [{"HTTPS": "on"}, {"REQUEST_SCHEME": "https"}])
def test_https_request_gets_clear_site_data(site_data, stub, secure_params):
    session = stub.new_session()
    params = nginx_like_params("POST", "/api/auth/logout", "example.com",
                               {"Authorization": f"Bearer {session['access_token']}"}, b"")
    params.update(secure_params)

    resp = fcgi_request(str(site_data.socket_path), params)

    assert_success(resp)
    assert resp.all("Clear-Site-Data") == [CLEAR_SITE_DATA]
    assert set(cleared(resp)) == DEFAULT_CLEARED


def test_plain_http_through_fastcgi_gets_no_clear_site_data(site_data, stub):
    session = stub.new_session()
    params = nginx_like_params("POST", "/api/auth/logout", "example.com:8080",
                               {"Authorization": f"Bearer {session['access_token']}"}, b"")

    resp = fcgi_request(str(site_data.socket_path), params)

    assert_success(resp)
    assert resp.all("Clear-Site-Data") == []
    assert set(cleared(resp)) == DEFAULT_CLEARED


def test_localhost_with_port_through_fastcgi_is_a_secure_context(site_data, stub):
    session = stub.new_session()
    params = nginx_like_params("POST", "/api/auth/logout", "localhost:8080",
                               {"Authorization": f"Bearer {session['access_token']}"}, b"")

    resp = fcgi_request(str(site_data.socket_path), params)

    assert_success(resp)
    assert resp.all("Clear-Site-Data") == [CLEAR_SITE_DATA]


@pytest.fixture(scope="module")
def custom_headers(start_deployment):
    return start_deployment("custom-headers", LOGOUT_CLEAR_SITE_DATA="", LOGOUT_HSTS="")


def test_clear_site_data_and_hsts_can_be_turned_off(custom_headers, stub):
    resp = logout(custom_headers.port, stub.new_session()["access_token"])

    assert resp.status == 200
    assert resp.all("Clear-Site-Data") == []
    assert resp.all("Strict-Transport-Security") == []
    assert set(cleared(resp)) == DEFAULT_CLEARED
