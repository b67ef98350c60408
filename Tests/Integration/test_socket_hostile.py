"""Whatever arrives on the FastCGI socket, the process stays up and nginx's requests keep flowing:
overflowing param lengths, hundreds of half-sent requests, silent connections that come back as soon
as they are closed, kept-alive connections left idle."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import ExitStack

import pytest

from expectations import assert_success
from fcgi_client import PARAMS, begin_request, nginx_like_params, read_reply, record, request_bytes
from web import logout, request

ANSWER_LIMIT_S = 1.0


def connect(path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(path))
    return sock


def timed_logouts(app, stub, count: int) -> float:
    """Logs `count` sessions out through nginx; each must succeed. Returns the longest answer time."""
    longest = 0.0
    for _ in range(count):
        token = stub.new_session()["access_token"]
        started = time.monotonic()
        resp = logout(app.port, token)
        longest = max(longest, time.monotonic() - started)
        assert_success(resp)
    return longest


def assert_still_serving(app, stub) -> None:
    assert app.responder.proc.poll() is None, "the responder process died"
    assert request(app.port, "GET", "/healthz").status == 200
    assert timed_logouts(app, stub, 1) < ANSWER_LIMIT_S


@pytest.fixture(scope="module")
def quick(start_deployment):
    """A responder that closes connections after 300 ms without a whole request."""
    return start_deployment("quick-read-timeout", LOGOUT_READ_TIMEOUT_MS="300")


# (name length, value length) pairs whose sum overflows a 32-bit int in libfcgi's allocation, and the
# largest lengths one byte each can declare.
OVERFLOWING_LENGTHS = [
    "fffffffe80000000",  # 0x7ffffffe, 0
    "bfffffffbfffffff",  # 0x3fffffff, 0x3fffffff
    "80000000fffffffe",  # 0, 0x7ffffffe
    "ffffffffffffffff",  # 0x7fffffff, 0x7fffffff (the pair Debian's CVE-2025-23016 fix catches)
    "fffffff0ffffff00",
    "7fffffffff",  # 127, 0x7fffffff
]


@pytest.mark.parametrize("lengths", OVERFLOWING_LENGTHS)
def test_overflowing_param_lengths_close_the_connection_and_nothing_else(app, stub, lengths):
    with connect(app.socket_path) as sock:
        sock.sendall(begin_request() + record(PARAMS, bytes.fromhex(lengths)))
        # Refused before libfcgi parses anything: the connection is closed, unanswered.
        assert sock.recv(65536) == b""
    assert_still_serving(app, stub)


def test_a_whole_request_after_overflowing_lengths_is_never_parsed(app, stub):
    params = nginx_like_params("GET", "/healthz", "localhost", {}, b"")
    with connect(app.socket_path) as sock:
        sock.sendall(begin_request() + record(PARAMS, bytes.fromhex("fffffffe80000000")) + request_bytes(params)[16:])
        assert sock.recv(65536) == b""
    assert_still_serving(app, stub)


def test_256_half_sent_requests_hold_no_worker(app, stub):
    params = nginx_like_params("POST", "/api/auth/logout", "localhost", {}, b"")
    half = request_bytes(params)[: 16 + 8 + 40]
    with ExitStack() as held:
        for _ in range(256):
            sock = held.enter_context(connect(app.socket_path))
            sock.sendall(half)
        longest = timed_logouts(app, stub, 20)
        print(f"longest answer with 256 half-sent requests held: {longest * 1000:.1f} ms")
        assert longest < ANSWER_LIMIT_S
    assert_still_serving(app, stub)


def test_64_idle_kept_alive_connections_hold_no_worker(app, stub):
    params = nginx_like_params("GET", "/healthz", "localhost", {}, b"")
    with ExitStack() as held:
        kept = []
        for _ in range(64):
            sock = held.enter_context(connect(app.socket_path))
            sock.sendall(request_bytes(params, keep_connection=True))
            assert read_reply(sock).status == 200
            kept.append(sock)
        longest = timed_logouts(app, stub, 20)
        print(f"longest answer with 64 idle kept-alive connections: {longest * 1000:.1f} ms")
        assert longest < ANSWER_LIMIT_S
        # Kept alive means kept: each connection still answers its next request.
        kept[0].sendall(request_bytes(params, keep_connection=True))
        assert read_reply(kept[0]).status == 200
    assert_still_serving(app, stub)


def test_64_silent_connections_that_reconnect_at_once_hold_no_worker(quick, stub):
    stop = threading.Event()
    reconnects = [0]

    def silent_peer():
        while not stop.is_set():
            try:
                with connect(quick.socket_path) as sock:
                    sock.settimeout(5)
                    assert sock.recv(1) == b""  # closed by the responder's read timeout
                    reconnects[0] += 1
            except OSError:
                pass

    peers = [threading.Thread(target=silent_peer, daemon=True) for _ in range(64)]
    for peer in peers:
        peer.start()
    try:
        deadline = time.monotonic() + 2.0
        longest = 0.0
        while time.monotonic() < deadline:
            longest = max(longest, timed_logouts(quick, stub, 1))
        print(f"longest answer with 64 reconnecting silent connections: {longest * 1000:.1f} ms")
        assert longest < ANSWER_LIMIT_S
        assert reconnects[0] >= 64, "the silent connections were never closed"
    finally:
        stop.set()
        for peer in peers:
            peer.join(10)
    assert_still_serving(quick, stub)


def test_a_connection_that_never_completes_its_request_is_closed_after_the_read_timeout(quick):
    with connect(quick.socket_path) as sock:
        sock.sendall(begin_request())
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert 0.25 < time.monotonic() - started < 3.0
