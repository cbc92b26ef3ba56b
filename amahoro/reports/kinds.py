"""The report kinds and the one interface each implements (contract R1 of issue 14).

A kind module (nap.py, itt.py, gbv.py) defines a class implementing `ReportKind` and registers one instance
with `register()` at import time; `KIND_MODULES` lists them so the registry is complete without app-ready
hooks. Everything else (the API, the pages, runs, subscriptions) goes through `get()` / `all_kinds()` and
`services.render`, never a kind module directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol

from django.conf import settings
from django.utils.functional import Promise

from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.policy import Actor
from amahoro.roles import Perm

# progress(percent 0-100, stage): what a long render reports as it goes (a ReportRun shows it).
Progress = Callable[[int, str], None]

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
LANGS = tuple(code for code, _ in settings.LANGUAGES)  # ("en", "fr", "rw")


def no_progress(percent: int, stage: str) -> None:
    del percent, stage


class ReportKind(Protocol):
    code: str  # "nap-progress", "itt", "gbv-monthly": the API path's stem
    title: str | Promise
    description: str | Promise
    formats: tuple[str, ...]  # of "pdf", "xlsx" (every kind also renders "html": the preview)
    perm: Perm  # the permission without which the kind is not offered at all (the build checks scope)
    frequencies: tuple[str, ...]  # what a subscription may choose: of "monthly", "quarterly"

    def parse(self, params: Mapping[str, str]) -> dict[str, str]:
        """The validated, normalised parameters (strings, with "lang"); ValidationFailed naming the field."""
        ...

    def build(self, *, user: Actor, params: dict[str, str], progress: Progress) -> Any:
        """The report's figures as `user` may see them (PermissionDenied / NotFound outside their scope)."""
        ...

    def render(self, report: Any, *, fmt: str) -> bytes:
        """The built report as "pdf", "xlsx" or "html" (called inside translation.override(lang))."""
        ...

    def filename(self, params: dict[str, str], fmt: str) -> str:
        """e.g. "nap-progress-NAP1325-2025-en.pdf" (ASCII, no path separators)."""
        ...

    def scheduled_params(self, params: dict[str, str], *, today: dt.date, frequency: str) -> dict[str, str]:
        """The parameters of a scheduled send on `today`: the subscription's `params` (no period) plus the
        period it reports on (the last complete month, or quarter, before `today`)."""
        ...


KIND_MODULES = ("amahoro.reports.nap", "amahoro.reports.itt", "amahoro.reports.gbv")
_KINDS: dict[str, ReportKind] = {}
_loaded = False


def register(kind: ReportKind) -> ReportKind:
    _KINDS[kind.code] = kind
    return kind


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in KIND_MODULES:
            import_module(module)
        _loaded = True


def all_kinds() -> list[ReportKind]:
    _load()
    return [_KINDS[code] for code in sorted(_KINDS)]


def get(code: str) -> ReportKind:
    _load()
    kind = _KINDS.get(code)
    if kind is None:
        raise NotFound(f"unknown report '{code}' (one of: {', '.join(sorted(_KINDS))})", field="report")
    return kind


def lang_of(params: Mapping[str, str], default: str = "en") -> str:
    """The `lang` parameter (en, fr or rw); ValidationFailed naming `lang` otherwise."""
    lang = (params.get("lang") or default).strip().lower()
    if lang not in LANGS:
        raise ValidationFailed(f"lang must be one of {', '.join(LANGS)}, not '{lang[:20]}'", field="lang")
    return lang


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str
    filename: str
