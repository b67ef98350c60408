"""`logout-fcgi check`: one line per check, ok or FAIL with the reason, and the exit status an
operator (or `systemctl start logout-fcgi-check.service`) acts on: 0 all good, 78 a bad setting,
69 Supabase Auth or the address unusable."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from deployment import REPO, Responder, binary_env, free_port, run_binary_once
from secret_registry import remember

CHECKS = ["settings", "reachable", "TLS", "apikey", "keys", "issuer", "listen"]
LIMIT_S = 30.0


def run_check(env, tmp_path: Path, name: str = "check"):
    code, out, err = run_binary_once(env, tmp_path, name, limit=LIMIT_S, args=("check",))
    lines = {}
    for line in out.splitlines():
        match = re.match(r"^(\S+)\s+(ok|FAIL|skip)\s+(.*)$", line)
        assert match, f"not a check line: {line!r}\n{out}{err}"
        lines[match.group(1)] = (match.group(2), match.group(3))
    assert list(lines) == CHECKS, out + err
    for value in (env.get("SUPABASE_ANON_KEY"), env.get("SUPABASE_JWT_SECRET"), env.get("LOGOUT_CSRF_SECRET")):
        if value:
            assert value not in out + err
    return code, lines, out


def listen_env(stub, tmp_path: Path, **overrides):
    return binary_env(stub, LOGOUT_LISTEN=f"unix:{tmp_path}/fcgi.sock", **overrides)


def test_a_good_configuration_passes_every_check(stub, tmp_path):
    code, lines, out = run_check(listen_env(stub, tmp_path), tmp_path)

    assert code == 0, out
    assert all(verdict == "ok" for verdict, _ in lines.values()), out
    assert lines["reachable"][1] == f"{stub.url} answered"
    assert lines["TLS"][1] == "not used: SUPABASE_URL is http://"
    assert lines["apikey"][1] == "accepted (a wrong key gets 401)"
    assert lines["listen"][1] == f"unix:{tmp_path}/fcgi.sock is free"
    assert lines["keys"][1].endswith("; HS256 secret set") or lines["keys"][1].startswith("HS256 secret set")
    settings = [r for r in stub.requests() if r["path"] == "/auth/v1/settings"]
    assert [r["headers"].get("apikey") for r in settings] == [stub.anon_key, "logout-fcgi-check-wrong-key"]


def test_the_keys_line_names_each_signing_key_and_its_algorithm(stub, tmp_path):
    request = urllib.request.Request(f"{stub.url}/auth/v1/.well-known/jwks.json", headers={"apikey": stub.anon_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        served = [(key["kid"], key.get("alg", "ES256")) for key in json.load(response)["keys"]]
    if not served:
        pytest.skip("the stand-in serves no asymmetric key (python3-cryptography missing)")

    code, lines, out = run_check(listen_env(stub, tmp_path), tmp_path)

    assert code == 0, out
    for kid, alg in served:
        assert f"{kid} ({alg})" in lines["keys"][1], out


def test_a_refused_key_is_69_apikey_refused(stub, tmp_path):
    wrong = "anon-" + secrets.token_hex(20)
    remember(wrong)
    code, lines, out = run_check(listen_env(stub, tmp_path, SUPABASE_ANON_KEY=wrong), tmp_path)

    assert code == 69, out
    assert lines["settings"][0] == "ok"
    assert lines["reachable"][0] == "ok"
    assert lines["apikey"] == ("FAIL", "apikey refused: 401 Invalid API key")
    assert wrong not in out


def test_an_unreachable_project_is_69(stub, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, lines, out = run_check(listen_env(stub, tmp_path, SUPABASE_URL=url), tmp_path)

    assert code == 69, out
    assert lines["settings"][0] == "ok"
    assert lines["reachable"][0] == "FAIL" and lines["reachable"][1].startswith(f"{url}: no connection")
    assert lines["apikey"][0] == "skip"
    assert lines["keys"][0] == "FAIL"
    assert lines["issuer"][0] == "skip"


def test_bad_settings_are_78_each_named_and_the_network_checks_still_run(stub, tmp_path):
    short = "s" * 20
    code, lines, out = run_check(
        listen_env(stub, tmp_path, LOGOUT_SCOPE="everything", LOGOUT_WORKERS="many", SUPABASE_JWT_SECRET=short), tmp_path)

    assert code == 78, out
    verdict, reason = lines["settings"]
    assert verdict == "FAIL"
    assert "LOGOUT_SCOPE: malformed setting" in reason
    assert "LOGOUT_WORKERS: malformed setting" in reason
    assert "SUPABASE_JWT_SECRET: shorter than 32 bytes" in reason
    assert short not in out
    assert lines["reachable"][0] == "ok" and lines["apikey"][0] == "ok", out


def test_a_missing_url_is_78_and_nothing_else_runs(stub, tmp_path):
    code, lines, out = run_check(listen_env(stub, tmp_path, SUPABASE_URL=None), tmp_path)

    assert code == 78, out
    assert lines["settings"] == ("FAIL", "SUPABASE_URL: required setting is missing")
    assert all(lines[name][0] == "skip" for name in CHECKS[1:]), out


def test_a_missing_key_is_78_and_the_connection_is_still_checked(stub, tmp_path):
    code, lines, out = run_check(listen_env(stub, tmp_path, SUPABASE_ANON_KEY=None), tmp_path)

    assert code == 78, out
    assert lines["settings"] == ("FAIL", "SUPABASE_ANON_KEY: required setting is missing")
    assert lines["reachable"][0] == "ok"
    assert lines["apikey"][0] == "skip"


def test_the_listen_address_held_by_a_running_responder_is_noted(stub, tmp_path):
    env = listen_env(stub, tmp_path)
    responder = Responder(env, tmp_path, "running")
    try:
        code, lines, out = run_check(env, tmp_path)
    finally:
        responder.stop()

    assert code == 0, out
    assert lines["listen"][0] == "ok"
    assert "held by a running FastCGI responder" in lines["listen"][1]


def test_the_listen_address_held_by_something_else_fails(stub, tmp_path):
    path = tmp_path / "other.sock"
    holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    holder.bind(str(path))
    holder.listen(16)
    try:
        code, lines, out = run_check(binary_env(stub, LOGOUT_LISTEN=f"unix:{path}"), tmp_path)
    finally:
        holder.close()

    assert code == 69, out
    assert lines["listen"] == ("FAIL", f"unix:{path} is held by something that does not answer FastCGI")


class TLSFront:
    """A TLS listener with a self-signed certificate no trust store holds: it only handshakes."""

    def __init__(self, workdir: Path):
        cert, key = workdir / "cert.pem", workdir / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    def close(self):
        self.sock.close()


def test_a_certificate_that_does_not_verify_fails_tls_with_69(stub, tmp_path):
    front = TLSFront(tmp_path)
    try:
        url = f"https://127.0.0.1:{front.port}"
        code, lines, out = run_check(listen_env(stub, tmp_path, SUPABASE_URL=url), tmp_path)
    finally:
        front.close()

    assert code == 69, out
    assert lines["reachable"] == ("ok", f"{url} accepted a connection")
    assert lines["TLS"][0] == "FAIL" and "(tls_unknown_ca)" in lines["TLS"][1], out
    assert lines["apikey"][0] == "skip"


def test_the_check_unit_runs_as_the_service_runs():
    """Its sandbox, environment and credential lines are the service's, so what it checks is what starts."""
    service = (REPO / "systemd" / "logout-fcgi.service").read_text()
    check = (REPO / "systemd" / "logout-fcgi-check.service").read_text()

    def shared(unit: str) -> list[str]:
        body = unit[unit.index("EnvironmentFile="):]
        body = body[: body.index("[Install]")] if "[Install]" in body else body
        keep = ("EnvironmentFile=", "LoadCredential=", "SetCredential=", "DynamicUser=", "UMask=", "Protect", "Private",
                "NoNewPrivileges=", "CapabilityBoundingSet=", "AmbientCapabilities=", "Restrict", "LockPersonality=",
                "RemoveIPC=", "SystemCall", "LimitNICE=", "MemoryDenyWriteExecute=")
        return [line for line in body.splitlines() if line.startswith(keep)]

    assert shared(service) and shared(check) == shared(service)
    assert "ExecStart=/usr/bin/logout-fcgi check" in check and "Type=oneshot" in check


def test_the_check_unit_verifies_cleanly(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not found")
    from deployment import BINARY

    for name in ("logout-fcgi.service", "logout-fcgi.socket", "logout-fcgi-check.service"):
        text = (REPO / "systemd" / name).read_text()
        (tmp_path / name).write_text(re.sub(r"(?m)^ExecStart=/usr/bin/logout-fcgi", f"ExecStart={BINARY}", text))

    result = subprocess.run(["systemd-analyze", "verify", "--man=no", "logout-fcgi-check.service"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stdout + result.stderr
