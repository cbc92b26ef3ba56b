"""Report subscriptions (issue 14, contract R8): the schedule, sending as the owner at send time, retries
with back-off, the command, the API and pages (owner only), EMAIL_URL, and a real SMTP server receiving it."""

from __future__ import annotations

import datetime as dt
import email
import io
import socket
import threading
import zoneinfo
from collections.abc import Iterator, Mapping
from email.message import Message
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from amahoro import policy
from amahoro.accounts.models import RoleAssignment
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.reports import kinds, pdf, xlsx
from amahoro.reports import subscriptions as subs
from amahoro.reports.models import Delivery, DeliveryStatus, Subscription
from amahoro.reports.schedule import beat_schedule
from amahoro.reports.tests.test_gbv import World as GbvWorld
from amahoro.reports.tests.test_gbv import world  # noqa: F401  (the fixture: incidents of last month)
from amahoro.reports.tests.test_nap import FW as NAP_FW
from amahoro.reports.tests.test_nap import plan  # noqa: F401  (the fixture: a small NAP framework)
from amahoro.roles import Perm
from amahoro.settings.base import email_config
from conftest import assert_page_ok, client_for, make_user

KIGALI = zoneinfo.ZoneInfo("Africa/Kigali")
SMTP = "django.core.mail.backends.smtp.EmailBackend"
pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 6, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=KIGALI)


# ---------------------------------------------------------------------------------------------------------
# A report kind of the tests' own (the real ones are written in parallel)


def last_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.strftime("%Y%m")


def last_quarter(today: dt.date) -> str:
    quarter = (today.month - 1) // 3  # the current quarter's index 0-3; the last complete is the one before
    return f"{today.year - 1}Q4" if quarter == 0 else f"{today.year}Q{quarter}"


class FakeKind:
    code = "fake-report"
    title = "Fake report"
    description = "For tests"
    formats = ("pdf", "xlsx")
    perm = Perm.FRAMEWORK_VIEW
    frequencies = ("monthly", "quarterly")

    def parse(self, params: Mapping[str, str]) -> dict[str, str]:
        unknown = set(params) - {"period", "org_unit", "lang"}
        if unknown:
            raise ValidationFailed(f"unknown parameter '{sorted(unknown)[0]}'", field=sorted(unknown)[0])
        if not params.get("period"):
            raise ValidationFailed("period is required", field="period")
        out = {"period": params["period"], "lang": kinds.lang_of(params)}
        if params.get("org_unit"):
            out["org_unit"] = params["org_unit"]
        return out

    def build(self, *, user: Any, params: dict[str, str], progress: Any) -> dict[str, str]:
        if params.get("org_unit") == "99":
            raise NotFound("org unit '99' not found", field="org_unit")
        return {"user": user.username, "period": params["period"]}

    def render(self, report: dict[str, str], *, fmt: str) -> bytes:
        if fmt == "xlsx":
            wb = xlsx.new_workbook()
            ws = xlsx.sheet(wb, "Report")
            xlsx.write(ws, 1, ["user", report["user"]])
            xlsx.write(ws, 2, ["period", report["period"]])
            return xlsx.to_bytes(wb)
        text = f"<html><body><p>Fake report for {report['user']} period {report['period']}</p></body></html>"
        return text.encode() if fmt == "html" else pdf.pdf(text)

    def filename(self, params: dict[str, str], fmt: str) -> str:
        return f"fake-report-{params['period']}-{params['lang']}.{fmt}"

    def scheduled_params(self, params: dict[str, str], *, today: dt.date, frequency: str) -> dict[str, str]:
        period = last_quarter(today) if frequency == "quarterly" else last_month(today)
        return {**params, "period": period}


@pytest.fixture(autouse=True)
def fake_kind() -> Iterator[FakeKind]:
    kinds.all_kinds()  # load the real modules first, so that nothing re-registers over the fake
    kind = FakeKind()
    kinds.register(kind)  # type: ignore[arg-type]
    yield kind
    kinds._KINDS.pop(kind.code, None)


@pytest.fixture
def ana(cast: Any) -> Any:
    return make_user("ana", ("me_officer", cast.ngo, "11"))


