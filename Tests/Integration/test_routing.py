"""Route, method and body-size answers, and the operational endpoints."""

from __future__ import annotations

from expectations import assert_cookies_untouched, assert_error, assert_success
from fcgi_client import fcgi_request, nginx_like_params
from web import LOGOUT_PATH, logout, raw_request, request


def test_other_methods_are_405_with_allow_post(app, stub):
    session = stub.new_session()
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        resp = request(app.port, method, LOGOUT_PATH, {"Authorization": f"Bearer {session['access_token']}"})
        assert_error(resp, 405, None)
        assert resp.all("Allow") == ["POST"]
        assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []


def test_unknown_path_is_404_from_nginx(app):
    resp = request(app.port, "POST", "/api/auth/logout/extra")
    assert resp.status == 404


def test_unknown_path_reaching_the_responder_is_404_envelope(app, stub):
    session = stub.new_session()
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    params = nginx_like_params("POST", "/api/auth/logins", "localhost", headers, b"")

    resp = fcgi_request(str(app.socket_path), params)

    assert_error(resp, 404, None)
    assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []


def test_body_over_4_kib_is_413(app, stub):
    session = stub.new_session()

    resp = logout(app.port, session["access_token"], body=b"x" * 5 * 1024,
                  headers={"Content-Type": "application/json"})

    assert_error(resp, 413, "payload_too_large")
    assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []
    assert session["session_id"] in stub.live_sessions()


def test_small_body_is_ignored(app, stub):
    session = stub.new_session()
    resp = logout(app.port, session["access_token"], body=b'{"scope":"global"}',
                  headers={"Content-Type": "application/json"})
    assert_success(resp)


def test_healthz(app):
    resp = request(app.port, "GET", "/healthz")
    assert resp.status == 200
    assert resp.json() == {"status": "ok"}


def test_metrics_are_prometheus_text(app, stub):
    session = stub.new_session()
    logout(app.port, session["access_token"])

    resp = request(app.port, "GET", "/metrics")

    assert resp.status == 200
    assert (resp.one("Content-Type") or "").startswith("text/plain")
    text = resp.body.decode()
    assert "# TYPE" in text


def test_post_without_content_length_like_curl_x_post(app, stub):
    session = stub.new_session()
    head = (f"POST {LOGOUT_PATH} HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Bearer {session['access_token']}").encode()

    assert_success(raw_request(app.port, head))
