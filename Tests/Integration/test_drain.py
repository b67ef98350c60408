"""Stopping and restarting under load: a request the responder accepted is always answered.

wrk drives logouts through nginx while the stand-in holds every revocation 50 ms, so requests are in
flight when the responder is told to stop.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from deployment import BINARY, Nginx, binary_env, poll, unix_socket_accepts
from secret_registry import remember, watch_log

WRK_SCRIPT = Path(__file__).with_name("wrk_count.lua")
LOAD_SECONDS = 3
CONNECTIONS = 32

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (Debian package wrk)")


def run_wrk(port: int, token: str, result: dict) -> None:
    env = dict(os.environ, LOGOUT_TOKEN=token)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{LOAD_SECONDS}s", "--timeout", "10s", "-s", str(WRK_SCRIPT),
         f"http://127.0.0.1:{port}/api/auth/logout"],
        env=env, capture_output=True, text=True, timeout=LOAD_SECONDS + 30,
    )
    line = next((l for l in out.stdout.splitlines() if l.startswith("TALLY ")), None)
    assert line, out.stdout + out.stderr
    result.update({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)})


def load_in_background(port: int, token: str) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=run_wrk, args=(port, token, result))
    thread.start()
    return thread, result


def requests_logged(stderr: Path) -> int:
    return sum(1 for line in stderr.read_text().splitlines() if '"message":"request"' in line)


def in_flight_at_stop(stderr: Path) -> int:
    match = re.search(r'"message":"FastCGI transport stopping".*?"fastcgi.in_flight":"(\d+)"', stderr.read_text())
    assert match, "the responder did not log its stop"
    return int(match.group(1))


def assert_answered_all(result: dict, logged: int) -> None:
    # wrk drops the answers still on their way when its time is up (at most one per connection), so the
    # responders may have logged a few more requests than wrk counted, never fewer.
    assert result["processed"] <= logged <= result["processed"] + CONNECTIONS, (result, logged)


def delayed_session(stub) -> str:
    session = stub.new_session()
    status, _ = stub.admin("POST", "/admin/faults", {"kind": "delay", "ms": 50})
    assert status == 204
    return session["access_token"]


def test_sigterm_under_load_answers_every_accepted_request(start_deployment, stub):
    deployment = start_deployment("drain-under-load")
    token = delayed_session(stub)
    thread, result = load_in_background(deployment.port, token)
    time.sleep(1.0)  # let the load reach a steady state before stopping
    code = deployment.responder.stop()
    thread.join()

    assert code == 0
    stderr = deployment.responder.stderr_path
    assert in_flight_at_stop(stderr) > 0, "nothing was in flight when SIGTERM arrived: the test proves nothing"
    # Every request the responder accepted was answered (200, or 401 once the session was gone);
    # after the socket closed, nginx answered 502 without reaching any responder.
    assert result["other"] == 0, result
    assert result["read"] == 0 and result["write"] == 0 and result["timeout"] == 0, result
    assert_answered_all(result, requests_logged(stderr))
    assert result["processed"] > 0 and result["unavailable"] > 0, result
    nginx_errors = deployment.nginx.error_log.read_text()
    assert "prematurely closed" not in nginx_errors
    assert "reset by peer" not in nginx_errors


class HeldSocket:
    """A listening unix socket owned by the test, as systemd's .socket unit owns it across restarts."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(4096)

    def start_responder(self, env: dict[str, str], workdir: Path, name: str) -> tuple[subprocess.Popen, Path]:
        """Starts the binary with the socket as fd 3 and LISTEN_FDS/LISTEN_PID set, as systemd passes it."""
        stderr = workdir / f"{name}.stderr"
        watch_log(stderr)
        env = {k: v for k, v in env.items() if k != "LOGOUT_LISTEN"}
        launcher = (
            "import os, sys; os.dup2(int(sys.argv[1]), 3); "
            "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid())); os.execv(sys.argv[2], [sys.argv[2]])"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", launcher, str(self.sock.fileno()), str(BINARY)],
            env=env, pass_fds=[self.sock.fileno()], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(stderr, "wb"),
        )
        poll(lambda: '"FastCGI transport listening"' in stderr.read_text(), 15, f"{name} workers")
        return proc, stderr

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)


def test_restart_on_a_held_socket_loses_no_request(stub, tmp_path):
    held = HeldSocket(tmp_path / "fcgi.sock")
    env = binary_env(stub, LOGOUT_LOG_LEVEL="info")
    first, first_log = held.start_responder(env, tmp_path, "first")
    nginx = Nginx(tmp_path, held.path)
    second = None
    try:
        token = delayed_session(stub)
        thread, result = load_in_background(nginx.port, token)
        time.sleep(1.0)
        first.send_signal(signal.SIGTERM)
        # The next process starts at once, as systemd's restart does; until it accepts, requests
        # wait in the socket's backlog.
        second, second_log = held.start_responder(env, tmp_path, "second")
        assert first.wait(20) == 0
        thread.join()
        assert unix_socket_accepts(held.path), "stopping the first process closed the held socket"
    finally:
        if second is not None:
            second.send_signal(signal.SIGTERM)
            assert second.wait(20) == 0
        if first.poll() is None:
            first.kill()
        nginx.stop()
        held.close()

    assert in_flight_at_stop(first_log) > 0, "nothing was in flight when SIGTERM arrived: the test proves nothing"
    assert result["unavailable"] == 0 and result["other"] == 0, result
    assert result["read"] == 0 and result["write"] == 0 and result["timeout"] == 0, result
    assert_answered_all(result, requests_logged(first_log) + requests_logged(second_log))
    assert requests_logged(second_log) > 0, "the second process answered nothing"
