#!/usr/bin/env python3
"""A local stand-in for Supabase Auth (GoTrue) used by the tests.

Two listeners:
  * the public API (what SUPABASE_URL points at): logout, the refresh-token grant, the JWKS and the
    public settings,
    answering like supabase/auth behind the hosted gateway;
  * the admin API: creates users and sessions, injects faults, reports the requests seen.

Start:  gotrue_stub.py --port 0 --admin-port 0 --anon-key KEY --jwt-secret SECRET [--host 127.0.0.1]
Prints "READY <public url> <admin url>" on stdout once both accept. Python 3 stdlib only;
ES256 tokens and the JWKS key need the optional `cryptography` package.
"""

import argparse
import base64
import collections
import datetime
import hashlib
import hmac
import json
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import (
        decode_dss_signature,
        encode_dss_signature,
    )

    HAVE_CRYPTOGRAPHY = True
except ImportError:  # ES256 stays disabled
    HAVE_CRYPTOGRAPHY = False

VERBOSE = False
REQUEST_LOG_LIMIT = 200_000
BEARER = re.compile(r"^(?:B|b)earer (\S+$)")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
API_VERSION_2024 = datetime.date(2024, 1, 1)
NIL_UUID = "00000000-0000-0000-0000-000000000000"
# What supabase/auth's JWKS handler sends (internal/api/jwks.go).
JWKS_CACHE_CONTROL = "public, max-age=600"
# GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL's default, in seconds: a rotated-out refresh token used
# again within it gets the session's current one; later it is refresh_token_already_used.
REFRESH_TOKEN_REUSE_INTERVAL = 10
# GOTRUE_JWT_EXP's default, in seconds: the lifetime of an access token a refresh hands out.
JWT_EXP = 3600


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# base64url, JWT


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def json_bytes(value):
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


class JWTError(Exception):
    """A token GoTrue would refuse with bad_jwt; `message` follows golang-jwt's wording."""


SIGNATURE_INVALID = "signature is invalid"
TOKEN_EXPIRED = "token has invalid claims: token is expired"


class ES256Key:
    """The stub's own P-256 signing key (only with `cryptography`)."""

    def __init__(self):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.kid = secrets.token_hex(8)
        numbers = self.private.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
            "key_ops": ["verify"],
        }
        self.pem = self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def sign(self, signing_input):
        der = self.private.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_with_jwk(jwk, alg, signing_input, signature):
    """Verifies an ES256 or RS256 signature with a public JWK; False when it cannot."""
    if not HAVE_CRYPTOGRAPHY:
        return False
    try:
        if alg == "ES256" and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            if len(signature) != 64:
                return False
            public = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64url_decode(jwk["x"]), "big"),
                int.from_bytes(b64url_decode(jwk["y"]), "big"),
                ec.SECP256R1(),
            ).public_key()
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
            return True
        if alg == "RS256" and jwk.get("kty") == "RSA":
            public = rsa.RSAPublicNumbers(
                int.from_bytes(b64url_decode(jwk["e"]), "big"),
                int.from_bytes(b64url_decode(jwk["n"]), "big"),
            ).public_key()
            public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            return True
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return False
    return False


# ---------------------------------------------------------------------------------------------
# State


