"""Scaled out: three responders, each on its own loopback address, behind one nginx upstream with the
shipped `fastcgi_next_upstream error timeout non_idempotent`. One is killed with SIGKILL under load and
later started again: no request fails, every logout still revokes its session, and the revived
responder takes requests again.

A request the killed responder had already taken is sent to another one. When the dead one had already
revoked the session, the second revocation finds it ended: 401 session_not_found, cookies cleared,
which is what a repeated logout answers. Those are the only answers other than 200 allowed here, and
no more of them than nginx resent."""

from __future__ import annotations

import re
import statistics
import time

import pytest

from deployment import BINARY, Nginx, Responder, binary_env, free_port, poll
from load_loop import LogoutLoop, assert_nothing_lost

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
# nginx takes a server that refused a connection out of the rotation for fail_timeout (10 s by default).
REJOIN_LIMIT_S = 10 + 10


class Cluster:
    def __init__(self, stub, workdir):
        self.workdir = workdir
        self.env = binary_env(stub, LOGOUT_LOG_LEVEL="info")
        self.addresses = [(host, free_port(host)) for host in HOSTS]
        self.responders: list[Responder] = []
        self.nginx = None
        try:
            self.responders = [self.start(index) for index in range(len(HOSTS))]
            nginx_dir = workdir / "nginx"
            nginx_dir.mkdir()
            self.nginx = Nginx(nginx_dir, servers=[f"{host}:{port}" for host, port in self.addresses])
        except BaseException:
            self.stop()
            raise

    def start(self, index: int, generation: int = 0) -> Responder:
        workdir = self.workdir / f"responder-{index}-{generation}"
        workdir.mkdir()
        return Responder(self.env, workdir, f"responder-{index}", tcp=self.addresses[index])

    def stop(self) -> list[int]:
        if self.nginx:
            self.nginx.stop()
        return [responder.stop() for responder in self.responders]


def requests_served(responder: Responder) -> int:
    return responder.stderr_path.read_text().count('"message":"request"')


@pytest.fixture
def cluster(stub, tmp_path):
    if not BINARY.exists():
        pytest.skip(f"the logout-fcgi binary not found at {BINARY}")
    cluster = Cluster(stub, tmp_path)
    yield cluster
    # The killed responder's code is -9; the others drain and exit 0.
    codes = cluster.stop()
    assert codes.count(0) == len(HOSTS), codes


def test_a_responder_killed_under_load_and_restarted_loses_no_request(cluster, stub):
    victim = 1
    with LogoutLoop(stub, cluster.nginx.port) as loop:
        loop.wait_for(30)
        assert all(requests_served(r) > 0 for r in cluster.responders), "nginx spreads requests over all three"
        killed = cluster.responders[victim]
        killed_at = time.monotonic()
        killed.proc.kill()
        killed.proc.wait(10)
        loop.wait_for(len(loop.outcomes) + 60)

        revived = cluster.start(victim, generation=1)
        restarted_at = time.monotonic()
        killed.stop()
        cluster.responders[victim] = revived
        poll(lambda: requests_served(revived) > 0, REJOIN_LIMIT_S, "requests on the restarted responder", 0.05)
        rejoined_after = time.monotonic() - restarted_at
        loop.wait_for(len(loop.outcomes) + 30)
        outcomes = loop.stop()

    errors = cluster.nginx.error_log.read_text()
    refused = len(re.findall(r"connect\(\) failed \(111: Connection refused\) while connecting to upstream", errors))
    cut = len(re.findall(r"(upstream prematurely closed connection|recv\(\) failed \(104: Connection reset by peer\))"
                         r" while reading response header from upstream", errors))
    assert refused + cut >= 1, "nginx never met the dead responder: the kill tested nothing"
    ended_elsewhere = [o for o in outcomes if (o.status, o.problem) == (401, "session_not_found")]
    assert len(ended_elsewhere) <= cut, f"{len(ended_elsewhere)} session_not_found, {cut} requests resent"
    assert_nothing_lost([o for o in outcomes if o not in ended_elsewhere], stub, at_least=120)
    assert not stub.live_sessions() & {o.session_id for o in ended_elsewhere}

    # For the record (`pytest -s`): what the kill cost.
    in_flight = [o.duration for o in outcomes if o.started < killed_at < o.started + o.duration]
    before = [o.duration for o in outcomes if o.started < killed_at]
    after = [o.duration for o in outcomes if killed_at <= o.started < killed_at + 1.0]
    ms = lambda values: (f"p50 {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"  # noqa: E731
                         if values else "(none)")
    print(f"\nfailover: {len(outcomes)} requests, {len(ended_elsewhere)} answered 401 session_not_found after a "
          f"resend, none failed; nginx resent {cut} request(s) the dead responder had taken and passed on "
          f"{refused} refused connection(s); requests in flight at the kill took {ms(in_flight)}; "
          f"before the kill {ms(before)}; first second after {ms(after)}; "
          f"the restarted responder served again {rejoined_after:.1f} s after its start")
