"""Every secret value the integration run hands to a process or sends in a request.

The last test of the run reads the responder's captured output and checks that none of
these values appears in it.
"""

from __future__ import annotations

import threading
from pathlib import Path

_lock = threading.Lock()
_secrets: set[str] = set()
_log_files: list[Path] = []

# Shorter values could match by chance (a timestamp, a port number).
_MIN_LENGTH = 12


def remember(*values: str | None) -> None:
    """Adds values that must never show up in the responder's output."""
    with _lock:
        for value in values:
            if value and len(value) >= _MIN_LENGTH:
                _secrets.add(value)
                # A JWT's signature alone already identifies it.
                if value.count(".") == 2:
                    signature = value.rsplit(".", 1)[1]
                    if len(signature) >= _MIN_LENGTH:
                        _secrets.add(signature)


def all_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_secrets)


def watch_log(path: Path) -> None:
    """Registers a file holding a responder's stdout or stderr."""
    with _lock:
        _log_files.append(path)


def log_files() -> list[Path]:
    with _lock:
        return list(_log_files)