class State:
    """Users, sessions, refresh tokens, faults and the request log, behind one lock."""

    def __init__(self, jwt_secret, es256_key):
        self.lock = threading.Lock()
        self.jwt_secret = jwt_secret.encode("utf-8")
        self.es256 = es256_key
        self.issuer = ""  # set once the public port is known
        self.reset()

    def reset(self):
        with self.lock:
            self.users = {}  # user_id -> {"id","email","created_at"}
            self.sessions = {}  # session_id -> {"id","user_id","alg","expires_in"}
            self.refresh_tokens = {}  # token -> session_id
            self.faults = []  # dicts, in order received
            self.requests = collections.deque(maxlen=REQUEST_LOG_LIMIT)
            self.extra_keys = []  # public JWKs added through the admin API
            self.jwks_status = None  # an error status every JWKS request gets, while set
            self.jwks_cache_control = JWKS_CACHE_CONTROL
            self.jwks_requires_apikey = False  # an older self-hosted kong.yml guards the JWKS too
            self.used_refresh_tokens = {}  # rotated-out token -> (session_id, rotated at)
            self.reuse_interval = REFRESH_TOKEN_REUSE_INTERVAL
            self.banned_users = set()
            # The issuer written into tokens ("" -> no iss claim) and named by the openid-configuration;
            # None: the stub's own $URL/auth/v1.
            self.issuer_override = None
            self.openid_status = None  # 404: a Supabase Auth before v2.181.0
            self.refresh_bucket = None  # {"burst", "per_second", "retry_after", "tokens": {address: (level, at)}}

    # -- tokens ----------------------------------------------------------------------------

    def mint_access_token(self, user, session_id, alg, expires_in):
        now = int(time.time())
        header = {"alg": alg, "typ": "JWT"}
        with self.lock:
            es256 = self.es256
        if alg == "ES256":
            header["kid"] = es256.kid
        claims = {
            "iss": self.token_issuer(),
            "sub": user["id"],
            "aud": "authenticated",
            "exp": now + expires_in,
            "iat": now,
            "email": user["email"],
            "phone": "",
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": {},
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "session_id": session_id,
            "is_anonymous": False,
        }
        if not claims["iss"]:
            # GoTrue without GOTRUE_JWT_ISSUER: the claim is left out (omitempty).
            del claims["iss"]
        signing_input = (b64url(json_bytes(header)) + "." + b64url(json_bytes(claims))).encode("ascii")
        if alg == "ES256":
            signature = es256.sign(signing_input)
        else:
            signature = hmac.new(self.jwt_secret, signing_input, hashlib.sha256).digest()
        return signing_input.decode("ascii") + "." + b64url(signature), now + expires_in

    def token_issuer(self):
        with self.lock:
            return self.issuer if self.issuer_override is None else self.issuer_override

    def verify_access_token(self, token):
        """Returns the claims of a token GoTrue would accept, or raises JWTError."""
        parts = token.split(".")
        if len(parts) != 3:
            raise JWTError(SIGNATURE_INVALID)
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except (ValueError, TypeError):
            raise JWTError(SIGNATURE_INVALID)
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise JWTError(SIGNATURE_INVALID)
        signing_input = (parts[0] + "." + parts[1]).encode("ascii")
        alg = header.get("alg")
        kid = header.get("kid")
        if not self._signature_valid(alg, kid, signing_input, signature):
            raise JWTError(SIGNATURE_INVALID)
        now = time.time()
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and now > exp:
            raise JWTError(TOKEN_EXPIRED)
        nbf = claims.get("nbf")
        if isinstance(nbf, (int, float)) and now < nbf:
            raise JWTError("token has invalid claims: token is not valid yet")
        return claims

    def _signature_valid(self, alg, kid, signing_input, signature):
        if isinstance(kid, str):
            with self.lock:
                jwks = list(self.extra_keys)
                if self.es256 is not None:
                    jwks.append(self.es256.jwk)
            for jwk in jwks:
                if jwk.get("kid") == kid:
                    return verify_with_jwk(jwk, alg, signing_input, signature)
        if alg == "HS256":
            expected = hmac.new(self.jwt_secret, signing_input, hashlib.sha256).digest()
            return hmac.compare_digest(expected, signature)
        return False

    def jwks(self):
        with self.lock:
            keys = list(self.extra_keys)
            if self.es256 is not None:
                keys.insert(0, self.es256.jwk)
        return {"keys": keys}

    def jwks_answer(self):
        """(error status or None, Cache-Control) for the next JWKS request."""
        with self.lock:
            return self.jwks_status, self.jwks_cache_control

    def rotate_es256(self):
        """A new signing key replaces the current one, which leaves the JWKS: its tokens stop verifying."""
        key = ES256Key()
        with self.lock:
            self.es256 = key
        return key.kid

    # -- users and sessions (call with the lock held) ------------------------------------------

    def _ensure_user(self, user_id):
        user = self.users.get(user_id)
        if user is None:
            user = {
                "id": user_id,
                "email": "user-%s@example.test" % user_id[:8].lower(),
                "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            }
            self.users[user_id] = user
        return user

    def _new_refresh_token(self, session_id):
        token = secrets.token_urlsafe(9)
        self.refresh_tokens[token] = session_id
        return token

    def _delete_sessions(self, session_ids):
        session_ids = set(session_ids)
        for session_id in session_ids:
            self.sessions.pop(session_id, None)
        # A session's refresh tokens go with it.
        for token in [t for t, s in self.refresh_tokens.items() if s in session_ids]:
            del self.refresh_tokens[token]

    def _user_session_ids(self, user_id):
        return [s["id"] for s in self.sessions.values() if s["user_id"] == user_id]

    def create_session(self, user_id, expires_in, alg):
        with self.lock:
            user = self._ensure_user(user_id or str(uuid.uuid4()))
            session_id = str(uuid.uuid4())
            self.sessions[session_id] = {
                "id": session_id,
                "user_id": user["id"],
                "alg": alg,
                "expires_in": expires_in,
            }
            refresh_token = self._new_refresh_token(session_id)
        access_token, expires_at = self.mint_access_token(user, session_id, alg, expires_in)
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "session_id": session_id,
            "user_id": user["id"],
            "expires_at": expires_at,
        }

    def live_sessions(self, user_id):
        with self.lock:
            return [s["id"] for s in self.sessions.values() if user_id is None or s["user_id"] == user_id]

    def delete_user(self, user_id):
        """Deletes a user and its sessions; False when there was no such user."""
        with self.lock:
            if self.users.pop(user_id, None) is None:
                return False
            self._delete_sessions(self._user_session_ids(user_id))
            return True

    def refresh(self, refresh_token):
        """GoTrue's refresh-token grant: (user, session, new refresh token), or the error code it answers."""
        with self.lock:
            session_id = self.refresh_tokens.pop(refresh_token, None)
            if session_id is None and refresh_token in self.used_refresh_tokens:
                used_session, rotated_at = self.used_refresh_tokens[refresh_token]
                session = self.sessions.get(used_session)
                if session is None:
                    return "refresh_token_not_found"
                if time.time() - rotated_at > self.reuse_interval:
                    # Reuse detection: the session's whole token family is revoked.
                    for token in [t for t, s in self.refresh_tokens.items() if s == used_session]:
                        del self.refresh_tokens[token]
                        self.used_refresh_tokens[token] = (used_session, 0)
                    return "refresh_token_already_used"
                # Within the reuse interval the session's current token is handed out again.
                current = [t for t, s in self.refresh_tokens.items() if s == used_session]
                user = self.users.get(session["user_id"])
                if user is None or not current:
                    return "refresh_token_not_found"
                if user["id"] in self.banned_users:
                    return "user_banned"
                return user, dict(session), current[-1]
            session = self.sessions.get(session_id) if session_id else None
            user = self.users.get(session["user_id"]) if session else None
            if user is None:
                return "refresh_token_not_found"
            if user["id"] in self.banned_users:
                self.refresh_tokens[refresh_token] = session_id
                return "user_banned"
            self.used_refresh_tokens[refresh_token] = (session_id, time.time())
            return user, dict(session), self._new_refresh_token(session_id)

    def take_refresh_bucket(self, address):
        """A token from the client address's refresh bucket; the Retry-After seconds when it is empty."""
        with self.lock:
            bucket = self.refresh_bucket
            if bucket is None:
                return None
            now = time.monotonic()
            level, at = bucket["tokens"].get(address, (float(bucket["burst"]), now))
            level = min(float(bucket["burst"]), level + (now - at) * bucket["per_second"])
            if level < 1:
                bucket["tokens"][address] = (level, now)
                return bucket["retry_after"]
            bucket["tokens"][address] = (level - 1, now)
            return None

    # -- faults and the request log ------------------------------------------------------------

    def add_fault(self, fault):
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def take_fault(self, path):
        """Consumes one use of the first fault that applies to a request on `path` (not "refuse")."""
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault["kind"] == "refuse":
                    continue
                if fault.get("path") not in (None, path):
                    continue
                times = fault.get("times", 1)
                if times is None or times < 0:
                    return dict(fault)
                if times == 0:
                    continue
                fault["times"] = times - 1
                if fault["times"] == 0:
                    del self.faults[index]
                return dict(fault)
        return None

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)

    def recorded(self):
        with self.lock:
            return list(self.requests)

    def clear_requests(self):
        with self.lock:
            self.requests.clear()


