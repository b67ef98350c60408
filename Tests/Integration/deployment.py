"""The responder binary and nginx in front of it, started as a deployment would start them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from processes import terminate
from secret_registry import remember, watch_log
from web import request

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("LOGOUT_FCGI_BIN", REPO / ".build" / "debug" / "logout-fcgi"))
STUB_SCRIPT = REPO / "Tests" / "Stub" / "gotrue_stub.py"
RENDER_SCRIPT = REPO / "scripts" / "render-nginx.py"
SECRET_SETTINGS = ("SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET", "LOGOUT_CSRF_SECRET")
START_LIMIT_S = 15.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def poll(check, limit: float, what: str, interval: float = 0.02):
    """Calls `check` until it returns a truthy value or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {limit} s")
        time.sleep(interval)


def unix_socket_accepts(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
            return True
        except OSError:
            return False


def binary_env(stub, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "LOGOUT_"))}
    env.update(
        SUPABASE_URL=stub.url,
        SUPABASE_ANON_KEY=stub.anon_key,
        SUPABASE_JWT_SECRET=stub.jwt_secret,
        LOGOUT_LOG_LEVEL="debug",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    for name in SECRET_SETTINGS:
        remember(env.get(name))
    return env


def run_binary_once(env: dict[str, str], workdir: Path, name: str, limit: float = 10.0, args: tuple[str, ...] = ()):
    """Runs the binary expecting it to stop by itself; returns (exit code, stdout, stderr)."""
    out, err = workdir / f"{name}.stdout", workdir / f"{name}.stderr"
    watch_log(out)
    watch_log(err)
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([str(BINARY), *args], env=env, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        try:
            code = proc.wait(limit)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
            code = None
    return code, out.read_text(errors="replace"), err.read_text(errors="replace")


def tcp_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Responder:
    """The logout-fcgi binary on a unix socket in `workdir`, or on `tcp` (host, port); output captured
    to files."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str, args: tuple[str, ...] = (),
                 tcp: tuple[str, int] | None = None):
        self.workdir = workdir
        self.socket_path = workdir / "fcgi.sock"
        listen = f"{tcp[0]}:{tcp[1]}" if tcp else f"unix:{self.socket_path}"
        env = dict(env, LOGOUT_LISTEN=listen)
        self.stdout_path, self.stderr_path = workdir / f"{name}.stdout", workdir / f"{name}.stderr"
        watch_log(self.stdout_path)
        watch_log(self.stderr_path)
        self._out, self._err = open(self.stdout_path, "wb"), open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([str(BINARY), *args], env=env, stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL)
        self.exit_code: int | None = None

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}; see {self.stderr_path}")
            return tcp_accepts(*tcp) if tcp else unix_socket_accepts(self.socket_path)

        poll(ready, START_LIMIT_S, f"{name} socket")

    def stop(self, limit: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(limit)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.exit_code = -9
        if self.exit_code is None:
            self.exit_code = self.proc.returncode
        self._out.close()
        self._err.close()
        return self.exit_code


class Nginx:
    """nginx with the development configuration, passing to the responder on `socket_path`, or to
    each of `servers` (HOST:PORT) in turn."""

    def __init__(self, workdir: Path, socket_path: Path | None = None, default_fastcgi_buffers: bool = False,
                 servers: list[str] = ()):
        self.workdir = workdir
        self.port = free_port()
        conf = workdir / "nginx.conf"
        upstream = [arg for server in servers for arg in ("--server", server)] or ["--socket", str(socket_path)]
        rendered = subprocess.run(
            [sys.executable, str(RENDER_SCRIPT), "--prefix", str(workdir),
             "--listen", f"127.0.0.1:{self.port}", *upstream],
            check=True, capture_output=True, text=True,
        ).stdout
        if default_fastcgi_buffers:
            rendered = self._with_default_fastcgi_buffers(rendered)
        conf.write_text(rendered)
        self.error_log = workdir / "error.log"
        self._out = open(workdir / "nginx.out", "wb")
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(workdir), "-c", str(conf), "-e", str(self.error_log)],
            stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}; see {self.error_log}")
            return tcp_accepts("127.0.0.1", self.port) and request(self.port, "GET", "/healthz").status == 200

        poll(ready, START_LIMIT_S, "nginx")

    def stop(self) -> None:
        terminate(self.proc)
        self._out.close()

    def _with_default_fastcgi_buffers(self, rendered: str) -> str:
        """The configuration with a copy of the shipped snippet that leaves nginx's FastCGI buffers at
        their defaults (`fastcgi_buffer_size 4k`), as a site that sets none has them."""
        snippet = REPO / "nginx" / "logout-fcgi.conf"
        assert f"include {snippet};" in rendered
        kept = [line for line in snippet.read_text().splitlines()
                if not line.strip().startswith(("fastcgi_buffer_size", "fastcgi_buffers"))]
        copy = self.workdir / "logout-fcgi-default-buffers.conf"
        copy.write_text("\n".join(kept) + "\n")
        return rendered.replace(f"include {snippet};", f"include {copy};")


class Deployment:
    """One responder and the nginx that fronts it."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str, default_fastcgi_buffers: bool = False):
        workdir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.env = env
        self.responder = Responder(env, workdir, name)
        try:
            self.nginx = Nginx(workdir, self.responder.socket_path, default_fastcgi_buffers)
        except Exception:
            self.responder.stop()
            raise
        self.port = self.nginx.port
        self.socket_path = self.responder.socket_path

    def stop(self) -> int:
        self.nginx.stop()
        return self.responder.stop()
