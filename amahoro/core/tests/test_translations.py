"""Every string of the navigation (the frame of every page) is translated into French and Kinyarwanda."""

from __future__ import annotations

import re
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
