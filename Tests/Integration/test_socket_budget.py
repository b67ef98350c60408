"""Hostile peers, round two: memory stays within the socket's budget and goes back when the attack
ends, a peer that never reads its replies stalls nobody, thousands of pipelined requests need no
deep stack, and a stderr nobody reads costs neither throughput nor memory nor a clean stop."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from contextlib import ExitStack

import pytest

from deployment import BINARY, Nginx, binary_env, poll, unix_socket_accepts
from expectations import assert_success
from fcgi_client import END_REQUEST, PARAMS, STDIN, begin_request, nginx_like_params, record, request_bytes
from secret_registry import watch_log
from web import logout, request

# Each test here opens a thousand connections or more, on both sides.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(_soft, min(_hard, 65536)), _hard))

MIB = 1 << 20


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def connect(path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(path))
    return sock


class SlowestLogout:
    """Logouts through nginx, one after another in a thread, until stopped: the slowest answer."""

    def __init__(self, app, stub):
        self.app, self.stub = app, stub
        self.slowest, self.count, self.failures = 0.0, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)

    def _run(self):
        while not self._stop.is_set():
            token = self.stub.new_session()["access_token"]
            started = time.monotonic()
            try:
                resp = logout(self.app.port, token, timeout=20)
                if resp.status != 200:
                    self.failures.append(resp.status)
            except OSError as error:
                self.failures.append(type(error).__name__)
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.count += 1


def metric_value(port: int, name: str) -> float:
    text = request(port, "GET", "/metrics").body.decode()
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, name
    return float(match.group(1))


@pytest.fixture(scope="module")
def budget_app(start_deployment):
    return start_deployment("socket-budget", LOGOUT_WORKERS="2", LOGOUT_READ_TIMEOUT_MS="30000")


def test_1000_connections_of_250_kib_half_requests_stay_within_the_budget(budget_app, stub):
    pid = budget_app.responder.proc.pid
    assert_success(logout(budget_app.port, stub.new_session()["access_token"]))
    start = rss(pid)
    peak = [start]
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            peak[0] = max(peak[0], rss(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Params that never end: 250 KiB of one header, the request's empty PARAMS record never sent.
    half = begin_request() + b"".join(record(PARAMS, b"\x0b\x7f" + b"x" * 65000) for _ in range(4))
    closed_early = 0
    with SlowestLogout(budget_app, stub) as logouts, ExitStack() as held:
        for _ in range(1000):
            sock = held.enter_context(connect(budget_app.socket_path))
            try:
                sock.sendall(half)
            except OSError:
                closed_early += 1  # closed for the budget while sending
        during = metric_value(budget_app.port, "logout_fastcgi_buffered_bytes")
        closed = metric_value(budget_app.port, "logout_fastcgi_closed_for_budget_total")
    sampling.set()
    sampler.join(5)
    print(f"RSS start {start / MIB:.0f} MiB, peak {peak[0] / MIB:.0f} MiB; slowest logout {logouts.slowest * 1000:.0f} ms "
          f"of {logouts.count}; closed for the budget {closed:.0f} ({closed_early} seen while sending)")
    assert not logouts.failures, logouts.failures
    assert logouts.slowest < 3.0
    assert during <= 64 * MIB + 2 * 257 * 1024
    assert closed >= 1000 - (64 * MIB) // (256 * 1024) - 50
    # 64 MiB of buffers, plus what the process needs besides under the attack.
    assert peak[0] - start < 64 * MIB + 48 * MIB, peak[0] - start

    def back_near_start():
        return rss(pid) - start < 16 * MIB

    poll(back_near_start, 10.0, "RSS back within 16 MiB of the start", interval=0.2)
    print(f"RSS after: {rss(pid) / MIB:.0f} MiB")
    poll(lambda: metric_value(budget_app.port, "logout_fastcgi_buffered_bytes") == 0, 10.0,
         "every closed connection's buffer freed")
    assert metric_value(budget_app.port, "logout_fastcgi_open_connections") == 0
    assert_success(logout(budget_app.port, stub.new_session()["access_token"]))


def pipelined_metrics(count: int) -> bytes:
    params = nginx_like_params("GET", "/metrics", "localhost", {}, b"")
    return request_bytes(params, keep_connection=True) * count


def test_peers_that_pipeline_and_never_read_stall_no_request(budget_app, stub):
    # More peers than workers: each worker holds at least one on all but rare accept orders.
    with ExitStack() as held:
        peers = []
        for _ in range(8):
            sock = held.enter_context(connect(budget_app.socket_path))
            sock.sendall(pipelined_metrics(100))
            peers.append(sock)
        started = time.monotonic()
        slowest = 0.0
        # Through the write timeout (5 s) and past it.
        while time.monotonic() - started < 6.5:
            token = stub.new_session()["access_token"]
            began = time.monotonic()
            assert_success(logout(budget_app.port, token))
            slowest = max(slowest, time.monotonic() - began)
        print(f"slowest logout with 8 peers that never read: {slowest * 1000:.0f} ms")
        assert slowest < 1.0
        # Each peer was closed once its reply had waited the write timeout: reading now ends the
        # connection (a reset when some of its pipelined bytes were never read), never the 15 s timeout.
        for sock in peers:
            sock.settimeout(15)
            try:
                while sock.recv(1 << 20):
                    pass
            except ConnectionResetError:
                pass


def test_8000_pipelined_requests_after_a_large_one_on_a_1_mib_stack(stub, tmp_path):
    env = binary_env(stub, LOGOUT_WORKERS="2", LOGOUT_LOG_LEVEL="warning")
    socket_path = tmp_path / "fcgi.sock"
    env["LOGOUT_LISTEN"] = f"unix:{socket_path}"
    stderr_path = tmp_path / "stderr"
    watch_log(stderr_path)
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(["bash", "-c", f'ulimit -s 1024 && exec "{BINARY}"'], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
    try:
        poll(lambda: proc.poll() is None and unix_socket_accepts(socket_path), 15, "responder")
        large = request_bytes(nginx_like_params("GET", "/healthz", "localhost", {"X-Large": "x" * 180000}, b""),
                              keep_connection=True)
        minimal = begin_request(keep_connection=True) + record(PARAMS, b"") + record(STDIN, b"")
        count = 8000
        answers = [0]
        with connect(socket_path) as sock:
            sock.settimeout(30)

            def read_all():
                buffer = b""
                while answers[0] < count + 1:
                    data = sock.recv(1 << 20)
                    if not data:
                        return
                    buffer += data
                    while len(buffer) >= 8:
                        _, kind, _, size, padding = struct.unpack(">BBHHBx", buffer[:8])
                        if len(buffer) < 8 + size + padding:
                            break
                        buffer = buffer[8 + size + padding:]
                        answers[0] += kind == END_REQUEST

            reader = threading.Thread(target=read_all, daemon=True)
            reader.start()
            sock.sendall(large + minimal * count)
            reader.join(60)
        assert answers[0] == count + 1, f"{answers[0]} of {count + 1} answered"
        assert proc.poll() is None, f"the responder died ({proc.returncode})"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (Debian package wrk)")
def test_a_stderr_nobody_reads_costs_no_throughput_no_memory_and_no_clean_stop(stub, tmp_path):
    fifo = tmp_path / "stderr.fifo"
    os.mkfifo(fifo)
    # Opened for reading and writing, so that opening does not wait for a reader; nobody ever reads.
    held_open = os.open(fifo, os.O_RDWR)
    env = binary_env(stub, LOGOUT_WORKERS="2", LOGOUT_DRAIN_TIMEOUT_MS="3000")
    socket_path = tmp_path / "fcgi.sock"
    env["LOGOUT_LISTEN"] = f"unix:{socket_path}"
    proc = subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.DEVNULL, stderr=held_open,
                            stdin=subprocess.DEVNULL)
    nginx = None
    try:
        poll(lambda: proc.poll() is None and unix_socket_accepts(socket_path), 15, "responder")
        nginx = Nginx(tmp_path, socket_path)

        def wrk_rate() -> float:
            out = subprocess.run(["wrk", "-t1", "-c8", "-d3s", f"http://127.0.0.1:{nginx.port}/healthz?x"],
                                 capture_output=True, text=True, timeout=60).stdout
            return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

        first = wrk_rate()  # fills the pipe: every later line is dropped
        after_first = rss(proc.pid)
        rates = [wrk_rate() for _ in range(3)]
        after_last = rss(proc.pid)
        dropped = metric_value(nginx.port, "logout_log_lines_dropped_total")
        print(f"req/s with stderr wedged: {first:.0f} then {[round(r) for r in rates]}; RSS {after_first / MIB:.0f} -> "
              f"{after_last / MIB:.0f} MiB; {dropped:.0f} lines dropped")
        assert dropped > 1000
        # Throughput holds (a slower run on a busy machine is allowed) and no memory grows per drop.
        assert max(rates) > 0.6 * first
        assert after_last - after_first < 4 * MIB
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
        stopped = time.monotonic() - started
        print(f"stopped {stopped:.1f} s after SIGTERM")
        assert code == 0
        assert stopped < 3.0 + 2.0 + 2.0  # the drain timeout, the log's flush limit, slack
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if nginx:
            nginx.stop()
        os.close(held_open)

