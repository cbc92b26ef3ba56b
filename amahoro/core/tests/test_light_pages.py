"""Light pages (issue 17 item 3), the parts that need no browser: pages leave the app gzip-compressed, static
files are answered before the page compressor (they come precompressed), the demo serves collected files,
and the home page carries no drawing library up front. The weight itself is measured in a real browser at
3G speed: amahoro/tests/browser/test_page_weight.py."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from conftest import make_org, make_user

ROOT = Path(__file__).resolve().parents[3]
DRAWING_LIBS = ("vendor/echarts/echarts.min.js", "vendor/leaflet/leaflet.js")


@pytest.mark.django_db
def test_pages_are_gzip_compressed_for_browsers_that_accept_it() -> None:
    zipped = Client().get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped.status_code == 200 and zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert b"<html" in gzip.decompress(zipped.content)
    plain = Client().get("/accounts/login/")
    assert not plain.has_header("Content-Encoding") and b"<html" in plain.content


def test_static_files_are_answered_before_the_page_compressor() -> None:
    # WhiteNoise serves the .br/.gz copies collectstatic wrote; GZipMiddleware would gzip images and
    # already-compressed files again (and spend CPU on every request) if it came first.
    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "django.middleware.gzip.GZipMiddleware"
    )


def test_the_demo_serves_collected_hashed_files_without_debug() -> None:
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.STORAGES['staticfiles']['BACKEND'], settings.WHITENOISE_USE_FINDERS, settings.DEBUG)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "amahoro.settings.demo", "PYTHONPATH": str(ROOT)}
    env.pop("DEBUG", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["amahoro.core.storage.StaticFilesStorage", "False", "False"]
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile[makefile.index("\ndemo:") :].split("\n\n")[0]
    assert "runserver --nostatic" in demo and "$(STATIC_MANIFEST)" in demo


@pytest.mark.django_db
def test_the_home_page_loads_no_drawing_library_up_front() -> None:
    from amahoro import policy
    from amahoro.dashboards import services
    from amahoro.geo.services import shipped_boundaries_load

    shipped_boundaries_load(actor=policy.SYSTEM)  # the district shapes the home page's map draws
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    officer = make_user("officer", ("me_officer", ministry, "RW"))
    landing = services.dashboard_create(
        actor=policy.SYSTEM, name="Landing", sharing="organisation", landing_role="me_officer"
    )
    services.dashboard_item_add(actor=policy.SYSTEM, dashboard=landing, kind="text", text="Hello")
    client = Client()
    client.force_login(officer)
    html = client.get("/").content.decode()
    assert 'id="landing"' in html and 'id="district-map"' in html  # a dashboard and a map on the page
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert not [s for s in scripts if "echarts" in s or "leaflet" in s], scripts
    assert "leaflet" not in "".join(re.findall(r'<link rel="stylesheet" href="([^"]+)"', html))
    # ...but the loader knows where they are, to fetch them when the chart or the map comes near.
    assert 'data-echarts="/static/vendor/echarts/echarts.min.js"' in html
    assert 'data-leaflet="/static/vendor/leaflet/leaflet.js"' in html


def test_every_page_that_draws_gets_its_libraries() -> None:
    """A template that loads a script drawing with ECharts or Leaflet also loads the library, or the
    on-demand loader (includes/drawing_libs.html) that fetches it."""
    drawing_scripts = {
        path.as_posix().split("/static/", 1)[1]
        for path in (ROOT / "amahoro").glob("**/static/**/*.js")
        if "/vendor/" not in path.as_posix()
        and re.search(r"\b(echarts\.|L\.(map|geoJSON))", path.read_text())
    }
    assert "visualizer/viz.js" in drawing_scripts and "amahoro/map.js" in drawing_scripts
    missing = []
    for template in (ROOT / "amahoro").glob("**/templates/**/*.html"):
        text = template.read_text()
        for script in drawing_scripts:
            if f"'{script}'" not in text:
                continue
            loader = "includes/drawing_libs.html" in text or "dashboards/_assets_scripts.html" in text
            if not loader and not any(lib in text for lib in DRAWING_LIBS):
                missing.append(f"{template.relative_to(ROOT)}: {script}")
    assert missing == []