def subscribe(user: Any, today: dt.date = dt.date(2026, 11, 1), **kw: Any) -> Subscription:
    values: dict[str, Any] = {"kind": "fake-report", "params": {"lang": "en"}, "fmt": "pdf", "day": 5}
    values.update(kw)
    return subs.subscription_create(actor=user, today=today, **values)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------------------
# next_due


@pytest.mark.parametrize(
    ("frequency", "day", "start", "expected"),
    [
        ("monthly", 5, dt.date(2026, 11, 1), dt.date(2026, 11, 5)),
        ("monthly", 5, dt.date(2026, 11, 5), dt.date(2026, 11, 5)),  # the day itself
        ("monthly", 5, dt.date(2026, 11, 6), dt.date(2026, 12, 5)),
        ("monthly", 10, dt.date(2026, 12, 15), dt.date(2027, 1, 10)),  # over the year's end
        ("monthly", 28, dt.date(2026, 1, 31), dt.date(2026, 2, 28)),  # month end into February
        ("monthly", 28, dt.date(2028, 2, 29), dt.date(2028, 3, 28)),  # leap day
        ("monthly", 1, dt.date(2026, 4, 30), dt.date(2026, 5, 1)),
        ("quarterly", 5, dt.date(2026, 11, 30), dt.date(2027, 1, 5)),
        ("quarterly", 5, dt.date(2026, 1, 5), dt.date(2026, 1, 5)),
        ("quarterly", 5, dt.date(2026, 1, 6), dt.date(2026, 4, 5)),
        ("quarterly", 28, dt.date(2026, 3, 31), dt.date(2026, 4, 28)),
        ("quarterly", 15, dt.date(2026, 8, 1), dt.date(2026, 10, 15)),
    ],
)
def test_next_due(frequency: str, day: int, start: dt.date, expected: dt.date) -> None:
    assert subs.next_due(frequency=frequency, day=day, start=start) == expected


def test_a_late_send_moves_past_today_not_through_the_missed_dates(ana: Any) -> None:
    subscription = subscribe(ana, today=dt.date(2026, 8, 1))  # due 2026-08-05
    assert subscription.next_due == dt.date(2026, 8, 5)
    assert subs.following_due(subscription, today=dt.date(2026, 11, 20)) == dt.date(2026, 12, 5)
    assert subs.following_due(subscription, today=dt.date(2026, 8, 5)) == dt.date(2026, 9, 5)


# ---------------------------------------------------------------------------------------------------------
# Services: validation, owner, audit


