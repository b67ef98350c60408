"""HTTP as a browser or curl sends it: http.client for ordinary requests, a raw socket for bytes
http.client refuses to send."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass

from secret_registry import all_secrets

LOGOUT_PATH = "/api/auth/logout"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def all(self, name: str) -> list[str]:
        """Every value of header `name` (Set-Cookie repeats)."""
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def one(self, name: str) -> str | None:
        """The value of a header that must appear at most once."""
        values = self.all(name)
        assert len(values) <= 1, f"header {name} sent {len(values)} times"
        return values[0] if values else None

    @property
    def set_cookies(self) -> list[str]:
        return self.all("Set-Cookie")

    def json(self):
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None

    def __repr__(self) -> str:
        # Bodies and headers of this service never carry secrets; the status is enough to read a failure.
        return f"Response(status={self.status}, body={self.body[:300]!r})"


def _check_no_secret_in(response: Response) -> Response:
    text = response.body.decode("utf-8", "replace") + "\n".join(v for _, v in response.headers)
    leaked = [s for s in all_secrets() if s in text]
    assert not leaked, f"a secret value appeared in a response to the client ({len(leaked)} values)"
    return response


def request(
    port: int,
    method: str = "POST",
    path: str = LOGOUT_PATH,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    host: str = "localhost",
    timeout: float = 15.0,
) -> Response:
    """One request on a fresh connection. `Host: localhost` by default (a secure context)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        for name, value in items:
            conn.putheader(name, value)
        if body is not None or method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return _check_no_secret_in(Response(resp.status, resp.getheaders(), data))
    finally:
        conn.close()


def logout(port: int, token: str | None = None, *, scope: str | None = None, headers=None, **kw) -> Response:
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    path = LOGOUT_PATH + (f"?scope={scope}" if scope is not None else "")
    return request(port, "POST", path, all_headers, **kw)


def raw_request(port: int, head: bytes, body: bytes = b"", timeout: float = 15.0) -> Response:
    """Sends `head` (request line and headers, without the final blank line) as bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.rstrip(b"\r\n") + b"\r\nConnection: close\r\n\r\n" + body)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return _check_no_secret_in(parse_http_response(b"".join(chunks)))


def parse_http_response(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    if any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in headers):
        body = _dechunk(body)
    return Response(status, headers, body)


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)