# ---------------------------------------------------------------------------------------------
# HTTP plumbing shared by both listeners


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024

    def server_bind(self):
        # HTTPServer.server_bind resolves the host name, which can stall on a broken resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, OSError, ValueError)):
            return
        log("gotrue-stub: handler error: %r" % (error,))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gotrue-stub"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections end eventually

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def log_request(self, code="-", size="-"):
        if VERBOSE:
            log("gotrue-stub: %s %s" % (self.command, urlsplit(self.path).path))

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, body=b"", headers=None, content_type="application/json"):
        """Writes a whole response in one write, always with Content-Length."""
        self.log_request(status)
        reason = self.responses.get(status, ("",))[0]
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Content-Length: %d" % len(body)]
        if body:
            lines.append("Content-Type: " + content_type)
        lines.append("Date: " + self.date_time_string())
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def send_json(self, status, value, headers=None):
        self.send(status, json_bytes(value), headers)

    def split_path(self):
        parts = urlsplit(self.path)
        return parts.path, parts.query, parse_qs(parts.query, keep_blank_values=True)


# ---------------------------------------------------------------------------------------------
# Public API


def gotrue_error(handler, status, error_code, message, extra_headers=None):
    """Answers the way supabase/auth does, in the shape the request's API version asks for."""
    if api_version_2024(handler.headers.get("X-Supabase-Api-Version")):
        body = {"code": error_code, "message": message}
    else:
        body = {"code": status, "error_code": error_code, "msg": message}
    headers = {"x-sb-error-code": error_code}
    headers.update(extra_headers or {})
    handler.send_json(status, body, headers)


