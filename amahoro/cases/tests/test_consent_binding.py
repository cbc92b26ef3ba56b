"""A release of information goes to the recipient organisation it names, and to no other; the referral
PATCH takes only the fields it knows and never a service provided before it was referred."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps as global_apps

from amahoro.audit.models import AuditEvent
from amahoro.cases import services
from amahoro.cases.models import Consent, Service
from conftest import make_org, make_user

from .conftest import NAME, PHONE, consent_referral, create

URL = "/api/v1/gbv/incidents"


def as_(api_client: Any, user: Any) -> Any:
    api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def police(cc: Any) -> Any:
    """Two police-type organisations: the one the survivor agreed to (RIB) and an unrelated one."""
    rib = make_org("RIB", "police", areas=("12",))
    other = make_org("OTHERPOL", "police", areas=("12",))
    return {
        "rib": rib,
        "other": other,
        "rib_worker": make_user("rib_worker", ("case_worker", rib, "12")),
        "other_worker": make_user("other_worker", ("case_worker", other, "12")),
    }


def _refer(api_client: Any, cc: Any, incident: Any, provider: str, type: str = "police") -> str:
    consent_referral(cc.worker, incident, type)
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/services",
        {"type": type, "status": "referred", "provider": provider},
        format="json",
    )
    assert r.status_code == 201, r.content
    return str(r.json()["id"])


def _referral(api_client: Any, user: Any, service_id: str) -> dict[str, Any]:
    r = as_(api_client, user).get(f"/api/v1/gbv/referrals/{service_id}")
    assert r.status_code == 200, r.content
    return dict(r.json())


def test_release_to_the_police_does_not_reach_another_police_type_recipient(
    api_client: Any, cc: Any, police: Any
) -> None:
    """The attack: consent to release to RIB, then a police-type referral to an unrelated organisation."""
    incident = create(cc.worker)
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/consents",
        {"purpose": "release", "service": "police", "recipient": "RIB", "given": True, "method": "verbal"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["consent"]["release:police:RIB"] is True
    to_rib = _refer(api_client, cc, incident, "RIB")
    to_other = _refer(api_client, cc, incident, "OTHERPOL")

    rib_view = _referral(api_client, police["rib_worker"], to_rib)
    assert rib_view["identity_released"] is True and rib_view["survivor"]["name"] == NAME

    other_view = _referral(api_client, police["other_worker"], to_other)
    assert other_view["identity_released"] is False and "survivor" not in other_view
    assert NAME not in str(other_view) and PHONE not in str(other_view)

    # The new recipient needs its own consent.
    as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/consents",
        {
            "purpose": "release",
            "service": "police",
            "recipient": "OTHERPOL",
            "given": True,
            "method": "written",
        },
        format="json",
    )
    assert _referral(api_client, police["other_worker"], to_other)["identity_released"] is True


def test_release_is_bound_to_the_service_type_too(api_client: Any, cc: Any, police: Any) -> None:
    incident = create(cc.worker)
    services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="release",
        service="police",
        recipient=police["rib"],
        given=True,
        method="verbal",
    )
    legal = _refer(api_client, cc, incident, "RIB", type="legal")
    assert _referral(api_client, police["rib_worker"], legal)["identity_released"] is False


def test_withdrawn_or_refused_release_releases_nothing(api_client: Any, cc: Any, police: Any) -> None:
    incident = create(cc.worker)
    consent = services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="release",
        service="police",
        recipient=police["rib"],
        given=True,
        method="verbal",
    )
    to_rib = _refer(api_client, cc, incident, "RIB")
    assert _referral(api_client, police["rib_worker"], to_rib)["identity_released"] is True
    services.consent_withdraw(actor=cc.worker, consent=consent)
    assert _referral(api_client, police["rib_worker"], to_rib)["identity_released"] is False
    services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="release",
        service="police",
        recipient=police["rib"],
        given=False,
        method="verbal",
    )
    assert _referral(api_client, police["rib_worker"], to_rib)["identity_released"] is False


def test_an_old_release_without_recipient_releases_to_no_one(api_client: Any, cc: Any, police: Any) -> None:
    incident = create(cc.worker)
    Consent.objects.create(
        incident=incident,
        purpose="release",
        service="police",
        given=True,
        method="verbal",
        recorded_by=cc.worker,
    )
    to_rib = _refer(api_client, cc, incident, "RIB")
    assert _referral(api_client, police["rib_worker"], to_rib)["identity_released"] is False
    detail = as_(api_client, cc.worker).get(f"{URL}/{incident.uuid}").json()
    assert detail["consent"]["release:police"] is True  # reported as recorded, but bound to no one
    assert [c["recipient"] for c in detail["consents"] if c["purpose"] == "release"] == [None]


def test_release_consent_audit_names_the_recipient_not_the_survivor(cc: Any, police: Any) -> None:
    incident = create(cc.worker)
    services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="release",
        service="police",
        recipient=police["rib"],
        given=True,
        method="verbal",
    )
    event = AuditEvent.objects.filter(object_id=str(incident.uuid), action="update").latest("id")
    assert event.changes == {"consent": "release", "service": "police", "recipient": "RIB"}


def test_consent_page_form_records_the_recipient(cc: Any, police: Any, client: Any) -> None:
    incident = create(cc.worker)
    client.force_login(cc.worker)
    r = client.post(
        f"/cases/{incident.uuid}/consents/",
        {"purpose": "release", "service": "police", "recipient": "", "given": "yes", "method": "verbal"},
    )
    assert r.status_code == 400 and "recipient organisation" in r.content.decode()
    r = client.post(
        f"/cases/{incident.uuid}/consents/",
        {"purpose": "release", "service": "police", "recipient": "RIB", "given": "yes", "method": "verbal"},
    )
    assert r.status_code == 302
    assert Consent.objects.get(incident=incident, purpose="release").recipient == police["rib"]


# ---------------------------------------------------------------------------------------------------------
# The migration binding old consents


def _bind() -> Any:
    return importlib.import_module("amahoro.cases.migrations.0003_bind_release_consents").bind


def test_migration_binds_an_old_release_only_to_the_one_existing_recipient(
    api_client: Any, cc: Any, police: Any
) -> None:
    single = create(cc.worker)
    old_single = Consent.objects.create(
        incident=single, purpose="release", service="police", given=True, method="verbal"
    )
    _refer(api_client, cc, single, "RIB")
    several = create(cc.worker)
    old_several = Consent.objects.create(
        incident=several, purpose="release", service="police", given=True, method="verbal"
    )
    _refer(api_client, cc, several, "RIB")
    _refer(api_client, cc, several, "OTHERPOL")
    none = create(cc.worker)
    old_none = Consent.objects.create(
        incident=none, purpose="release", service="police", given=True, method="verbal"
    )

    _bind()(global_apps, None)

    old_single.refresh_from_db()
    old_several.refresh_from_db()
    old_none.refresh_from_db()
    assert old_single.recipient == police["rib"]
    assert old_several.recipient is None and old_none.recipient is None
    # A recipient added after the migration is not covered by the bound consent.
    later = _refer(api_client, cc, single, "OTHERPOL")
    assert _referral(api_client, police["other_worker"], later)["identity_released"] is False


# ---------------------------------------------------------------------------------------------------------
# PATCH /api/v1/gbv/referrals/<id>


def test_referral_patch_refuses_unknown_fields(api_client: Any, cc: Any, police: Any) -> None:
    incident = create(cc.worker)
    to_rib = _refer(api_client, cc, incident, "RIB")
    c = as_(api_client, police["rib_worker"])
    for field in ("provider", "type", "referred_on", "consent_override_reason", "statuss"):
        r = c.patch(f"/api/v1/gbv/referrals/{to_rib}", {"status": "provided", field: "x"}, format="json")
        assert r.status_code == 400, (field, r.content)
        assert r.json()["field"] == field
    service = Service.objects.get(uuid=to_rib)
    assert service.status == "referred" and service.provider == police["rib"]


def test_referral_patch_refuses_provided_before_referred(api_client: Any, cc: Any, police: Any) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    referred = date.today() - timedelta(days=3)
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/services",
        {"type": "police", "status": "referred", "provider": "RIB", "referred_on": referred.isoformat()},
        format="json",
    )
    to_rib = r.json()["id"]
    c = as_(api_client, police["rib_worker"])
    early = (referred - timedelta(days=1)).isoformat()
    r = c.patch(
        f"/api/v1/gbv/referrals/{to_rib}", {"status": "provided", "provided_on": early}, format="json"
    )
    assert r.status_code == 400 and r.json()["field"] == "provided_on"
    assert "before referred_on" in r.json()["error"]
    assert Service.objects.get(uuid=to_rib).status == "referred"
    r = c.patch(
        f"/api/v1/gbv/referrals/{to_rib}",
        {"status": "provided", "provided_on": referred.isoformat()},
        format="json",
    )
    assert r.status_code == 200 and r.json()["provided_on"] == referred.isoformat()


def test_service_record_refuses_provided_before_referred(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    today = date.today()
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/services",
        {
            "type": "psychosocial",
            "status": "referred",
            "provider": "NGO1",
            "referred_on": today.isoformat(),
            "provided_on": (today - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["field"] == "provided_on"
