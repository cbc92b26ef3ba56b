"""Accountability counts fed into NAP outcome P3.O2: setup, push, small-cell suppression, idempotence,
who may push, and the indicator in the NAP's progress."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from amahoro import policy
from amahoro.cases import services
from amahoro.cases.accountability import (
    ELEMENTS,
    INDICATORS,
    PEP_72H,
    RAPE,
    RAPE_72H,
    REFERRALS,
    accountability_push,
    accountability_setup,
)
from amahoro.core.errors import PermissionDenied, ValidationFailed
from conftest import make_user

from .conftest import create

MONTH_START = (date.today().replace(day=1) - timedelta(days=40)).replace(day=1)
MONTH = MONTH_START.strftime("%Y%m")
REPORT = MONTH_START + timedelta(days=9)


def _rapes(user: Any, n: int, *, early: bool, pep: bool, org_unit: str = "1201", **kw: Any) -> list[Any]:
    out = []
    for _ in range(n):
        incident_date = REPORT - timedelta(days=2 if early else 4)
        i = create(
            user,
            incident_date=incident_date.isoformat(),
            report_date=REPORT.isoformat(),
            org_unit=org_unit,
            **kw,
        )
        if pep:
            services.service_record(
                actor=user,
                incident=i,
                type="health",
                status="provided",
                provided_on=REPORT,
                pep_given_on=incident_date + timedelta(days=1),
            )
        out.append(i)
    return out


def _values(period: str = MONTH) -> dict[tuple[str, str], str]:
    from amahoro.data.models import DataValue

    return {
        (dv.data_element.code, dv.org_unit.code): dv.value
        for dv in DataValue.objects.filter(
            data_element__code__in=list(ELEMENTS), period__code=period, deleted=False
        ).select_related("data_element", "org_unit")
    }


@pytest.fixture
def setup(cc: Any) -> Any:
    accountability_setup(actor=policy.SYSTEM)
    return cc


@pytest.fixture
def min_total_5(settings: Any) -> None:
    """For the tests of the 1-4 cell rule with few cases: the smallest minimum total allowed (5). The
    default minimum (10) is tested in test_disclosure.py."""
    settings.GBV_STATS_MIN_TOTAL = 5


def test_setup_is_idempotent_and_links_indicators_to_p3_o2(db: Any, cc: Any) -> None:
    from amahoro.frameworks.models import Indicator
    from amahoro.metadata.models import DataElement

    first = accountability_setup(actor=policy.SYSTEM)
    second = accountability_setup(actor=cc.sysadmin)
    assert "4 indicators created" in first[0] and "0 indicators created" in second[0]
    assert DataElement.objects.filter(code__in=list(ELEMENTS)).count() == 7
    for ind in INDICATORS:
        indicator = Indicator.objects.get(code=ind.code)
        assert [n.code for n in indicator.nodes.all()] == ["P3.O2"]
        assert indicator.numerator == f"#{{{ind.numerator}}}"
        assert indicator.denominator == f"#{{{ind.denominator}}}"
    with pytest.raises(PermissionDenied):
        accountability_setup(actor=cc.me_officer)


def test_a_missing_actor_is_refused_not_taken_for_the_system(db: Any, cc: Any) -> None:
    with pytest.raises(PermissionDenied) as refused:
        accountability_setup(actor=None)  # type: ignore[arg-type]
    assert refused.value.code == "no_actor"
    with pytest.raises(PermissionDenied) as refused:
        accountability_push(actor=None, period="202601")  # type: ignore[arg-type]
    assert refused.value.code == "no_actor"
    with pytest.raises(PermissionDenied, match="sign in"):
        accountability_push(actor=policy.SYSTEM, period="202601")


def test_push_writes_district_counts_with_reporting_consent_only(setup: Any) -> None:
    cc = setup
    _rapes(cc.worker, 5, early=True, pep=True)
    _rapes(cc.worker, 5, early=False, pep=False)
    _rapes(cc.worker, 1, early=True, pep=True, consent={"services": True, "reporting": False})
    result = accountability_push(actor=cc.me_officer, period=MONTH)
    values = _values()
    assert values[(RAPE, "12")] == "10"
    assert values[(RAPE_72H, "12")] == "5"
    assert values[(PEP_72H, "12")] == "5"
    assert values[(REFERRALS, "12")] == "0"
    assert values[(RAPE, "11")] == "0"  # zero is published
    assert result.incidents == 10
    assert "GBV-" not in str(result.as_dict())


def test_small_cells_are_not_written_and_provinces_get_the_remainder(setup: Any) -> None:
    cc = setup
    worker13 = make_user("worker13", ("case_worker", cc.osc, "13"))
    _rapes(cc.worker, 6, early=True, pep=True)
    _rapes(cc.worker, 1, early=False, pep=True)  # Gasabo: 7 rapes, 6 within 72 h: complement 1
    _rapes(cc.worker_nyarugenge, 3, early=False, pep=False, org_unit="1101")  # Nyarugenge: 3 rapes
    _rapes(worker13, 2, early=False, pep=False, org_unit="1301")  # Kicukiro: 2 rapes
    result = accountability_push(actor=cc.me_officer, period=MONTH)
    values = _values()
    for district in ("11", "12", "13"):
        for code in (RAPE, RAPE_72H, PEP_72H):
            assert (code, district) not in values
    # Kigali City gets the three districts added up: 12 rapes, 6 within 72 h, 7 with PEP.
    assert values[(RAPE, "1")] == "12"
    assert values[(RAPE_72H, "1")] == "6"
    assert values[(PEP_72H, "1")] == "7"
    assert "12:GBV_RAPE_REPORTED" in result.suppressed
    assert not any(v in ("1", "2", "3", "4") for (code, _), v in values.items() if code in (RAPE, RAPE_72H))


def test_a_single_small_district_is_not_written_at_the_province_either(setup: Any) -> None:
    cc = setup
    _rapes(cc.worker_nyarugenge, 3, early=True, pep=True, org_unit="1101")
    accountability_push(actor=cc.me_officer, period=MONTH)
    values = _values()
    assert (RAPE, "11") not in values and (RAPE, "1") not in values
    assert values[(RAPE, "12")] == "0"


def test_repush_is_idempotent_and_withdraws_values_that_became_small(setup: Any, min_total_5: None) -> None:
    cc = setup
    _rapes(cc.worker, 5, early=True, pep=True)
    first = accountability_push(actor=cc.me_officer, period=MONTH)
    assert first.imported > 0
    before = _values()
    again = accountability_push(actor=cc.me_officer, period=MONTH)
    assert (again.imported, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == first.imported
    assert _values() == before
    _rapes(cc.worker, 1, early=False, pep=False)  # 6 rapes, 5 within 72 h: complement 1
    third = accountability_push(actor=cc.me_officer, period=MONTH)
    assert third.deleted == 3
    assert (RAPE, "12") not in _values()


def test_who_may_push(setup: Any) -> None:
    cc = setup
    district_me = make_user("district_me", ("me_officer", cc.ngo, "12"))
    viewer = make_user("viewer1", ("viewer", cc.ngo, "RW"))
    for user in (cc.supervisor, cc.worker, district_me, viewer, cc.nobody):
        with pytest.raises(PermissionDenied):
            accountability_push(actor=user, period=MONTH)
    assert _values() == {}
    assert accountability_push(actor=cc.sysadmin, period=MONTH).provinces == ["1", "2", "3", "4", "5"]


def test_bad_and_overlapping_periods_are_refused(setup: Any) -> None:
    cc = setup
    with pytest.raises(ValidationFailed) as exc:
        accountability_push(actor=cc.me_officer, period="2026-13")
    assert exc.value.field == "period"
    accountability_push(actor=cc.me_officer, period=MONTH)
    quarter = f"{MONTH_START.year}Q{(MONTH_START.month - 1) // 3 + 1}"
    with pytest.raises(ValidationFailed) as exc:
        accountability_push(actor=cc.me_officer, period=quarter)
    assert exc.value.field == "period" and MONTH in exc.value.message


def test_indicator_shows_in_nap_progress_for_p3_o2(setup: Any) -> None:
    from amahoro.frameworks.models import Framework
    from amahoro.frameworks.reference import NAP_CODE
    from amahoro.frameworks.selectors import framework_progress, span_of
    from amahoro.geo.models import OrgUnit

    cc = setup
    _rapes(cc.worker, 5, early=True, pep=True)
    _rapes(cc.worker, 5, early=False, pep=False)
    accountability_push(actor=cc.me_officer, period=MONTH)
    progress = framework_progress(
        user=cc.sysadmin,
        framework=Framework.objects.get(code=NAP_CODE),
        org_unit=OrgUnit.objects.get(code="RW"),
        span=span_of(period=MONTH),
    )
    node = next(n for n in progress.flat if n.node.code == "P3.O2")
    actual = {p.indicator.code: p.actual for p in node.indicators}
    assert actual["GBV_RAPE_REPORTED_72H_SHARE"] == pytest.approx(50.0)
    assert actual["GBV_PEP_72H_SHARE"] == pytest.approx(50.0)
    assert actual["GBV_REFERRAL_COMPLETION_SHARE"] is None  # no referral: 0 / 0


def test_command_and_task(setup: Any, min_total_5: None, django_capture_on_commit_callbacks: Any) -> None:
    from amahoro.core.tasks import run_task

    cc = setup
    _rapes(cc.worker, 5, early=True, pep=True)
    call_command("cases_push_accountability", MONTH, "--user", "me_officer")
    assert _values()[(RAPE, "12")] == "5"
    _rapes(cc.worker, 5, early=True, pep=True)
    with django_capture_on_commit_callbacks(execute=True):
        run_task("amahoro.cases.tasks.accountability_push", cc.me_officer.pk, MONTH)
    assert _values()[(RAPE, "12")] == "10"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("cases_push_accountability", MONTH, "--user", "supervisor")


def test_the_monthly_schedule_pushes_last_month_by_itself(setup: Any, min_total_5: None) -> None:
    """Celery beat's entry (AMAHORO_ACCOUNTABILITY_PUSH_USER) and cron's `last-month` push the calendar
    month before today; run here in-process, as a worker would."""
    from django.utils import timezone

    from amahoro.cases.schedule import beat_schedule, last_month_code
    from amahoro.core.tasks import CELERY_TASK_NAME, resolve, run_path

    assert last_month_code(date(2026, 3, 5)) == "202602"
    assert last_month_code(date(2026, 1, 1)) == "202512"
    assert beat_schedule("") == {}
    entry = beat_schedule("me_officer")["gbv-accountability-push-monthly"]
    assert entry["task"] == CELERY_TASK_NAME
    assert entry["schedule"].day_of_month == {5} and entry["schedule"].hour == {2}
    assert callable(resolve(entry["args"][0]))

    cc = setup
    last = last_month_code(timezone.localdate())
    report = date(int(last[:4]), int(last[4:]), 10)
    for _ in range(5):
        create(
            cc.worker,
            incident_date=(report - timedelta(days=1)).isoformat(),
            report_date=report.isoformat(),
            org_unit="1201",
        )
    run_path(*entry["args"])  # what the worker runs when beat fires
    assert _values(last)[(RAPE, "12")] == "5"
    assert _values(last)[(RAPE_72H, "12")] == "5"
    create(cc.worker, incident_date=report.isoformat(), report_date=report.isoformat(), org_unit="1201")
    call_command("cases_push_accountability", "last-month", "--user", "me_officer")  # the cron line
    assert _values(last)[(RAPE, "12")] == "6"


def _police_station() -> tuple[Any, Any]:
    """A police organisation's Gasabo station from the directory and its service_provider officer."""
    from amahoro.directory.services import provider_create
    from amahoro.geo.models import OrgUnit
    from conftest import make_org

    police = make_org("RNP", "police", areas=("RW",))
    gasabo = OrgUnit.objects.get(code="12")
    station = provider_create(
        actor=policy.SYSTEM,
        organisation=police,
        name="RNP Gasabo station",
        services=["police"],
        org_unit=gasabo,
        areas=[gasabo],
    )
    return station, make_user("officer", ("service_provider", police, "12"))