def api_version_2024(value):
    if not value:
        return False
    try:
        return datetime.date.fromisoformat(value.strip()) >= API_VERSION_2024
    except ValueError:
        return False


REFRESH_ERRORS = {
    "refresh_token_not_found": "Invalid Refresh Token: Refresh Token Not Found",
    "refresh_token_already_used": "Invalid Refresh Token: Already Used",
    "session_not_found": "Invalid Refresh Token: Session Not Found",
    "session_expired": "Invalid Refresh Token: Session Expired",
    "user_banned": "User is banned",
    # What /logout says of a token whose exp GoTrue's clock has passed.
    "bad_jwt": "invalid JWT: unable to parse or verify signature, " + TOKEN_EXPIRED,
}

PUBLIC_SETTINGS = {
    "external": {"email": True, "phone": False, "anonymous_users": False},
    "disable_signup": False,
    "mailer_autoconfirm": False,
    "phone_autoconfirm": False,
    "sms_provider": "",
    "saml_enabled": False,
}

FAULT_ERRORS = {
    429: ("over_request_rate_limit", "Request rate limit reached"),
}


class PublicHandler(Handler):
    state = None  # set by PublicListener
    listener = None
    anon_key = ""

    def setup(self):
        super().setup()
        self.listener.track(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.listener.untrack(self.connection)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        generation = self.listener.mark_busy(self.connection, True)
        try:
            self.answer(method)
        finally:
            # Busy while idle connections were ended: this one ends too, once its answer is out.
            if self.listener.mark_busy(self.connection, False) != generation:
                self.close_connection = True

    def answer(self, method):
        path, query, params = self.split_path()
        body = self.read_body()
        if path.startswith("/auth/v1/"):
            self.state.record(
                {
                    "method": method,
                    "path": path,
                    "query": query,
                    "at": time.time(),
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                }
            )
        if path in ("/auth/v1/logout", "/auth/v1/token") and self.apply_fault(path):
            return
        if path == "/auth/v1/.well-known/openid-configuration" and method == "GET":
            if self.gateway_allows():
                self.openid_configuration()
            return
        if path == "/auth/v1/.well-known/jwks.json" and method == "GET":
            status, cache_control = self.state.jwks_answer()
            with self.state.lock:
                guarded = self.state.jwks_requires_apikey
            if guarded and not self.gateway_allows():
                return
            if status is not None:
                gotrue_error(self, status, "unexpected_failure", "Unexpected failure")
            else:
                self.send_json(200, self.state.jwks(), {"Cache-Control": cache_control})
            return
        if path == "/auth/v1/logout" and method == "POST":
            if self.gateway_allows():
                self.logout(params)
            return
        if path == "/auth/v1/settings" and method == "GET":
            # GoTrue's public settings (internal/api/settings.go), behind the gateway's key check.
            if self.gateway_allows():
                self.send_json(200, PUBLIC_SETTINGS)
            return
        if path == "/auth/v1/token" and method == "POST":
            if self.gateway_allows():
                self.token(params, body)
            return
        if path in (
            "/auth/v1/logout",
            "/auth/v1/token",
            "/auth/v1/.well-known/jwks.json",
            "/auth/v1/.well-known/openid-configuration",
        ):
            gotrue_error(self, 405, "method_not_allowed", "Method not allowed")
            return
        gotrue_error(self, 404, "not_found", "Not found")

    # -- faults ----------------------------------------------------------------------------

    def apply_fault(self, path):
        """Applies the next fault for `path`; True when the request has been dealt with."""
        fault = self.state.take_fault(path.rsplit("/", 1)[-1])
        if fault is None:
            return False
        kind = fault["kind"]
        if kind == "delay":
            time.sleep(max(0, fault.get("ms", 0)) / 1000.0)
            return False
        if kind == "reset":
            self.reset_connection()
            return True
        if kind == "status":
            time.sleep(max(0, fault.get("ms", 0)) / 1000.0)
            status = int(fault.get("status", 500))
            error_code, message = FAULT_ERRORS.get(status, ("unexpected_failure", "Unexpected failure"))
            if fault.get("code"):
                error_code = fault["code"]
                message = REFRESH_ERRORS.get(error_code, message)
            extra = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else None
            gotrue_error(self, status, error_code, message, extra)
            return True
        return False

    def reset_connection(self):
        # SO_LINGER {on, 0 s}: close() sends RST instead of FIN. The buffered reader holds a
        # reference to the socket, so it must go first for close() to release the descriptor.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass

    # -- gateway and authentication ----------------------------------------------------------

    def gateway_allows(self):
        key = self.headers.get("apikey")
        if key == self.anon_key:
            return True
        if not key:
            body = {
                "message": "No API key found in request",
                "hint": "No `apikey` request header or url param was found.",
            }
        else:
            body = {
                "message": "Invalid API key",
                "hint": "Double check your Supabase `anon` or `service_role` API key.",
            }
        self.send_json(401, body)
        return False

    def authenticate(self):
        """GoTrue's requireAuthentication: returns (user_id, session_id or None) or answers an error."""
        match = BEARER.match(self.headers.get("Authorization", ""))
        if not match:
            gotrue_error(self, 401, "no_authorization", "This endpoint requires a valid Bearer token")
            return None
        try:
            claims = self.state.verify_access_token(match.group(1))
        except JWTError as error:
            gotrue_error(self, 403, "bad_jwt", "invalid JWT: unable to parse or verify signature, %s" % error)
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str) or subject == "":
            gotrue_error(self, 403, "bad_jwt", "invalid claim: missing sub claim")
            return None
        if not UUID_RE.match(subject):
            gotrue_error(self, 400, "bad_jwt", "invalid claim: sub claim must be a UUID")
            return None
        with self.state.lock:
            user_known = subject in self.state.users
        if not user_known:
            gotrue_error(self, 403, "user_not_found", "User from sub claim in JWT does not exist")
            return None
        with self.state.lock:
            banned = subject in self.state.banned_users
        if banned:
            gotrue_error(self, 403, "user_banned", "User is banned")
            return None
        session_id = claims.get("session_id")
        if not session_id or session_id == NIL_UUID:
            return subject, None
        if not isinstance(session_id, str) or not UUID_RE.match(session_id):
            gotrue_error(self, 403, "bad_jwt", "invalid claim: session_id claim must be a UUID")
            return None
        with self.state.lock:
            session_known = session_id in self.state.sessions
        if not session_known:
            gotrue_error(self, 403, "session_not_found", "Session from session_id claim in JWT does not exist")
            return None
        return subject, session_id

    # -- endpoints -------------------------------------------------------------------------

    def logout(self, params):
        authenticated = self.authenticate()
        if authenticated is None:
            return
        user_id, session_id = authenticated
        scope = params.get("scope", [""])[0]
        if scope not in ("", "local", "global", "others"):
            gotrue_error(self, 400, "validation_failed", 'Unsupported logout scope "%s"' % scope)
            return
        state = self.state
        with state.lock:
            if session_id is None:
                # No session in the token: GoTrue revokes every refresh token of the user.
                user_sessions = set(state._user_session_ids(user_id))
                for token in [t for t, s in state.refresh_tokens.items() if s in user_sessions]:
                    del state.refresh_tokens[token]
            elif scope == "local":
                state._delete_sessions([session_id])
            elif scope == "others":
                state._delete_sessions([s for s in state._user_session_ids(user_id) if s != session_id])
            else:  # "global", and GoTrue's default when no scope is given
                state._delete_sessions(state._user_session_ids(user_id))
        self.send(204)

    def openid_configuration(self):
        with self.state.lock:
            status = self.state.openid_status
        if status is not None:
            gotrue_error(self, status, "not_found", "Not found")
            return
        base = "http://%s:%d/auth/v1" % (self.server.server_address[0], self.server.server_address[1])
        self.send_json(
            200,
            {
                "issuer": self.state.token_issuer(),
                "jwks_uri": base + "/.well-known/jwks.json",
                "authorization_endpoint": base + "/oauth/authorize",
                "token_endpoint": base + "/oauth/token",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
            },
            {"Cache-Control": JWKS_CACHE_CONTROL},
        )

    def token(self, params, body):
        grant_type = params.get("grant_type", [""])[0]
        if grant_type != "refresh_token":
            gotrue_error(self, 400, "validation_failed", "unsupported_grant_type")
            return
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            gotrue_error(self, 400, "bad_json", "Could not parse request body as JSON")
            return
        refresh_token = payload.get("refresh_token") if isinstance(payload, dict) else None
        if not isinstance(refresh_token, str) or not refresh_token:
            gotrue_error(self, 400, "validation_failed", "refresh_token required")
            return
        retry_after = self.state.take_refresh_bucket(self.client_address[0])
        if retry_after is not None:
            gotrue_error(
                self, 429, "over_request_rate_limit", "Request rate limit reached", {"Retry-After": str(retry_after)}
            )
            return
        rotated = self.state.refresh(refresh_token)
        if isinstance(rotated, str):
            gotrue_error(self, 400, rotated, REFRESH_ERRORS[rotated])
            return
        user, session, new_refresh_token = rotated
        # A refresh always gets a token of the project's lifetime (GOTRUE_JWT_EXP), whatever the expiry a
        # test gave the session's first token.
        expires_in = max(session["expires_in"], JWT_EXP)
        access_token, expires_at = self.state.mint_access_token(user, session["id"], session["alg"], expires_in)
        self.send_json(
            200,
            {
                "access_token": access_token,
                "token_type": "bearer",
                "expires_in": expires_in,
                "expires_at": expires_at,
                "refresh_token": new_refresh_token,
                "user": {
                    "id": user["id"],
                    "aud": "authenticated",
                    "role": "authenticated",
                    "email": user["email"],
                    "phone": "",
                    "app_metadata": {"provider": "email", "providers": ["email"]},
                    "user_metadata": {},
                    "identities": [],
                    "created_at": user["created_at"],
                    "updated_at": user["created_at"],
                    "is_anonymous": False,
                },
            },
        )


