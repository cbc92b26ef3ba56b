"""Setting up TOTP needs something the user did not just type: a one-time enrolment code (or link) that an
administrator issued, shown once, hashed at rest, expiring, audited. A stolen password alone cannot enrol
the thief's phone."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from amahoro.accounts.models import TOTPEnrolment
from amahoro.accounts.services import totp_enrolment_issue
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied
from conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_factor_on(settings: Any) -> Any:
    settings.AMAHORO_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


@pytest.fixture
def worker(cast: Any) -> Any:
    return make_user("osc_worker", ("case_worker", cast.ngo, "11"))


def _signed_in(username: str) -> Client:
    c = Client()
    assert c.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_password_alone_cannot_set_up_an_authenticator(cast: Any, worker: Any, two_factor_on: Any) -> None:
    c = _signed_in("osc_worker")
    html = c.get("/accounts/two-factor/").content.decode()
    assert 'id="two-factor-enrol"' in html and "totp-secret" not in html and "<svg" not in html
    # Guessing, or typing a TOTP code, gets nothing: no device, no secret.
    for body in ({"token": "123456"}, {"enrolment": "guess"}, {"enrolment": ""}):
        r = c.post("/accounts/two-factor/", body)
        assert r.status_code == 400 and "totp-secret" not in r.content.decode()
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert c.get("/places/").status_code == 302  # still not verified


def test_enrolment_link_from_an_administrator_sets_up_the_app_once(
    cast: Any, worker: Any, two_factor_on: Any
) -> None:
    admin = client_for(cast.ngo_admin)
    page = admin.post("/users/osc_worker/two-factor-enrolment/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    code = html.split('id="enrolment-code">', 1)[1].split("<", 1)[0]
    link = html.split('id="enrolment-link">', 1)[1].split("<", 1)[0]
    assert link.endswith(f"/accounts/two-factor/enrol/{code}/")
    # Hashed at rest: the code itself is nowhere in the database, and the audit row does not carry it.
    enrolment = TOTPEnrolment.objects.get(user=worker)
    assert enrolment.code_hash == TOTPEnrolment.hash(code) and code not in enrolment.code_hash
    event = AuditEvent.objects.filter(object_type="accounts.totpenrolment").latest("id")
    assert event.actor == cast.ngo_admin and code not in str(event.changes) + event.message

    # The link, opened before signing in, leads through the sign-in and back.
    anon = Client().get(f"/accounts/two-factor/enrol/{code}/")
    assert anon.status_code == 302 and "/accounts/login/" in anon.headers["Location"]
    c = _signed_in("osc_worker")
    r = c.get(f"/accounts/two-factor/enrol/{code}/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/two-factor/")
    html = c.get(r.headers["Location"]).content.decode()
    assert 'id="two-factor-setup"' in html and 'id="totp-secret"' in html
    device = TOTPDevice.objects.get(user=worker)
    assert c.post("/accounts/two-factor/", {"token": _code(device)}).status_code == 302
    assert c.get("/places/").status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.used_at is not None

    # Used up: the same code does nothing for a second set-up (after a reset of the device by hand).
    TOTPDevice.objects.filter(user=worker).delete()
    c2 = _signed_in("osc_worker")
    r = c2.get(f"/accounts/two-factor/enrol/{code}/")
    assert r.status_code == 400 and "not valid for this account" in r.content.decode()


def test_enrolment_code_is_bound_to_its_user_and_expires(cast: Any, worker: Any, two_factor_on: Any) -> None:
    other = make_user("osc_worker_2", ("case_worker", cast.ngo, "11"))
    _, code_for_other = totp_enrolment_issue(actor=cast.ngo_admin, user=other)
    c = _signed_in("osc_worker")
    r = c.post("/accounts/two-factor/", {"enrolment": code_for_other})
    assert r.status_code == 400 and "not valid for this account" in r.content.decode()

    enrolment, code = totp_enrolment_issue(actor=cast.ngo_admin, user=worker)
    TOTPEnrolment.objects.filter(pk=enrolment.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert c.post("/accounts/two-factor/", {"enrolment": code}).status_code == 400

    # A newer code revokes the older one.
    _, first = totp_enrolment_issue(actor=cast.ngo_admin, user=worker)
    _, second = totp_enrolment_issue(actor=cast.ngo_admin, user=worker)
    assert c.post("/accounts/two-factor/", {"enrolment": first}).status_code == 400
    assert c.post("/accounts/two-factor/", {"enrolment": second}).status_code == 302


def test_an_enrolment_accepted_in_a_session_dies_when_revoked(
    cast: Any, worker: Any, two_factor_on: Any
) -> None:
    _, code = totp_enrolment_issue(actor=cast.ngo_admin, user=worker)
    c = _signed_in("osc_worker")
    assert c.post("/accounts/two-factor/", {"enrolment": code}).status_code == 302
    assert 'id="two-factor-setup"' in c.get("/accounts/two-factor/").content.decode()
    totp_enrolment_issue(actor=cast.ngo_admin, user=worker)  # the administrator reissues
    html = c.get("/accounts/two-factor/").content.decode()
    assert 'id="two-factor-enrol"' in html and "totp-secret" not in html


def test_issuing_resets_the_users_authenticator(cast: Any, worker: Any, two_factor_on: Any) -> None:
    TOTPDevice.objects.create(user=worker, name="old phone", confirmed=True)
    totp_enrolment_issue(actor=cast.ngo_admin, user=worker)
    assert not TOTPDevice.objects.filter(user=worker).exists()
    event = AuditEvent.objects.filter(object_type="accounts.totpenrolment").latest("id")
    assert event.changes["devices_removed"] == 1 and event.changes["user"] == "osc_worker"


def test_who_may_issue_an_enrolment_code(cast: Any, worker: Any) -> None:
    # Not for oneself, not without user management, not outside one's organisation.
    other_org_admin = make_user("police_admin", ("org_admin", cast.police, "RW"))
    for actor in (worker, cast.me_nyarugenge, other_org_admin):
        with pytest.raises(PermissionDenied):
            totp_enrolment_issue(actor=actor, user=worker)
    with pytest.raises(PermissionDenied):
        totp_enrolment_issue(actor=cast.ngo_admin, user=cast.ngo_admin)
    assert not TOTPEnrolment.objects.exists()
    # Over HTTP: GET is not allowed, others are refused, the target's page offers the button.
    admin = client_for(cast.ngo_admin)
    assert admin.get("/users/osc_worker/two-factor-enrolment/").status_code == 405
    assert client_for(cast.me_nyarugenge).post("/users/osc_worker/two-factor-enrolment/").status_code in (
        403,
        404,
    )
    assert client_for(worker).post("/users/osc_worker/two-factor-enrolment/").status_code in (403, 404)
    assert client_for(other_org_admin).post("/users/osc_worker/two-factor-enrolment/").status_code in (
        403,
        404,
    )
    assert 'id="totp-enrolment-form"' in admin.get("/users/osc_worker/").content.decode()
    assert 'id="totp-enrolment-form"' not in admin.get("/users/ngo_admin/").content.decode()
    assert not TOTPEnrolment.objects.exists()


def test_command_line_issues_an_enrolment_link(cast: Any, worker: Any) -> None:
    out = StringIO()
    call_command("totp_enrolment", "osc_worker", "--base-url", "https://amahoro.example.org/", stdout=out)
    text = out.getvalue()
    code = text.split("code: ", 1)[1].split("\n", 1)[0]
    assert f"https://amahoro.example.org/accounts/two-factor/enrol/{code}/" in text
    assert TOTPEnrolment.objects.get(user=worker).code_hash == TOTPEnrolment.hash(code)


def test_demo_case_worker_can_still_sign_in_with_the_printed_enrolment_code(
    two_factor_on: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from amahoro.site import demo

    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    code = text.split("case_worker: enrolment code ", 1)[1].split()[0]
    c = Client()
    login = c.post("/accounts/login/", {"username": "case_worker", "password": demo.demo_password()})
    assert login.status_code == 302
    assert c.post("/accounts/two-factor/", {"enrolment": code}).status_code == 302
    assert 'id="totp-secret"' in c.get("/accounts/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user__username="case_worker")
    assert c.post("/accounts/two-factor/", {"token": _code(device)}).status_code == 302
    assert c.get("/cases/").status_code == 200
    # demo_logins says the authenticator is set up now, and issues a new code for the supervisor.
    out = StringIO()
    call_command("demo_logins", stdout=out)
    again = out.getvalue()
    assert "case_worker: authenticator set up" in again
    assert "case_supervisor: enrolment code " in again
