"""Fill the @MARKERS@ of deploy/nginx/amahoro.conf and print the result (docs/deploy.md, section 4.2).

    python3 deploy/render.py --server-name amahoro.example.org --app 10.0.0.11:8000 --app 10.0.0.12:8000 \
        --static-root /srv/amahoro/static --cert /etc/ssl/amahoro/fullchain.pem \
        --key /etc/ssl/amahoro/privkey.pem > /etc/nginx/sites-available/amahoro

Standard library only: run it with any python3.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "amahoro.conf"


def render(
    *,
    server_name: str,
    apps: list[str],
    static_root: str,
    cert: str,
    key: str,
    https_listen: str = "443",
    http_listen: str = "80",
    log_dir: str = "/var/log/nginx",
) -> str:
    port = https_listen.rsplit(":", 1)[-1]
    values = {
        "SERVER_NAME": server_name,
        "APP_SERVERS": "\n".join(f"    server {app} max_fails=3 fail_timeout=10s;" for app in apps),
        "STATIC_ROOT": static_root.rstrip("/"),
        "TLS_CERT": cert,
        "TLS_KEY": key,
        "HTTPS_LISTEN": https_listen,
        "HTTP_LISTEN": http_listen,
        "HTTPS_PORT_SUFFIX": "" if port == "443" else f":{port}",
        "LOG_DIR": log_dir.rstrip("/"),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(re.findall(r"@([A-Z_]+)@", text)))
    if left:
        raise SystemExit(f"unfilled markers in {TEMPLATE}: {', '.join(left)}")
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server-name", required=True, help="the site's host name, e.g. amahoro.example.org")
    parser.add_argument("--app", action="append", required=True, help="an app server host:port (repeat)")
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT of the installation")
    parser.add_argument("--cert", required=True, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="TLS private key (PEM)")
    parser.add_argument("--https-listen", default="443", help="nginx listen for HTTPS (port or addr:port)")
    parser.add_argument("--http-listen", default="80", help="nginx listen for HTTP (port or addr:port)")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    args = parser.parse_args(argv)
    sys.stdout.write(
        render(
            server_name=args.server_name,
            apps=args.app,
            static_root=args.static_root,
            cert=args.cert,
            key=args.key,
            https_listen=args.https_listen,
            http_listen=args.http_listen,
            log_dir=args.log_dir,
        )
    )


if __name__ == "__main__":
    main()
