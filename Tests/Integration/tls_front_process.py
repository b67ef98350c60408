"""The TLS front (`Tests/Stub/tls_front.py`): nginx with `ssl http2` before the stand-in, a private CA."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from deployment import REPO
from processes import terminate

FRONT_SCRIPT = REPO / "Tests" / "Stub" / "tls_front.py"


class TLSFront:
    """Started in `workdir` in front of the stand-in on `upstream_port`; `urls[listener]` for each of
    h2, h1, wrong-name, expired and unknown-ca; `ca` is the CA file that signs all but unknown-ca."""

    def __init__(self, upstream_port: int, workdir: Path):
        self._stderr = open(workdir / "tls-front.stderr", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(FRONT_SCRIPT), "--upstream", f"127.0.0.1:{upstream_port}", "--dir",
             str(workdir / "front"), "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
        )
        line = self.proc.stdout.readline().decode().strip()
        words = dict(word.split("=", 1) for word in line.split()[1:] if "=" in word)
        if not line.startswith("READY ") or "ca" not in words:
            self.stop()
            raise RuntimeError(f"the TLS front did not start; see {workdir / 'tls-front.stderr'}")
        self.ca = Path(words.pop("ca"))
        self.access_log = Path(words.pop("log"))
        self.urls = words

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        terminate(self.proc)
        self._stderr.close()

    def log_lines(self, listener: str) -> list[dict[str, str]]:
        """The access log's lines of one listener: connection, reused (`r` or `.`), protocol, status, uri."""
        lines = []
        for line in self.access_log.read_text().splitlines():
            words = line.split()
            if len(words) >= 7 and words[0] == listener:
                lines.append(dict(connection=words[1], reused=words[2], protocol=words[3], status=words[4],
                                  method=words[5], uri=words[6]))
        return lines

    def handshakes(self, listener: str) -> Counter:
        """Connections that carried requests to `listener`, as {"full": n, "resumed": m}."""
        reused = {}
        for line in self.log_lines(listener):
            reused.setdefault(line["connection"], line["reused"] == "r")
        return Counter("resumed" if value else "full" for value in reused.values())
