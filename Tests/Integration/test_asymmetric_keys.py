"""ES256 access tokens checked against a JWKS (file or URL), alone or next to the HS256 secret."""

from __future__ import annotations

import json
import urllib.request

import pytest

from expectations import DEFAULT_CLEARED, assert_cleared_exactly, assert_error, assert_success
from session_tokens import mint_es256, mint_hs256
from web import logout

ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")


def stub_jwks(stub) -> dict:
    with urllib.request.urlopen(stub.url + "/auth/v1/.well-known/jwks.json", timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def both_kinds(start_deployment, stub):
    return start_deployment("jwks-and-secret", SUPABASE_JWKS_URL=stub.url + "/auth/v1/.well-known/jwks.json")


@pytest.fixture(scope="module")
def jwks_only(start_deployment):
    # Neither secret nor file: the JWKS is fetched from the project's well-known URL.
    return start_deployment("jwks-default-url", SUPABASE_JWT_SECRET=None)


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


def test_es256_and_hs256_both_accepted_during_key_rotation(both_kinds, stub):
    assert_success(logout(both_kinds.port, es256_session(stub)["access_token"]))
    assert_success(logout(both_kinds.port, stub.new_session()["access_token"]))
    assert len(stub.logout_requests()) == 2


def test_es256_with_jwks_from_the_default_url(jwks_only, stub):
    session = es256_session(stub)

    assert_success(logout(jwks_only.port, session["access_token"]))
    assert session["session_id"] not in stub.live_sessions()


def test_es256_with_jwks_file(jwks_file, stub):
    assert_success(logout(jwks_file.port, es256_session(stub)["access_token"]))


def test_hs256_refused_when_only_a_jwks_is_configured(jwks_only, stub):
    stub.new_session()  # keeps the stand-in's ES256 key in use
    stub.clear_requests()

    resp = logout(jwks_only.port, mint_hs256(stub.jwt_secret))

    assert_error(resp, 401, "invalid_token")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.logout_requests() == []


def test_es256_signed_by_another_key_with_a_known_kid_is_invalid(both_kinds, stub):
    es256_session(stub)
    kid = stub_jwks(stub)["keys"][0]["kid"]
    stub.clear_requests()

    resp = logout(both_kinds.port, mint_es256(ec.generate_private_key(ec.SECP256R1()), kid))

    assert_error(resp, 401, "invalid_token")
    assert stub.logout_requests() == []


def test_es256_with_an_unknown_kid_is_invalid(both_kinds, stub):
    stub.clear_requests()

    resp = logout(both_kinds.port, mint_es256(ec.generate_private_key(ec.SECP256R1()), "unknown-kid"))

    assert_error(resp, 401, "invalid_token")
    assert stub.logout_requests() == []
