"""Seeded fuzzing, a few thousand cases per run (`make fuzz SEED=… N=…` for long runs): hostile
bytes on the FastCGI socket, and HTTP requests through nginx judged by the contract. After every
case the responder is alive and answers a normal request correctly."""

from __future__ import annotations

import random
import socket
import struct

from expectations import assert_error, assert_success
from fcgi_client import fcgi_request, nginx_like_params, read_reply
from fuzzing import NGINX_BODY_LIMIT, SEED, case_count, http_case, socket_cases
from web import LOGOUT_PATH, logout, request

REQUEST_BYTE_LIMIT = 256 * 1024
HEALTH = nginx_like_params("GET", "/healthz", "localhost", {}, b"")


def send_case(path, case) -> bytes:
    """Sends the case's bytes and reads whatever comes back until the responder closes."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        try:
            sock.sendall(case.data)
            if case.abort:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return b""
            sock.shutdown(socket.SHUT_WR)
            received = b""
            while data := sock.recv(65536):
                received += data
            return received
        except (BrokenPipeError, ConnectionResetError):
            return b""


def test_fastcgi_socket_fuzz(app, stub):
    counts: dict[str, int] = {}
    for number, case in enumerate(socket_cases(case_count(2000))):
        counts[case.kind] = counts.get(case.kind, 0) + 1
        received = send_case(app.socket_path, case)
        context = f"case {number} ({case.kind}) of seed {SEED}"
        if case.answerable and len(case.data) <= REQUEST_BYTE_LIMIT:
            assert b"Status: " in received, context
        assert app.responder.proc.poll() is None, f"the responder died at {context}"
        assert fcgi_request(str(app.socket_path), HEALTH, timeout=5).status == 200, context
        if number % 250 == 0:
            assert_success(logout(app.port, stub.new_session()["access_token"]))
    print(f"FastCGI fuzz, seed {SEED}: {sum(counts.values())} cases {sorted(counts.items())}")


def test_http_fuzz_through_nginx(app, stub):
    rng = random.Random(SEED)
    cases = case_count(600)
    for number in range(cases):
        case = http_case(rng, stub)
        context = f"HTTP case {number} of seed {SEED}: expected {case.status} {case.code}"
        upstream_before = len(stub.requests_for_users())
        resp = request(app.port, case.method, LOGOUT_PATH + case.query, case.headers,
                       case.body if case.body or case.method in ("POST", "PUT") else None)
        assert resp.status == case.status, f"{context}, got {resp!r}"
        if case.code is None:
            assert_success(resp)
        elif len(case.body) > NGINX_BODY_LIMIT:
            assert resp.error_code == case.code, context  # nginx's own 413
        else:
            assert_error(resp, case.status, case.code)
        if case.status == 405:
            assert resp.one("Allow") == "POST", context
        reached = stub.requests_for_users()[upstream_before:]
        assert len(reached) == case.upstream_calls, f"{context}: {len(reached)} upstream calls"
        if case.revokes and "scope=others" not in case.query:
            assert case.revokes["session_id"] not in stub.live_sessions(), context
    assert app.responder.proc.poll() is None
    assert_success(logout(app.port, stub.new_session()["access_token"]))
    print(f"HTTP fuzz, seed {SEED}: {cases} cases")
