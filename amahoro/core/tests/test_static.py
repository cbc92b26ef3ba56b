"""Static files in production: collectstatic writes hashed names with .gz and .br copies, and the app
(WhiteNoise) serves them compressed with a ten-year cache; development serves the sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

CSS = "body { background: url('img/dot.png'); }\n" + "/* padding so compression pays */\n" * 50
JS = "console.log('amahoro');\n" * 50 + "//# sourceMappingURL=lib.js.map\n"  # the .map is not shipped


@pytest.fixture
def collected(tmp_path: Path) -> Any:
    source, root = tmp_path / "src", tmp_path / "static"
    (source / "img").mkdir(parents=True)
    (source / "site.css").write_text(CSS)
    (source / "lib.js").write_text(JS)
    (source / "img" / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with override_settings(
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=root,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "amahoro.core.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=False,
        DEBUG=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def hashed(root: Path, pattern: str) -> str:
    [path] = [p for p in root.glob(pattern) if p.suffix not in (".gz", ".br")]
    return path.name


def test_collectstatic_writes_hashed_gzip_and_brotli_copies(collected: Path) -> None:
    css = hashed(collected, "site.*.css")
    assert len(css.split(".")[1]) == 12
    assert (collected / f"{css}.gz").exists() and (collected / f"{css}.br").exists()
    # References inside CSS point at the hashed names, so every file can be cached for good.
    assert "img/dot." in (collected / css).read_text() and "img/dot.png" not in (collected / css).read_text()
    # A vendored library's missing source map does not fail collectstatic.
    assert (collected / hashed(collected, "lib.*.js")).read_text().endswith("sourceMappingURL=lib.js.map\n")
    assert (collected / "staticfiles.json").exists()


def test_the_app_serves_hashed_files_compressed_with_a_long_cache(collected: Path) -> None:
    from django.templatetags.static import static

    url = static("site.css")
    assert url.startswith("/static/site.") and url != "/static/site.css"
    client = Client()  # a new client loads the middleware, so WhiteNoise scans this STATIC_ROOT
    for encoding in ("br", "gzip"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
        assert "max-age=315360000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
    plain = client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain


def test_development_serves_the_sources_unhashed() -> None:
    from django.conf import settings

    # The test settings inherit dev's static files: straight from amahoro/static, no collectstatic.
    assert settings.WHITENOISE_USE_FINDERS is True
    assert Client().get("/static/amahoro/amahoro.css").status_code == 200
