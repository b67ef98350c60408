#!/usr/bin/env python3
"""nginx terminating TLS in front of the Supabase Auth stand-in, as a hosted project or a self-hosted
gateway is reached: `https://localhost:PORT`, HTTP/2 offered by ALPN, a certificate from a private CA.

Start:  tls_front.py --upstream 127.0.0.1:PORT [--dir DIR] [--exit-on-stdin-eof]
Prints one line once every listener accepts:

    READY ca=<CA PEM> log=<access log> h2=<url> h1=<url> wrong-name=<url> expired=<url> unknown-ca=<url>

  h2          a certificate for localhost and 127.0.0.1 from the CA, HTTP/2 and HTTP/1.1 by ALPN;
  h1          the same certificate, HTTP/1.1 only;
  wrong-name  a certificate from the CA for another name (other.invalid);
  expired     a certificate from the CA for localhost that expired yesterday;
  unknown-ca  a certificate for localhost from a CA nobody is told about.

Each of them proxies to the stand-in. The access log has one line per request:
`<server> <connection serial> <session reused: r or .> <protocol> <status> <method> <uri>`, so a test
can count connections (one handshake each) and resumed sessions. `keepalive_requests` is raised so nginx
does not close an HTTP/2 connection after its default 1,000 streams. The files (keys included, made for
this run only) go into DIR, or into a new temporary directory removed on exit. Needs nginx and `cryptography`.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LISTENERS = ("h2", "h1", "wrong-name", "expired", "unknown-ca")
READY_LIMIT_S = 30.0


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(common_name: str):
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(ca_key, ca_cert, names: list[str], *, expired: bool = False):
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    if expired:
        not_before, not_after = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    alternative = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _write(path: Path, key, cert) -> None:
    path.with_suffix(".key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    path.with_suffix(".pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def write_certificates(directory: Path) -> dict[str, Path]:
    """The CA and one certificate per listener, as PEM files in `directory`; returns the CA's path and each
    listener's certificate path (its key beside it, `.key`)."""
    ca_key, ca_cert = make_ca("logout-fcgi test CA")
    _write(directory / "ca", ca_key, ca_cert)
    stranger_key, stranger_cert = make_ca("a CA nobody trusts")
    localhost = ["localhost", "127.0.0.1"]
    leaves = {
        "h2": make_leaf(ca_key, ca_cert, localhost),
        "wrong-name": make_leaf(ca_key, ca_cert, ["other.invalid"]),
        "expired": make_leaf(ca_key, ca_cert, localhost, expired=True),
        "unknown-ca": make_leaf(stranger_key, stranger_cert, localhost),
    }
    paths = {"ca": directory / "ca.pem"}
    for listener, (key, cert) in leaves.items():
        _write(directory / listener, key, cert)
        paths[listener] = directory / f"{listener}.pem"
    paths["h1"] = paths["h2"]
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_config(directory: Path, upstream: str, ports: dict[str, int], certificates: dict[str, Path]) -> str:
    servers = []
    for listener in LISTENERS:
        http2 = " http2" if listener != "h1" else ""
        certificate = certificates[listener]
        servers.append(f"""
    server {{
        listen 127.0.0.1:{ports[listener]} ssl{http2} backlog=4096;
        server_name localhost;
        ssl_certificate {certificate};
        ssl_certificate_key {certificate.with_suffix('.key')};
        set $listener {listener};
        location / {{
            proxy_pass http://stand_in;
        }}
    }}""")
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""{user}
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    log_format handshakes '$listener $connection $ssl_session_reused $server_protocol $status $request_method $uri';
    access_log {directory}/access.log handshakes;
    server_tokens off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    http2_max_concurrent_streams 128;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:tls_front:1m;
    ssl_session_timeout 1h;
    client_body_temp_path {directory}/client_body_temp;
    proxy_temp_path {directory}/proxy_temp;
    fastcgi_temp_path {directory}/fastcgi_temp;
    uwsgi_temp_path {directory}/uwsgi_temp;
    scgi_temp_path {directory}/scgi_temp;
    upstream stand_in {{
        server {upstream};
        keepalive 1024;
        keepalive_requests 1000000;
    }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_read_timeout 60s;
{''.join(servers)}
}}
"""


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="nginx with TLS in front of the Supabase Auth stand-in.")
    parser.add_argument("--upstream", required=True, help="the stand-in's public HOST:PORT")
    parser.add_argument("--dir", help="where the certificates, configuration and logs go (default: a new temp dir)")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="stop when stdin closes, so a launcher that dies never leaves nginx behind")
    args = parser.parse_args(argv)

    directory = Path(args.dir or tempfile.mkdtemp(prefix="tls-front.")).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return serve(directory, args)
    finally:
        if not args.dir:
            shutil.rmtree(directory, ignore_errors=True)


def serve(directory: Path, args) -> int:
    certificates = write_certificates(directory)
    ports = {listener: free_port() for listener in LISTENERS}
    conf = directory / "nginx.conf"
    conf.write_text(render_config(directory, args.upstream, ports, certificates))
    # nginx gets a process group of its own and none of this process's pipes: whatever happens to the
    # launcher, the group is killed as one, and a test runner never waits on a pipe an nginx still holds.
    with open(directory / "nginx.out", "wb") as output:
        nginx = subprocess.Popen(["nginx", "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")],
                                 stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                 start_new_session=True)

    def kill_nginx():
        try:
            os.killpg(nginx.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        nginx.wait()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    deadline = time.monotonic() + READY_LIMIT_S
    while not all(accepts(port) for port in ports.values()):
        if nginx.poll() is not None or time.monotonic() > deadline:
            print(f"tls-front: nginx did not come up: {(directory / 'nginx.out').read_text(errors='replace')}",
                  file=sys.stderr)
            kill_nginx()
            return 1
        time.sleep(0.05)

    urls = " ".join(f"{listener}=https://localhost:{ports[listener]}" for listener in LISTENERS)
    sys.stdout.write(f"READY ca={certificates['ca']} log={directory / 'access.log'} {urls}\n")
    sys.stdout.flush()
    if args.exit_on_stdin_eof:
        def watch_stdin():
            while sys.stdin.buffer.read(1024):
                pass
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()
    while not stop.wait(0.5):
        if nginx.poll() is not None:
            print("tls-front: nginx exited", file=sys.stderr)
            kill_nginx()
            return 1
    nginx.send_signal(signal.SIGQUIT)  # graceful: lets requests in flight finish
    try:
        nginx.wait(3)  # within the 5 s the Swift launcher gives before it kills this process
    except subprocess.TimeoutExpired:
        pass
    kill_nginx()  # the workers too, should a graceful stop leave any
    return 0


if __name__ == "__main__":
    sys.exit(main())