class PublicListener:
    """The public listening socket, which the "refuse" fault closes and a clear reopens."""

    def __init__(self, host, port, state, anon_key):
        self.host = host
        self.port = port
        self.lock = threading.Lock()
        self.connections = {}  # open connection -> busy answering a request
        self.close_idle_generation = 0
        self.handler = type(
            "BoundPublicHandler", (PublicHandler,), {"state": state, "listener": self, "anon_key": anon_key}
        )
        self.server = None
        self.thread = None
        self.open()

    def open(self):
        with self.lock:
            if self.server is not None:
                return
            server = QuietServer((self.host, self.port), self.handler)
            self.port = server.server_address[1]
            self.server = server
            self.thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self.thread.start()

    def close(self):
        """Stops accepting and drops every open connection, so clients see refused connections."""
        with self.lock:
            server, self.server = self.server, None
            connections = list(self.connections)
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close_idle(self):
        """Ends idle keep-alive connections, so the next request comes on a fresh one.

        libcurl silently resends a request whose reused connection dies before any answer, which
        would hide a reset from the client; on a fresh connection the reset reaches it.
        """
        with self.lock:
            self.close_idle_generation += 1
            idle = [connection for connection, busy in self.connections.items() if not busy]
        for connection in idle:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def track(self, connection):
        with self.lock:
            self.connections[connection] = False

    def mark_busy(self, connection, busy):
        """Returns how many times idle connections have been ended so far."""
        with self.lock:
            if connection in self.connections:
                self.connections[connection] = busy
            return self.close_idle_generation

    def untrack(self, connection):
        with self.lock:
            self.connections.pop(connection, None)


