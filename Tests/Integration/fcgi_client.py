"""A minimal FastCGI client: whole requests with params nginx's configuration here never sends (an
unrouted path, `HTTPS=on`), and the records from which tests build what a hostile peer sends."""

from __future__ import annotations

import socket
import struct

from web import Response

VERSION = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
RESPONDER = 1
KEEP_CONN = 1


def record(kind: int, content: bytes, request_id: int = 1, padding: int = 0, version: int = VERSION) -> bytes:
    return struct.pack(">BBHHBx", version, kind, request_id, len(content), padding) + content + b"\0" * padding


def begin_request(request_id: int = 1, keep_connection: bool = False, role: int = RESPONDER) -> bytes:
    return record(BEGIN_REQUEST, struct.pack(">HB5x", role, KEEP_CONN if keep_connection else 0), request_id)


def length(n: int) -> bytes:
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def params_bytes(params: dict[str, str]) -> bytes:
    out = bytearray()
    for name, value in params.items():
        n, v = name.encode(), value.encode("latin-1")
        out += length(len(n)) + length(len(v)) + n + v
    return bytes(out)


def stream_records(kind: int, content: bytes, request_id: int = 1) -> bytes:
    """`content` as records of `kind` up to 65,535 bytes each, then the stream's empty record."""
    out = b"".join(record(kind, content[i:i + 65535], request_id) for i in range(0, len(content), 65535))
    return out + record(kind, b"", request_id)


def request_bytes(params: dict[str, str], body: bytes = b"", keep_connection: bool = False) -> bytes:
    """One whole responder request as nginx sends it."""
    return (begin_request(keep_connection=keep_connection) + stream_records(PARAMS, params_bytes(params))
            + stream_records(STDIN, body))


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
        sock.sendall(request_bytes(params, body))
        return read_stdout(sock)


def read_reply(sock: socket.socket) -> Response:
    """Reads records up to FCGI_END_REQUEST (or the connection's end) and parses the CGI response."""
    return _parse_cgi(read_stdout(sock))


def read_stdout(sock: socket.socket) -> bytes:
    """The STDOUT stream of records up to FCGI_END_REQUEST (or the connection's end)."""
    stdout = bytearray()
    buffer = b""
    while True:
        data = sock.recv(65536)
        if not data:
            break
        buffer += data
        while len(buffer) >= 8:
            _, kind, _, size, padding = struct.unpack(">BBHHBx", buffer[:8])
            if len(buffer) < 8 + size + padding:
                break
            content = buffer[8:8 + size]
            buffer = buffer[8 + size + padding:]
            if kind == STDOUT:
                stdout += content
            elif kind == END_REQUEST:
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
