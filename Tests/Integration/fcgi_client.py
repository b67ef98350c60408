"""A minimal FastCGI client, to send the responder params nginx's configuration here never sends
(an unrouted path, `HTTPS=on`)."""

from __future__ import annotations

import socket
import struct

from web import Response

_VERSION = 1
_BEGIN_REQUEST, _END_REQUEST, _PARAMS, _STDIN, _STDOUT, _STDERR = 1, 3, 4, 5, 6, 7
_RESPONDER = 1
_REQUEST_ID = 1


def _record(kind: int, content: bytes) -> bytes:
    return struct.pack(">BBHHBx", _VERSION, kind, _REQUEST_ID, len(content), 0) + content


def _length(n: int) -> bytes:
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def _params(params: dict[str, str]) -> bytes:
    out = bytearray()
    for name, value in params.items():
        n, v = name.encode(), value.encode("latin-1")
        out += _length(len(n)) + _length(len(v)) + n + v
    return bytes(out)


def nginx_like_params(method: str, uri: str, host: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    path, _, query = uri.partition("?")
    params = {
        "QUERY_STRING": query,
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "SCRIPT_NAME": path,
        "REQUEST_URI": uri,
        "DOCUMENT_URI": path,
        "DOCUMENT_ROOT": "/nonexistent",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_SCHEME": "http",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "nginx/1.22.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "54321",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_NAME": "",
        "REDIRECT_STATUS": "200",
        "HTTP_HOST": host,
    }
    for name, value in headers.items():
        params["HTTP_" + name.upper().replace("-", "_")] = value
    return params


def fcgi_request(socket_path: str, params: dict[str, str], body: bytes = b"", timeout: float = 15.0) -> Response:
    """Sends one FastCGI request over the unix socket and parses the CGI response."""
    return _parse_cgi(fcgi_stdout(socket_path, params, body, timeout))


def fcgi_stdout(socket_path: str, params: dict[str, str], body: bytes = b"", timeout: float = 15.0) -> bytes:
    """Sends one FastCGI request over the unix socket; returns the CGI response as written."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        out = _record(_BEGIN_REQUEST, struct.pack(">HB5x", _RESPONDER, 0))
        encoded = _params(params)
        for i in range(0, len(encoded), 65535):
            out += _record(_PARAMS, encoded[i : i + 65535])
        out += _record(_PARAMS, b"")
        for i in range(0, len(body), 65535):
            out += _record(_STDIN, body[i : i + 65535])
        out += _record(_STDIN, b"")
        sock.sendall(out)
        stdout = bytearray()
        buffer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            buffer += data
            while len(buffer) >= 8:
                _, kind, _, length, padding = struct.unpack(">BBHHBx", buffer[:8])
                if len(buffer) < 8 + length + padding:
                    break
                content = buffer[8 : 8 + length]
                buffer = buffer[8 + length + padding :]
                if kind == _STDOUT:
                    stdout += content
                elif kind == _END_REQUEST:
                    return bytes(stdout)
        return bytes(stdout)


def _parse_cgi(raw: bytes) -> Response:
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(sep)
    status = 200
    headers = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "status":
            status = int(value.strip().split(" ")[0])
        else:
            headers.append((name.strip(), value.strip()))
    return Response(status, headers, body)
