"""The Debian package on a clean Debian 12 host under a real, booted systemd: installed with apt,
configured as the README tells an operator, then used, reloaded, restarted, broken, stalled,
upgraded and purged. Every request goes through the host's own nginx; Supabase Auth is the
stand-in on this machine's loopback, reached over HTTPS and HTTP/2 through a TLS front whose private CA
the host trusts through SUPABASE_CA_FILE, as a self-hosted Supabase behind a private CA is."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest

from debian_host import DebianHost, build_package, root_tarball
from deployment import free_port, poll
from expectations import assert_error, assert_success
from load_loop import LogoutLoop, assert_nothing_lost
from secret_registry import watch_log
from tls_front_process import TLSFront
from web import logout

SERVICE, SOCKET = "logout-fcgi.service", "logout-fcgi.socket"
EX_CONFIG = 78
MAX_EXPOSURE = 2.0
DYNAMIC_UIDS = range(61184, 65520)  # systemd's range for DynamicUser=
CHECK = "logout-fcgi-check.service"
EX_UNAVAILABLE = 69
INSTALLED = ("/usr/bin/logout-fcgi", "/lib/systemd/system/logout-fcgi.service", "/lib/systemd/system/logout-fcgi.socket",
             "/lib/systemd/system/logout-fcgi-check.service", "/usr/share/man/man8/logout-fcgi.8.gz",
             "/usr/share/doc/logout-fcgi/copyright", "/usr/share/doc/logout-fcgi/changelog.gz",
             "/etc/logout-fcgi/env", "/etc/nginx/conf.d/logout-fcgi.conf", "/etc/nginx/snippets/logout-fcgi.conf")
SITE = "/etc/nginx/sites-available/logout-example"
CA_FILE = "/etc/logout-fcgi/supabase-ca.pem"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("mmdebstrap", "systemd-nspawn", "dpkg-deb")),
    reason="needs root, mmdebstrap, systemd-container and dpkg-dev")


def configure_as_the_readme_says(host: DebianHost, stub, supabase_url: str, ca_pem: bytes, nginx_port: int) -> None:
    """The README's steps after `apt-get install`: credentials, the project URL and its private CA, the
    nginx include. The secrets are written as files, never passed on a command line. The stand-in
    writes its own plain-HTTP address into `iss`, hence the issuer."""
    host.put("/etc/logout-fcgi/credentials/supabase-anon-key", stub.anon_key, mode=0o600)
    host.put("/etc/logout-fcgi/credentials/supabase-jwt-secret", stub.jwt_secret, mode=0o600)
    host.put(CA_FILE, ca_pem)
    host.sh(f"""
        sed -i 's|^#SUPABASE_URL=.*|SUPABASE_URL={supabase_url}|' /etc/logout-fcgi/env
        sed -i 's|^#SUPABASE_CA_FILE=.*|SUPABASE_CA_FILE={CA_FILE}|' /etc/logout-fcgi/env
        grep -qx 'SUPABASE_CA_FILE={CA_FILE}' /etc/logout-fcgi/env
        echo 'LOGOUT_JWT_ISSUER={stub.issuer}' >> /etc/logout-fcgi/env
        cat > {SITE} <<'EOF'
