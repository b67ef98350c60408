"""When Supabase Auth fails, is slow or unreachable: bounded retries in one deadline, cookies kept."""

from __future__ import annotations

import time

import pytest

from expectations import DEFAULT_CLEARED, assert_cleared_exactly, assert_cookies_untouched, assert_error, assert_success
from web import logout

DEADLINE_MS = 1000
# Debug build, nginx in between, a loaded 2-core machine.
MARGIN_S = 1.0


@pytest.fixture(scope="module")
def short_deadline(start_deployment):
    return start_deployment("short-deadline", LOGOUT_UPSTREAM_TIMEOUT_MS=str(DEADLINE_MS))


def timed_logout(port, token):
    started = time.monotonic()
    resp = logout(port, token)
    return resp, time.monotonic() - started


def assert_failed_and_kept(resp, elapsed, stub, session):
    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert elapsed < DEADLINE_MS / 1000 + MARGIN_S, f"answered after {elapsed:.2f} s"
    assert session["session_id"] in stub.live_sessions()


def test_transient_503_twice_then_success(app, stub):
    session = stub.new_session()
    stub.fault(kind="status", status=503, times=2)

    resp = logout(app.port, session["access_token"])

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert len(stub.logout_requests()) == 3
    assert session["session_id"] not in stub.live_sessions()


def test_one_reset_connection_then_success(app, stub):
    session = stub.new_session()
    stub.fault(kind="reset", times=1)

    resp = logout(app.port, session["access_token"])

    assert_success(resp)
    assert session["session_id"] not in stub.live_sessions()


@pytest.mark.parametrize("status", [500, 503])
def test_persistent_upstream_error_is_500_and_keeps_cookies(short_deadline, stub, status):
    session = stub.new_session()
    stub.fault(kind="status", status=status, times=-1)

    resp, elapsed = timed_logout(short_deadline.port, session["access_token"])

    stub.clear_faults()
    assert_failed_and_kept(resp, elapsed, stub, session)
    assert resp.all("Retry-After") == []
    attempts = len(stub.logout_requests())
    assert 2 <= attempts <= 10, f"{attempts} attempts"


@pytest.mark.parametrize("retry_after, answered", [(None, "30"), (60, "60")])
def test_a_rate_limit_past_the_deadline_is_not_retried_and_passes_retry_after_on(short_deadline, stub, retry_after,
                                                                                answered):
    session = stub.new_session()
    stub.fault(kind="status", status=429, times=-1, retry_after=retry_after)

    resp, elapsed = timed_logout(short_deadline.port, session["access_token"])

    stub.clear_faults()
    assert_failed_and_kept(resp, elapsed, stub, session)
    assert resp.all("Retry-After") == [answered]
    assert len(stub.logout_requests()) == 1


def test_slow_upstream_is_cut_at_the_deadline(short_deadline, stub):
    session = stub.new_session()
    stub.fault(kind="delay", ms=DEADLINE_MS * 3, times=-1)

    resp, elapsed = timed_logout(short_deadline.port, session["access_token"])

    stub.clear_faults()
    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert elapsed < DEADLINE_MS / 1000 + MARGIN_S, f"answered after {elapsed:.2f} s"


def test_refused_connection_is_500_and_keeps_cookies(short_deadline, stub):
    session = stub.new_session()
    stub.fault(kind="refuse")

    try:
        resp, elapsed = timed_logout(short_deadline.port, session["access_token"])
    finally:
        stub.clear_faults()

    assert_failed_and_kept(resp, elapsed, stub, session)


def test_reset_connection_every_time_is_500_and_keeps_cookies(short_deadline, stub):
    session = stub.new_session()
    stub.fault(kind="reset", times=-1)

    resp, elapsed = timed_logout(short_deadline.port, session["access_token"])

    stub.clear_faults()
    assert_failed_and_kept(resp, elapsed, stub, session)


def test_recovers_after_upstream_comes_back(short_deadline, stub):
    session = stub.new_session()
    stub.fault(kind="refuse")
    try:
        assert logout(short_deadline.port, session["access_token"]).status == 500
    finally:
        stub.clear_faults()

    assert_success(logout(short_deadline.port, session["access_token"]))


def test_other_4xx_from_upstream_is_500_not_retried(short_deadline, stub):
    session = stub.new_session()
    stub.fault(kind="status", status=400, times=-1)

    resp, elapsed = timed_logout(short_deadline.port, session["access_token"])

    stub.clear_faults()
    assert_failed_and_kept(resp, elapsed, stub, session)
    assert len(stub.logout_requests()) == 1


def test_wrong_anon_key_is_500_with_one_attempt(start_deployment, stub):
    deployment = start_deployment("wrong-anon-key", SUPABASE_ANON_KEY="anon-wrong-" + "0" * 24)
    session = stub.new_session()

    resp = logout(deployment.port, session["access_token"])

    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert len(stub.logout_requests()) == 1
    assert session["session_id"] in stub.live_sessions()

