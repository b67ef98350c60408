#!/usr/bin/env python3
"""The upstream calls one expired-cookie logout makes, and its latency through nginx beside a fresh one's.

    python3 Tests/Integration/measure_expired_logout.py [count]   # uses .build/debug/logout-fcgi, or LOGOUT_FCGI_BIN

Starts the Supabase Auth stand-in, the responder and nginx as the integration tests do, then sends
`count` cookie logouts (default 200) one at a time for fresh sessions and for expired ones.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from deployment import STUB_SCRIPT, Deployment, binary_env  # noqa: E402
from session_tokens import base64_cookie_value, cookie_header, new_csrf_value  # noqa: E402
from stub_admin import Stub  # noqa: E402
from web import logout  # noqa: E402


def cookie_logout(port: int, session: dict):
    csrf = new_csrf_value()
    cookies = cookie_header([("sb-127-auth-token", base64_cookie_value(session)), ("csrf_token", csrf)])
    return logout(port, None, headers={"Cookie": cookies, "X-CSRF-Token": csrf})


def timed(stub: Stub, port: int, expires_in: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        session = stub.new_session(expires_in=expires_in)
        started = time.perf_counter()
        resp = cookie_logout(port, session)
        times.append((time.perf_counter() - started) * 1000)
        assert resp.status == 200, resp
    return sorted(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    work = Path(tempfile.mkdtemp(prefix="measure-expired-logout-"))
    (work / "stub").mkdir()
    stub = Stub(STUB_SCRIPT, work / "stub")
    deployment = Deployment(binary_env(stub, LOGOUT_LOG_LEVEL="warning"), work / "deployment", "measure")
    try:
        stub.clear_requests()
        assert cookie_logout(deployment.port, stub.new_session(expires_in=-3600)).status == 200
        for sent in stub.requests_for_users():
            print(f"call: {sent['method']} {sent['path']}?{sent['query']}")
        for label, expires_in in (("fresh", 3600), ("expired", -3600)):
            times = timed(stub, deployment.port, expires_in, count)
            print(f"{label} cookie session, {count} logouts: median {statistics.median(times):.1f} ms, "
                  f"p95 {times[int(len(times) * 0.95)]:.1f} ms, max {times[-1]:.1f} ms")
    finally:
        deployment.stop()
        stub.stop()


if __name__ == "__main__":
    main()