def _police_referrals(cc: Any, station: Any, n: int) -> list[Any]:
    from .conftest import consent_referral

    out = []
    for _ in range(n):
        incident = create(
            cc.worker,
            incident_date=(REPORT - timedelta(days=1)).isoformat(),
            report_date=REPORT.isoformat(),
        )
        consent_referral(cc.worker, incident, "police")
        out.append(
            services.service_record(
                actor=cc.worker,
                incident=incident,
                type="police",
                status="referred",
                provider_unit=station,
                urgency="urgent",
            )
        )
    return out


def test_ten_police_referrals_five_answered_on_time_show_a_timely_reply_share_of_50(setup: Any) -> None:
    """End to end: referrals of a month, answers, the push, and the P3.O2 indicator in the NAP's progress."""
    from django.utils import timezone

    from amahoro.cases.accountability import REFERRALS_ON_TIME, REFERRALS_REPLY_DUE
    from amahoro.cases.models import Service
    from amahoro.frameworks.models import Framework
    from amahoro.frameworks.reference import NAP_CODE
    from amahoro.frameworks.selectors import framework_progress, span_of
    from amahoro.geo.models import OrgUnit

    cc = setup
    station, officer = _police_station()
    referrals = _police_referrals(cc, station, 10)
    for referral in referrals[:5]:
        services.referral_respond(actor=officer, service=referral, action="accept")
        referral.refresh_from_db()
        assert referral.responded_at is not None and referral.responded_at < referral.reply_due_at
    # The other five were never answered, and their reply time (24 h, urgent) has passed.
    Service.objects.filter(pk__in=[r.pk for r in referrals[5:]]).update(
        reply_due_at=timezone.now() - timedelta(hours=1)
    )
    accountability_push(actor=cc.me_officer, period=MONTH)
    values = _values()
    assert values[(REFERRALS, "12")] == "10" and values[(REFERRALS_REPLY_DUE, "12")] == "10"
    assert values[(REFERRALS_ON_TIME, "12")] == "5"
    progress = framework_progress(
        user=cc.sysadmin,
        framework=Framework.objects.get(code=NAP_CODE),
        org_unit=OrgUnit.objects.get(code="RW"),
        span=span_of(period=MONTH),
    )
    node = next(n for n in progress.flat if n.node.code == "P3.O2")
    actual = {p.indicator.code: p.actual for p in node.indicators}
    assert actual["GBV_REFERRAL_TIMELY_REPLY_SHARE"] == pytest.approx(50.0)
    assert actual["GBV_REFERRAL_COMPLETION_SHARE"] == pytest.approx(0.0)


