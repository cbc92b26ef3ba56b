"""What the public portal shows, assembled from the other apps' selectors through the public reader (see
reader.py): aggregate figures and moderated texts only. No function here returns a person, an account,
a case, a participant or an organisation's private data; tests/test_no_personal_data.py checks every page
and download against the demo's personal data.

Results are cached for PORTAL_CACHE_SECONDS per language (pages are the same for every visitor)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.models import Framework
from amahoro.geo.models import OrgUnit

from .reader import public_reader

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_FRAMEWORK = "RW-NAP1325-2018"


def portal_framework_code() -> str:
    return str(getattr(settings, "AMAHORO_PORTAL_FRAMEWORK", DEFAULT_FRAMEWORK))


def cache_seconds() -> int:
    return int(getattr(settings, "AMAHORO_PORTAL_CACHE_SECONDS", 300))


GENERATION_KEY = "portal:generation"


def invalidate() -> None:
    """Forget every cached portal answer (after a publication or an import): a new generation."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def cached(name: str, build: Callable[[], T]) -> T:
    seconds = cache_seconds()
    if seconds <= 0:
        return build()
    generation = cache.get_or_set(GENERATION_KEY, 0, None)
    key = f"portal:{generation}:{name}:{translation.get_language() or 'en'}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, seconds)
    return found  # type: ignore[no-any-return]


def public_framework() -> Framework | None:
    """The portal's framework, when the public may see it (national or public)."""
    return (
        fw_selectors.frameworks_visible_to(user=public_reader()).filter(code=portal_framework_code()).first()
    )


def nap_progress() -> dict[str, Any] | None:
    """Status and score per pillar and outcome over the framework's span, from national data only."""

    def build() -> dict[str, Any] | None:
        fw = public_framework()
        country = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
        if fw is None or country is None:
            return None
        span = fw_selectors.span_of(period=None, framework=fw)
        progress = fw_selectors.framework_progress(
            user=public_reader(), framework=fw, org_unit=country, span=span
        )
        pillars = []
        for root in progress.roots:
            pillars.append(
                _node(root) | {"outcomes": [_node(c) for c in root.children if c.node.kind == "outcome"]}
            )
        return {
            "framework": {"code": fw.code, "name": fw.display_name},
            "period": {"start": span.start.isoformat(), "end": span.end.isoformat()},
            "status": progress.headline_status.value,
            "status_label": progress.status_label,
            "pillars": pillars,
        }

    return cached("progress", build)


def _node(np: Any) -> dict[str, Any]:
    return {
        "code": np.node.code,
        "name": np.node.display_name,
        "kind": np.node.kind,
        "status": np.display_status.value,
        "status_label": np.status_label,
        "score": None if np.rollup.score is None else np.bar,
        "indicators": [
            {
                "code": p.indicator.code,
                "name": p.indicator.display_name,
                "actual": p.as_dict()["actual"],
                "target": p.as_dict()["target"],
                "unit": p.indicator.unit,
                "status": p.status.value,
                "status_label": p.status_label,
            }
            for p in np.indicators
        ],
    }


def funding_by_pillar(*, currency: str = "RWF") -> list[dict[str, Any]]:
    """Planned, committed, disbursed, spent, gap and burn rate per pillar (the funding app's published
    figures)."""

    def build() -> list[dict[str, Any]]:
        try:
            from amahoro.funding.selectors import pillar_funding_summary
        except ImportError:  # the funding app is not installed
            return []
        return pillar_funding_summary(
            framework_code=portal_framework_code(), currency=currency, user=None, public=True
        )

    return cached(f"funding:{currency}", build)


def participation() -> dict[str, Any]:
    from amahoro.participation import selectors as part

    def build() -> dict[str, Any]:
        reader = public_reader()
        return {
            "representation": part.representation_latest(user=reader),
            "history": part.representation_history(user=reader),
            "parity": part.parity_series(user=reader),
        }

    return cached("participation", build)


def consultations() -> list[dict[str, Any]]:
    """Every published round with its summary (approved assessments and responses only)."""
    from amahoro.consultations import selectors as cs

    def build() -> list[dict[str, Any]]:
        out = []
        for rnd in cs.published_rounds():
            out.append(cs.summary_as_dict(round=rnd, rows=cs.round_summary(round=rnd)))
        return out

    return cached("consultations", build)


def public_favourites() -> list[dict[str, Any]]:
    """Views of the data saved as public favourites (names and queries; their data comes from the
    dashboards app's public data endpoint, read as the public reader). Who saved them is not shown."""
    from amahoro.dashboards import selectors as ds

    return [
        {"id": f.uuid, "name": f.name, "description": f.description, "query": f.query}
        for f in ds.public_favourites().order_by("name", "pk")
    ]


def public_favourite(uuid: Any) -> dict[str, Any] | None:
    from amahoro.core.errors import NotFound
    from amahoro.dashboards import selectors as ds
    from amahoro.dashboards.models import Sharing

    try:
        f = ds.favourite_get(user=public_reader(), uuid=uuid)
    except NotFound:
        return None
    if f.sharing != Sharing.PUBLIC:
        return None
    return {"id": f.uuid, "name": f.name, "description": f.description, "query": f.query}