server {{
    listen 127.0.0.1:{nginx_port};
    large_client_header_buffers 4 32k;
    include snippets/logout-fcgi.conf;
}}
EOF
        ln -s {SITE} /etc/nginx/sites-enabled/
        nginx -t
        systemctl reload nginx
    """)
    assert restart(host, check=False).returncode == 0, journal(host)[-3000:]


@pytest.fixture(scope="module")
def front(stub, tmp_path_factory):
    started = TLSFront(stub.port, tmp_path_factory.mktemp("tls-front"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def debian(stub, front, tmp_path_factory):
    """The package installed and configured on a freshly booted Debian 12; its nginx port."""
    package = build_package()
    workdir = tmp_path_factory.mktemp("debian")
    host = DebianHost(root_tarball(), workdir)
    try:
        deb = host.copy_in(package)
        host.run("apt-get", "update", "-qq", timeout=300)
        host.run("apt-get", "install", "-y", "-qq", deb, env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=300)
        # Enabled and listening on installation, before any configuration.
        assert host.run("systemctl", "is-enabled", SOCKET).stdout.strip() == "enabled"
        assert host.run("systemctl", "is-active", SOCKET).stdout.strip() == "active"
        port = free_port()
        configure_as_the_readme_says(host, stub, front.urls["h2"], front.ca.read_bytes(), port)
        poll(lambda: host.unit_property(SERVICE, "StatusText") == "serving", 30, "the service")
        yield host, port, package
    finally:
        journal = workdir / "journal.log"
        journal.write_text(host.run("journalctl", "-u", SERVICE, "-o", "cat", "--no-pager", check=False).stdout)
        watch_log(journal)
        host.stop()


def restart(host: DebianHost, check: bool = True):
    """`systemctl restart`, with the start counter reset first: these tests start the service more
    often than the 5 starts in 10 s systemd allows by default (StartLimitBurst=)."""
    host.run("systemctl", "reset-failed", SERVICE, check=False)
    return host.run("systemctl", "restart", SERVICE, check=check)


def main_pid(host: DebianHost) -> int:
    return int(host.unit_property(SERVICE, "MainPID"))


def journal(host: DebianHost, *args: str) -> str:
    return host.run("journalctl", "-u", SERVICE, "-o", "cat", "--no-pager", *args).stdout


def test_a_bearer_logout_through_the_hosts_nginx_revokes_the_session(debian, stub, front):
    host, port, _ = debian
    session = stub.new_session()

    assert_success(logout(port, session["access_token"]))
    assert [line["protocol"] for line in front.log_lines("h2") if line["uri"] == "/auth/v1/logout"][-1:] == ["HTTP/2.0"]

    [sent] = stub.logout_requests()
    assert sent["headers"]["apikey"] == stub.anon_key
    assert session["session_id"] not in stub.live_sessions()


def test_nginx_refuses_a_large_body_with_the_envelope_and_every_header(debian, stub):
    _, port, _ = debian
    session = stub.new_session()

    resp = logout(port, session["access_token"], body=b"x" * 64 * 1024)

    assert_error(resp, 413, "payload_too_large")
    assert stub.requests() == []


def test_runs_as_a_dynamic_non_root_user_in_a_sandbox_rated_at_most_2(debian):
    host, _, _ = debian
    status = host.run("cat", f"/proc/{main_pid(host)}/status").stdout
    uids = [int(uid) for uid in re.search(r"^Uid:\s+(.*)$", status, re.M)[1].split()]
    assert all(uid in DYNAMIC_UIDS for uid in uids), uids

    report = host.run("systemd-analyze", "security", "--no-pager", SERVICE).stdout
    exposure = float(re.search(r"Overall exposure level for \S+: (\d+\.\d+)", report)[1])
    assert exposure <= MAX_EXPOSURE, report[-3000:]


def test_the_binary_needs_no_swift_toolchain(debian):
    host, _, _ = debian
    assert host.run("test", "-e", "/opt/swift", check=False).returncode != 0
    assert host.run("sh", "-c", "command -v swift", check=False).returncode != 0
    libraries = host.run("ldd", "/usr/bin/logout-fcgi").stdout
    assert "not found" not in libraries and "swift" not in libraries.lower(), libraries
    assert host.run("/usr/bin/logout-fcgi", "--version").stdout.strip() == debian[2].name.split("_")[1]


def test_start_up_logs_no_failed_thread_priority(debian):
    """libdispatch sets each worker thread's nice value; the system-call filter allows it. Its
    manager thread asks for -4, which needs the RLIMIT_NICE the unit sets; a host whose service
    manager cannot raise that limit (no CAP_SYS_RESOURCE, as in some container sandboxes) leaves
    exactly that one refusal, EACCES."""
    host, _, _ = debian
    lines = [line for line in journal(host, f"_PID={main_pid(host)}").splitlines()
             if "Failed to set thread priority" in line]
    limits = host.run("cat", f"/proc/{main_pid(host)}/limits").stdout
    nice_limit = int(re.search(r"^Max nice priority\s+(\d+)", limits, re.M)[1])
    if nice_limit >= 24:
        assert lines == []
    else:
        assert len(lines) <= 1 and all(line.endswith("errno=13") for line in lines), lines


def test_a_jwks_only_project_needs_no_secret_file_and_no_unit_edit(debian, stub):
    pytest.importorskip("cryptography", reason="the stand-in signs ES256 tokens with it")
    host, port, _ = debian
    secret = "/etc/logout-fcgi/credentials/supabase-jwt-secret"
    host.run("rm", secret)
    try:
        restart(host)
        assert '"supabase.jwt_secret":"unset"' in journal(host, f"_PID={main_pid(host)}")
        session = stub.new_session(alg="ES256")
        assert_success(logout(port, session["access_token"]))
        assert session["session_id"] not in stub.live_sessions()
        assert_error(logout(port, stub.new_session()["access_token"]), 401, "invalid_token")  # HS256: no key now
    finally:
        host.put(secret, stub.jwt_secret, mode=0o600)
        restart(host)


def test_reload_and_restart_under_load_lose_no_request(debian, stub):
    host, port, _ = debian
    before = main_pid(host)
    with LogoutLoop(stub, port) as loop:
        loop.wait_for(20)
        host.run("systemctl", "reload", SERVICE)
        loop.wait_for(len(loop.outcomes) + 20)
        restart(host)
        loop.wait_for(len(loop.outcomes) + 40)
        outcomes = loop.stop()

    assert_nothing_lost(outcomes, stub, at_least=80)
    assert main_pid(host) != before
    assert '"message":"settings reloaded"' in journal(host, f"_PID={before}")


def run_check_unit(host: DebianHost) -> tuple[int, str]:
    """`systemctl start logout-fcgi-check.service` as the README says; its exit status and its lines."""
    since = host.run("date", "+@%s").stdout.strip()
    host.run("systemctl", "reset-failed", CHECK, check=False)
    started = host.run("systemctl", "start", CHECK, check=False)
    lines = host.run("journalctl", "-u", CHECK, "-o", "cat", "--no-pager", "--since", since).stdout
    status = int(host.unit_property(CHECK, "ExecMainStatus"))
    assert (started.returncode == 0) == (status == 0), lines
    return status, lines


def test_check_passes_as_the_service_runs_after_configuring(debian):
    host, _, _ = debian

    status, lines = run_check_unit(host)

    assert status == 0, lines
    for check in ("settings", "reachable", "TLS", "apikey", "keys", "issuer"):
        assert re.search(rf"^{check} +ok ", lines, re.M), lines
    assert re.search(r"^listen +ok +the socket systemd passed \(LISTEN_FDS\)$", lines, re.M), lines


def test_check_names_a_refused_key_and_fails_the_unit_with_69(debian, stub):
    host, _, _ = debian
    key = "/etc/logout-fcgi/credentials/supabase-anon-key"
    host.put(key, "anon-" + "0" * 40, mode=0o600)
    try:
        status, lines = run_check_unit(host)
    finally:
        host.put(key, stub.anon_key, mode=0o600)

    assert status == EX_UNAVAILABLE, lines
    assert re.search(r"^apikey +FAIL +apikey refused: 401 Invalid API key$", lines, re.M), lines
    assert re.search(r"^settings +ok ", lines, re.M), lines


def test_man_logout_fcgi_documents_settings_exit_status_files_and_signals(debian):
    host, _, _ = debian

    page = host.run("man", "logout-fcgi", env={"MANWIDTH": "100"}).stdout

    for text in ("logout-fcgi", "SUPABASE_URL", "SUPABASE_ANON_KEY", "LOGOUT_LISTEN", "check", "EXIT STATUS", "78",
                 "/etc/logout-fcgi/env", "/etc/nginx/snippets/logout-fcgi.conf", "supabase-jwt-secret", "SIGHUP", "SIGTERM"):
        assert text in page, text


def test_a_broken_setting_stops_the_unit_with_78_and_an_error_line_naming_it(debian, stub):
    host, port, _ = debian
    since = host.run("date", "+@%s").stdout.strip()
    host.sh("echo LOGOUT_SCOPE=everything >> /etc/logout-fcgi/env")
    try:
        assert restart(host, check=False).returncode != 0
        assert host.unit_property(SERVICE, "ExecMainStatus") == str(EX_CONFIG)
        assert host.unit_property(SERVICE, "ActiveState") == "failed"
        errors = journal(host, "-p", "err", "--since", since)
        assert re.search(r"^logout-fcgi: LOGOUT_SCOPE: .*$", errors, re.M), errors
        time.sleep(2)  # RestartSec=1s: long enough to see that systemd does not restart it
        assert host.unit_property(SERVICE, "ActiveState") == "failed"
    finally:
        host.sh("sed -i '/^LOGOUT_SCOPE=everything$/d' /etc/logout-fcgi/env")
        restart(host)
    assert_success(logout(port, stub.new_session()["access_token"]))


def test_the_watchdog_restarts_a_stalled_responder(debian, stub):
    host, port, _ = debian
    dropin = "/etc/systemd/system/logout-fcgi.service.d/watchdog.conf"
    host.put(dropin, "[Service]\nWatchdogSec=2s\nTimeoutAbortSec=5s\n")
    host.run("systemctl", "daemon-reload")
    restart(host)
    try:
        stalled = main_pid(host)
        restarts = int(host.unit_property(SERVICE, "NRestarts"))
        host.run("systemctl", "kill", "--kill-whom=main", "--signal=SIGSTOP", SERVICE)
        started = time.monotonic()

        poll(lambda: main_pid(host) not in (0, stalled) and host.unit_property(SERVICE, "StatusText") == "serving",
             30, "a new responder after the watchdog fired")
        elapsed = time.monotonic() - started
        assert int(host.unit_property(SERVICE, "NRestarts")) == restarts + 1
        assert f"{SERVICE}: Watchdog timeout" in host.run("journalctl", "-u", SERVICE, "--no-pager").stdout
        assert elapsed < 2 + 5 + 10, elapsed
        print(f"\nwatchdog: SIGSTOP to a new responder serving in {elapsed:.1f} s (WatchdogSec=2s, TimeoutAbortSec=5s)")
        assert_success(logout(port, stub.new_session()["access_token"]))
    finally:
        host.run("rm", dropin)
        host.run("systemctl", "daemon-reload")
        restart(host)


def test_an_upgrade_keeps_the_edited_env_file_and_loses_no_request(debian, stub, front, tmp_path):
    host, port, package = debian
    version = package.name.split("_")[1]
    upgrade = repackage(package, f"{version}+upgrade1", tmp_path)
    edited = host.run("cat", "/etc/logout-fcgi/env").stdout
    assert f"SUPABASE_URL={front.urls['h2']}" in edited
    before = main_pid(host)

    with LogoutLoop(stub, port) as loop:
        loop.wait_for(20)
        host.run("apt-get", "install", "-y", "-qq", host.copy_in(upgrade),
                 env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=300)
        loop.wait_for(len(loop.outcomes) + 40)
        outcomes = loop.stop()

    assert_nothing_lost(outcomes, stub, at_least=60)
    assert host.run("dpkg-query", "-W", "-f", "${Version}", "logout-fcgi").stdout == f"{version}+upgrade1"
    assert host.run("cat", "/etc/logout-fcgi/env").stdout == edited
    assert main_pid(host) not in (0, before)  # the new binary runs
    assert host.run("systemctl", "is-enabled", SOCKET).stdout.strip() == "enabled"


def repackage(package, version: str, workdir):
    """The same package under a newer version, as the next release would be."""
    tree = workdir / "tree"
    subprocess.run(["dpkg-deb", "-R", str(package), str(tree)], check=True)
    control = tree / "DEBIAN" / "control"
    control.write_text(re.sub(r"(?m)^Version: .*$", f"Version: {version}", control.read_text()))
    output = workdir / f"logout-fcgi_{version}_{package.name.rsplit('_', 1)[1]}"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(tree), str(output)], check=True,
                   capture_output=True)
    return output


def test_purge_removes_what_the_installation_created(debian):
    host, _, _ = debian
    # As the README says: the site stops including the snippet first.
    host.sh(f"rm /etc/nginx/sites-enabled/{SITE.rsplit('/', 1)[1]} {SITE} && nginx -t && systemctl reload nginx")

    host.run("apt-get", "purge", "-y", "-qq", "logout-fcgi", env={"DEBIAN_FRONTEND": "noninteractive"})

    for path in (*INSTALLED, "/etc/logout-fcgi", "/run/logout-fcgi/fcgi.sock"):
        assert host.run("test", "-e", path, check=False).returncode != 0, path
    leftovers = host.run("find", "/etc", "/lib/systemd", "/usr", "/var/lib/systemd", "-name", "*logout-fcgi*").stdout
    assert leftovers == "", leftovers
    assert host.run("systemctl", "is-active", SOCKET, check=False).stdout.strip() == "inactive"
    assert host.run("nginx", "-t", check=False).returncode == 0
