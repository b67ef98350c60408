"""The systemd units in systemd/: they verify, their sandbox scores well and the binary works inside
it, and the binary speaks the service manager's protocols (socket activation, sd_notify)."""

from __future__ import annotations

import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from deployment import BINARY, REPO, SECRET_SETTINGS, START_LIMIT_S, poll, unix_socket_accepts
from expectations import assert_success
from fcgi_client import fcgi_request, nginx_like_params
from processes import terminate
from secret_registry import remember, watch_log

UNITS = REPO / "systemd"
SERVICE = "logout-fcgi.service"
SOCKET = "logout-fcgi.socket"
MAX_EXPOSURE = 2.0
DEFAULT_DRAIN_S = 10.0
EX_CONFIG = 78


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return path


@pytest.fixture
def binary() -> Path:
    if not BINARY.exists():
        pytest.skip(f"the logout-fcgi binary not found at {BINARY}")
    return BINARY


def _unit_lines(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every assignment; keys may repeat, as in systemd."""
    lines, section = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        lines.append((section, key.strip(), value.strip()))
    return lines


def _values(path: Path, section: str, key: str) -> list[str]:
    return [v for s, k, v in _unit_lines(path) if s == section and k == key]


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|min)?", value)
    assert match, value
    return int(match[1]) * {"ms": 0.001, "s": 1, None: 1, "min": 60}[match[2]]


@pytest.fixture
def installed_units(tmp_path, binary) -> Path:
    """Copies of the units, with ExecStart= naming the built binary so systemd-analyze can check it."""
    directory = tmp_path / "units"
    directory.mkdir()
    service = (UNITS / SERVICE).read_text()
    service, count = re.subn(r"(?m)^ExecStart=\S+", f"ExecStart={binary}", service)
    assert count == 1
    (directory / SERVICE).write_text(service)
    shutil.copy(UNITS / SOCKET, directory / SOCKET)
    return directory


# Static checks: the units against the binary's own settings and the nginx configuration.


def test_socket_unit_matches_the_nginx_upstream():
    upstream = (REPO / "nginx" / "logout-fcgi-upstream.conf").read_text()
    socket_unit = UNITS / SOCKET
    (path,) = _values(socket_unit, "Socket", "ListenStream")
    assert f"server unix:{path};" in upstream
    assert _values(socket_unit, "Socket", "Accept") == ["no"]
    assert _values(socket_unit, "Socket", "SocketMode") == ["0660"]
    assert _values(socket_unit, "Socket", "Service") == [SERVICE]


def test_service_unit_fits_the_binary():
    service = UNITS / SERVICE
    assert _values(service, "Service", "Type") == ["notify"]
    assert _values(service, "Service", "RestartPreventExitStatus") == [str(EX_CONFIG)]
    # The passed socket, never a path of its own.
    assert not any("LOGOUT_LISTEN" in value for _, _, value in _unit_lines(service))
    (stop,) = _values(service, "Service", "TimeoutStopSec")
    assert _seconds(stop) > DEFAULT_DRAIN_S
    # Each secret the binary reads is a credential named after its setting, loaded from the
    # documented directory, with a stand-in (a lone newline, read as unset) for a missing file.
    credentials = {name.lower().replace("_", "-") for name in SECRET_SETTINGS}
    loaded = dict(value.split(":", 1) for value in _values(service, "Service", "LoadCredential"))
    assert loaded == {name: f"/etc/logout-fcgi/credentials/{name}" for name in credentials}
    assert sorted(_values(service, "Service", "SetCredential")) == sorted(f"{name}:\\n" for name in credentials)
    assert not any("_FILE=" in value for value in _values(service, "Service", "Environment"))
    # Without procps (no /bin/kill) on a minimal host.
    assert _values(service, "Service", "ExecReload") == ["/bin/sh -c 'kill -HUP \"$$MAINPID\"'"]
    assert _values(service, "Service", "ExecStart") == ["/usr/bin/logout-fcgi"]


def test_units_verify_cleanly(installed_units):
    _require_tool("systemd-analyze")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", SERVICE, SOCKET],
        cwd=installed_units, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == "", result.stdout + result.stderr


def test_sandbox_exposure_is_low(installed_units):
    _require_tool("systemd-analyze")
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", SERVICE],
        cwd=installed_units, capture_output=True, text=True, timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout[-500:] + result.stderr
    exposure = float(match[1])
    assert exposure <= MAX_EXPOSURE, f"exposure {exposure}"


# The service manager's side of sd_notify.


class NotifyListener:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))

    def next(self, limit: float = START_LIMIT_S) -> tuple[str, float] | None:
        """The next message and the monotonic time it was read, or None after `limit` seconds."""
        self.sock.settimeout(limit)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        return data.decode(), time.monotonic()

    def next_other_than_watchdog(self, limit: float = START_LIMIT_S) -> str | None:
        deadline = time.monotonic() + limit
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.next(remaining)
            if message is None:
                return None
            if message[0] != "WATCHDOG=1":
                return message[0]
        return None

    def close(self) -> None:
        self.sock.close()


def _dummy_settings() -> dict[str, str]:
    # /healthz never calls Supabase Auth: nothing needs to listen at SUPABASE_URL.
    settings = {
        "SUPABASE_URL": "http://127.0.0.1:9",
        "SUPABASE_ANON_KEY": "anon-" + secrets.token_hex(16),
        "SUPABASE_JWT_SECRET": secrets.token_urlsafe(48),
        "LOGOUT_LOG_LEVEL": "debug",
    }
    remember(settings["SUPABASE_ANON_KEY"], settings["SUPABASE_JWT_SECRET"])
    return settings


def _healthz(socket_path: Path, timeout: float = START_LIMIT_S):
    params = nginx_like_params("GET", "/healthz", "localhost", {}, b"")
    return fcgi_request(str(socket_path), params, timeout=timeout)


def _socket_activate(binary, socket_path: Path, env: dict[str, str], stderr) -> subprocess.Popen:
    """systemd-socket-activate listens at once and execs the binary (same pid, LISTEN_PID) on the
    first connection."""
    command = [_require_tool("systemd-socket-activate"), "-l", str(socket_path)]
    for name, value in env.items():
        command += ["-E", f"{name}={value}"]
    command.append(str(binary))
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL)


def test_socket_activation_readiness_watchdog_and_stopping(binary, tmp_path):
    socket_path, notify_path = tmp_path / "fcgi.sock", tmp_path / "notify.sock"
    listener = NotifyListener(notify_path)
    env = dict(_dummy_settings(), NOTIFY_SOCKET=str(notify_path), WATCHDOG_USEC="400000")
    stderr_path = tmp_path / "activated.stderr"
    watch_log(stderr_path)
    with open(stderr_path, "wb") as stderr:
        proc = _socket_activate(binary, socket_path, env, stderr)
        try:
            poll(lambda: socket_path.exists(), START_LIMIT_S, "systemd-socket-activate socket")
            response = _healthz(socket_path)
            assert response.status == 200, stderr_path.read_text()[-2000:]
            assert response.body == b'{"status":"ok"}'

            ready = listener.next()
            assert ready is not None, f"no READY=1; see {stderr_path}"
            assert ready[0].split("\n")[0] == "READY=1", ready[0]
            assert any(line.startswith("STATUS=") for line in ready[0].split("\n"))

            # WATCHDOG_USEC=400000: a ping every 200 ms.
            times = [ready[1]]
            for _ in range(4):
                ping = listener.next(2.0)
                assert ping is not None and ping[0] == "WATCHDOG=1", ping
                times.append(ping[1])
            average = (times[-1] - times[0]) / (len(times) - 1)
            assert 0.12 <= average <= 0.33, f"average watchdog interval {average:.3f} s"

            assert _healthz(socket_path).status == 200
            proc.send_signal(signal.SIGTERM)
            assert listener.next_other_than_watchdog() == "STOPPING=1"
            assert proc.wait(20) == 0
        finally:
            code = terminate(proc, 20.0)
            listener.close()
    assert code == 0
    # The inherited socket belongs to the service manager: the responder leaves its path alone.
    assert socket_path.exists()


def test_without_notify_socket_socket_activation_still_serves(binary, tmp_path):
    socket_path = tmp_path / "fcgi.sock"
    stderr_path = tmp_path / "activated.stderr"
    watch_log(stderr_path)
    with open(stderr_path, "wb") as stderr:
        proc = _socket_activate(binary, socket_path, _dummy_settings(), stderr)
        try:
            poll(lambda: socket_path.exists(), START_LIMIT_S, "systemd-socket-activate socket")
            assert _healthz(socket_path).status == 200
        finally:
            code = terminate(proc, 20.0)
    assert code == 0, stderr_path.read_text()[-2000:]


# The unit's seccomp rules, applied to the binary outside systemd.
#
# SystemCallFilter=, SystemCallArchitectures=, RestrictAddressFamilies= and MemoryDenyWriteExecute=
# are seccomp filters systemd installs before exec. The same rules, built here from
# `systemd-analyze syscall-filter` and the unit's own settings, are installed between fork and exec
# of the binary, which must then serve, revoke a session through libcurl, reload and stop cleanly.

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
_RET_KILL_PROCESS, _RET_ERRNO, _RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
_LD_ABS_W, _JEQ_K, _JGE_K, _JSET_K, _AND_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x54, 0x06
_EPERM, _EAFNOSUPPORT = 1, 97
_PROT_WRITE, _PROT_EXEC, _SHM_EXEC = 0x2, 0x4, 0o100000
_ADDRESS_FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10}
_SYSCALL_HEADER = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")


def _syscall_groups() -> dict[str, list[str]]:
    output = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                            capture_output=True, text=True, check=True).stdout
    groups, current = {}, None
    for line in output.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def _expand(name: str, groups: dict[str, list[str]]) -> set[str]:
    if not name.startswith("@"):
        return {name}
    return set().union(*(_expand(member, groups) for member in groups[name]))


def _unit_seccomp_rules(service: Path) -> tuple[set[str], set[int], bool]:
    """The allowed syscall names, allowed socket families and MemoryDenyWriteExecute of the unit."""
    groups = _syscall_groups()
    allowed: set[str] = set()
    for value in _values(service, "Service", "SystemCallFilter"):
        if value.startswith("~"):
            allowed -= set().union(*(_expand(item, groups) for item in value[1:].split()))
        else:
            allowed |= set().union(*(_expand(item, groups) for item in value.split()))
    (families,) = _values(service, "Service", "RestrictAddressFamilies")
    assert _values(service, "Service", "SystemCallErrorNumber") == ["EPERM"]
    assert _values(service, "Service", "SystemCallArchitectures") == ["native"]
    deny_write_execute = _values(service, "Service", "MemoryDenyWriteExecute") == ["yes"]
    return allowed, {_ADDRESS_FAMILIES[f] for f in families.split()}, deny_write_execute


def _seccomp_program(allowed: set[str], families: set[int], deny_write_execute: bool) -> list[tuple]:
    numbers = {m[1]: int(m[2]) for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", _SYSCALL_HEADER.read_text())}
    allowed_numbers = {numbers[name] for name in allowed if name in numbers}
    arg = lambda index: (_LD_ABS_W, 0, 0, 16 + 8 * index)  # low 32 bits, little-endian  # noqa: E731
    nr = (_LD_ABS_W, 0, 0, 0)
    deny, allow = (_RET_K, 0, 0, _RET_ERRNO | _EPERM), (_RET_K, 0, 0, _RET_ALLOW)
    program = [(_LD_ABS_W, 0, 0, 4), (_JEQ_K, 1, 0, _AUDIT_ARCH_X86_64), (_RET_K, 0, 0, _RET_KILL_PROCESS),
               nr, (_JGE_K, 0, 1, _X32_SYSCALL_BIT), deny]

    def guarded(number: int, body: list[tuple]) -> None:
        if number in allowed_numbers:
            program.extend([(_JEQ_K, 0, len(body), number), *body])

    if deny_write_execute:
        guarded(numbers["mmap"], [arg(2), (_AND_K, 0, 0, _PROT_WRITE | _PROT_EXEC),
                                  (_JEQ_K, 0, 1, _PROT_WRITE | _PROT_EXEC), deny, allow])
        for name in ("mprotect", "pkey_mprotect"):
            guarded(numbers[name], [arg(2), (_JSET_K, 0, 1, _PROT_EXEC), deny, allow])
        guarded(numbers["shmat"], [arg(2), (_JSET_K, 0, 1, _SHM_EXEC), deny, allow])
    family_checks = [(_JEQ_K, len(families) - i, 0, family) for i, family in enumerate(sorted(families))]
    guarded(numbers["socket"], [arg(0), *family_checks, (_RET_K, 0, 0, _RET_ERRNO | _EAFNOSUPPORT), allow])
    for number in sorted(allowed_numbers):
        program.extend([(_JEQ_K, 0, 1, number), allow])
    program.append(deny)
    return program


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _sandboxing(program: list[tuple]):
    """A preexec_fn installing `program` (NoNewPrivileges=yes comes with it)."""
    filters = (_SockFilter * len(program))(*program)
    fprog = _SockFprog(len(program), filters)
    libc = ctypes.CDLL(None, use_errno=True)

    def install() -> None:
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
        if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")

    install.keep_alive = (filters, fprog)  # the child reads them after fork
    return install


def test_binary_works_under_the_units_seccomp_rules(binary, stub, tmp_path):
    _require_tool("systemd-analyze")
    if os.uname().machine != "x86_64" or not _SYSCALL_HEADER.exists():
        pytest.skip("the seccomp emulation knows x86_64 syscall numbers only")
    allowed, families, deny_write_execute = _unit_seccomp_rules(UNITS / SERVICE)
    assert {"sendto", "accept4", "epoll_wait", "futex"} <= allowed
    assert not {"setrlimit", "sched_setscheduler", "setuid", "chroot"} & allowed

    # As the unit hands them over: secrets as credentials (the CSRF secret's file absent, so its
    # stand-in), notifications to a socket.
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "supabase-anon-key").write_text(stub.anon_key)
    (credentials / "supabase-jwt-secret").write_text(stub.jwt_secret)
    (credentials / "logout-csrf-secret").write_text("\n")
    socket_path, notify_path = tmp_path / "fcgi.sock", tmp_path / "notify.sock"
    listener = NotifyListener(notify_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "SUPABASE_URL": stub.url,
        "CREDENTIALS_DIRECTORY": str(credentials),
        "LOGOUT_LISTEN": f"unix:{socket_path}",
        "LOGOUT_LOG_LEVEL": "debug",
        "NOTIFY_SOCKET": str(notify_path),
        "WATCHDOG_USEC": "400000",
    }
    stderr_path = tmp_path / "sandboxed.stderr"
    watch_log(stderr_path)
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                stdin=subprocess.DEVNULL,
                                preexec_fn=_sandboxing(_seccomp_program(allowed, families, deny_write_execute)))
        try:
            def ready():
                if proc.poll() is not None:
                    raise RuntimeError(f"exited with {proc.returncode} under the sandbox; see {stderr_path}")
                return unix_socket_accepts(socket_path)

            poll(ready, START_LIMIT_S, "sandboxed responder")
            assert _healthz(socket_path).status == 200
            metrics = fcgi_request(str(socket_path), nginx_like_params("GET", "/metrics", "localhost", {}, b""))
            assert metrics.status == 200

            def logout():
                token = stub.new_session()["access_token"]
                params = nginx_like_params("POST", "/api/auth/logout", "localhost",
                                           {"Authorization": f"Bearer {token}"}, b"")
                return fcgi_request(str(socket_path), params)

            assert_success(logout())
            assert len(stub.logout_requests()) == 1

            proc.send_signal(signal.SIGHUP)
            # The reload runs in the background; the responder keeps serving through it and after.
            for _ in range(3):
                assert_success(logout())
            assert proc.poll() is None
        finally:
            code = terminate(proc, 20.0)
            listener.close()
    assert code == 0, f"exit {code} under the sandbox (-31: a denied system call); see {stderr_path}"


def test_binary_works_with_a_pid_only_proc(binary, stub, tmp_path):
    """ProtectProc=invisible and ProcSubset=pid: /proc shows the process's own entries only, no
    /proc/cpuinfo, /proc/meminfo or /proc/sys. Emulated with a private mount namespace."""
    unshare = _require_tool("unshare")
    mount_proc = "mount -t proc -o subset=pid,hidepid=invisible proc /proc"
    private = [unshare, "-m", "--propagation", "private", "sh", "-c"]
    probe = subprocess.run([*private, f"{mount_proc} && test ! -e /proc/cpuinfo"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a pid-only /proc in a private mount namespace here")
    socket_path = tmp_path / "fcgi.sock"
    env = {"PATH": "/usr/bin:/bin", "SUPABASE_URL": stub.url, "SUPABASE_ANON_KEY": stub.anon_key,
           "SUPABASE_JWT_SECRET": stub.jwt_secret, "LOGOUT_LISTEN": f"unix:{socket_path}"}
    stderr_path = tmp_path / "pid-only-proc.stderr"
    watch_log(stderr_path)
    with open(stderr_path, "wb") as stderr:
        # unshare and sh exec in turn: the binary keeps the pid that gets SIGTERM.
        proc = subprocess.Popen([*private, f'{mount_proc} && exec "$0"', str(binary)], env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL)
        try:
            def ready():
                if proc.poll() is not None:
                    raise RuntimeError(f"exited with {proc.returncode}; see {stderr_path}")
                return unix_socket_accepts(socket_path)

            poll(ready, START_LIMIT_S, "responder with a pid-only /proc")
            token = stub.new_session()["access_token"]
            assert_success(fcgi_request(str(socket_path), nginx_like_params(
                "POST", "/api/auth/logout", "localhost", {"Authorization": f"Bearer {token}"}, b"")))
        finally:
            code = terminate(proc, 20.0)
    assert code == 0, stderr_path.read_text()[-2000:]
