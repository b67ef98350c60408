"""Supabase Auth over HTTPS and HTTP/2, as every real project is reached: nginx terminating TLS with a
certificate from a private CA (given through SUPABASE_CA_FILE) in front of the stand-in."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from deployment import run_binary_once
from expectations import (
    DEFAULT_CLEARED,
    SUCCESS_BODY,
    assert_cleared_exactly,
    assert_cookies_untouched,
    assert_error,
    assert_success,
)
from session_tokens import base64_cookie_value, cookie_header, new_csrf_value
from tls_front_process import TLSFront
from web import logout

pytest.importorskip("cryptography")

BURST = 512
BURST_DELAY_MS = 50
# HTTP/2 multiplexes: a burst of 512 stays on a handful of connections (one handshake each).
MOST_CONNECTIONS = 8


@pytest.fixture(scope="module")
def front(stub, tmp_path_factory):
    started = TLSFront(stub.port, tmp_path_factory.mktemp("tls-front"))
    yield started
    started.stop()


def tls_settings(front, stub, listener: str = "h2", **overrides: str | None) -> dict[str, str | None]:
    settings = dict(
        SUPABASE_URL=front.urls[listener],
        SUPABASE_CA_FILE=str(front.ca),
        # The stand-in writes its own plain-HTTP address into `iss`.
        LOGOUT_JWT_ISSUER=stub.issuer,
    )
    settings.update(overrides)
    return settings


@pytest.fixture(scope="module")
def tls_app(start_deployment, front, stub):
    return start_deployment("tls", **tls_settings(front, stub))


def responder_lines(deployment) -> list[dict]:
    return [json.loads(line) for line in deployment.responder.stderr_path.read_text().splitlines() if line]


def test_bearer_logout_over_https(tls_app, stub, front):
    session = stub.new_session()

    resp = logout(tls_app.port, session["access_token"])

    assert_success(resp)
    # The session cookie is named after SUPABASE_URL's host: sb-localhost-auth-token.
    assert_cleared_exactly(resp, DEFAULT_CLEARED - {"sb-127-auth-token"} | {"sb-localhost-auth-token"})
    assert session["session_id"] not in stub.live_sessions()
    [sent] = stub.logout_requests()
    assert sent["headers"]["authorization"] == f"Bearer {session['access_token']}"
    assert [line["protocol"] for line in front.log_lines("h2") if line["uri"] == "/auth/v1/logout"] == ["HTTP/2.0"]


def test_cookie_logout_over_https(tls_app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    cookies = [("sb-localhost-auth-token", base64_cookie_value(session)), ("csrf_token", csrf)]

    resp = logout(tls_app.port, None, headers={"Cookie": cookie_header(cookies), "X-CSRF-Token": csrf})

    assert_success(resp)
    assert "sb-localhost-auth-token" in {c.split("=", 1)[0] for c in resp.set_cookies}
    assert session["session_id"] not in stub.live_sessions()


def test_es256_token_checked_against_the_jwks_fetched_over_https(tls_app, stub, front):
    status, _ = stub.admin("GET", "/admin/jwks_private")
    if status != 200:
        pytest.skip("the stand-in has no ES256 key")
    session = stub.new_session(alg="ES256")

    resp = logout(tls_app.port, session["access_token"])

    assert_success(resp)
    assert session["session_id"] not in stub.live_sessions()
    jwks = [line for line in front.log_lines("h2") if line["uri"] == "/auth/v1/.well-known/jwks.json"]
    assert jwks and all(line["status"] == "200" and line["protocol"] == "HTTP/2.0" for line in jwks)


def test_a_burst_of_512_stays_on_a_few_http2_connections(tls_app, stub, front):
    sessions = [stub.new_session() for _ in range(BURST)]
    stub.fault(kind="delay", ms=BURST_DELAY_MS, times=-1)
    barrier = threading.Barrier(BURST)

    def one(session):
        barrier.wait(60)
        return logout(tls_app.port, session["access_token"], timeout=60)

    with ThreadPoolExecutor(BURST) as pool:
        responses = list(pool.map(one, sessions))
    stub.clear_faults()

    statuses = sorted(r.status for r in responses)
    assert statuses == [200] * BURST, f"{statuses.count(200)} of {BURST} answered 200: {sorted(set(statuses))}"
    assert all(r.body == SUCCESS_BODY for r in responses)
    assert stub.live_sessions() & {s["session_id"] for s in sessions} == set()
    lines = front.log_lines("h2")
    assert {line["protocol"] for line in lines} == {"HTTP/2.0"}
    connections = {line["connection"] for line in lines}
    assert len(connections) <= MOST_CONNECTIONS, f"{len(connections)} connections to Supabase Auth"
    assert not any(line["level"] in ("error", "critical") for line in responder_lines(tls_app))


def test_without_the_ca_file_the_private_ca_is_not_trusted(start_deployment, front, stub):
    deployment = start_deployment("tls-no-ca", **tls_settings(front, stub, SUPABASE_CA_FILE=None,
                                                              SUPABASE_JWKS_URL="none"))
    session = stub.new_session()

    resp = logout(deployment.port, session["access_token"])

    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert session["session_id"] in stub.live_sessions()
    assert any(line.get("upstream.error") == "tls_unknown_ca" for line in responder_lines(deployment))


@pytest.mark.parametrize(
    ("listener", "cause"),
    [("unknown-ca", "tls_unknown_ca"), ("wrong-name", "tls_name_mismatch"), ("expired", "tls_certificate_expired")],
)
def test_a_certificate_that_does_not_verify_sends_nothing_and_keeps_cookies(
    start_deployment, front, stub, listener, cause
):
    deployment = start_deployment(f"tls-{listener}", **tls_settings(front, stub, listener, SUPABASE_JWKS_URL="none"))
    session = stub.new_session()

    resp = logout(deployment.port, session["access_token"])

    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []
    assert front.log_lines(listener) == []
    assert session["session_id"] in stub.live_sessions()
    lines = responder_lines(deployment)
    [failure] = [line for line in lines if line.get("upstream.error") == cause]
    assert failure["level"] == "error"
    assert "TLS" in failure["message"]
    assert "SUPABASE_ANON_KEY" not in failure["message"]
    # A verification failure will not fix itself within the deadline: one attempt, not retried.
    [request_line] = [line for line in lines if line.get("http.route") == "/api/auth/logout"]
    assert request_line["upstream.attempts"] == 1
    text = deployment.responder.stderr_path.read_text()
    assert session["access_token"] not in text and stub.anon_key not in text
    metrics = logout_metrics(deployment)
    assert metrics[f'logout_upstream_errors_total{{error="{cause}"}}'] == "1"
    assert metrics['logout_upstream_failures_total{reason="tls"}'] == "1"


def logout_metrics(deployment) -> dict[str, str]:
    from web import request

    text = request(deployment.port, "GET", "/metrics").body.decode()
    return dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "cannot be read"), (b"not a certificate\n", "no PEM certificate")],
    ids=["missing", "not-pem"],
)
def test_an_unusable_ca_file_stops_start_up(stub, front, tmp_path, content, problem):
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_bytes(content)
    from deployment import binary_env

    env = binary_env(stub, **tls_settings(front, stub, SUPABASE_CA_FILE=str(path)), LOGOUT_LISTEN="unix:/nonexistent/x")

    code, _, err = run_binary_once(env, tmp_path, "bad-ca")

    assert code == 78
    [line] = err.strip().splitlines()
    assert "SUPABASE_CA_FILE" in line and problem in line
