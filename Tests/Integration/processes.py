"""Stopping the processes the tests start."""

from __future__ import annotations

import signal
import subprocess


def terminate(proc: subprocess.Popen, limit: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after `limit` seconds; returns the exit code (-9 when killed)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return -9
    return proc.returncode
