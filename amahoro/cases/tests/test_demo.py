"""The cases demo step: fictional incidents at Isange Kacyiru, statistics to show, and idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.cases import demo
from amahoro.cases.models import Incident, Service
from amahoro.site import demo as core_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> core_demo.DemoResult:
    monkeypatch.setattr(core_demo, "DEMO_STEPS", [])  # organisations and users only; the step runs below
    return core_demo.demo_load()


def test_the_step_is_registered() -> None:
    from amahoro.site.demo import DEMO_STEPS

    assert DEMO_STEPS.count(demo.cases_demo_step) == 1


def test_demo_cases_are_created_once(base: core_demo.DemoResult, api_client: Any) -> None:
    from amahoro.directory.demo import directory_demo_step

    directory_demo_step(base, policy.SYSTEM)
    demo.cases_demo_step(base, policy.SYSTEM)
    assert Incident.objects.filter(organisation__code="ISANGE-KACYIRU").count() == len(demo.CASES)
    assert Incident.objects.filter(status="closed").count() == 1
    assert Service.objects.filter(status="referred", provider__code="RNP").exists()
    before = (Incident.objects.count(), Service.objects.count(), AuditEvent.objects.count())
    demo.cases_demo_step(base, policy.SYSTEM)
    assert (Incident.objects.count(), Service.objects.count(), AuditEvent.objects.count()) == before
    from amahoro.frameworks.models import Indicator

    assert Indicator.objects.filter(code="GBV_PEP_72H_SHARE", nodes__code="P3.O2").count() == 1
    # The demo viewer (MIGEPROF) sees suppressed national statistics of them.
    from amahoro.accounts.models import User

    api_client.force_authenticate(User.objects.get(username="viewer"))
    # The month of the referral to the police, so the referral counts run too.
    referred = Service.objects.filter(status="referred", provider__code="RNP").first()
    assert referred is not None
    r = api_client.get("/api/v1/gbv/statistics", {"period": referred.incident.report_date.strftime("%Y%m")})
    assert r.status_code == 200
    assert "Demo-" not in r.content.decode()


def test_the_demo_police_officer_finds_referrals_in_the_inbox(
    base: core_demo.DemoResult, api_client: Any
) -> None:
    from amahoro.accounts.models import User
    from amahoro.directory.demo import directory_demo_step
    from amahoro.notifications.models import Notification

    assert any(login.username == demo.POLICE_USER for login in base.logins)
    directory_demo_step(base, policy.SYSTEM)
    demo.cases_demo_step(base, policy.SYSTEM)
    officer = User.objects.get(username=demo.POLICE_USER)
    api_client.force_authenticate(officer)
    r = api_client.get("/api/v1/gbv/referrals", {"direction": "incoming"})
    assert r.status_code == 200
    statuses = {row["referral_status"] for row in r.json()["results"]}
    assert {"pending", "accepted", "completed"} <= statuses
    assert all(row["type"] == "police" for row in r.json()["results"])
    assert "Demo-" not in r.content.decode()
    assert Notification.objects.filter(recipient=officer, event="referral.received").exists()
    # MAJ legal aid got its referrals through the directory too.
    assert Service.objects.filter(type="legal", provider__code="MINIJUST", referral_status="pending").exists()
    assert api_client.get("/api/v1/gbv/incidents").status_code == 403


def test_a_year_of_demo_statistics_answers_in_under_two_seconds(
    base: core_demo.DemoResult, api_client: Any
) -> None:
    """Issue 17's measured limit: GBV statistics for a year ("2026", the field's own example) at demo scale
    took minutes (complementary suppression defended zeros in months hidden as "x"). Measured at 0.1-0.25 s
    per year on a loaded 2-core machine; the 2 s limit leaves a wide margin for a loaded CI machine."""
    import time

    from amahoro.accounts.models import User
    from amahoro.directory.demo import directory_demo_step

    directory_demo_step(base, policy.SYSTEM)
    demo.cases_demo_step(base, policy.SYSTEM)
    api_client.force_authenticate(User.objects.get(username="viewer"))
    # Every year the demo incidents fall in (they are dated back from today, so they may span two).
    years = sorted({d.year for d in Incident.objects.values_list("report_date", flat=True)})
    for year in years:
        started = time.perf_counter()
        r = api_client.get("/api/v1/gbv/statistics", {"period": str(year)})
        elapsed = time.perf_counter() - started
        assert r.status_code == 200, r.content
        assert len(r.json()["tables"]["gbv_type"]["columns"]) == 13  # twelve months and the total
        assert elapsed < 2.0, f"GBV statistics for {year} took {elapsed:.2f} s (limit 2 s)"
