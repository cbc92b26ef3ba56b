"""The production kit in deploy/: the nginx configuration renders and passes `nginx -t`, keeps the rules a
proxy in front of Amahoro must keep, and the units and the environment template name only what exists."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))

from render import render  # noqa: E402


def rendered(tmp_path: Path, **overrides: str) -> str:
    args = {
        "server_name": "amahoro.example.org",
        "apps": ["10.0.0.11:8000", "10.0.0.12:8000"],
        "static_root": "/srv/amahoro/static/",
        "cert": str(tmp_path / "cert.pem"),
        "key": str(tmp_path / "key.pem"),
        **overrides,
    }
    return render(**args)  # type: ignore[arg-type]


def test_nginx_configuration_keeps_the_proxy_rules(tmp_path: Path) -> None:
    conf = rendered(tmp_path)
    assert "@" not in re.sub(r"#.*", "", conf).replace("$http_user_agent", "")
    assert "server 10.0.0.11:8000 max_fails=3" in conf and "server 10.0.0.12:8000" in conf
    assert "proxy_set_header Host $http_host;" in conf  # the port stays in Host
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # overwritten, not appended
    assert re.search(r"client_max_body_size \d+m;", conf)
    assert "alias /srv/amahoro/static/;" in conf and "gzip_static on;" in conf
    next_upstream = re.search(r"^\s*proxy_next_upstream (.*);", conf, re.M)
    assert next_upstream and "non_idempotent" not in next_upstream.group(1)  # a POST is never sent twice
    assert "return 301 https://$host$request_uri;" in conf
    assert "$request_uri" not in conf.split("log_format", 1)[1].split(";", 1)[0]  # no query strings logged


def test_a_non_standard_https_port_is_kept_in_the_redirect(tmp_path: Path) -> None:
    conf = rendered(tmp_path, https_listen="8443")
    assert "return 301 https://$host:8443$request_uri;" in conf


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="nginx is not installed")
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    (tmp_path / "logs").mkdir()
    (tmp_path / "amahoro.conf").write_text(
        rendered(
            tmp_path, https_listen="127.0.0.1:1", http_listen="127.0.0.1:2", log_dir=str(tmp_path / "logs")
        )
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/main.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; client_body_temp_path {tmp_path}/body; "
        f"proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/f; uwsgi_temp_path {tmp_path}/u; "
        f"scgi_temp_path {tmp_path}/s; include {tmp_path}/amahoro.conf; }}\n"
    )
    result = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_units_run_commands_that_exist() -> None:
    from django.core.management import get_commands

    commands = set(get_commands())
    units = list((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {
        "amahoro-web.service",
        "amahoro-worker.service",
        "amahoro-beat.service",
    }
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/amahoro/env" in text and "User=amahoro" in text
        for command in re.findall(r"ExecStart=/srv/amahoro/venv/bin/amahoro (\w+)", text):
            # `backup` is item 6 of issue 18 (built on another branch).
            assert command in commands or command == "backup", f"{unit.name}: unknown command {command}"
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert (DEPLOY / "systemd" / timer.name.replace(".timer", ".service")).exists()


def test_environment_template_names_only_documented_variables() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    template = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (DEPLOY / "amahoro.env").read_text(), re.M))
    assert template - documented == set()
    assert {
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "FIELD_INDEX_KEY",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
    } <= template
