"""A bounded loop of logouts through nginx, each with a session of its own, recording what every
request got and when: to show that nothing is lost while a responder restarts, reloads or dies."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from deployment import poll
from web import logout


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic()
    duration: float
    status: int | None  # None: no HTTP answer at all
    problem: str | None  # the error code or the exception, for a request that did not succeed
    session_id: str


class LogoutLoop:
    """`workers` threads sending Bearer logouts to nginx on `port` until `stop()` or `limit_s`."""

    def __init__(self, stub, port: int, workers: int = 4, limit_s: float = 90.0):
        self._stub, self._port, self._limit_s = stub, port, limit_s
        self._outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(workers)]

    def __enter__(self) -> LogoutLoop:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        deadline = time.monotonic() + self._limit_s
        while not self._stopping.is_set() and time.monotonic() < deadline:
            session = self._stub.new_session()
            started = time.monotonic()
            try:
                resp = logout(self._port, session["access_token"], timeout=20)
                status, problem = resp.status, (None if resp.status == 200 else resp.error_code or "no envelope")
            except OSError as error:
                status, problem = None, type(error).__name__
            with self._lock:
                self._outcomes.append(
                    Outcome(started, time.monotonic() - started, status, problem, session["session_id"]))

    @property
    def outcomes(self) -> list[Outcome]:
        with self._lock:
            return list(self._outcomes)

    def wait_for(self, count: int, limit: float = 30.0) -> None:
        """Until `count` requests have been answered in all."""
        poll(lambda: len(self.outcomes) >= count, limit, f"{count} logouts through the load loop", interval=0.05)

    def stop(self) -> list[Outcome]:
        self._stopping.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(30)
        return self.outcomes


def assert_nothing_lost(outcomes: list[Outcome], stub, at_least: int) -> None:
    """Every request succeeded and revoked its own session at the stand-in."""
    assert len(outcomes) >= at_least, f"only {len(outcomes)} requests ran"
    failed = [(o.status, o.problem) for o in outcomes if o.status != 200]
    assert not failed, f"{len(failed)} of {len(outcomes)} requests failed: {failed[:10]}"
    alive = stub.live_sessions() & {o.session_id for o in outcomes}
    assert not alive, f"{len(alive)} sessions answered 200 but still alive at the stand-in"
