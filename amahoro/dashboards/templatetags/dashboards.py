"""`markdown_lite`: a text item as escaped HTML paragraphs, with **bold**, *italic* and "- " lists. Nothing
the author types becomes markup of its own (no links, no HTML): everything is escaped first."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, json_script
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def _inline(text: str) -> str:
    return ITALIC.sub(r"<em>\1</em>", BOLD.sub(r"<strong>\1</strong>", escape(text)))


@register.filter
def markdown_lite(value: str) -> SafeString:
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", (value or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append("<ul>" + "".join(f"<li>{_inline(line[2:])}</li>" for line in lines) + "</ul>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - every piece of text was escaped above


@register.simple_tag
def viz_texts() -> SafeString:
    """The renderer's words in the page's language, as the visualizer page gives them (`viz-texts`): the
    renderer falls back to English without them."""
    from amahoro.visualizer import views

    return json_script(views.viz_texts(), "viz-texts")
