"""The alerting rules in monitoring/: valid for Prometheus, unit-tested with promtool, complete, and
reading only series the real responder exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deployment import REPO
from web import request

MONITORING = REPO / "monitoring"
RULES = MONITORING / "alerts.yml"
RULE_TESTS = MONITORING / "alerts.test.yml"
SCRAPE_CONFIG = MONITORING / "prometheus.yml"
ALERTS = {
    "LogoutErrorRatioHigh",
    "LogoutUpstreamFailureRatioHigh",
    "LogoutUpstreamMisconfigured",
    "LogoutUpstreamTLSFailing",
    "LogoutLatencyP99High",
    "LogoutSaturation",
    "LogoutNoSuccess",
    "LogoutJWKSFetchFailing",
    "LogoutDown",
}


def promtool(*arguments: str) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool not installed (Debian package `prometheus`)")
    return subprocess.run([tool, *arguments], capture_output=True, text=True, timeout=60)


def alert_blocks() -> dict[str, str]:
    """Each rule of alerts.yml by name, as its text (the file lists one `- alert:` per rule)."""
    parts = re.split(r"^\s*- alert:\s*", RULES.read_text(), flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].strip(): part for part in parts}


def test_promtool_check_rules():
    result = promtool("check", "rules", str(RULES))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_promtool_rule_unit_tests():
    result = promtool("test", "rules", str(RULE_TESTS))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_example_scrape_configuration_is_valid():
    result = promtool("check", "config", str(SCRAPE_CONFIG))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "job_name: logout-fcgi" in SCRAPE_CONFIG.read_text()


def test_every_alert_has_a_duration_severity_and_runbook_hint():
    blocks = alert_blocks()

    assert set(blocks) == ALERTS
    runbook = (MONITORING / "README.md").read_text().lower()
    for name, text in blocks.items():
        assert re.search(r"^\s+for: \d+m$", text, re.MULTILINE), f"{name}: no `for:`"
        assert re.search(r"^\s+severity: (critical|warning)$", text, re.MULTILINE), f"{name}: no severity"
        for annotation in ("summary", "description", "runbook"):
            assert re.search(rf"^\s+{annotation}: \S", text, re.MULTILINE), f"{name}: no {annotation}"
        anchor = f"#{name.lower()}"
        assert f'runbook: "monitoring/README.md{anchor}"' in text
        assert f"### {name.lower()}" in runbook, f"{name}: no runbook section"


def test_misconfiguration_is_critical_and_apart_from_the_failure_ratio():
    blocks = alert_blocks()

    assert 'reason="rejected_configuration"' in blocks["LogoutUpstreamMisconfigured"]
    assert "severity: critical" in blocks["LogoutUpstreamMisconfigured"]
    assert 'reason!="rejected_configuration"' in blocks["LogoutUpstreamFailureRatioHigh"]


def test_every_alert_has_a_firing_and_a_quiet_unit_test():
    text = RULE_TESTS.read_text()
    # Each check: `alertname: X` followed by either a list of expected alerts or `exp_alerts: []`.
    checks = re.findall(r"alertname: (\w+)\n\s+exp_alerts:( \[\])?", text)

    firing = {name for name, empty in checks if not empty}
    quiet = {name for name, empty in checks if empty}
    assert firing == ALERTS, f"no firing test for {sorted(ALERTS - firing)}"
    assert quiet == ALERTS, f"no quiet test for {sorted(ALERTS - quiet)}"


SELECTOR = re.compile(r"\b(logout_[a-z_]+)(?:\{([^}]*)\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|!=|!~|=)\s*"([^"]*)"')
SAMPLE = re.compile(r"^(\w+)(?:\{([^}]*)\})? \S+$")


def exposition_series(text: str) -> list[tuple[str, dict[str, str]]]:
    series = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            series.append((match.group(1), labels))
    return series


def selects(matchers: list[tuple[str, str, str]], labels: dict[str, str]) -> bool:
    for name, op, value in matchers:
        actual = labels.get(name, "")
        if op == "=" and actual != value:
            return False
        if op == "!=" and actual == value:
            return False
        if op == "=~" and not re.fullmatch(value, actual):
            return False
        if op == "!~" and re.fullmatch(value, actual):
            return False
    return True


def test_rules_select_series_the_responder_exports(app):
    resp = request(app.port, "GET", "/metrics")
    assert resp.status == 200, resp
    exported = exposition_series(resp.body.decode())
    expressions = re.findall(r"expr: \|\n((?:\s{10}.*\n)+)", RULES.read_text())
    assert len(expressions) == len(ALERTS)

    selectors = [(m.group(1), MATCHER.findall(m.group(2) or "")) for e in expressions for m in SELECTOR.finditer(e)]
    assert selectors
    for metric, matchers in selectors:
        # Label matchers in the rules name only target labels (job, instance) and the responder's own.
        own = [(n, op, v) for n, op, v in matchers if n not in ("job", "instance")]
        assert any(name == metric and selects(own, labels) for name, labels in exported), (
            f"{metric}{{{', '.join(f'{n}{op}{v!r}' for n, op, v in own)}}} selects nothing the responder exports")
