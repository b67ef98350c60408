"""Tests of the GoTrue stand-in itself: python3 -m pytest -q Tests/Stub"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest

STUB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gotrue_stub.py")
ANON_KEY = "anon-key-for-tests"
JWT_SECRET = "test-jwt-secret-0123456789abcdef-0123456789"
VERSION_HEADER = {"X-Supabase-Api-Version": "2024-01-01"}

try:
    import cryptography  # noqa: F401

    HAVE_CRYPTOGRAPHY = True
except ImportError:
    HAVE_CRYPTOGRAPHY = False


class Stub:
    def __init__(self, process, public_url, admin_url):
        self.process = process
        self.public = urlsplit(public_url)
        self.admin = urlsplit(admin_url)
        self.public_url = public_url

    def call(self, where, method, path, body=None, headers=None):
        """One request on a fresh connection: (status, headers, decoded body)."""
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=5)
        try:
            data = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=data, headers=headers or {})
            response = connection.getresponse()
            raw = response.read()
            parsed = json.loads(raw) if raw else None
            return response.status, response.headers, parsed
        finally:
            connection.close()

    def admin_call(self, method, path, body=None):
        return self.call(self.admin, method, path, body)

    def public_call(self, method, path, body=None, headers=None):
        return self.call(self.public, method, path, body, headers)

    def session(self, **fields):
        status, _, body = self.admin_call("POST", "/admin/sessions", fields)
        assert status == 201
        return body

    def logout(self, token, scope="local", headers=None, apikey=ANON_KEY):
        all_headers = {"Authorization": "Bearer " + token}
        if apikey is not None:
            all_headers["apikey"] = apikey
        all_headers.update(headers or {})
        path = "/auth/v1/logout" + ("?scope=" + scope if scope is not None else "")
        return self.public_call("POST", path, headers=all_headers)

    def live(self, user_id=None):
        path = "/admin/sessions" + ("?user_id=" + user_id if user_id else "")
        return self.admin_call("GET", path)[2]["sessions"]

    def refresh(self, refresh_token):
        return self.public_call(
            "POST",
            "/auth/v1/token?grant_type=refresh_token",
            {"refresh_token": refresh_token},
            {"apikey": ANON_KEY, "Content-Type": "application/json"},
        )


@pytest.fixture(scope="module")
def running():
    process = subprocess.Popen(
        [sys.executable, STUB, "--port", "0", "--admin-port", "0", "--anon-key", ANON_KEY, "--jwt-secret", JWT_SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().split()
    assert line[0] == "READY", line
    yield Stub(process, line[1], line[2])
    process.terminate()
    assert process.wait(timeout=5) == 0


@pytest.fixture
def stub(running):
    assert running.admin_call("POST", "/admin/reset")[0] == 204
    return running


def hs256(claims, secret=JWT_SECRET, header=None):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = part(header or {"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# -- start-up and tokens -------------------------------------------------------------------------


def test_ready_line_names_two_loopback_urls(running):
    assert running.public.hostname == "127.0.0.1" and running.admin.hostname == "127.0.0.1"
    assert running.public.port != running.admin.port


def test_access_token_has_supabase_claims(stub):
    session = stub.session()
    claims = claims_of(session["access_token"])
    assert claims["iss"] == stub.public_url + "/auth/v1"
    assert claims["sub"] == session["user_id"] and claims["session_id"] == session["session_id"]
    assert claims["aud"] == "authenticated" and claims["role"] == "authenticated" and claims["aal"] == "aal1"
    assert claims["exp"] == session["expires_at"] and claims["exp"] - claims["iat"] == 3600
    assert claims["amr"] == [{"method": "password", "timestamp": claims["iat"]}]
    assert claims["is_anonymous"] is False and claims["phone"] == "" and claims["user_metadata"] == {}
    assert claims["app_metadata"] == {"provider": "email", "providers": ["email"]}
    uuid.UUID(claims["sub"])
    uuid.UUID(claims["session_id"])
    head, payload, signature = session["access_token"].split(".")
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "HS256", "typ": "JWT"}
    expected = hmac.new(JWT_SECRET.encode(), (head + "." + payload).encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected


def test_sessions_for_an_existing_user_share_the_user(stub):
    first = stub.session()
    second = stub.session(user_id=first["user_id"])
    assert second["user_id"] == first["user_id"]
    assert sorted(stub.live(first["user_id"])) == sorted([first["session_id"], second["session_id"]])


# -- logout ------------------------------------------------------------------------------------


def test_local_logout_ends_only_that_session_and_its_refresh_token(stub):
    first = stub.session()
    second = stub.session(user_id=first["user_id"])
    status, headers, body = stub.logout(first["access_token"], "local")
    assert (status, body, headers["Content-Length"]) == (204, None, "0")
    assert stub.live(first["user_id"]) == [second["session_id"]]
    assert stub.refresh(first["refresh_token"])[0] == 400
    assert stub.refresh(second["refresh_token"])[0] == 200


def test_repeated_logout_is_session_not_found_in_both_error_shapes(stub):
    session = stub.session()
    assert stub.logout(session["access_token"])[0] == 204
    status, headers, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
    assert status == 403 and headers["x-sb-error-code"] == "session_not_found"
    assert body == {"code": "session_not_found", "message": "Session from session_id claim in JWT does not exist"}
    status, headers, body = stub.logout(session["access_token"])
    assert status == 403 and headers["x-sb-error-code"] == "session_not_found"
    assert body == {
        "code": 403,
        "error_code": "session_not_found",
        "msg": "Session from session_id claim in JWT does not exist",
    }


def test_global_logout_ends_every_session_of_the_user_only(stub):
    first = stub.session()
    second = stub.session(user_id=first["user_id"])
    stranger = stub.session()
    assert stub.logout(first["access_token"], "global")[0] == 204
    assert stub.live(first["user_id"]) == []
    assert stub.live() == [stranger["session_id"]]
    assert stub.logout(second["access_token"])[0] == 403


def test_others_logout_keeps_this_session(stub):
    first = stub.session()
    stub.session(user_id=first["user_id"])
    stub.session(user_id=first["user_id"])
    assert stub.logout(first["access_token"], "others")[0] == 204
    assert stub.live(first["user_id"]) == [first["session_id"]]


def test_no_scope_means_global_as_gotrue_does(stub):
    first = stub.session()
    stub.session(user_id=first["user_id"])
    assert stub.logout(first["access_token"], scope=None)[0] == 204
    assert stub.live(first["user_id"]) == []


def test_unknown_scope_is_validation_failed(stub):
    session = stub.session()
    status, headers, body = stub.logout(session["access_token"], "everywhere", VERSION_HEADER)
    assert status == 400 and body["code"] == "validation_failed"
    assert headers["x-sb-error-code"] == "validation_failed"
    assert stub.live() == [session["session_id"]]


def test_gateway_refuses_missing_or_wrong_apikey_without_error_code(stub):
    session = stub.session()
    for apikey in (None, "wrong"):
        status, headers, body = stub.logout(session["access_token"], apikey=apikey)
        assert status == 401 and "x-sb-error-code" not in headers
        assert set(body) == {"message", "hint"}
    assert stub.logout(session["access_token"], apikey="wrong")[2]["message"] == "Invalid API key"
    assert stub.live() == [session["session_id"]]


@pytest.mark.parametrize("authorization", [None, "", "Basic abc", "Bearer", "Bearer a b"])
def test_missing_or_non_bearer_authorization_is_no_authorization(stub, authorization):
    headers = {"apikey": ANON_KEY, **VERSION_HEADER}
    if authorization is not None:
        headers["Authorization"] = authorization
    status, response_headers, body = stub.public_call("POST", "/auth/v1/logout?scope=local", headers=headers)
    assert status == 401 and body["code"] == "no_authorization"
    assert body["message"] == "This endpoint requires a valid Bearer token"
    assert response_headers["x-sb-error-code"] == "no_authorization"


def test_bad_signature_and_malformed_tokens_are_bad_jwt_403(stub):
    session = stub.session()
    claims = claims_of(session["access_token"])
    for token in (hs256(claims, secret="another-secret-0123456789abcdef-0123"), "not-a-jwt", "a.b.c",
                  hs256(claims, header={"alg": "none", "typ": "JWT"})):
        status, _, body = stub.logout(token, headers=VERSION_HEADER)
        assert status == 403 and body["code"] == "bad_jwt"
        assert body["message"] == "invalid JWT: unable to parse or verify signature, signature is invalid"
    assert stub.live() == [session["session_id"]]


def test_expired_token_is_bad_jwt_403_saying_expired(stub):
    session = stub.session(expires_in=-10)
    status, _, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
    assert status == 403 and body["code"] == "bad_jwt"
    assert body["message"].endswith("token has invalid claims: token is expired")
    assert stub.live() == [session["session_id"]]


def test_sub_that_is_not_a_uuid_is_bad_jwt_400(stub):
    session = stub.session(user_id="not-a-uuid")
    status, _, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
    assert status == 400 and body["code"] == "bad_jwt"


def test_deleted_user_is_user_not_found(stub):
    session = stub.session()
    assert stub.admin_call("DELETE", "/admin/users/" + session["user_id"])[0] == 204
    assert stub.live() == []
    status, headers, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
    assert status == 403 and body["code"] == "user_not_found"
    assert headers["x-sb-error-code"] == "user_not_found"


def test_token_minted_by_a_test_with_the_secret_is_accepted(stub):
    session = stub.session()
    claims = claims_of(session["access_token"])
    assert stub.logout(hs256(claims))[0] == 204


# -- refresh grant and JWKS ----------------------------------------------------------------------


def test_refresh_rotates_the_token(stub):
    session = stub.session()
    status, _, body = stub.refresh(session["refresh_token"])
    assert status == 200 and body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] != session["refresh_token"]
    assert body["user"]["id"] == session["user_id"]
    assert claims_of(body["access_token"])["session_id"] == session["session_id"]
    status, headers, body2 = stub.refresh("never-issued")
    assert status == 400 and body2["error_code"] == "refresh_token_not_found"
    assert body2["msg"] == "Invalid Refresh Token: Refresh Token Not Found"
    assert stub.refresh(body["refresh_token"])[0] == 200


def test_reused_refresh_token_gets_the_current_one_within_the_interval_then_already_used(stub):
    session = stub.session()
    status, _, first = stub.refresh(session["refresh_token"])
    assert status == 200
    status, _, again = stub.refresh(session["refresh_token"])
    assert status == 200 and again["refresh_token"] == first["refresh_token"]
    assert stub.admin_call("POST", "/admin/refresh", {"reuse_interval": 0})[0] == 204
    time.sleep(0.01)
    status, headers, body = stub.refresh(session["refresh_token"])
    assert status == 400 and body["error_code"] == "refresh_token_already_used"
    assert headers["x-sb-error-code"] == "refresh_token_already_used"
    assert body["msg"] == "Invalid Refresh Token: Already Used"
    # Reuse detection revokes the whole family: the current token is gone too.
    assert stub.refresh(first["refresh_token"])[2]["error_code"] == "refresh_token_already_used"


def test_refresh_after_logout_is_refresh_token_not_found(stub):
    session = stub.session()
    assert stub.logout(session["access_token"])[0] == 204
    status, _, body = stub.refresh(session["refresh_token"])
    assert status == 400 and body["error_code"] == "refresh_token_not_found"


def test_empty_refresh_token_is_validation_failed(stub):
    status, _, body = stub.refresh("")
    assert status == 400 and body["error_code"] == "validation_failed"


def test_banned_user_gets_user_banned_on_logout_and_refresh_and_keeps_the_session(stub):
    session = stub.session()
    assert stub.admin_call("POST", "/admin/users/%s/ban" % session["user_id"], {"banned": True})[0] == 204
    status, headers, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
    assert (status, body["code"], headers["x-sb-error-code"]) == (403, "user_banned", "user_banned")
    status, _, body = stub.refresh(session["refresh_token"])
    assert status == 400 and body["error_code"] == "user_banned"
    assert stub.live() == [session["session_id"]]
    # A timed ban lifts: the session works again.
    assert stub.admin_call("POST", "/admin/users/%s/ban" % session["user_id"], {"banned": False})[0] == 204
    assert stub.refresh(session["refresh_token"])[0] == 200
    assert stub.admin_call("POST", "/admin/users/nobody/ban", {})[0] == 404


def test_refresh_bucket_is_per_address_and_answers_429_with_retry_after(stub):
    assert stub.admin_call("POST", "/admin/refresh", {"bucket": {"burst": 2, "per_second": 0, "retry_after": 45}})[0] == 204
    session = stub.session()
    token = session["refresh_token"]
    for _ in range(2):
        status, _, body = stub.refresh(token)
        assert status == 200
        token = body["refresh_token"]
    status, headers, body = stub.refresh(token)
    assert status == 429 and body["error_code"] == "over_request_rate_limit"
    assert headers["Retry-After"] == "45"
    # The token was not used: once the bucket is gone it still works.
    assert stub.admin_call("POST", "/admin/refresh", {})[0] == 204
    assert stub.refresh(token)[0] == 200


def test_status_fault_can_aim_at_one_path_with_a_code_and_retry_after(stub):
    session = stub.session()
    add_fault(stub, kind="status", status=429, path="token", retry_after=7)
    add_fault(stub, kind="status", status=400, path="token", code="session_expired")
    assert stub.logout(session["access_token"], scope="others")[0] == 204
    status, headers, body = stub.refresh(session["refresh_token"])
    assert status == 429 and headers["Retry-After"] == "7"
    status, _, body = stub.refresh(session["refresh_token"])
    assert status == 400 and body["error_code"] == "session_expired" and body["msg"] == "Invalid Refresh Token: Session Expired"
    assert stub.refresh(session["refresh_token"])[0] == 200


def test_openid_configuration_names_the_issuer_behind_the_apikey(stub):
    status, headers, body = stub.public_call(
        "GET", "/auth/v1/.well-known/openid-configuration", headers={"apikey": ANON_KEY}
    )
    assert status == 200 and body["issuer"] == stub.public_url + "/auth/v1"
    assert body["jwks_uri"] == stub.public_url + "/auth/v1/.well-known/jwks.json"
    assert claims_of(stub.session()["access_token"])["iss"] == body["issuer"]
    assert stub.public_call("GET", "/auth/v1/.well-known/openid-configuration")[0] == 401


def test_issuer_can_be_another_host_or_none_and_the_document_can_be_missing(stub):
    assert stub.admin_call("POST", "/admin/issuer", {"issuer": "https://abcd.supabase.co/auth/v1"})[0] == 204
    assert claims_of(stub.session()["access_token"])["iss"] == "https://abcd.supabase.co/auth/v1"
    assert stub.admin_call("POST", "/admin/issuer", {"issuer": ""})[0] == 204
    _, _, body = stub.public_call("GET", "/auth/v1/.well-known/openid-configuration", headers={"apikey": ANON_KEY})
    assert body["issuer"] == ""
    assert "iss" not in claims_of(stub.session()["access_token"])
    assert stub.admin_call("POST", "/admin/issuer", {"openid_status": 404})[0] == 204
    status, _, _ = stub.public_call("GET", "/auth/v1/.well-known/openid-configuration", headers={"apikey": ANON_KEY})
    assert status == 404
    assert stub.admin_call("POST", "/admin/reset")[0] == 204
    _, _, body = stub.public_call("GET", "/auth/v1/.well-known/openid-configuration", headers={"apikey": ANON_KEY})
    assert body["issuer"] == stub.public_url + "/auth/v1"


def test_jwks_can_require_the_apikey(stub):
    assert stub.public_call("GET", "/auth/v1/.well-known/jwks.json")[0] == 200
    assert stub.admin_call("POST", "/admin/jwks/answer", {"require_apikey": True})[0] == 204
    status, _, body = stub.public_call("GET", "/auth/v1/.well-known/jwks.json")
    assert status == 401 and body["message"] == "No API key found in request"
    assert stub.public_call("GET", "/auth/v1/.well-known/jwks.json", headers={"apikey": ANON_KEY})[0] == 200


def test_refresh_body_is_recorded(stub):
    session = stub.session()
    stub.admin_call("DELETE", "/admin/requests")
    stub.refresh(session["refresh_token"])
    recorded = stub.admin_call("GET", "/admin/requests")[2]["requests"]
    assert [json.loads(entry["body"]) for entry in recorded] == [{"refresh_token": session["refresh_token"]}]


def test_refresh_checks_the_apikey(stub):
    session = stub.session()
    status, _, _ = stub.public_call(
        "POST", "/auth/v1/token?grant_type=refresh_token", {"refresh_token": session["refresh_token"]}, {}
    )
    assert status == 401


@pytest.mark.skipif(not HAVE_CRYPTOGRAPHY, reason="ES256 needs cryptography")
def test_es256_tokens_verify_against_the_jwks(stub):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    session = stub.session(alg="ES256")
    token = session["access_token"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    status, _, jwks = stub.public_call("GET", "/auth/v1/.well-known/jwks.json")
    assert status == 200 and header["alg"] == "ES256"
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]

    def number(text):
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    public = ec.EllipticCurvePublicNumbers(number(key["x"]), number(key["y"]), ec.SECP256R1()).public_key()
    head, payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, (head + "." + payload).encode(), ec.ECDSA(hashes.SHA256()))

    status, _, private = stub.admin_call("GET", "/admin/jwks_private")
    assert status == 200 and private["kid"] == header["kid"]
    serialization.load_pem_private_key(private["pem"].encode(), None)
    assert stub.logout(token)[0] == 204


def test_public_settings_sit_behind_the_gateways_key_check(stub):
    status, _, settings = stub.public_call("GET", "/auth/v1/settings", headers={"apikey": ANON_KEY})
    assert status == 200 and settings["external"]["email"] is True

    status, headers, body = stub.public_call("GET", "/auth/v1/settings", headers={"apikey": "wrong"})
    assert (status, body["message"]) == (401, "Invalid API key")
    assert "x-sb-error-code" not in {name.lower() for name in headers}


def test_jwks_carries_gotrues_cache_control(stub):
    status, headers, jwks = stub.public_call("GET", "/auth/v1/.well-known/jwks.json")

    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=600"
    assert isinstance(jwks["keys"], list)


def test_jwks_answer_can_fail_and_change_its_max_age_until_reset(stub):
    assert stub.admin_call("POST", "/admin/jwks/answer", {"status": 503})[0] == 204
    for _ in range(2):
        status, headers, body = stub.public_call("GET", "/auth/v1/.well-known/jwks.json")
        assert status == 503 and body["error_code"] == "unexpected_failure"
        assert "Cache-Control" not in headers

    assert stub.admin_call("POST", "/admin/jwks/answer", {"status": None, "cache_control": "max-age=5"})[0] == 204
    status, headers, _ = stub.public_call("GET", "/auth/v1/.well-known/jwks.json")
    assert status == 200 and headers["Cache-Control"] == "max-age=5"

    assert stub.admin_call("POST", "/admin/reset")[0] == 204
    status, headers, _ = stub.public_call("GET", "/auth/v1/.well-known/jwks.json")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=600"


@pytest.mark.parametrize("answer", [{"status": 200}, {"status": "503"}, {"cache_control": 5}])
def test_jwks_answer_refuses_what_it_cannot_send(stub, answer):
    assert stub.admin_call("POST", "/admin/jwks/answer", answer)[0] == 400


@pytest.mark.skipif(not HAVE_CRYPTOGRAPHY, reason="ES256 needs cryptography")
def test_rotation_replaces_the_key_and_refuses_tokens_of_the_old_one(stub):
    old = stub.session(alg="ES256")
    old_kid = stub.admin_call("GET", "/admin/jwks_private")[2]["kid"]

    status, _, rotated = stub.admin_call("POST", "/admin/jwks/rotate")

    assert status == 200 and rotated["kid"] != old_kid
    kids = [key["kid"] for key in stub.public_call("GET", "/auth/v1/.well-known/jwks.json")[2]["keys"]]
    assert kids == [rotated["kid"]]
    assert stub.admin_call("GET", "/admin/jwks_private")[2]["kid"] == rotated["kid"]
    status, _, body = stub.logout(old["access_token"])
    assert status == 403 and body["error_code"] == "bad_jwt"
    new = stub.session(alg="ES256")
    assert json.loads(base64.urlsafe_b64decode(new["access_token"].split(".")[0] + "=="))["kid"] == rotated["kid"]
    assert stub.logout(new["access_token"])[0] == 204


# -- faults ----------------------------------------------------------------------------------


def add_fault(stub, **fault):
    assert stub.admin_call("POST", "/admin/faults", fault)[0] == 204


def test_status_fault_answers_n_times_with_gotrue_bodies(stub):
    session = stub.session()
    add_fault(stub, kind="status", status=503, times=2)
    add_fault(stub, kind="status", status=429, times=1)
    for expected in ((503, "unexpected_failure"), (503, "unexpected_failure"), (429, "over_request_rate_limit")):
        status, headers, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
        assert (status, body["code"], headers["x-sb-error-code"]) == (expected[0], expected[1], expected[1])
    assert stub.live() == [session["session_id"]]
    assert stub.logout(session["access_token"])[0] == 204


def test_status_fault_can_answer_late(stub):
    session = stub.session()
    add_fault(stub, kind="status", status=503, ms=300)
    started = time.monotonic()
    status, _, body = stub.logout(session["access_token"], headers=VERSION_HEADER)
    assert (status, body["code"]) == (503, "unexpected_failure")
    assert time.monotonic() - started >= 0.3
    assert stub.live() == [session["session_id"]]
    assert stub.admin_call("POST", "/admin/faults", {"kind": "status", "status": 503, "ms": -1})[0] == 400


def test_delay_fault_delays_until_cleared(stub):
    session = stub.session()
    add_fault(stub, kind="delay", ms=300)
    started = time.monotonic()
    assert stub.public_call("GET", "/auth/v1/.well-known/jwks.json")[0] == 200
    assert time.monotonic() - started < 0.25  # only logout and token requests are faulted
    for _ in range(2):
        started = time.monotonic()
        assert stub.refresh("unknown")[0] == 400
        assert time.monotonic() - started >= 0.3
    assert stub.admin_call("DELETE", "/admin/faults")[0] == 204
    started = time.monotonic()
    assert stub.logout(session["access_token"])[0] == 204
    assert time.monotonic() - started < 0.25


def test_reset_fault_resets_the_connection_once(stub):
    session = stub.session()
    add_fault(stub, kind="reset", times=1)
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        stub.logout(session["access_token"])
    assert stub.live() == [session["session_id"]]
    assert stub.logout(session["access_token"])[0] == 204


def test_reset_fault_sends_rst(stub):
    add_fault(stub, kind="reset", times=1)
    connection = socket.create_connection((stub.public.hostname, stub.public.port), timeout=5)
    try:
        connection.sendall(b"POST /auth/v1/logout HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            connection.recv(1024)
            connection.recv(1024)
    finally:
        connection.close()


def test_reset_fault_ends_idle_keep_alive_connections_first(stub):
    # Otherwise a client that reuses connections (libcurl) would silently resend the reset request.
    kept = socket.create_connection((stub.public.hostname, stub.public.port), timeout=5)
    try:
        kept.sendall(b"GET /auth/v1/.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(65536).startswith(b"HTTP/1.1 200")
        add_fault(stub, kind="reset", times=1)
        assert kept.recv(1024) == b""
    finally:
        kept.close()
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        stub.refresh("anything")


def test_refuse_fault_refuses_connections_until_cleared_on_the_same_port(stub):
    session = stub.session()
    # An idle keep-alive connection opened before the fault must not survive it.
    kept = http.client.HTTPConnection(stub.public.hostname, stub.public.port, timeout=5)
    kept.request("GET", "/auth/v1/.well-known/jwks.json")
    assert kept.getresponse().read()
    add_fault(stub, kind="refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((stub.public.hostname, stub.public.port), timeout=5)
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        kept.request("GET", "/auth/v1/.well-known/jwks.json")
        kept.getresponse().read()
    kept.close()
    assert stub.admin_call("GET", "/admin/sessions")[0] == 200  # the admin API is never faulted
    assert stub.admin_call("DELETE", "/admin/faults")[0] == 204
    assert stub.logout(session["access_token"])[0] == 204


def test_reset_clears_faults_and_reopens(stub):
    add_fault(stub, kind="refuse")
    assert stub.admin_call("POST", "/admin/reset")[0] == 204
    assert stub.public_call("GET", "/auth/v1/.well-known/jwks.json")[0] == 200


# -- request log and HTTP behaviour -------------------------------------------------------------


def test_requests_are_recorded_in_order_with_lowercased_headers(stub):
    started = time.time()
    session = stub.session()
    stub.logout(session["access_token"], "others", VERSION_HEADER)
    stub.public_call("GET", "/auth/v1/.well-known/jwks.json")
    status, _, body = stub.admin_call("GET", "/admin/requests")
    first, second = body["requests"]
    assert (first["method"], first["path"], first["query"]) == ("POST", "/auth/v1/logout", "scope=others")
    assert first["headers"]["apikey"] == ANON_KEY
    assert first["headers"]["x-supabase-api-version"] == "2024-01-01"
    assert first["headers"]["authorization"] == "Bearer " + session["access_token"]
    assert second["path"] == "/auth/v1/.well-known/jwks.json"
    assert started <= first["at"] <= second["at"] <= time.time()
    assert stub.admin_call("DELETE", "/admin/requests")[0] == 204
    assert stub.admin_call("GET", "/admin/requests")[2] == {"requests": []}


def test_keep_alive_serves_many_requests_on_one_connection(stub):
    session = stub.session()
    connection = http.client.HTTPConnection(stub.public.hostname, stub.public.port, timeout=5)
    headers = {"apikey": ANON_KEY, "Authorization": "Bearer " + session["access_token"]}
    for expected in (204, 403, 403):
        connection.request("POST", "/auth/v1/logout?scope=local", headers=headers)
        response = connection.getresponse()
        assert response.status == expected and response.getheader("Content-Length") is not None
        response.read()
    connection.close()


def test_handles_200_concurrent_connections(stub):
    sessions = [stub.session() for _ in range(10)]
    add_fault(stub, kind="delay", ms=200)  # holds every connection open at once
    results = []
    lock = threading.Lock()

    def one(index):
        try:
            status = stub.logout(sessions[index % 10]["access_token"], "local")[0]
        except OSError as error:
            status = repr(error)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(220)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 5
    assert sorted(set(results), key=str) == [204, 403] and results.count(204) == 10


def test_exits_cleanly_on_sigint():
    process = subprocess.Popen(
        [sys.executable, STUB, "--anon-key", ANON_KEY, "--jwt-secret", JWT_SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().startswith("READY ")
    process.send_signal(2)
    assert process.wait(timeout=5) == 0


def test_exits_when_stdin_closes_with_the_flag():
    process = subprocess.Popen(
        [sys.executable, STUB, "--anon-key", ANON_KEY, "--jwt-secret", JWT_SECRET, "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().startswith("READY ")
    assert process.poll() is None
    process.stdin.close()
    assert process.wait(timeout=5) == 0
