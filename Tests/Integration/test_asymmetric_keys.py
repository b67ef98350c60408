"""ES256 access tokens checked against the project's JWKS (fetched, or from a file), alone or next to
the HS256 secret."""

from __future__ import annotations

import json
import urllib.request

import pytest

from expectations import DEFAULT_CLEARED, assert_cleared_exactly, assert_error, assert_success
from session_tokens import mint_es256, mint_hs256
from web import logout, request

ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")


def stub_jwks(stub) -> dict:
    with urllib.request.urlopen(stub.url + "/auth/v1/.well-known/jwks.json", timeout=10) as resp:
        return json.loads(resp.read())


def jwks_fetches(deployment) -> dict[str, str]:
    text = request(deployment.port, "GET", "/metrics").body.decode()
    return dict(line.rsplit(" ", 1) for line in text.splitlines() if line.startswith("logout_jwks_fetches_total{"))


@pytest.fixture(scope="module")
def with_secret(start_deployment):
    # The usual configuration: the HS256 secret set, nothing said about a JWKS.
    return start_deployment("jwks-with-secret")


@pytest.fixture(scope="module")
def jwks_only(start_deployment):
    return start_deployment("jwks-without-secret", SUPABASE_JWT_SECRET=None)


@pytest.fixture(scope="module")
def jwks_file(start_deployment, stub, tmp_path_factory):
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps(stub_jwks(stub)))
    return start_deployment("jwks-file", SUPABASE_JWT_SECRET=None, SUPABASE_JWKS_FILE=str(path))


def es256_session(stub):
    status, _ = stub.admin("GET", "/admin/jwks_private")
    if status != 200:
        pytest.skip("the stand-in has no ES256 key")
    return stub.new_session(alg="ES256")


def test_es256_with_the_secret_set_is_checked_against_the_projects_jwks(with_secret, stub):
    session = es256_session(stub)

    assert_success(logout(with_secret.port, session["access_token"]))
    assert session["session_id"] not in stub.live_sessions()
    fetches = jwks_fetches(with_secret)
    assert int(fetches['logout_jwks_fetches_total{result="success"}']) >= 1
    assert fetches['logout_jwks_fetches_total{result="failure"}'] == "0"


def test_es256_and_hs256_both_accepted_during_key_rotation(with_secret, stub):
    assert_success(logout(with_secret.port, es256_session(stub)["access_token"]))
    assert_success(logout(with_secret.port, stub.new_session()["access_token"]))
    assert len(stub.logout_requests()) == 2


def test_es256_without_a_secret(jwks_only, stub):
    session = es256_session(stub)

    assert_success(logout(jwks_only.port, session["access_token"]))
    assert session["session_id"] not in stub.live_sessions()


def test_es256_with_jwks_file(jwks_file, stub):
    assert_success(logout(jwks_file.port, es256_session(stub)["access_token"]))


def test_hs256_refused_when_only_a_jwks_is_configured(jwks_only, stub):
    stub.new_session()  # keeps the stand-in's ES256 key in use
    stub.clear_requests()

    resp = logout(jwks_only.port, mint_hs256(stub.jwt_secret, stub.issuer))

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.logout_requests() == []


def test_es256_signed_by_another_key_with_a_known_kid_is_invalid(with_secret, stub):
    es256_session(stub)
    kid = stub_jwks(stub)["keys"][0]["kid"]
    stub.clear_requests()

    resp = logout(with_secret.port, mint_es256(ec.generate_private_key(ec.SECP256R1()), kid, stub.issuer))

    assert_error(resp, 401, "invalid_token")
    assert stub.logout_requests() == []


def test_es256_with_a_kid_the_reachable_jwks_does_not_hold_is_invalid(with_secret, stub):
    stub.clear_requests()

    resp = logout(with_secret.port,
                  mint_es256(ec.generate_private_key(ec.SECP256R1()), "unknown-kid", stub.issuer))

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.logout_requests() == []
