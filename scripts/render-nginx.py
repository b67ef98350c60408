#!/usr/bin/env python3
"""Render nginx/dev.conf.template into a complete nginx.conf on stdout.

    python3 scripts/render-nginx.py --prefix DIR --listen 127.0.0.1:8080 --socket DIR/fcgi.sock > DIR/nginx.conf
    nginx -p DIR -e DIR/error.log -c DIR/nginx.conf

With `--server HOST:PORT` (repeated) instead of `--socket`, the upstream is several responders over TCP.

nginx resolves `include fastcgi_params` next to the nginx.conf it loads, so the script also copies the
system's fastcgi_params into DIR: write the rendered config into DIR as well.
"""

import argparse
import os
import shutil
import string
import sys
from pathlib import Path

NGINX_DIR = Path(__file__).resolve().parent.parent / "nginx"
TEMPLATE = NGINX_DIR / "dev.conf.template"
FASTCGI_PARAMS_CANDIDATES = (
    "/etc/nginx/fastcgi_params",
    "/usr/local/nginx/conf/fastcgi_params",
    "/usr/local/etc/nginx/fastcgi_params",
    "/opt/homebrew/etc/nginx/fastcgi_params",
)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefix", required=True, help="directory for nginx's pid, logs and temp files")
    parser.add_argument("--listen", required=True, help="address to listen on, e.g. 127.0.0.1:8080")
    responders = parser.add_mutually_exclusive_group(required=True)
    responders.add_argument("--socket", help="absolute path of the responder's unix socket")
    responders.add_argument("--server", action="append", help="a responder's HOST:PORT; repeat for several")
    parser.add_argument("--fastcgi-params", help="fastcgi_params to copy into the prefix (default: the system's)")
    return parser.parse_args()


def find_fastcgi_params(explicit: str | None) -> Path:
    for candidate in [explicit] if explicit else FASTCGI_PARAMS_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    sys.exit("render-nginx: no fastcgi_params found (is nginx installed?); pass --fastcgi-params PATH")


def main() -> None:
    arguments = parse_arguments()
    prefix = Path(arguments.prefix).resolve()
    if not prefix.is_dir():
        sys.exit(f"render-nginx: --prefix {prefix} is not a directory")
    if arguments.socket and not os.path.isabs(arguments.socket):
        sys.exit("render-nginx: --socket must be an absolute path")
    addresses = [f"unix:{arguments.socket}"] if arguments.socket else arguments.server
    shutil.copyfile(find_fastcgi_params(arguments.fastcgi_params), prefix / "fastcgi_params")
    # When nginx starts as root its workers switch to an unprivileged user, which cannot reach a socket in
    # a temp dir owned by root; as any other user the directive would only be ignored with a warning.
    user_directive = "user root;" if os.geteuid() == 0 else ""
    rendered = string.Template(TEMPLATE.read_text()).substitute(
        prefix=str(prefix),
        listen=arguments.listen,
        upstream_servers="\n".join(f"        server {address};" for address in addresses),
        nginx_dir=str(NGINX_DIR),
        user_directive=user_directive,
    )
    sys.stdout.write(rendered)


if __name__ == "__main__":
    main()
