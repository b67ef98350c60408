"""Saturation (503 overloaded) and many concurrent logouts without cross-talk."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from deployment import poll
from expectations import SUCCESS_BODY, assert_cookies_untouched, assert_error, assert_success
from session_tokens import jwt_session_id
from web import logout

UPSTREAM_DELAY_MS = 1000


@pytest.fixture(scope="module")
def two_slots(start_deployment):
    return start_deployment("two-slots", LOGOUT_MAX_INFLIGHT="2")


def test_saturated_responder_answers_503_at_once_then_recovers(two_slots, stub):
    sessions = [stub.new_session() for _ in range(4)]
    stub.fault(kind="delay", ms=UPSTREAM_DELAY_MS, times=2)
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(logout, two_slots.port, s["access_token"]) for s in sessions[:2]]
        poll(lambda: len(stub.logout_requests()) == 2, UPSTREAM_DELAY_MS / 1000 * 0.8, "two held logouts")

        started = time.monotonic()
        rejected = logout(two_slots.port, sessions[2]["access_token"])
        elapsed = time.monotonic() - started

        assert_error(rejected, 503, "overloaded")
        assert rejected.one("Retry-After"), "no Retry-After"
        assert rejected.one("Retry-After").isdigit()
        assert_cookies_untouched(rejected)
        assert elapsed < UPSTREAM_DELAY_MS / 1000 / 2, f"503 took {elapsed:.2f} s"
        for future in held:
            assert_success(future.result())

    assert_success(logout(two_slots.port, sessions[3]["access_token"]))
    assert sessions[2]["session_id"] in stub.live_sessions()


CONCURRENT = 200


def test_concurrent_logouts_of_distinct_sessions(app, stub):
    sessions = [stub.new_session() for _ in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT)

    def one(session):
        barrier.wait(30)
        return logout(app.port, session["access_token"], timeout=30)

    with ThreadPoolExecutor(CONCURRENT) as pool:
        responses = list(pool.map(one, sessions))

    statuses = sorted({r.status for r in responses})
    assert statuses == [200], f"statuses {statuses}"
    assert all(r.body == SUCCESS_BODY for r in responses)
    sent_ids = {s["session_id"] for s in sessions}
    assert stub.live_sessions() & sent_ids == set()
    authorizations = [r["headers"]["authorization"] for r in stub.logout_requests()]
    assert sorted(authorizations) == sorted(f"Bearer {s['access_token']}" for s in sessions)
    revoked_ids = {jwt_session_id(a.removeprefix("Bearer ")) for a in authorizations}
    assert revoked_ids == sent_ids
