"""The responder's stderr after known requests: JSON lines, one start-up line with the settings, one
line per request that matches nginx's request id, and no secret anywhere."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess

import pytest

from deployment import BINARY
from expectations import assert_error, assert_success
from secret_registry import all_secrets, remember
from session_tokens import base64_cookie_value, cookie_header, mint_hs256, signed_csrf_token
from web import LOGOUT_PATH, logout, request

LEVELS = {"trace", "debug", "info", "notice", "warning", "error", "critical"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
NGINX_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
DEADLINE_MS = 1000
CSRF_SECRET = "csrf-" + "9f2c4e1a7b3d5c8e0a6f" * 3
remember(CSRF_SECRET)


def read_lines(path) -> list[dict]:
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines]


def request_lines(entries: list[dict]) -> list[dict]:
    return [entry for entry in entries if "http.route" in entry]


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()[:16]


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def sent_request_ids(stub) -> list[str]:
    """The X-Request-Id of every revocation call Supabase Auth received, in order."""
    return [sent["headers"].get("x-request-id") for sent in stub.logout_requests()]


@pytest.fixture(scope="module")
def run(start_deployment, stub):
    """Known requests against a responder at the default log level, which is then stopped."""
    stub.reset()
    deployment = start_deployment(
        "logs", LOGOUT_LOG_LEVEL="info", LOGOUT_UPSTREAM_TIMEOUT_MS=str(DEADLINE_MS), LOGOUT_CSRF_SECRET=CSRF_SECRET)
    port = deployment.port
    expected = []  # (method, route, status, code, session id or None when no revocation)

    bearer = stub.new_session()
    assert_success(logout(port, bearer["access_token"]))
    expected.append(("POST", LOGOUT_PATH, 200, None, bearer["session_id"]))

    assert_error(logout(port, None), 401, "missing_token")
    expected.append(("POST", LOGOUT_PATH, 401, "missing_token", None))

    browser = stub.new_session()
    cookie = base64_cookie_value(browser)
    csrf = signed_csrf_token(CSRF_SECRET, browser["session_id"])
    headers = {"Cookie": cookie_header([("sb-127-auth-token", cookie), ("csrf_token", csrf)]), "X-CSRF-Token": csrf}
    assert_success(logout(port, None, headers=headers))
    expected.append(("POST", LOGOUT_PATH, 200, None, browser["session_id"]))

    forged = signed_csrf_token(CSRF_SECRET, "another-session-id")
    headers = {"Cookie": cookie_header([("sb-127-auth-token", cookie), ("csrf_token", forged)]), "X-CSRF-Token": forged}
    assert_error(logout(port, None, headers=headers), 403, "csrf_token_invalid")
    expected.append(("POST", LOGOUT_PATH, 403, "csrf_token_invalid", None))

    assert_error(request(port, "GET", LOGOUT_PATH), 405, "method_not_allowed")
    expected.append(("GET", LOGOUT_PATH, 405, "method_not_allowed", None))

    failing = stub.new_session()
    stub.fault(kind="status", status=500, times=-1)
    try:
        assert_error(logout(port, failing["access_token"]), 500, "session_invalidation_failed")
    finally:
        stub.clear_faults()
    expected.append(("POST", LOGOUT_PATH, 500, "session_invalidation_failed", failing["session_id"]))

    assert_error(logout(port, bearer["access_token"]), 401, "session_not_found")
    expected.append(("POST", LOGOUT_PATH, 401, "session_not_found", bearer["session_id"]))

    wrong_key = mint_hs256("another-project-secret-" + "x" * 24, stub.issuer)
    assert_error(logout(port, wrong_key), 401, "invalid_token")
    expected.append(("POST", LOGOUT_PATH, 401, "invalid_token", None))

    upstream_ids = sent_request_ids(stub)
    exit_code = deployment.stop()
    return {
        "deployment": deployment,
        "expected": expected,
        "upstream_ids": upstream_ids,
        "exit_code": exit_code,
        "entries": read_lines(deployment.responder.stderr_path),
        "stdout": deployment.responder.stdout_path.read_text(),
    }


def test_every_line_is_json_with_time_level_and_message(run):
    assert run["exit_code"] == 0
    assert run["stdout"] == ""
    assert run["entries"]
    for entry in run["entries"]:
        assert TIME.fullmatch(entry["time"]), entry["time"]
        assert entry["level"] in LEVELS
        assert isinstance(entry["message"], str) and entry["message"]


def test_one_starting_line_with_version_and_settings(run, stub):
    [starting] = [entry for entry in run["entries"] if entry["message"] == "starting"]
    version = subprocess.run([str(BINARY), "--version"], capture_output=True, text=True, timeout=30).stdout.strip()

    assert starting["level"] == "info"
    assert starting["version"] == version
    assert starting["supabase.url"] == stub.url
    assert starting["listen"] == f"unix:{run['deployment'].socket_path}"
    assert starting["upstream.timeout_ms"] == DEADLINE_MS
    assert starting["log.level"] == "info"
    assert starting["scope"] == "local"
    assert starting["max_inflight"] == 1024
    assert starting["upstream.connections"] == 512
    assert starting["supabase.ca_file"] == "unset"
    assert starting["supabase.jwks_url"] == stub.url + "/auth/v1/.well-known/jwks.json"
    assert starting["jwt.issuer"] == "discovered"
    # The issuer in use: the project's own until Supabase Auth names one, then the one it names.
    issuer_lines = [(e["jwt.issuer"], e["jwt.issuer_source"]) for e in run["entries"] if "jwt.issuer_source" in e]
    assert issuer_lines[:2] == [(stub.url + "/auth/v1", "project_url"), (stub.url + "/auth/v1", "openid_configuration")]
    assert starting["jwt.audience"] == "authenticated"
    # Secrets only as set or unset.
    assert starting["supabase.anon_key"] == "set"
    assert starting["supabase.jwt_secret"] == "set"
    assert starting["csrf.secret"] == "set"
    assert run["entries"].index(starting) < run["entries"].index(request_lines(run["entries"])[0])


def test_one_line_per_request_in_order(run):
    lines = request_lines(run["entries"])

    assert [(e["http.method"], e["http.route"], e["http.status"], e.get("logout.code")) for e in lines] == [
        (method, route, status, code) for method, route, status, code, _ in run["expected"]]
    for entry in lines:
        assert is_number(entry["duration_ms"]) and entry["duration_ms"] >= 0, entry
        assert entry["level"] == ("warning" if entry["http.status"] >= 500 else "info"), entry
        assert entry["message"] == "request"


def test_revocations_carry_upstream_fields_and_session_hash(run):
    lines = request_lines(run["entries"])

    for entry, (_, _, status, _, session_id) in zip(lines, run["expected"]):
        if session_id is None:
            assert not [key for key in entry if key.startswith(("upstream.", "session."))], entry
            continue
        assert entry["session.hash"] == session_hash(session_id)
        assert is_number(entry["upstream.duration_ms"]) and entry["upstream.duration_ms"] >= 0
        assert isinstance(entry["upstream.attempts"], int) and entry["upstream.attempts"] >= 1
        expected_upstream = {200: 204, 500: 500, 401: 403}[status]
        assert entry["upstream.status"] == expected_upstream, entry
    [session_gone] = [e for e in lines if e.get("logout.code") == "session_not_found"]
    assert session_gone["upstream.code"] == "session_not_found"
    [failed] = [e for e in lines if e["http.status"] == 500]
    assert 2 <= failed["upstream.attempts"] <= 3


def test_request_id_is_nginx_request_id_sent_upstream_too(run):
    lines = request_lines(run["entries"])
    ids = [entry.get("request.id") for entry in lines]

    assert all(i is not None and NGINX_REQUEST_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    # Each revocation sent its request id to Supabase Auth as X-Request-Id on every attempt.
    revocations = [entry for entry in lines if "upstream.attempts" in entry]
    expected_upstream_ids = [entry["request.id"] for entry in revocations for _ in range(entry["upstream.attempts"])]
    assert run["upstream_ids"] == expected_upstream_ids


def test_no_secret_in_the_output(run, stub):
    text = run["deployment"].responder.stderr_path.read_text() + run["stdout"]
    secrets = all_secrets()

    assert {stub.anon_key, stub.jwt_secret, CSRF_SECRET} <= secrets
    assert not [s for s in secrets if s in text], "a secret value appears in the responder's output"
    assert "Bearer" not in text and "base64-" not in text


@pytest.fixture(scope="module")
def quiet_run(start_deployment, stub):
    """The same kinds of requests at LOGOUT_LOG_LEVEL=warning."""
    stub.reset()
    deployment = start_deployment("logs-warning", LOGOUT_LOG_LEVEL="warning",
                                  LOGOUT_UPSTREAM_TIMEOUT_MS=str(DEADLINE_MS))
    port = deployment.port
    assert_success(logout(port, stub.new_session()["access_token"]))
    assert_error(logout(port, None), 401, "missing_token")
    assert request(port, "GET", "/healthz").status == 200
    failing = stub.new_session()
    stub.fault(kind="status", status=500, times=-1)
    try:
        assert_error(logout(port, failing["access_token"]), 500, "session_invalidation_failed")
    finally:
        stub.clear_faults()
    assert deployment.stop() == 0
    return {"entries": read_lines(deployment.responder.stderr_path), "session_id": failing["session_id"]}


def test_warning_level_suppresses_info_request_lines(quiet_run):
    entries = quiet_run["entries"]

    assert not [e for e in entries if e["level"] in ("trace", "debug", "info", "notice")], entries
    [only] = request_lines(entries)
    assert only["level"] == "warning"
    assert only["http.status"] == 500
    assert only["logout.code"] == "session_invalidation_failed"
    assert only["session.hash"] == session_hash(quiet_run["session_id"])



def test_debug_level_output_is_json_and_logs_probes_too(start_deployment, stub):
    deployment = start_deployment("logs-debug", LOGOUT_LOG_LEVEL="debug")
    session = stub.new_session()
    assert_success(logout(deployment.port, session["access_token"]))
    assert request(deployment.port, "GET", "/metrics").status == 200
    assert deployment.stop() == 0

    entries = read_lines(deployment.responder.stderr_path)
    for entry in entries:
        assert TIME.fullmatch(entry["time"]) and entry["level"] in LEVELS and entry["message"], entry
    routes = [(e["http.method"], e["http.route"], e["http.status"]) for e in request_lines(entries)]
    # nginx's readiness probes first, then this test's requests.
    assert routes[-2:] == [("POST", LOGOUT_PATH, 200), ("GET", "/metrics", 200)]
    assert set(routes[:-2]) == {("GET", "/healthz", 200)}
    text = deployment.responder.stderr_path.read_text()
    assert session["access_token"] not in text and stub.anon_key not in text
