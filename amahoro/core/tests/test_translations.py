"""Every string of the navigation (the frame of every page) is translated into French and Kinyarwanda."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

BASE = Path(__file__).resolve().parents[2] / "templates" / "base.html"


def nav_strings() -> list[str]:
    html = BASE.read_text()
    header = html[html.index("<header") : html.index("</header>")]
    return sorted(set(re.findall(r'{% translate "([^"]+)" %}', header)))


def test_the_navigation_has_its_strings() -> None:
    assert {
        "Home",
        "Places",
        "Results",
        "Forms",
        "GBV cases",
        "Programmes",
        "Funding",
        "Public portal",
    } <= set(nav_strings())


@pytest.mark.parametrize("lang", ["fr", "rw"])
def test_every_navigation_string_is_translated(lang: str) -> None:
    catalog = translation.trans_real.translation(lang)._catalog  # type: ignore[attr-defined]
    missing = [s for s in nav_strings() if not catalog.get(s)]
    assert missing == [], f"untranslated in {lang}: {missing}"


GETTEXT_TOOLS = ("xgettext", "msgmerge", "msgattrib")
SOURCE = Path(__file__).resolve().parents[2]


def _untranslated(po: Path) -> list[str]:
    """msgids that are untranslated or fuzzy in a catalogue (what `make messages` would leave to do)."""
    found: list[str] = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True
        ).stdout
        found += [m for m in re.findall(r'^msgid "(.*)"$', out, flags=re.M) if m]
    return found


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in GETTEXT_TOOLS),
    reason="GNU gettext is not installed (apt-get install gettext; `make test` does it as root)",
)
def test_every_ui_string_is_translated(tmp_path: Path) -> None:
    """`make messages` run on a copy of the tree leaves nothing untranslated or fuzzy in fr and rw: a new
    string without its French and Kinyarwanda fails here, naming the string."""
    from django.core.management import call_command

    copy = tmp_path / "amahoro"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("static", "tests", "migrations", "__pycache__", "*.mo", "*.pyc"),
    )
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["fr", "rw"], no_location=True, no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    problems = {
        lang: _untranslated(copy / "locale" / lang / "LC_MESSAGES" / "django.po") for lang in ("fr", "rw")
    }
    assert problems == {"fr": [], "rw": []}, "run `make messages` and translate: " + repr(problems)
