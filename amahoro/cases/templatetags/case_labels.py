"""`{{ code|case_label:"context" }}`: the label of a classification code (amahoro.cases.labels)."""

from __future__ import annotations

from django import template

from amahoro.cases import labels

register = template.Library()


@register.filter
def case_label(code: str, kind: str) -> str:
    return labels.label(kind, str(code))
