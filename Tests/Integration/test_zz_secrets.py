"""Runs last: no secret used anywhere in the run appears in the responder's output."""

from __future__ import annotations

from secret_registry import all_secrets, log_files


def test_no_secret_in_any_responder_output():
    files = [path for path in log_files() if path.exists()]
    secrets = all_secrets()
    assert secrets, "no secrets were registered: the run started nothing"
    assert files, "no responder output was captured"
    leaks = []
    for path in files:
        text = path.read_text(errors="replace")
        found = sum(1 for secret in secrets if secret in text)
        if found:
            leaks.append(f"{path.name}: {found} secret values")
    assert not leaks, leaks
