"""Fixtures: the Supabase Auth stand-in, the responder binary and nginx in front of it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from deployment import BINARY, RENDER_SCRIPT, STUB_SCRIPT, Deployment, binary_env  # noqa: E402
from stub_admin import Stub  # noqa: E402


def _require(path: Path, what: str) -> None:
    if not path.exists():
        pytest.skip(f"{what} not found at {path}")


@pytest.fixture(scope="session")
def stub(tmp_path_factory):
    _require(STUB_SCRIPT, "the Supabase Auth stand-in")
    server = Stub(STUB_SCRIPT, tmp_path_factory.mktemp("stub"))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_stub(request):
    """Every test starts with no users, sessions, faults or logged requests."""
    if "stub" in request.fixturenames:
        request.getfixturevalue("stub").reset()
    yield


class DeploymentFactory:
    def __init__(self, stub: Stub, tmp_path_factory):
        self._stub = stub
        self._tmp = tmp_path_factory
        self._started: list[Deployment] = []

    def __call__(self, name: str, **env_overrides: str | None) -> Deployment:
        _require(BINARY, "the logout-fcgi binary (swift build)")
        _require(RENDER_SCRIPT, "the nginx configuration renderer")
        env = binary_env(self._stub, **env_overrides)
        deployment = Deployment(env, self._tmp.mktemp(name), name)
        self._started.append(deployment)
        return deployment

    def stop_all(self) -> list[str]:
        failures = []
        for deployment in self._started:
            code = deployment.stop()
            if code != 0:
                failures.append(f"{deployment.name} exited with {code} after SIGTERM")
        self._started.clear()
        return failures


@pytest.fixture(scope="session")
def _session_deployments(stub, tmp_path_factory):
    factory = DeploymentFactory(stub, tmp_path_factory)
    yield factory
    failures = factory.stop_all()
    assert not failures, failures


@pytest.fixture(scope="module")
def start_deployment(stub, tmp_path_factory):
    """Starts an extra responder+nginx pair with custom settings; stopped (expecting exit 0) after the module."""
    factory = DeploymentFactory(stub, tmp_path_factory)
    yield factory
    failures = factory.stop_all()
    assert not failures, failures


@pytest.fixture(scope="session")
def app(_session_deployments) -> Deployment:
    """The responder with default settings behind nginx."""
    return _session_deployments("default")