def test_a_referral_still_inside_its_reply_time_is_left_out_of_the_timeliness_denominator(
    setup: Any,
) -> None:
    from django.utils import timezone

    from amahoro.cases.accountability import REFERRALS_ON_TIME, REFERRALS_REPLY_DUE, _counts
    from amahoro.cases.models import Incident, Service

    cc = setup
    station, officer = _police_station()
    answered, pending, overdue, answered_late = _police_referrals(cc, station, 4)
    services.referral_respond(actor=officer, service=answered, action="accept")
    services.referral_respond(actor=officer, service=answered_late, action="decline", note="Not ours")
    Service.objects.filter(pk=answered_late.pk).update(reply_due_at=timezone.now() - timedelta(hours=2))
    Service.objects.filter(pk=overdue.pk).update(reply_due_at=timezone.now() - timedelta(hours=1))
    rows = list(
        Incident.objects.filter(services__isnull=False)
        .distinct()
        .values("id", "org_unit__path", "gbv_type", "elapsed_days", "incident_date", "organisation_id")
    )
    counts = _counts(rows)["12"]
    # Made 4; due a reply 3 (answered twice, once past due); on time 1. The pending one is neither yet.
    assert (counts[REFERRALS], counts[REFERRALS_REPLY_DUE], counts[REFERRALS_ON_TIME]) == (4, 3, 1)
    pending.refresh_from_db()
    later = _counts(rows, now=pending.reply_due_at + timedelta(seconds=1))["12"]
    assert (later[REFERRALS_REPLY_DUE], later[REFERRALS_ON_TIME]) == (4, 1)


def test_referrals_due_but_not_answered_on_time_obey_the_small_cell_rule() -> None:
    from amahoro.cases.accountability import (
        GROUPS,
        REFERRALS_DONE,
        REFERRALS_ON_TIME,
        REFERRALS_REPLY_DUE,
        _publishable,
    )

    group = dict(GROUPS)[REFERRALS]
    c = {REFERRALS: 20, REFERRALS_DONE: 10, REFERRALS_REPLY_DUE: 10, REFERRALS_ON_TIME: 8}
    assert not _publishable(c, REFERRALS, group)  # 2 due and not on time: a small cell
    assert _publishable({**c, REFERRALS_ON_TIME: 5}, REFERRALS, group)
    assert not _publishable({**c, REFERRALS_DONE: 18}, REFERRALS, group)
