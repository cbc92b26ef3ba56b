"""HTML to PDF with WeasyPrint (contract R3). A report's template extends "reports/pdf/base.html" (A4, the
house style, running header and page numbers); `html()` renders it, `pdf()` prints it.

Nothing is fetched while printing: charts and maps are inline SVG (svg.py), the font is the system's DejaVu
Sans (Latin with every letter of Kinyarwanda and French; `make install` brings it), and any URL in the
document is refused, so user text can never make the server fetch something."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

_CSS_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:()·")


class FetchRefused(Exception):
    pass


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(f"reports do not fetch anything while printing ({url[:60]})")


def css_string(text: object) -> SafeString:
    """`text` for inside a double-quoted CSS string (a running header's `content`): every character but
    letters, digits, spaces and a few safe marks as a CSS escape (`\\2d `), so no text can end the string,
    the rule or the style element. (Django's escapejs writes JavaScript's `\\u002D`, which CSS prints as
    "u002D".)"""
    return mark_safe("".join(c if c in _CSS_SAFE else f"\\{ord(c):x} " for c in str(text)))  # noqa: S308


def html(template: str, context: dict[str, Any]) -> str:
    """The report's HTML (also the page preview), in the active language."""
    return render_to_string(template, {"LANGUAGE_CODE": translation.get_language() or "en", **context})


def pdf(document: str) -> bytes:
    """Print an HTML document (from `html()`) to PDF bytes."""
    from weasyprint import HTML

    result: bytes = HTML(string=document, url_fetcher=_no_fetch, base_url=".").write_pdf()
    return result