def test_create_validates_and_stores_params_without_the_period(ana: Any) -> None:
    subscription = subscribe(ana, params={"org_unit": " 11 ", "lang": "fr"}, frequency="quarterly", day=28)
    assert subscription.params == {"org_unit": "11", "lang": "fr"}
    assert subscription.next_due == dt.date(2027, 1, 28)
    assert subscription.owner == ana
    event = AuditEvent.objects.get(object_type="reports.subscription", action="create")
    assert event.object_id == str(subscription.pk)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"kind": "nope"}, "kind"),
        ({"fmt": "docx"}, "format"),
        ({"frequency": "weekly"}, "frequency"),
        ({"day": 29}, "day"),
        ({"day": 0}, "day"),
        ({"day": "x"}, "day"),
        ({"params": {"period": "202601"}}, "params.period"),
        ({"params": {"lang": "de"}}, "lang"),
        ({"params": {"colour": "red"}}, "colour"),  # the kind's own parse() refuses it
        ({"params": {"lang": 5}}, "params.lang"),
        ({"params": ["lang"]}, "params"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(ana: Any, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        subscribe(ana, **kw)
    assert caught.value.field == field
    assert not Subscription.objects.exists()


def test_create_needs_the_kinds_permission(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        subscribe(cast.nobody)


def test_update_reschedules_and_delete_audits(ana: Any, cast: Any) -> None:
    subscription = subscribe(ana)
    subscription.attempts, subscription.retry_at = 2, at(2026, 11, 5)
    subscription.save()
    subs.subscription_update(
        actor=ana, subscription=subscription, frequency="quarterly", day=10, today=dt.date(2026, 11, 7)
    )
    subscription.refresh_from_db()
    assert (subscription.next_due, subscription.attempts, subscription.retry_at) == (
        dt.date(2027, 1, 10),
        0,
        None,
    )
    assert AuditEvent.objects.filter(object_type="reports.subscription", action="update").count() == 1
    with pytest.raises(NotFound):
        subs.subscription_update(actor=cast.me_gasabo, subscription=subscription, day=3)
    with pytest.raises(NotFound):
        subs.subscription_delete(actor=cast.me_gasabo, subscription=subscription)
    subs.subscription_delete(actor=ana, subscription=subscription)
    assert not Subscription.objects.exists()
    assert AuditEvent.objects.filter(object_type="reports.subscription", action="delete").count() == 1


# ---------------------------------------------------------------------------------------------------------
# Sending


def test_send_due_sends_exactly_the_due_ones_once(ana: Any, cast: Any) -> None:
    due = subscribe(ana, params={"lang": "en"}, day=5)  # 2026-11-05
    later = subscribe(ana, day=20)  # 2026-11-20
    other = subscribe(cast.me_gasabo, fmt="xlsx", frequency="quarterly", day=5)  # 2027-01-05
    paused = subscribe(ana, day=1, active=False)
    summary = subs.send_due(now=at(2026, 11, 5))
    assert (summary.due, summary.sent, summary.failed) == (1, 1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.subject == "Fake report, 202610"
    ((filename, content, content_type),) = message.attachments
    assert (filename, content_type) == ("fake-report-202610-en.pdf", "application/pdf")
    assert "Fake report for ana period 202610" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    due.refresh_from_db()
    assert due.next_due == dt.date(2026, 12, 5) and due.last_sent_at == at(2026, 11, 5)
    delivery = Delivery.objects.get(subscription=due)
    assert (delivery.status, delivery.period, delivery.due_on, delivery.attempt) == (
        DeliveryStatus.SENT,
        "202610",
        dt.date(2026, 11, 5),
        1,
    )
    # Running again the same day (cron and beat both) sends nothing more.
    assert subs.send_due(now=at(2026, 11, 5, 6, 15)).due == 0
    assert len(mail.outbox) == 1
    for s in (later, other, paused):
        assert not s.deliveries.exists()
    # The report is exported as the owner: audited as them.
    assert (
        AuditEvent.objects.filter(action="export", actor_id=ana.pk, object_type="reports.fake-report").count()
        == 1
    )


def test_a_claimed_subscription_is_not_sent_twice(ana: Any) -> None:
    subscription = subscribe(ana)
    assert subs._claim(subscription, at(2026, 11, 5))
    assert not subs._claim(subscription, at(2026, 11, 5))  # a second run holding the stale row loses
    assert subs.send_due(now=at(2026, 11, 5, 6, 10)).due == 0  # held for CLAIM
    assert subs.send_due(now=at(2026, 11, 5, 7)).sent == 1  # a crashed run's claim lapses


def test_smtp_failure_is_retried_with_back_off_then_given_up(ana: Any) -> None:
    subscription = subscribe(ana)
    with override_settings(
        EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port(), EMAIL_TIMEOUT=5
    ):
        now = at(2026, 11, 5)
        summary = subs.send_due(now=now)
        assert (summary.sent, summary.failed, summary.given_up) == (0, 1, 0)
        subscription.refresh_from_db()
        assert subscription.attempts == 1
        assert subscription.retry_at == now + dt.timedelta(minutes=15)
        assert subscription.last_error.startswith("The e-mail could not be sent")
        assert subscription.next_due == dt.date(2026, 11, 5)
        # Not before the back-off has passed.
        assert subs.send_due(now=now + dt.timedelta(minutes=14)).due == 0
        waits = [
            dt.timedelta(minutes=15),
            dt.timedelta(hours=1),
            dt.timedelta(hours=4),
            dt.timedelta(hours=12),
        ]
        for wait in waits:
            subscription.refresh_from_db()
            assert subscription.retry_at == now + wait
            now = now + wait
            summary = subs.send_due(now=now)
            assert summary.failed == 1
        assert summary.given_up == 1
    subscription.refresh_from_db()
    deliveries = list(subscription.deliveries.order_by("attempt"))
    assert [d.attempt for d in deliveries] == [1, 2, 3, 4, 5]
    assert all(d.status == DeliveryStatus.FAILED and d.period == "202610" for d in deliveries)
    assert "Given up after 5 attempts" in deliveries[-1].error
    assert (subscription.attempts, subscription.retry_at) == (0, None)
    assert subscription.next_due == dt.date(2026, 12, 5)
    assert "Given up after 5 attempts" in subscription.last_error
    # The next period is sent normally (locmem again) and clears the error.
    assert subs.send_due(now=at(2026, 12, 5)).sent == 1
    subscription.refresh_from_db()
    assert subscription.last_error == "" and len(mail.outbox) == 1


def test_a_retry_that_succeeds_reports_the_same_period(ana: Any) -> None:
    subscription = subscribe(ana, day=28)  # due 2026-11-28, reports 202610
    with override_settings(
        EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port(), EMAIL_TIMEOUT=5
    ):
        subs.send_due(now=at(2026, 11, 28, 23, 50))
    subs.send_due(now=at(2026, 11, 29, 0, 10))  # the next day (a new month would not change the period)
    sent = subscription.deliveries.get(status=DeliveryStatus.SENT)
    assert (sent.attempt, sent.period, sent.due_on) == (2, "202610", dt.date(2026, 11, 28))
    assert mail.outbox[0].attachments[0][0] == "fake-report-202610-en.pdf"


def test_permission_lost_at_send_time_is_a_failed_delivery_without_a_file(ana: Any) -> None:
    subscription = subscribe(ana)
    RoleAssignment.objects.filter(user=ana).delete()
    policy.forget(ana)
    summary = subs.send_due(now=at(2026, 11, 5))
    assert (summary.sent, summary.failed, summary.given_up) == (0, 1, 1)
    assert mail.outbox == []
    delivery = subscription.deliveries.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert (delivery.filename, delivery.size) == ("", 0)
    assert "no longer has the 'framework.view' permission" in delivery.error
    subscription.refresh_from_db()
    # Not retried (it would fail the same way); the next date stays, should the role come back.
    assert (subscription.attempts, subscription.retry_at, subscription.next_due) == (
        0,
        None,
        dt.date(2026, 12, 5),
    )
    assert "no longer has" in subscription.last_error
    assert not AuditEvent.objects.filter(action="export").exists()


def test_out_of_scope_at_send_time_and_no_email_address_are_failed_deliveries(ana: Any, cast: Any) -> None:
    scoped = subscribe(ana, params={"org_unit": "99"})
    no_address = subscribe(cast.me_gasabo)
    cast.me_gasabo.email = ""
    cast.me_gasabo.save()
    summary = subs.send_due(now=at(2026, 11, 5))
    assert (summary.sent, summary.failed) == (0, 2)
    assert mail.outbox == []
    assert "org unit '99' not found" in scoped.deliveries.get().error
    assert "no e-mail address" in no_address.deliveries.get().error


def test_a_render_that_breaks_is_retried_and_does_not_stop_the_others(
    ana: Any, cast: Any, fake_kind: FakeKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = subscribe(ana, params={"org_unit": "12"})
    fine = subscribe(cast.me_gasabo)
    original = fake_kind.build

    def build(*, user: Any, params: dict[str, str], progress: Any) -> Any:
        if params.get("org_unit") == "12":
            raise RuntimeError("boom")
        return original(user=user, params=params, progress=progress)

    monkeypatch.setattr(fake_kind, "build", build)
    summary = subs.send_due(now=at(2026, 11, 5))
    assert (summary.sent, summary.failed, summary.given_up) == (1, 1, 0)
    broken.refresh_from_db()
    assert broken.attempts == 1 and "could not be rendered" in broken.last_error
    assert "boom" not in broken.last_error  # internals stay in the log
    assert fine.deliveries.get().status == DeliveryStatus.SENT


def test_command_prints_a_summary(ana: Any, cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    subscribe(ana)
    subscribe(cast.me_gasabo, params={"org_unit": "99"})
    real_send_due = subs.send_due
    monkeypatch.setattr(
        "amahoro.reports.management.commands.send_due_reports.send_due",
        lambda: real_send_due(now=at(2026, 11, 5)),
    )
    out = io.StringIO()
    call_command("send_due_reports", stdout=out)
    assert out.getvalue().strip() == "send_due_reports: 2 due, 1 sent, 1 failed (1 given up, 0 to retry)"
    assert len(mail.outbox) == 1


def test_beat_entry_runs_send_due_through_run_path(ana: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from amahoro.core.tasks import resolve

    entry = beat_schedule()["reports-send-due"]
    assert entry["task"] == "amahoro.core.tasks.run_path"
    task = resolve(entry["args"][0])
    subscribe(ana, today=dt.date(2026, 1, 1), day=1)  # due in the past: sent whenever the task runs
    task()
    assert len(mail.outbox) == 1
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["reports-send-due"] == entry


# ---------------------------------------------------------------------------------------------------------
# API


def test_api_create_list_get_update_delete(ana: Any, api_client: Any) -> None:
    api_client.force_authenticate(ana)
    created = api_client.post(
        "/api/v1/reports/subscriptions",
        {
            "kind": "fake-report",
            "format": "xlsx",
            "frequency": "quarterly",
            "day": 12,
            "params": {"lang": "rw"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "fake-report" and body["title"] == "Fake report"
    assert body["params"] == {"lang": "rw"} and body["format"] == "xlsx" and body["deliveries"] == []
    uuid = body["id"]
    listed = api_client.get("/api/v1/reports/subscriptions").json()
    assert [s["id"] for s in listed["subscriptions"]] == [uuid]
    subscription = Subscription.objects.get(uuid=uuid)
    subscription.next_due = dt.date(2026, 1, 12)
    subscription.save()
    subs.send_due(now=at(2026, 1, 12))
    detail = api_client.get(f"/api/v1/reports/subscriptions/{uuid}").json()
    assert detail["deliveries"][0]["status"] == "sent"
    assert detail["deliveries"][0]["filename"] == "fake-report-2025Q4-rw.xlsx"
    patched = api_client.patch(
        f"/api/v1/reports/subscriptions/{uuid}", {"day": 3, "format": "pdf"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["day"] == 3 and patched.json()["format"] == "pdf"
    assert api_client.delete(f"/api/v1/reports/subscriptions/{uuid}").status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "fake-report", "day": 31}, "day"),
        ({"kind": "fake-report", "params": {"period": "202601"}}, "params.period"),
        ({"kind": "fake-report", "colour": "red"}, "colour"),
        ({"kind": "nope"}, "kind"),
        ({"kind": "fake-report", "params": {"lang": "de"}}, "lang"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(
    ana: Any, api_client: Any, body: dict[str, Any], field: str
) -> None:
    api_client.force_authenticate(ana)
    response = api_client.post("/api/v1/reports/subscriptions", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def test_api_refusals(ana: Any, cast: Any, api_client: Any) -> None:
    subscription = subscribe(ana)
    url = f"/api/v1/reports/subscriptions/{subscription.uuid}"
    assert api_client.get("/api/v1/reports/subscriptions").status_code in (401, 403)
    assert api_client.get(url).status_code in (401, 403)
    api_client.force_authenticate(cast.me_gasabo)  # same role, same organisation, not the owner
    assert api_client.get("/api/v1/reports/subscriptions").json()["subscriptions"] == []
    assert api_client.get(url).status_code == 404
    assert api_client.patch(url, {"day": 3}, format="json").status_code == 404
    assert api_client.delete(url).status_code == 404
    api_client.force_authenticate(cast.nobody)
    response = api_client.post("/api/v1/reports/subscriptions", {"kind": "fake-report"}, format="json")
    assert response.status_code == 403
    assert Subscription.objects.count() == 1


def test_api_operations_are_in_the_openapi_document(ana: Any, api_client: Any) -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert set(paths["/api/v1/reports/subscriptions"]) >= {"get", "post"}
    assert set(paths["/api/v1/reports/subscriptions/{uuid}"]) >= {"get", "patch", "delete"}
    components = schema["components"]["schemas"]
    assert "deliveries" in components["SubscriptionDetailOut"]["properties"]


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_pages_create_list_edit_delete(ana: Any) -> None:
    client = client_for(ana)
    form = assert_page_ok(client.get("/reports/subscriptions/new"))
    assert 'value="fake-report"' in form
    response = client.post(
        "/reports/subscriptions/new",
        {
            "kind": "fake-report",
            "format": "pdf",
            "frequency": "monthly",
            "day": "7",
            "lang": "fr",
            "active": "on",
        },
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.params == {"lang": "fr"} and subscription.day == 7
    with override_settings(
        EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port(), EMAIL_TIMEOUT=5
    ):
        subs.send_due(now=dt.datetime.combine(subscription.next_due, dt.time(8), tzinfo=KIGALI))
    page = assert_page_ok(client.get("/reports/subscriptions/"))
    assert str(subscription.uuid) in page
    assert "The e-mail could not be sent" in page  # last error and the delivery log
    assert "1 failed attempt(s)" in page
    assert 'class="delivery failed"' in page
    edit = assert_page_ok(client.get(f"/reports/subscriptions/{subscription.uuid}/edit"))
    assert 'value="7"' in edit
    bad = client.post(
        f"/reports/subscriptions/{subscription.uuid}/edit",
        {
            "kind": "fake-report",
            "format": "pdf",
            "frequency": "monthly",
            "day": "7",
            "lang": "fr",
            "org_unit": "x" * 201,
        },
    )
    assert bad.status_code == 400
    refused = client.post(
        f"/reports/subscriptions/{subscription.uuid}/edit",
        {
            "kind": "fake-report",
            "format": "pdf",
            "frequency": "monthly",
            "day": "9",
            "lang": "fr",
            "framework": "F1",
        },
    )
    assert refused.status_code == 400 and "unknown parameter" in refused.content.decode()
    saved = client.post(
        f"/reports/subscriptions/{subscription.uuid}/edit",
        {"kind": "fake-report", "format": "xlsx", "frequency": "quarterly", "day": "9", "lang": "en"},
    )
    assert saved.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.format, subscription.frequency, subscription.day, subscription.active) == (
        "xlsx",
        "quarterly",
        9,
        False,
    )
    assert_page_ok(client.get(f"/reports/subscriptions/{subscription.uuid}/delete"))
    assert client.post(f"/reports/subscriptions/{subscription.uuid}/delete").status_code == 302
    assert not Subscription.objects.exists()


def test_pages_are_the_owners_only(ana: Any, cast: Any) -> None:
    subscription = subscribe(ana)
    other = client_for(cast.me_gasabo)
    assert str(subscription.uuid) not in assert_page_ok(other.get("/reports/subscriptions/"))
    for suffix in ("edit", "delete"):
        assert other.get(f"/reports/subscriptions/{subscription.uuid}/{suffix}").status_code == 404
        assert other.post(f"/reports/subscriptions/{subscription.uuid}/{suffix}").status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()
    nobody = client_for(cast.nobody)
    assert "None of the reports is open to your roles" in assert_page_ok(
        nobody.get("/reports/subscriptions/")
    )
    assert nobody.get("/reports/subscriptions/new").status_code == 403
    anonymous = client_for(cast.nobody)
    anonymous.logout()
    assert anonymous.get("/reports/subscriptions/").status_code == 302


# ---------------------------------------------------------------------------------------------------------
# EMAIL_URL


def test_email_url_smtp_with_starttls() -> None:
    config = email_config("smtp://user%40x.org:p%3Ass@mail.example.org:587/?tls=True")
    assert config == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "user@x.org",
        "EMAIL_HOST_PASSWORD": "p:ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 30.0,
    }


def test_email_url_smtps_and_ssl_flag_and_defaults() -> None:
    smtps = email_config("smtps://u:p@mail.example.org")
    assert (smtps["EMAIL_PORT"], smtps["EMAIL_USE_SSL"], smtps["EMAIL_USE_TLS"]) == (465, True, False)
    flag = email_config("smtp://mail.example.org:2465?ssl=true&timeout=5")
    assert (flag["EMAIL_PORT"], flag["EMAIL_USE_SSL"], flag["EMAIL_TIMEOUT"]) == (2465, True, 5.0)
    plain = email_config("smtp://localhost")
    assert (plain["EMAIL_PORT"], plain["EMAIL_HOST_USER"], plain["EMAIL_USE_TLS"]) == (25, "", False)
    assert email_config("") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert email_config("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_config("locmem://")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://mail.example.org", "the scheme must be one of"),
        ("mail.example.org:25", "the scheme must be one of"),
        ("smtp://mail.example.org:587/?tls=maybe", "tls must be True or False"),
        ("smtp://mail.example.org:587/?tls=True&ssl=True", "exclude each other"),
        ("smtps://mail.example.org/?tls=True", "exclude each other"),
        ("smtp://mail.example.org:port", "must be numbers"),
        ("smtp://mail.example.org/?timeout=soon", "must be numbers"),
        ("smtp://mail.example.org/?starttls=1", "unknown option 'starttls'"),
        ("smtp://user:secret@", "a host is required"),
    ],
)
def test_email_url_refused_with_a_helpful_message(url: str, why: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        email_config(url)
    message = str(caught.value)
    assert why in message and "smtp://user:password@host:587/?tls=True" in message
    assert "secret" not in message


# ---------------------------------------------------------------------------------------------------------
# Done when: a real SMTP server receives the report as an attachment


class Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        self.received.set()
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    from aiosmtpd.controller import Controller

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=closed_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _attachment(message: Message) -> Message:
    parts = [part for part in message.walk() if part.get_content_disposition() == "attachment"]
    assert len(parts) == 1
    return parts[0]


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_send_due_reports_through_a_real_smtp_server(
    ana: Any, smtp_server: tuple[Collector, int], fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = smtp_server
    subscription = subscribe(ana, fmt=fmt, params={"lang": "fr"}, frequency="quarterly", day=5)
    subscription.next_due = dt.date(2026, 1, 1)  # due now, whatever today is
    subscription.save()
    config = email_config(f"smtp://127.0.0.1:{port}/?timeout=10")
    with override_settings(**config, DEFAULT_FROM_EMAIL="Amahoro <reports@amahoro.test>"):
        out = io.StringIO()
        call_command("send_due_reports", stdout=out)
    assert "1 sent" in out.getvalue()
    assert handler.received.wait(10) and len(handler.messages) == 1
    message = email.message_from_bytes(handler.messages[0])
    assert message["To"] == "ana@example.org"
    assert message["From"] == "Amahoro <reports@amahoro.test>"
    attachment = _attachment(message)
    content = attachment.get_payload(decode=True)
    assert isinstance(content, bytes)
    sent = subscription.deliveries.get()
    assert sent.status == DeliveryStatus.SENT and sent.size == len(content)
    period = sent.period
    assert attachment.get_filename() == f"fake-report-{period}-fr.{fmt}"
    if fmt == "pdf":
        assert attachment.get_content_type() == "application/pdf"
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert f"Fake report for ana period {period}" in text
    else:
        assert attachment.get_content_type() == kinds.CONTENT_TYPES["xlsx"]
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        assert [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=2, max_col=2)] == [
            ["user", "ana"],
            ["period", period],
        ]


# ---------------------------------------------------------------------------------------------------------
# With a real kind: the GBV monthly statistics of the last complete month, received over SMTP


def test_gbv_monthly_subscription_received_over_smtp(
    request: pytest.FixtureRequest, smtp_server: tuple[Collector, int]
) -> None:
    gbv: GbvWorld = request.getfixturevalue("world")
    handler, port = smtp_server
    today = timezone.localdate()
    subscription = subs.subscription_create(
        actor=gbv.supervisor, kind="gbv-monthly", params={"org_unit": "12"}, fmt="pdf", today=today
    )
    assert subscription.params == {"org_unit": "12", "lang": "en"}  # no period stored
    subscription.next_due = today
    subscription.save()
    with override_settings(**email_config(f"smtp://127.0.0.1:{port}/?timeout=10")):
        summary = subs.send_due()
    assert summary.sent == 1, subscription.deliveries.values_list("error", flat=True)
    assert handler.received.wait(10)
    attachment = _attachment(email.message_from_bytes(handler.messages[0]))
    assert attachment.get_filename() == f"gbv-monthly-12-{gbv.period}-en.pdf"
    content = attachment.get_payload(decode=True)
    assert isinstance(content, bytes)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "GBV monthly statistics" in text and "Gasabo" in text
    assert (
        "Incidents: 15" in text
    )  # the 15 consenting incidents test_gbv's world fixture reported in Gasabo that month
    # A role without GBV statistics may not subscribe to it.
    with pytest.raises(PermissionDenied):
        subs.subscription_create(actor=gbv.moderator, kind="gbv-monthly", params={"org_unit": "12"})


# Values of the NAP fixture's reach indicator in 2024Q4 (the quarter a send on 2025-01-05 reports on).
Q4_REACH = [("1101", "202410", 7, "F_15_24"), ("12", "202411", 11, "M_15_24"), ("11", "202412", 4, "F_25_49")]


def test_a_nap_subscription_sends_only_the_figures_the_owner_may_see_at_send_time(
    cast: Any, request: pytest.FixtureRequest, smtp_server: tuple[Collector, int]
) -> None:
    """Subscribed as a national officer; narrowed to Nyarugenge before the send: the workbook received over
    SMTP holds Nyarugenge's figure, not the country's."""
    from amahoro.frameworks.tests.factories import put
    from amahoro.geo.models import OrgUnit

    request.getfixturevalue("plan")  # the NAP fixture's framework and its 2024 values
    for ou, period, value, coc in Q4_REACH:
        put("GBV_AWARE", ou, period, value, coc)
    national = sum(v for _ou, _p, v, _c in Q4_REACH)
    nyarugenge = sum(v for ou, _p, v, _c in Q4_REACH if ou.startswith("11"))
    assert (national, nyarugenge) == (22, 11)
    officer = make_user("national", ("me_officer", cast.ngo, "RW"))
    subscription = subs.subscription_create(
        actor=officer,
        kind="nap-progress",
        params={"framework": NAP_FW},
        fmt="xlsx",
        frequency="quarterly",
        day=5,
        today=dt.date(2025, 1, 1),
    )
    assert subscription.next_due == dt.date(2025, 1, 5)
    RoleAssignment.objects.filter(user=officer).update(org_unit=OrgUnit.objects.get(code="11"))
    policy.forget(officer)
    handler, port = smtp_server
    with override_settings(**email_config(f"smtp://127.0.0.1:{port}/?timeout=10")):
        summary = subs.send_due(now=at(2025, 1, 5))
    assert summary.sent == 1, subscription.deliveries.values_list("error", flat=True)
    assert handler.received.wait(10) and len(handler.messages) == 1
    attachment = _attachment(email.message_from_bytes(handler.messages[0]))
    assert attachment.get_filename() == f"nap-progress-{NAP_FW}-2024Q4-en.xlsx"
    content = attachment.get_payload(decode=True)
    assert isinstance(content, bytes)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["Indicators"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Pillar / objective")
    reach = next(
        dict(zip(header, r, strict=False)) for r in ws.iter_rows(values_only=True) if r[2] == "NAPT-REACH"
    )
    assert reach["Actual"] == nyarugenge and reach["Actual"] != national
    title_block = " ".join(
        str(v) for row in wb["Summary"].iter_rows(max_row=5, values_only=True) for v in row if v
    )
    assert "Nyarugenge" in title_block


def test_a_report_kind_gone_at_send_time_is_a_failed_delivery(ana: Any, api_client: Any) -> None:
    subscription = subscribe(ana)
    kinds._KINDS.pop("fake-report")
    summary = subs.send_due(now=at(2026, 11, 5))
    assert (summary.failed, summary.given_up) == (1, 1)
    assert "unknown report 'fake-report'" in subscription.deliveries.get().error
    api_client.force_authenticate(ana)
    body = api_client.get(f"/api/v1/reports/subscriptions/{subscription.uuid}").json()
    assert body["title"] == "fake-report" and body["deliveries"][0]["status"] == "failed"


def test_period_label_of_a_range_and_of_none() -> None:
    assert subs._period_label({"start": "2026Q1", "end": "2026Q3"}) == "2026Q1-2026Q3"
    assert subs._period_label({"period": "202610"}) == "202610"
    assert subs._period_label({}) == ""


def test_refusals_of_the_services(ana: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationFailed) as caught:
        subscribe(ana, params={f"p{i}": "x" for i in range(subs.PARAMS_MAX + 1)})
    assert caught.value.field == "params"
    with pytest.raises(PermissionDenied):
        subscribe(policy.SYSTEM)
    subscribe(ana)
    assert not subs.subscriptions_of(user=AnonymousUser()).exists()
    with pytest.raises(NotFound):
        subs.subscription_get(user=ana, uuid="not-a-uuid")


def test_editing_after_the_permission_is_lost_is_403(ana: Any) -> None:
    subscription = subscribe(ana)
    client = client_for(ana)
    RoleAssignment.objects.filter(user=ana).delete()
    response = client.post(
        f"/reports/subscriptions/{subscription.uuid}/edit",
        {"kind": "fake-report", "format": "pdf", "frequency": "monthly", "day": "9", "lang": "en"},
    )
    # The kind is no longer offered: a form error, nothing saved.
    assert response.status_code == 400
    assert "fake-report is not one of the available choices" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.day == 5
