"""GET /metrics through nginx after known requests: the exact Prometheus text of every counter,
histogram count and gauge, and who may read it."""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import time

import pytest

from deployment import BINARY, REPO
from expectations import assert_error, assert_success
from fcgi_client import fcgi_request, nginx_like_params, read_stdout, request_bytes
from session_tokens import base64_cookie_value, cookie_header, new_csrf_value
from web import LOGOUT_PATH, logout, request

MAX_INFLIGHT = 37
DEADLINE_MS = 1000
ROUTES = ("/api/auth/logout", "/healthz", "/metrics", "unmatched")
STATUSES = (200, 400, 401, 403, 404, 405, 413, 500, 503)
OUTCOME_CODES = (
    "success", "not_found", "method_not_allowed", "payload_too_large", "invalid_scope", "missing_token",
    "origin_not_allowed", "csrf_token_missing", "csrf_token_invalid", "invalid_token", "token_expired",
    "session_not_found", "session_invalidation_failed", "overloaded",
)
BUCKETS = ("0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf")


def scrape(port: int) -> str:
    resp = request(port, "GET", "/metrics")
    assert resp.status == 200, resp
    assert resp.one("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    return resp.body.decode()


def samples(text: str) -> dict[str, str]:
    """`name{labels}` to its value, as the exposition writes both."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            assert key not in out, f"series written twice: {key}"
            out[key] = value
    return out


UPSTREAM_ERRORS = [
    "could_not_connect", "timed_out", "connection_reset", "response_too_large", "invalid_request", "cancelled",
    "shutdown", "tls_unknown_ca", "tls_name_mismatch", "tls_certificate_expired", "tls_certificate_rejected",
    "tls_handshake_failed", "tls_trust_store_unusable", "client_setup_failed", "other",
]


def family(values: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in values.items() if key == name or key.startswith(name + "{")}


def build_version() -> str:
    result = subprocess.run([str(BINARY), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def scenario(start_deployment, stub):
    """A fresh responder, scraped once before and once after a known set of requests."""
    stub.reset()
    deployment = start_deployment(
        "metrics", LOGOUT_MAX_INFLIGHT=str(MAX_INFLIGHT), LOGOUT_UPSTREAM_TIMEOUT_MS=str(DEADLINE_MS))
    before = scrape(deployment.port)
    port = deployment.port

    for _ in range(2):
        assert_success(logout(port, stub.new_session()["access_token"]))
    for _ in range(3):
        assert_error(logout(port, None), 401, "missing_token")
    # nginx answers paths outside its locations itself; the responder sees an unknown path only when
    # a FastCGI client sends one.
    assert request(port, "GET", "/not-here").status == 404
    unknown = fcgi_request(str(deployment.socket_path), nginx_like_params("GET", "/not-here", "localhost", {}, b""))
    assert_error(unknown, 404, "not_found")
    assert_error(request(port, "GET", LOGOUT_PATH), 405, "method_not_allowed")
    stub.fault(kind="status", status=503, times=1)
    assert_success(logout(port, stub.new_session()["access_token"]))
    # An expired cookie session: refreshed, then revoked.
    csrf = new_csrf_value()
    expired = base64_cookie_value(stub.new_session(expires_in=-600))
    assert_success(logout(port, None, headers={
        "Cookie": cookie_header([("sb-127-auth-token", expired), ("csrf_token", csrf)]), "X-CSRF-Token": csrf}))
    stub.fault(kind="status", status=500, times=-1)
    try:
        assert_error(logout(port, stub.new_session()["access_token"]), 500, "session_invalidation_failed")
    finally:
        stub.clear_faults()
    upstream_calls = len(stub.logout_requests()) + len(stub.token_requests())
    assert request(port, "GET", "/healthz").status == 200

    after = scrape(deployment.port)
    return {"before": samples(before), "after": samples(after), "text": after, "upstream_calls": upstream_calls}


def test_request_counters_before_any_request(scenario):
    before = scenario["before"]

    counted = {key: int(v) for key, v in family(before, "logout_http_requests_total").items() if v != "0"}
    # Only nginx's readiness probes have been answered.
    assert set(counted) == {'logout_http_requests_total{route="/healthz",status="200"}'}
    for code in OUTCOME_CODES:
        assert before[f'logout_outcomes_total{{code="{code}"}}'] == "0"


def test_request_counters_by_route_and_status(scenario):
    probes = int(scenario["before"]['logout_http_requests_total{route="/healthz",status="200"}'])
    counts = {
        ("/api/auth/logout", 200): 4,
        ("/api/auth/logout", 401): 3,
        ("/api/auth/logout", 405): 1,
        ("/api/auth/logout", 500): 1,
        ("unmatched", 404): 1,
        ("/healthz", 200): probes + 1,
        # The scrape before the requests; a scrape is counted after its own text is written.
        ("/metrics", 200): 1,
    }
    expected = {
        f'logout_http_requests_total{{route="{route}",status="{status}"}}': str(counts.get((route, status), 0))
        for route in ROUTES for status in STATUSES
    }

    assert family(scenario["after"], "logout_http_requests_total") == expected
    assert f'logout_http_requests_total{{route="/api/auth/logout",status="200"}} 4' in scenario["text"].splitlines()


def test_outcome_counters(scenario):
    counts = {"success": 4, "missing_token": 3, "session_invalidation_failed": 1}
    expected = {f'logout_outcomes_total{{code="{code}"}}': str(counts.get(code, 0)) for code in OUTCOME_CODES}

    assert family(scenario["after"], "logout_outcomes_total") == expected


def test_upstream_counters(scenario):
    after = scenario["after"]
    calls = scenario["upstream_calls"]
    revocations = 5  # two plain successes, the 503-then-success, the refreshed one, the always-500
    # 1 + 1 + 2 (one retry) + 2 (refresh and logout), and the failure retried within its bounds
    assert 2 + 2 + 2 + 2 <= calls <= 2 + 2 + 2 + 3, calls

    assert after["logout_upstream_attempts_total"] == str(calls)
    # The refreshed session's two calls are one revocation without a retry.
    assert after["logout_upstream_retries_total"] == str(calls - revocations - 1)
    assert family(after, "logout_upstream_failures_total") == {
        'logout_upstream_failures_total{reason="unavailable"}': "1",
        'logout_upstream_failures_total{reason="rate_limited"}': "0",
        'logout_upstream_failures_total{reason="rejected_configuration"}': "0",
        'logout_upstream_failures_total{reason="tls"}': "0",
    }
    # Every attempt got an HTTP answer: no transfer error, TLS or other, by any cause.
    assert family(after, "logout_upstream_errors_total") == {
        f'logout_upstream_errors_total{{error="{error}"}}': "0" for error in UPSTREAM_ERRORS
    }
    assert family(after, "logout_revocations_total") == {
        'logout_revocations_total{outcome="revoked"}': "3",
        'logout_revocations_total{outcome="refreshed"}': "1",
        'logout_revocations_total{outcome="session_dead"}': "0",
        'logout_revocations_total{outcome="unavailable"}': "1",
        'logout_revocations_total{outcome="rate_limited"}': "0",
        'logout_revocations_total{outcome="rejected_configuration"}': "0",
        'logout_revocations_total{outcome="tls"}': "0",
    }
    assert after["logout_upstream_duration_seconds_count"] == str(revocations)
    assert after['logout_upstream_duration_seconds_bucket{le="+Inf"}'] == str(revocations)
    assert float(after["logout_upstream_duration_seconds_sum"]) > 0


def test_request_duration_histograms(scenario):
    after = scenario["after"]
    probes = int(scenario["before"]['logout_http_requests_total{route="/healthz",status="200"}'])
    counts = {"/api/auth/logout": 9, "unmatched": 1, "/metrics": 1, "/healthz": probes + 1}

    for route, count in counts.items():
        assert after[f'logout_http_request_duration_seconds_count{{route="{route}"}}'] == str(count)
        cumulative = [int(after[f'logout_http_request_duration_seconds_bucket{{route="{route}",le="{le}"}}'])
                      for le in BUCKETS]
        assert cumulative == sorted(cumulative) and cumulative[-1] == count, cumulative
        assert float(after[f'logout_http_request_duration_seconds_sum{{route="{route}"}}']) > 0


def test_gauges_and_build_info(scenario):
    lines = scenario["text"].splitlines()

    assert "logout_inflight_requests 0.0" in lines
    assert f"logout_inflight_capacity {MAX_INFLIGHT}.0" in lines
    assert f'logout_build_info{{version="{build_version()}"}} 1.0' in lines
    # Every request line fitted in the log buffer.
    assert "logout_log_lines_dropped_total 0" in lines
    # The scrape is answered inline, held by no one; nothing was closed for the budget. Nothing is buffered
    # but, when the scrape's own request reached the responder in more than one read, the one 4 KiB buffer
    # it arrived in, which counts until its answer is written.
    assert "logout_fastcgi_open_connections 0.0" in lines
    assert scenario["after"]["logout_fastcgi_buffered_bytes"] in ("0.0", "4096.0")
    assert "logout_fastcgi_closed_for_budget_total 0" in lines
    # The project's JWKS, fetched once at start; Supabase's max-age (600 s) outlasts the scenario.
    assert family(scenario["after"], "logout_jwks_fetches_total") == {
        'logout_jwks_fetches_total{result="success"}': "1",
        'logout_jwks_fetches_total{result="failure"}': "0",
    }


FAMILIES = {
    "logout_http_requests_total": ("counter", "HTTP requests answered, by route template and status."),
    "logout_http_request_duration_seconds":
        ("histogram", "Time from reading a request to its answer, by route template."),
    "logout_outcomes_total": ("counter", "Logouts by result: success or the error code answered."),
    "logout_upstream_duration_seconds":
        ("histogram", "Time spent on one revocation at Supabase Auth, retries included."),
    "logout_upstream_attempts_total":
        ("counter", "Requests sent to Supabase Auth's logout and token-refresh endpoints."),
    "logout_upstream_retries_total": ("counter", "Revocation attempts that repeated a failed one."),
    "logout_upstream_failures_total":
        ("counter", "Revocations that failed: Supabase Auth unavailable, rate-limiting us, refusing our configuration, "
                    "or its TLS certificate not verified."),
    "logout_upstream_errors_total":
        ("counter", "Revocations whose last attempt got no answer from Supabase Auth, by why (TLS failures by cause)."),
    "logout_revocations_total":
        ("counter", "Sessions sent to Supabase Auth, by outcome: revoked, refreshed (revoked with a fresh token "
                    "from the refresh token), session_dead, or the failure."),
    "logout_jwks_fetches_total": ("counter", "JWKS loads (fetches or file reads), by result."),
    "logout_inflight_requests": ("gauge", "Requests holding a slot now, waiting on Supabase Auth included."),
    "logout_inflight_capacity": ("gauge", "Slots available; past them requests get 503 overloaded."),
    "logout_fastcgi_open_connections":
        ("gauge", "FastCGI connections open now: waiting for a request, kept alive, being answered or written to."),
    "logout_fastcgi_buffered_bytes":
        ("gauge", "Request bytes the FastCGI connections hold now (LOGOUT_MAX_BUFFERED_BYTES at most)."),
    "logout_fastcgi_closed_for_budget_total":
        ("counter",
         "FastCGI connections closed because LOGOUT_MAX_BUFFERED_BYTES or LOGOUT_MAX_CONNECTIONS was reached."),
    "logout_log_lines_dropped_total": ("counter", "Log lines dropped because the log buffer was full."),
    "logout_build_info": ("gauge", "Always 1; the version label names the running build."),
}


def test_metric_families_with_help_and_type(scenario):
    text = scenario["text"]
    types = dict(re.findall(r"^# TYPE (\w+) (\w+)$", text, re.MULTILINE))
    helps = dict(re.findall(r"^# HELP (\w+) (.+)$", text, re.MULTILINE))

    assert types == {name: kind for name, (kind, _) in FAMILIES.items()}
    assert helps == {name: help_text for name, (_, help_text) in FAMILIES.items()}
    # Each family: its HELP line, then its TYPE line, then its samples.
    lines = text.splitlines()
    for name, (kind, help_text) in FAMILIES.items():
        at = lines.index(f"# HELP {name} {help_text}")
        assert lines[at + 1] == f"# TYPE {name} {kind}"


def test_promtool_check_metrics_is_clean_on_a_live_scrape(scenario):
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool not installed (Debian package `prometheus`)")

    result = subprocess.run([tool, "check", "metrics"], input=scenario["text"], capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr


def request_from(source: str, port: int, path: str, method: str = "GET") -> int:
    """The status nginx answers a client whose address is `source` (any 127/8 address is local)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        conn.request(method, path, headers={"Host": "localhost", "Content-Length": "0"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/metrics", "/healthz"])
def test_metrics_and_health_only_for_loopback_clients(app, path):
    assert request_from("127.0.0.1", app.port, path) == 200
    # 127.0.0.2 reaches the loopback listener but is not on the allow list: as any other client.
    assert request_from("127.0.0.2", app.port, path) == 403


def test_logout_is_open_to_other_clients(app):
    assert request_from("127.0.0.2", app.port, LOGOUT_PATH, "POST") == 401


def test_operator_snippet_limits_metrics_and_health_to_loopback():
    text = (REPO / "nginx" / "logout-fcgi.conf").read_text()

    for location in ("/healthz", "/metrics"):
        block = text.split(f"location = {location} {{", 1)[1].split("}", 1)[0]
        assert re.search(r"allow 127\.0\.0\.1;\s+allow ::1;\s+deny all;", block), location


def test_a_scrape_that_arrives_in_pieces_does_not_count_itself(start_deployment):
    deployment = start_deployment("metrics-pieces")
    whole = request_bytes(nginx_like_params("GET", "/metrics", "localhost", {}, b""))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(15)
        sock.connect(str(deployment.socket_path))
        # The begin record and half the params first, the rest once the worker has read them: the worker
        # holds the connection between the two reads.
        sock.sendall(whole[:40])
        deadline = time.monotonic() + 10
        while "logout_fastcgi_open_connections 1.0" not in scrape(deployment.port).splitlines():
            assert time.monotonic() < deadline, "the partial request was never held"
        sock.sendall(whole[40:])
        text = read_stdout(sock).partition(b"\r\n\r\n")[2].decode()
    assert "logout_fastcgi_open_connections 0.0" in text.splitlines()
