"""A clean Debian 12 host for installing the package: a root made by mmdebstrap (cached between runs),
booted under its own systemd by systemd-nspawn. The container shares the host's network, so its
nginx and the Supabase Auth stand-in on the host's loopback reach each other."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

from deployment import REPO, poll

SUITE = "bookworm"
PACKAGES = ("systemd", "systemd-sysv", "dbus", "nginx-light", "curl", "ca-certificates", "man-db")
# Copied from this machine's apt configuration: a mirror that serves a snapshot of the archive has
# Release files past their Valid-Until date.
APT_OPTIONS = ('Acquire::Check-Valid-Until "false"', 'Acquire::Check-Date "false"')
CACHE = Path(os.environ.get("LOGOUT_FCGI_TEST_CACHE", "/var/cache/logout-fcgi-tests"))
BOOT_LIMIT_S = 90.0
ROOT_LIMIT_S = 900.0


def build_package() -> Path:
    """`make deb`, as a maintainer builds the package; returns the .deb it wrote."""
    result = subprocess.run(["make", "-s", "--no-print-directory", "deb"], cwd=REPO, capture_output=True,
                            text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    deb = REPO / result.stdout.strip().splitlines()[-1]
    assert deb.suffix == ".deb" and deb.is_file(), result.stdout[-500:]
    return deb


def root_tarball() -> Path:
    """A minimal Debian root with only PACKAGES (and what they depend on), made once per package list."""
    recipe = json.dumps({"suite": SUITE, "variant": "minbase", "packages": PACKAGES, "apt": APT_OPTIONS})
    tarball = CACHE / f"debian-{SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:16]}.tar"
    if tarball.exists():
        return tarball
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be making the same root
        if not tarball.exists():
            partial = tarball.with_suffix(".partial.tar")
            command = ["mmdebstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
                       *(f"--aptopt={option}" for option in APT_OPTIONS), SUITE, str(partial)]
            result = subprocess.run(command, capture_output=True, text=True, timeout=ROOT_LIMIT_S)
            assert result.returncode == 0, result.stderr[-3000:]
            partial.rename(tarball)
    return tarball


def _pid_in_own_namespace(pid: str) -> int | None:
    """The process's PID in the innermost PID namespace it belongs to; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    line = next((line for line in status.splitlines() if line.startswith("NSpid:")), None)
    return int(line.split()[-1]) if line else None


class DebianHost:
    """The root extracted into `workdir` and booted; `run` executes a command inside it."""

    def __init__(self, tarball: Path, workdir: Path):
        self.root = workdir / "root"
        self.root.mkdir()
        subprocess.run(["tar", "--numeric-owner", "-xpf", str(tarball), "-C", str(self.root)], check=True)
        # Sharing the host's network, nginx's default site would take the host's port 80.
        (self.root / "etc/nginx/sites-enabled/default").unlink()
        self.console_path = workdir / "console.log"
        self._console = open(self.console_path, "wb")
        self._nspawn = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "-D", str(self.root), "-b", "--register=no", "--keep-unit",
             "--console=read-only"],
            stdout=self._console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self.init_pid = poll(self._container_init, BOOT_LIMIT_S, "the container's init")
            try:
                state = poll(self._booted, BOOT_LIMIT_S, "the container's boot", interval=0.2)
            except TimeoutError as timeout:
                raise TimeoutError(f"{timeout}; {self.boot_report()}") from None
            assert state == "running", self.run("systemctl", "--failed", "--no-pager", check=False).stdout
        except BaseException:
            self.stop()
            raise

    def _container_init(self) -> int | None:
        # nspawn's first child is a helper that forks the container's init and exits a few milliseconds
        # later; nsenter into the helper would fail for good. The init is the child that is PID 1 inside.
        if self._nspawn.poll() is not None:
            raise RuntimeError(f"systemd-nspawn exited with {self._nspawn.returncode}: {self.console_tail()}")
        try:
            children = Path(f"/proc/{self._nspawn.pid}/task/{self._nspawn.pid}/children").read_text().split()
        except FileNotFoundError:
            return None
        return next((int(child) for child in children if _pid_in_own_namespace(child) == 1), None)

    def _booted(self) -> str | None:
        # "offline" until the manager inside answers at all, then "initializing" and "starting".
        state = self.run("systemctl", "is-system-running", check=False).stdout.strip()
        return state if state in ("running", "degraded", "maintenance", "stopping") else None

    def boot_report(self) -> str:
        """What a boot that never finished was still waiting for, and what its console said last."""
        try:
            jobs = self.run("systemctl", "list-jobs", "--no-pager", check=False, timeout=10).stdout
        except subprocess.TimeoutExpired:
            jobs = "(systemctl list-jobs did not answer)"
        return f"jobs still queued:\n{jobs}\nconsole:\n{self.console_tail()}"

    def console_tail(self) -> str:
        return self.console_path.read_text(errors="replace")[-3000:]

    def run(self, *command: str, check: bool = True, timeout: float = 120.0,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`command` inside the container, in all its namespaces."""
        prefix = ["nsenter", "-t", str(self.init_pid), "-a", "env", "-i",
                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *(f"{k}={v}" for k, v in (env or {}).items())]
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, f"{command} exited {result.returncode}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        return result

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("sh", "-ec", script, **kwargs)

    def put(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        """Writes a file into the container's file system."""
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
        target.chmod(mode)

    def copy_in(self, source: Path, directory: str = "/root") -> str:
        shutil.copy(source, self.root / directory.lstrip("/") / source.name)
        return f"{directory}/{source.name}"

    def unit_property(self, unit: str, name: str) -> str:
        return self.run("systemctl", "show", "-p", name, "--value", unit).stdout.strip()

    def stop(self, limit: float = 30.0) -> None:
        """Powers the container off (SIGTERM to nspawn); SIGKILL to its init, ending every process in
        its pid namespace, when that takes too long."""
        if self._nspawn.poll() is None:
            self._nspawn.send_signal(signal.SIGTERM)
            try:
                self._nspawn.wait(limit)
            except subprocess.TimeoutExpired:
                init = getattr(self, "init_pid", None)
                if init:
                    try:
                        os.kill(init, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self._nspawn.kill()
                self._nspawn.wait()
        self._console.close()