# ---------------------------------------------------------------------------------------------
# Admin API


class AdminHandler(Handler):
    state = None
    public = None

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        path, _, params = self.split_path()
        body = self.read_body()
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            self.send_json(400, {"error": "body is not JSON"})
            return
        if not isinstance(payload, dict):
            self.send_json(400, {"error": "body must be a JSON object"})
            return
        route = (method, path)
        state = self.state
        if route == ("POST", "/admin/sessions"):
            self.create_session(payload)
        elif route == ("GET", "/admin/sessions"):
            user_id = params.get("user_id", [None])[0]
            self.send_json(200, {"sessions": state.live_sessions(user_id)})
        elif method == "DELETE" and path.startswith("/admin/users/"):
            if state.delete_user(unquote(path[len("/admin/users/"):])):
                self.send(204)
            else:
                self.send_json(404, {"error": "no such user"})
        elif route == ("POST", "/admin/faults"):
            self.add_fault(payload)
        elif route == ("DELETE", "/admin/faults"):
            state.clear_faults()
            self.public.open()
            self.send(204)
        elif route == ("GET", "/admin/requests"):
            self.send_json(200, {"requests": state.recorded()})
        elif route == ("DELETE", "/admin/requests"):
            state.clear_requests()
            self.send(204)
        elif route == ("POST", "/admin/reset"):
            state.reset()
            self.public.open()
            self.send(204)
        elif route == ("GET", "/admin/jwks_private"):
            with state.lock:
                es256 = state.es256
            if es256 is None:
                self.send_json(404, {"error": "ES256 is not enabled"})
            else:
                self.send_json(200, {"pem": es256.pem, "kid": es256.kid})
        elif route == ("POST", "/admin/jwks/rotate"):
            if state.es256 is None:
                self.send_json(404, {"error": "ES256 is not enabled"})
            else:
                self.send_json(200, {"kid": state.rotate_es256()})
        elif method == "POST" and path.startswith("/admin/users/") and path.endswith("/ban"):
            self.ban_user(unquote(path[len("/admin/users/"):-len("/ban")]), payload)
        elif route == ("POST", "/admin/issuer"):
            self.set_issuer(payload)
        elif route == ("POST", "/admin/refresh"):
            self.set_refresh(payload)
        elif route == ("POST", "/admin/jwks/answer"):
            self.set_jwks_answer(payload)
        elif route == ("POST", "/admin/jwks"):
            keys = payload.get("keys")
            if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
                self.send_json(400, {"error": "keys must be a list of JWKs"})
                return
            with state.lock:
                state.extra_keys.extend(keys)
            self.send(204)
        else:
            self.send_json(404, {"error": "no such admin route"})

    def create_session(self, payload):
        user_id = payload.get("user_id")
        expires_in = payload.get("expires_in", 3600)
        alg = payload.get("alg", "HS256")
        if user_id is not None and not isinstance(user_id, str):
            self.send_json(400, {"error": "user_id must be a string"})
        elif not isinstance(expires_in, int) or isinstance(expires_in, bool):
            self.send_json(400, {"error": "expires_in must be an integer"})
        elif alg not in ("HS256", "ES256"):
            self.send_json(400, {"error": "alg must be HS256 or ES256"})
        elif alg == "ES256" and self.state.es256 is None:
            self.send_json(400, {"error": "ES256 is not enabled (no cryptography package)"})
        else:
            self.send_json(201, self.state.create_session(user_id or None, expires_in, alg))

    def ban_user(self, user_id, payload):
        """{"banned": true|false}: a banned user's sessions survive but nothing can use or end them."""
        banned = payload.get("banned", True)
        with self.state.lock:
            known = user_id in self.state.users
            if known:
                (self.state.banned_users.add if banned else self.state.banned_users.discard)(user_id)
        if known:
            self.send(204)
        else:
            self.send_json(404, {"error": "no such user"})

    def set_issuer(self, payload):
        """{"issuer": the iss of new tokens and the openid-configuration ("" none, null the stub's own),
        "openid_status": 404 or null}."""
        issuer = payload.get("issuer")
        openid_status = payload.get("openid_status")
        if issuer is not None and not isinstance(issuer, str):
            self.send_json(400, {"error": "issuer must be a string or null"})
        elif openid_status not in (None, 404, 500, 503):
            self.send_json(400, {"error": "openid_status must be 404, 500, 503 or null"})
        else:
            with self.state.lock:
                self.state.issuer_override = issuer
                self.state.openid_status = openid_status
            self.send(204)

    def set_refresh(self, payload):
        """{"reuse_interval": seconds, "bucket": {"burst", "per_second", "retry_after"} or null}."""
        interval = payload.get("reuse_interval", REFRESH_TOKEN_REUSE_INTERVAL)
        bucket = payload.get("bucket")
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval < 0:
            self.send_json(400, {"error": "reuse_interval must be a non-negative number"})
            return
        if bucket is not None:
            if not isinstance(bucket, dict) or not isinstance(bucket.get("burst"), int) or bucket["burst"] < 0:
                self.send_json(400, {"error": "bucket needs a burst (a non-negative integer)"})
                return
            bucket = {
                "burst": bucket["burst"],
                "per_second": float(bucket.get("per_second", 0.5)),
                "retry_after": int(bucket.get("retry_after", 60)),
                "tokens": {},
            }
        with self.state.lock:
            self.state.reuse_interval = interval
            self.state.refresh_bucket = bucket
        self.send(204)

    def set_jwks_answer(self, payload):
        """{"status": 5xx or null, "cache_control": header value or null for GoTrue's own,
        "require_apikey": whether the gateway guards the JWKS}."""
        status = payload.get("status")
        cache_control = payload.get("cache_control")
        require_apikey = payload.get("require_apikey", False)
        if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599):
            self.send_json(400, {"error": "status must be an HTTP error status or null"})
        elif cache_control is not None and (not isinstance(cache_control, str) or "\n" in cache_control):
            self.send_json(400, {"error": "cache_control must be a header value or null"})
        else:
            with self.state.lock:
                self.state.jwks_status = status
                self.state.jwks_cache_control = JWKS_CACHE_CONTROL if cache_control is None else cache_control
                self.state.jwks_requires_apikey = bool(require_apikey)
            self.send(204)

    def add_fault(self, payload):
        kind = payload.get("kind")
        times = payload.get("times")
        # A delay needs its length; a status fault may wait before answering.
        ms = payload.get("ms", 0 if kind == "status" else None)
        if kind in ("status", "delay") and (not isinstance(ms, (int, float)) or ms < 0):
            self.send_json(400, {"error": "ms must be a non-negative number"})
            return
        if kind == "status":
            status = payload.get("status")
            if not isinstance(status, int) or not 100 <= status <= 599:
                self.send_json(400, {"error": "status must be an HTTP status"})
                return
            fault = {"kind": "status", "status": status, "times": 1 if times is None else times}
            if payload.get("retry_after") is not None:
                fault["retry_after"] = int(payload["retry_after"])
            if isinstance(payload.get("code"), str):
                fault["code"] = payload["code"]
            if ms:
                fault["ms"] = ms
        elif kind == "delay":
            fault = {"kind": "delay", "ms": ms, "times": -1 if times is None else times}
        elif kind == "reset":
            fault = {"kind": "reset", "times": 1 if times is None else times}
        elif kind == "refuse":
            fault = {"kind": "refuse"}
        else:
            self.send_json(400, {"error": "kind must be status, delay, reset or refuse"})
            return
        if payload.get("path") is not None:
            if payload["path"] not in ("logout", "token"):
                self.send_json(400, {"error": "path must be logout or token"})
                return
            fault["path"] = payload["path"]
        if "times" in fault and not isinstance(fault["times"], int):
            self.send_json(400, {"error": "times must be an integer"})
            return
        self.state.add_fault(fault)
        if kind == "refuse":
            self.public.close()
        elif kind == "reset":
            self.public.close_idle()
        self.send(204)


