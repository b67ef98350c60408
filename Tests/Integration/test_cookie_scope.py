"""Whose cookies a logout clears, a response head that nginx always accepts, and cookie parsing whose
cost stays linear in the header's size."""

from __future__ import annotations

import os
import time

import pytest

from deployment import Deployment, binary_env
from expectations import DEFAULT_CLEARED, assert_cleared_exactly, assert_error, assert_success, cleared
from fcgi_client import fcgi_request, fcgi_stdout, nginx_like_params
from session_tokens import base64_cookie_value, chunks, cookie_header, new_csrf_value
from web import LOGOUT_PATH, logout

NGINX_FASTCGI_BUFFER = 4096
FASTCGI_RECORD_HEADER = 8


def browser_logout(port, cookies, csrf):
    return logout(port, None, headers={"Cookie": cookie_header(cookies), "X-CSRF-Token": csrf})


def test_another_projects_cookies_are_left_alone(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    first, second = chunks(base64_cookie_value(session), 2)
    other = stub.new_session()
    other_value = base64_cookie_value(other)
    cookies = [
        ("sb-127-auth-token.0", first), ("sb-127-auth-token.1", second),
        ("sb-127-auth-token-code-verifier", "verifier"),
        ("sb-abcdefghij-auth-token", other_value), ("sb-abcdefghij-auth-token.0", other_value),
        ("sb-abcdefghij-auth-token-code-verifier", "verifier"), ("csrf_token", csrf),
    ]

    resp = browser_logout(app.port, cookies, csrf)

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED | {
        "sb-127-auth-token.0", "sb-127-auth-token.1", "sb-127-auth-token-code-verifier"})
    assert session["session_id"] not in stub.live_sessions()
    assert other["session_id"] in stub.live_sessions()


def chunked_cookies(session, count: int) -> list[tuple[str, str]]:
    return [(f"sb-127-auth-token.{i}", part) for i, part in enumerate(chunks(base64_cookie_value(session), count))]


@pytest.fixture(scope="module")
def default_buffers(stub, tmp_path_factory):
    """The responder behind an nginx that leaves fastcgi_buffer_size at its default, 4k."""
    deployment = Deployment(binary_env(stub), tmp_path_factory.mktemp("default-buffers"), "default-buffers",
                            default_fastcgi_buffers=True)
    yield deployment
    assert deployment.stop() == 0


def test_two_hundred_chunks_fit_a_head_nginx_accepts(default_buffers, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    carried = chunked_cookies(session, 200)
    assert len(carried) == 200

    resp = browser_logout(default_buffers.port, carried + [("csrf_token", csrf)], csrf)

    # Without a bound on the head, nginx answers its own 502 "upstream sent too big header".
    assert_success(resp)
    assert session["session_id"] not in stub.live_sessions()
    names = list(cleared(resp))
    assert set(DEFAULT_CLEARED) <= set(names)
    chunk_names = [name for name in names if name.startswith("sb-127-auth-token.")]
    # The fixed names first, then the chunks in index order, as many as fit.
    assert names[: len(DEFAULT_CLEARED)] == ["sb-access-token", "sb-refresh-token", "csrf_token", "sb-127-auth-token"]
    assert chunk_names == [f"sb-127-auth-token.{i}" for i in range(len(chunk_names))]
    assert 20 < len(chunk_names) < 200


def test_the_written_head_stays_within_nginxs_buffer(app, stub):
    session = stub.new_session()
    csrf = new_csrf_value()
    cookie = cookie_header(chunked_cookies(session, 500) + [("csrf_token", csrf)])
    params = nginx_like_params("POST", LOGOUT_PATH, "localhost", {"Cookie": cookie, "X-CSRF-Token": csrf}, b"")

    written = fcgi_stdout(str(app.socket_path), params)

    head, separator, body = written.partition(b"\r\n\r\n")
    assert separator and head.startswith(b"Status: 200 "), written[:200]
    assert body == b'{"data":{"success":true}}'
    assert len(head) + len(separator) <= NGINX_FASTCGI_BUFFER - FASTCGI_RECORD_HEADER
    # Room for one more clearing line (about 125 bytes) would have been used; the responder also keeps
    # 30 bytes for a reason phrase longer than "OK".
    assert len(head) + len(separator) > NGINX_FASTCGI_BUFFER - FASTCGI_RECORD_HEADER - 125 - 30


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def six_thousand_names(kind: str, csrf: str) -> str:
    if kind == "distinct":
        names = [(f"c{i:04d}x", "v") for i in range(6000)]
    else:  # this project's chunks, which are looked up, joined and cleared
        names = [(f"sb-127-auth-token.{i}", "A") for i in range(6000)]
    return cookie_header(names + [("csrf_token", csrf)])


def test_six_thousand_cookie_names_cost_milliseconds(app, stub):
    csrf = new_csrf_value()
    requests = 10
    pid = app.responder.proc.pid
    for kind in ("distinct", "chunks"):
        params = nginx_like_params(
            "POST", LOGOUT_PATH, "localhost", {"Cookie": six_thousand_names(kind, csrf), "X-CSRF-Token": csrf}, b"")
        fcgi_request(str(app.socket_path), params)  # warm up
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        for _ in range(requests):
            resp = fcgi_request(str(app.socket_path), params)
            assert_error(resp, 401, "missing_token" if kind == "distinct" else "invalid_token")
        cpu_per_request = (cpu_seconds(pid) - cpu_before) / requests
        wall_per_request = (time.monotonic() - wall_before) / requests
        # Checking each name against the earlier ones cost 1 to 2 s of CPU per request in a debug build
        # (about 150 ms in a release build); linear parsing costs 10 to 30 ms in a debug build.
        assert cpu_per_request < 0.100, f"{kind}: {cpu_per_request * 1000:.1f} ms of CPU per request"
        assert wall_per_request < 1.0, f"{kind}: {wall_per_request * 1000:.0f} ms per request"
    assert stub.logout_requests() == []
