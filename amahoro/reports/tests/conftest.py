"""A small report kind for the API, runs and page tests, registered for a test and removed after, so those
tests do not depend on the real kinds (nap, itt, gbv have tests of their own)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils.html import escape
from django.utils.translation import gettext as _

from amahoro.core.errors import ValidationFailed
from amahoro.reports import kinds, pdf, xlsx
from amahoro.reports.fields import FRAMEWORK, LANG_PARAM, ORG_UNIT, PERIOD, Param
from amahoro.roles import Perm

CODE = "fake-places"


@dataclass
class FakeKind:
    """Counts the places the user may see under an org unit: a figure that depends on who asks."""

    code: str = CODE
    title: str = "Places report"
    description: str = "How many places you may see under one place"
    formats: tuple[str, ...] = ("pdf", "xlsx")
    perm: Perm = Perm.FRAMEWORK_VIEW
    frequencies: tuple[str, ...] = ("monthly",)
    params: tuple[Param, ...] = (
        Param("framework", "Results framework", FRAMEWORK),
        Param("period", "Period", PERIOD, hint="A year, e.g. 2026"),
        Param("org_unit", "Place", ORG_UNIT, required=False),
        LANG_PARAM,
    )
    # What the run looked like each time the build reported progress (read back from the database).
    seen: list[tuple[str, int, str]] = field(default_factory=list)
    gate: threading.Event | None = None  # when given, the build waits for it (the thread test)...
    reached: threading.Event = field(default_factory=threading.Event)  # ...having set this
    fail_with: Exception | None = None

    def parse(self, params: Mapping[str, str]) -> dict[str, str]:
        framework = (params.get("framework") or "").strip()
        if not framework:
            raise ValidationFailed("framework is required", field="framework")
        period = (params.get("period") or "").strip()
        if not (len(period) == 4 and period.isdigit()):
            raise ValidationFailed(f"period must be a year such as 2026, not '{period}'", field="period")
        out = {"framework": framework, "period": period, "lang": kinds.lang_of(params)}
        if params.get("org_unit"):
            out["org_unit"] = params["org_unit"].strip()
        return out

    def build(self, *, user: Any, params: dict[str, str], progress: kinds.Progress) -> dict[str, Any]:
        from amahoro.frameworks.selectors import framework_get
        from amahoro.geo.selectors import orgunits_visible_to
        from amahoro.reports.models import ReportRun

        framework = framework_get(user=user, code=params["framework"])
        progress(40, _("Counting places"))
        run = ReportRun.objects.order_by("-pk").first()
        if run is not None:
            self.seen.append((run.status, run.progress, run.stage))
        if self.gate is not None:
            self.reached.set()
            assert self.gate.wait(timeout=30)
        if self.fail_with is not None:
            raise self.fail_with
        places = orgunits_visible_to(user=user)
        if params.get("org_unit"):
            unit = places.filter(code=params["org_unit"]).first()
            if unit is None:
                from amahoro.core.errors import NotFound

                raise NotFound(f"org unit '{params['org_unit']}' not found", field="org_unit")
            places = places.filter(path__startswith=unit.path)
        return {"framework": framework.code, "period": params["period"], "places": places.count()}

    def render(self, report: dict[str, Any], *, fmt: str) -> bytes:
        text = _("Places")
        if fmt == "xlsx":
            wb = xlsx.new_workbook()
            ws = xlsx.sheet(wb, "Places", heading=[self.title])
            xlsx.header(ws, 3, ["framework", "period", text])
            xlsx.write(ws, 4, [report["framework"], report["period"], report["places"]])
            return xlsx.to_bytes(wb)
        document = (
            f"<!doctype html><html><head><title>{escape(self.title)}</title><style>h1 {{ color: #123; }}</style>"
            f"</head><body><h1>{escape(self.title)}</h1><p id='figure'>{escape(text)}: {report['places']}</p>"
            f"<p>{escape(report['framework'])} {escape(report['period'])}</p></body></html>"
        )
        return document.encode() if fmt == "html" else pdf.pdf(document)

    def filename(self, params: dict[str, str], fmt: str) -> str:
        return f"{CODE}-{params['framework']}-{params['period']}-{params['lang']}.{fmt}"

    def scheduled_params(self, params: dict[str, str], *, today: dt.date, frequency: str) -> dict[str, str]:
        return {**params, "period": str(today.year - 1)}


@pytest.fixture
def fake_kind() -> Iterator[FakeKind]:
    kinds.all_kinds()  # load the real ones first, so the fake one is the only change
    kind = FakeKind()
    kinds.register(kind)
    yield kind
    kinds._KINDS.pop(CODE, None)


@pytest.fixture
def hierarchy(transactional_db: Any) -> None:
    """Transactional tests flush the database: bring back the slice of Rwanda the cast needs."""
    from amahoro.geo.models import OrgUnit
    from amahoro.tests.browser.conftest import _create_slice

    if not OrgUnit.objects.filter(code="1201").exists():
        _create_slice()


def make_framework(org: Any, code: str) -> Any:
    from amahoro import policy
    from amahoro.frameworks import services

    return services.framework_create(
        actor=policy.SYSTEM, code=code, name=f"{org.code} strategic plan", organisation=org
    )


@pytest.fixture
def framework(cast: Any) -> Any:
    return make_framework(cast.ngo, "NGO1-SP")


def places_under(code: str) -> int:
    """The number of org units in `code`'s subtree (what the fake report counts for a user scoped there)."""
    from amahoro.geo.models import OrgUnit

    unit = OrgUnit.objects.get(code=code)
    return OrgUnit.objects.filter(path__startswith=unit.path).count()
