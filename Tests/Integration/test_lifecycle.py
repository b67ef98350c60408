"""Start-up errors, the socket guard, and graceful shutdown."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from deployment import BINARY, Deployment, Responder, binary_env, poll, run_binary_once, unix_socket_accepts
from expectations import assert_success
from fcgi_client import fcgi_request, nginx_like_params
from web import LOGOUT_PATH, logout, request

EX_CONFIG = 78


@pytest.fixture
def binary():
    if not BINARY.exists():
        pytest.skip(f"the logout-fcgi binary not found at {BINARY}")
    return BINARY


@pytest.mark.parametrize("setting,overrides", [
    ("SUPABASE_URL", {"SUPABASE_URL": None}),
    ("SUPABASE_ANON_KEY", {"SUPABASE_ANON_KEY": None}),
    ("SUPABASE_URL", {"SUPABASE_URL": "not a url"}),
    ("SUPABASE_URL", {"SUPABASE_URL": "ftp://127.0.0.1:1"}),
    ("LOGOUT_SCOPE", {"LOGOUT_SCOPE": "bogus"}),
    ("LOGOUT_UPSTREAM_TIMEOUT_MS", {"LOGOUT_UPSTREAM_TIMEOUT_MS": "abc"}),
    ("LOGOUT_MAX_INFLIGHT", {"LOGOUT_MAX_INFLIGHT": "-1"}),
    ("LOGOUT_LISTEN", {"LOGOUT_LISTEN": "host:abc"}),
    ("LOGOUT_LISTEN", {"LOGOUT_LISTEN": "127.0.0.1:70000"}),
    ("LOGOUT_LISTEN", {"LOGOUT_LISTEN": "unix:/tmp/" + "x" * 120 + ".sock"}),
    ("SUPABASE_JWKS_URL", {"SUPABASE_JWKS_URL": "keys.example.com"}),
    ("LOGOUT_JWT_ISSUER", {"LOGOUT_JWT_ISSUER": "https://auth.example.com/\u0007"}),
], ids=["missing-url", "missing-anon-key", "malformed-url", "ftp-url", "bad-scope", "bad-timeout", "bad-inflight",
        "listen-port-not-a-number", "listen-port-out-of-range", "listen-path-too-long", "jwks-url-not-a-url", "issuer-control-character"])
def test_bad_setting_stops_startup_with_one_line_naming_it(binary, stub, tmp_path, setting, overrides):
    env = binary_env(stub, **{"LOGOUT_LISTEN": f"unix:{tmp_path}/fcgi.sock", **overrides})

    code, stdout, stderr = run_binary_once(env, tmp_path, "config-error")

    assert code == EX_CONFIG, f"exit code {code}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"{len(lines)} lines on stderr"
    assert setting in lines[0]
    assert not (tmp_path / "fcgi.sock").exists()


def test_second_instance_on_a_live_socket_refuses_and_the_first_keeps_serving(app, stub, tmp_path, binary):
    env = binary_env(stub, LOGOUT_LISTEN=f"unix:{app.socket_path}")

    code, _, _ = run_binary_once(env, tmp_path, "second-instance")

    assert code not in (0, None), f"second instance exit code {code}"
    assert unix_socket_accepts(app.socket_path)
    assert request(app.port, "GET", "/healthz").status == 200
    assert_success(logout(app.port, stub.new_session()["access_token"]))


def test_stale_socket_file_is_replaced(binary, stub, tmp_path):
    path = tmp_path / "fcgi.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    assert path.exists() and not unix_socket_accepts(path)

    responder = Responder(binary_env(stub), tmp_path, "stale-socket")

    assert responder.stop() == 0


def test_sigterm_right_after_ready_exits_0(binary, stub, tmp_path):
    # A supervisor may stop the service the moment its socket accepts.
    codes = []
    for attempt in range(10):
        workdir = tmp_path / str(attempt)
        workdir.mkdir()
        codes.append(Responder(binary_env(stub), workdir, "quick-stop").stop())
    assert codes == [0] * 10, codes


def test_secrets_from_files(start_deployment, stub, tmp_path):
    anon_file, secret_file = tmp_path / "anon_key", tmp_path / "jwt_secret"
    anon_file.write_text(stub.anon_key + "\n")
    secret_file.write_text(stub.jwt_secret)
    deployment = start_deployment("secret-files", SUPABASE_ANON_KEY=None, SUPABASE_JWT_SECRET=None,
                                  SUPABASE_ANON_KEY_FILE=str(anon_file), SUPABASE_JWT_SECRET_FILE=str(secret_file))
    session = stub.new_session()

    assert_success(logout(deployment.port, session["access_token"]))

    [sent] = stub.logout_requests()
    assert sent["headers"]["apikey"] == stub.anon_key


@pytest.mark.parametrize("flag", ["--supabase-anon-key", "--supabase-jwt-secret", "--csrf-secret"])
def test_secrets_are_not_accepted_as_flags(binary, stub, tmp_path, flag):
    # `ps` shows every process's arguments to every user of the host.
    env = binary_env(stub, LOGOUT_LISTEN=f"unix:{tmp_path}/fcgi.sock")

    code, _, stderr = run_binary_once(env, tmp_path, "secret-flag", args=(flag, "s" * 40))

    assert code not in (0, None), f"exit code {code}"
    assert flag in stderr and "s" * 40 not in stderr
    assert not (tmp_path / "fcgi.sock").exists()


def test_secret_files_given_as_flags(stub, tmp_path, binary):
    anon_file, secret_file = tmp_path / "anon_key", tmp_path / "jwt_secret"
    anon_file.write_text(stub.anon_key + "\n")
    secret_file.write_text(stub.jwt_secret)
    env = binary_env(stub, SUPABASE_ANON_KEY=None, SUPABASE_JWT_SECRET=None)
    responder = Responder(env, tmp_path, "secret-file-flags",
                          args=("--supabase-anon-key-file", str(anon_file), "--supabase-jwt-secret-file", str(secret_file)))
    try:
        session = stub.new_session()
        params = nginx_like_params("POST", LOGOUT_PATH, "localhost",
                                   {"Authorization": f"Bearer {session['access_token']}"}, b"")

        assert_success(fcgi_request(str(responder.socket_path), params))
        [sent] = stub.logout_requests()
        assert sent["headers"]["apikey"] == stub.anon_key
    finally:
        assert responder.stop() == 0


def test_help_names_no_secret_flag(binary):
    result = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=30)

    assert result.returncode == 0
    flags = set(re.findall(r"--[a-z-]+", result.stdout))
    assert {"--supabase-anon-key-file", "--supabase-jwt-secret-file", "--csrf-secret-file"} <= flags
    assert not {"--supabase-anon-key", "--supabase-jwt-secret", "--csrf-secret"} & flags
    assert "never" in result.stdout and "flags" in result.stdout


def test_socket_mode_is_0660(app):
    assert app.socket_path.stat().st_mode & 0o777 == 0o660


def test_top_shows_each_worker_and_the_http_client_by_name(app):
    tasks = Path(f"/proc/{app.responder.proc.pid}/task")
    names = [(task / "comm").read_text().strip() for task in tasks.iterdir()]
    workers = sorted(name for name in names if name.startswith("fcgi-worker-"))
    assert len(workers) >= 2 and workers == sorted(f"fcgi-worker-{i}" for i in range(len(workers))), names
    assert names.count("http-client") == 1, names


def test_sigterm_finishes_in_flight_logout_and_exits_0(stub, tmp_path, binary):
    deployment = Deployment(binary_env(stub), tmp_path / "drain", "drain")
    try:
        session = stub.new_session()
        stub.fault(kind="delay", ms=800, times=1)
        result = {}
        worker = threading.Thread(target=lambda: result.update(resp=logout(deployment.port, session["access_token"])))
        worker.start()
        poll(lambda: stub.logout_requests(), 5, "held logout")

        deployment.responder.proc.send_signal(15)
        worker.join(15)

        assert_success(result["resp"])
        assert deployment.responder.proc.wait(15) == 0
        assert session["session_id"] not in stub.live_sessions()
    finally:
        deployment.stop()
