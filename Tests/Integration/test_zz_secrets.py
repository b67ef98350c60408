"""Runs last: no secret used anywhere in the run appears in the responder's output."""

from __future__ import annotations

import json

from secret_registry import all_secrets, log_files


def where(line: str, secrets: frozenset[str]) -> str:
    """Names the log message and fields that hold a secret, never the secret itself."""
    try:
        entry = json.loads(line)
    except ValueError:
        return "a line that is not JSON"
    fields = sorted(key for key, value in entry.items() if any(s in str(value) for s in secrets))
    return f"message {entry.get('message')!r}, fields {fields}"


def test_no_secret_in_any_responder_output():
    files = [path for path in log_files() if path.exists()]
    secrets = all_secrets()
    assert secrets, "no secrets were registered: the run started nothing"
    assert files, "no responder output was captured"
    leaks = set()
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            if any(secret in line for secret in secrets):
                leaks.add(f"{path.name}: {where(line, secrets)}")
    assert not leaks, sorted(leaks)
