"""The project's JWKS over time, against a stand-in of its own: unreachable at start and back, a
`max-age` honoured, a rotated-out key no longer trusted."""

from __future__ import annotations

import time

import pytest

from conftest import DeploymentFactory
from deployment import STUB_SCRIPT, poll
from expectations import DEFAULT_CLEARED, assert_cleared_exactly, assert_cookies_untouched, assert_error, assert_success
from session_tokens import base64_cookie_value, cookie_header, mint_es256, new_csrf_value
from stub_admin import Stub
from web import logout

serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")


@pytest.fixture
def keys_stub(tmp_path_factory):
    """A stand-in of each test's own: its keys and JWKS answers change, and its JWKS fetches are
    counted, without another responder's fetches mixed in."""
    server = Stub(STUB_SCRIPT, tmp_path_factory.mktemp("keys-stub"))
    if server.admin("GET", "/admin/jwks_private")[0] != 200:
        server.stop()
        pytest.skip("the stand-in has no ES256 key")
    yield server
    server.stop()


@pytest.fixture
def deployments(keys_stub, tmp_path_factory):
    factory = DeploymentFactory(keys_stub, tmp_path_factory)
    yield factory
    failures = factory.stop_all()
    assert not failures, failures


def test_es256_with_the_secret_set_fetches_the_projects_jwks_at_start(keys_stub, deployments):
    deployment = deployments("jwks-secret-set")
    # The usual configuration: SUPABASE_JWT_SECRET set, no JWKS setting.
    assert deployment.env.get("SUPABASE_JWT_SECRET") and "SUPABASE_JWKS_URL" not in deployment.env
    [fetch] = keys_stub.jwks_requests()
    assert fetch["method"] == "GET" and "authorization" not in fetch["headers"]
    session = keys_stub.new_session(alg="ES256")

    assert_success(logout(deployment.port, session["access_token"]))
    assert session["session_id"] not in keys_stub.live_sessions()
    assert len(keys_stub.jwks_requests()) == 1


def test_jwks_down_at_start_keeps_es256_cookies_and_recovers_once_back(keys_stub, deployments):
    keys_stub.jwks_answer(status=503)
    deployment = deployments("jwks-down-at-start")  # starts all the same
    es256 = keys_stub.new_session(alg="ES256")
    csrf = new_csrf_value()
    cookies = {"Cookie": cookie_header([("sb-127-auth-token", base64_cookie_value(es256)), ("csrf_token", csrf)]),
               "X-CSRF-Token": csrf}

    resp = logout(deployment.port, None, headers=cookies)

    # The key cannot be looked up: that says nothing about the token, so nothing is cleared.
    assert_error(resp, 500, "session_invalidation_failed")
    assert_cookies_untouched(resp)
    assert keys_stub.logout_requests() == []
    assert es256["session_id"] in keys_stub.live_sessions()

    hs256 = keys_stub.new_session()
    assert_success(logout(deployment.port, hs256["access_token"]))

    keys_stub.jwks_answer(status=None)
    back = time.monotonic()
    resp = poll(lambda: (r := logout(deployment.port, None, headers=cookies)).status != 500 and r, 20.0,
                "an ES256 logout once the JWKS is back", interval=0.2)
    recovered_after = time.monotonic() - back

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert es256["session_id"] not in keys_stub.live_sessions()
    assert recovered_after < 8.0, f"recovered {recovered_after:.1f} s after the JWKS came back"


def test_a_key_removed_from_the_jwks_stops_verifying_after_max_age(keys_stub, deployments):
    keys_stub.jwks_answer(cache_control="public, max-age=5")
    deployment = deployments("jwks-max-age")
    assert_success(logout(deployment.port, keys_stub.new_session(alg="ES256")["access_token"]))
    _, old = keys_stub.admin("GET", "/admin/jwks_private")
    old_key = serialization.load_pem_private_key(old["pem"].encode(), None)

    keys_stub.rotate_jwks()
    fetched_before = len(keys_stub.jwks_requests())
    poll(lambda: len(keys_stub.jwks_requests()) > fetched_before, 15.0, "a JWKS fetch after max-age")
    keys_stub.clear_requests()

    resp = logout(deployment.port, mint_es256(old_key, old["kid"], keys_stub.issuer))

    assert_error(resp, 401, "invalid_token")
    assert keys_stub.requests_for_users() == []
    assert_success(logout(deployment.port, keys_stub.new_session(alg="ES256")["access_token"]))


def test_the_jwks_is_fetched_again_when_its_max_age_has_passed(keys_stub, deployments):
    keys_stub.jwks_answer(cache_control="max-age=5")
    deployments("jwks-refetch")

    fetches = poll(lambda: len(f := keys_stub.jwks_requests()) >= 3 and f, 20.0, "three JWKS fetches")

    gaps = [later["at"] - earlier["at"] for earlier, later in zip(fetches, fetches[1:3])]
    assert all(4.5 <= gap <= 7.5 for gap in gaps), gaps