# ---------------------------------------------------------------------------------------------
# Main


def watch_stdin(stop):
    try:
        while sys.stdin.buffer.read1(4096):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def main(argv=None):
    global VERBOSE
    parser = argparse.ArgumentParser(description="Local stand-in for Supabase Auth (GoTrue).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--admin-port", type=int, default=0)
    parser.add_argument("--anon-key", required=True)
    parser.add_argument("--jwt-secret", required=True)
    parser.add_argument("--verbose", action="store_true", help="log method and path of each request")
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin closes, so a launcher that dies never leaves the stub behind",
    )
    args = parser.parse_args(argv)
    VERBOSE = args.verbose

    state = State(args.jwt_secret, ES256Key() if HAVE_CRYPTOGRAPHY else None)
    public = PublicListener(args.host, args.port, state, args.anon_key)
    public_url = "http://%s:%d" % (args.host, public.port)
    state.issuer = public_url + "/auth/v1"

    admin_handler = type("BoundAdminHandler", (AdminHandler,), {"state": state, "public": public})
    admin = QuietServer((args.host, args.admin_port), admin_handler)
    threading.Thread(target=admin.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    sys.stdout.write("READY %s http://%s:%d\n" % (public_url, args.host, admin.server_address[1]))
    sys.stdout.flush()
    if not HAVE_CRYPTOGRAPHY:
        log("gotrue-stub: cryptography not installed, ES256 disabled")

    if args.exit_on_stdin_eof:
        threading.Thread(target=watch_stdin, args=(stop,), daemon=True).start()

    while not stop.wait(1.0):
        pass
    admin.shutdown()
    admin.server_close()
    public.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
