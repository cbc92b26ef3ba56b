"""Content in three languages: a row keeps its English text in `<field>` and the French and Kinyarwanda texts
in `<field>_fr` and `<field>_rw` (as org units do); pages show the one of the active language, falling back
to English when there is none."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation

CONTENT_LANGUAGES = ("fr", "rw")


def active_language() -> str:
    return (translation.get_language() or "en")[:2]


def localized(obj: Any, field: str, lang: str | None = None) -> str:
    """`obj.<field>_<lang>` in the active (or given) language when it is set, else `obj.<field>`."""
    lang = lang or active_language()
    if lang in CONTENT_LANGUAGES:
        value = getattr(obj, f"{field}_{lang}", "")
        if value:
            return str(value)
    return str(getattr(obj, field) or "")


class TranslatedDescriptionMixin(models.Model):
    """French and Kinyarwanda versions of a model's `description`."""

    description_fr = models.TextField(blank=True)
    description_rw = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def display_description(self) -> str:
        return localized(self, "description")


def name_translations(fr: str, rw: str) -> list[dict[str, str]]:
    """The DHIS2 metadata `translations` of a name, for payloads built in code."""
    return [
        {"property": "NAME", "locale": locale, "value": value}
        for locale, value in (("fr", fr), ("rw", rw))
        if value
    ]
