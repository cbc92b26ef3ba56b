"""What an incoming referral shows and how the survivor may be contacted: the incident's date and type only
under a release of information to that organisation for that service; a referral's contact method one the
survivor's consent to referral lists (when it lists any), and `phone` only with a release to the provider."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.cases import services
from amahoro.cases.models import Consent
from amahoro.core.errors import Conflict, ValidationFailed
from conftest import client_for, make_org

from .conftest import NAME, create

URL = "/api/v1/gbv/incidents"
REFERRALS = "/api/v1/gbv/referrals"


def as_(api_client: Any, user: Any) -> Any:
    api_client.force_authenticate(user)
    return api_client


def _consent(api_client: Any, cc: Any, incident: Any, **body: Any) -> Any:
    return as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/consents", {"given": True, "method": "verbal", **body}, format="json"
    )


def _refer(api_client: Any, cc: Any, incident: Any, **extra: Any) -> Any:
    body = {"type": "psychosocial", "status": "referred", "provider": "NGO1", **extra}
    return as_(api_client, cc.worker).post(f"{URL}/{incident.uuid}/services", body, format="json")


# ---------------------------------------------------------------------------------------------------------
# The incident's date and type


def test_receiving_case_roles_see_the_incident_date_and_type_only_under_a_release(
    api_client: Any, cc: Any
) -> None:
    incident = create(cc.worker)
    assert _consent(api_client, cc, incident, purpose="referral", service="psychosocial").status_code == 201
    service_id = _refer(api_client, cc, incident).json()["id"]
    one = as_(api_client, cc.ngo_worker).get(f"{REFERRALS}/{service_id}").json()
    assert one["incident_id"] == str(incident.uuid)
    assert "incident_date" not in one and "gbv_type" not in one and "survivor" not in one
    page = client_for(cc.ngo_worker).get(f"/cases/referrals/{service_id}/").content.decode()
    assert incident.incident_date.isoformat() not in page and "Incident date" not in page
    # A release to another organisation for this service does not count.
    make_org("OTHERNGO", "ngo", areas=("12",))
    r = _consent(api_client, cc, incident, purpose="release", service="psychosocial", recipient="OTHERNGO")
    assert r.status_code == 201
    assert "gbv_type" not in as_(api_client, cc.ngo_worker).get(f"{REFERRALS}/{service_id}").json()
    # The release naming this organisation and service shows them, with the name and phone.
    r = _consent(api_client, cc, incident, purpose="release", service="psychosocial", recipient="NGO1")
    assert r.status_code == 201
    one = as_(api_client, cc.ngo_worker).get(f"{REFERRALS}/{service_id}").json()
    assert one["incident_date"] == incident.incident_date.isoformat() and one["gbv_type"] == incident.gbv_type
    assert one["survivor"]["name"] == NAME
    page = client_for(cc.ngo_worker).get(f"/cases/referrals/{service_id}/").content.decode()
    assert incident.incident_date.isoformat() in page and "Incident date" in page
    # Withdrawn: hidden again.
    consent = Consent.objects.filter(incident=incident, purpose="release", recipient__code="NGO1").get()
    services.consent_withdraw(actor=cc.worker, consent=consent)
    one = as_(api_client, cc.ngo_worker).get(f"{REFERRALS}/{service_id}").json()
    assert "incident_date" not in one and "gbv_type" not in one


# ---------------------------------------------------------------------------------------------------------
# The contact methods the survivor consented to


def test_a_referral_consent_records_contact_methods_in_the_api(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    r = _consent(
        api_client,
        cc,
        incident,
        purpose="referral",
        service="psychosocial",
        contact_methods=["in_person", "case_worker", "in_person"],
    )
    assert r.status_code == 201, r.content
    consent = Consent.objects.get(uuid=r.json()["id"])
    assert consent.contact_methods == ["in_person", "case_worker"]
    case = as_(api_client, cc.worker).get(f"{URL}/{incident.uuid}").json()
    (row,) = [c for c in case["consents"] if c["purpose"] == "referral"]
    assert row["contact_methods"] == ["in_person", "case_worker"]
    html = client_for(cc.worker).get(f"/cases/{incident.uuid}/").content.decode()
    assert "In person, Only through the referring case worker" in html
    # Refused: an unknown method, or contact methods on a consent that is not to referral.
    r = _consent(api_client, cc, incident, purpose="referral", service="legal", contact_methods=["pigeon"])
    assert r.status_code == 400 and r.json()["field"].startswith("contact_methods")
    r = _consent(api_client, cc, incident, purpose="services", contact_methods=["phone"])
    assert r.status_code == 400 and r.json()["field"] == "contact_methods"
    with pytest.raises(ValidationFailed) as exc:
        services.consent_record(
            actor=cc.worker,
            incident=incident,
            purpose="referral",
            service="legal",
            given=True,
            method="verbal",
            contact_methods=["pigeon"],
        )
    assert exc.value.field == "contact_methods"


def test_the_consent_form_records_contact_methods_for_a_referral_only(cc: Any) -> None:
    incident = create(cc.worker)
    c = client_for(cc.worker)
    form = {"purpose": "referral", "service": "legal", "given": "yes", "method": "verbal"}
    r = c.post(f"/cases/{incident.uuid}/consents/", {**form, "contact_methods": ["phone", "in_person"]})
    assert r.status_code in (200, 302), r.content
    assert Consent.objects.get(incident=incident, service="legal").contact_methods == ["phone", "in_person"]
    # Ticked on another purpose: ignored, not stored.
    r = c.post(
        f"/cases/{incident.uuid}/consents/", {**form, "purpose": "reporting", "contact_methods": ["phone"]}
    )
    assert r.status_code in (200, 302), r.content
    assert Consent.objects.filter(incident=incident, purpose="reporting").latest("id").contact_methods == []


def test_a_referral_uses_a_contact_method_the_survivor_consented_to(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    r = _consent(
        api_client, cc, incident, purpose="referral", service="psychosocial", contact_methods=["in_person"]
    )
    assert r.status_code == 201
    r = _refer(api_client, cc, incident)  # the default, case_worker, is not one the survivor agreed to
    assert r.status_code == 409 and r.json()["field"] == "contact_method"
    assert "consented: in_person" in r.json()["error"]
    r = _refer(api_client, cc, incident, contact_method="phone")
    assert r.status_code == 409 and r.json()["field"] == "contact_method"
    r = _refer(api_client, cc, incident, contact_method="in_person")
    assert r.status_code == 201 and r.json()["contact_method"] == "in_person"
    incoming = as_(api_client, cc.ngo_worker).get(REFERRALS).json()["results"]
    assert [x["contact_method"] for x in incoming] == ["in_person"]


def test_phone_needs_a_release_to_that_provider(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    r = _consent(
        api_client,
        cc,
        incident,
        purpose="referral",
        service="psychosocial",
        contact_methods=["phone", "case_worker"],
    )
    assert r.status_code == 201
    r = _refer(api_client, cc, incident, contact_method="phone")
    assert r.status_code == 409 and r.json()["field"] == "contact_method"
    assert "consent 'release'" in r.json()["error"] and "'NGO1'" in r.json()["error"]
    # A release to another organisation does not give this one a number.
    make_org("OTHERNGO", "ngo", areas=("12",))
    _consent(api_client, cc, incident, purpose="release", service="psychosocial", recipient="OTHERNGO")
    assert _refer(api_client, cc, incident, contact_method="phone").status_code == 409
    _consent(api_client, cc, incident, purpose="release", service="psychosocial", recipient="NGO1")
    r = _refer(api_client, cc, incident, contact_method="phone")
    assert r.status_code == 201 and r.json()["contact_method"] == "phone"


def test_a_consent_listing_no_contact_method_leaves_the_choice_to_the_worker(
    api_client: Any, cc: Any
) -> None:
    """Consents recorded before the question was asked: any contact method, phone included, as before."""
    incident = create(cc.worker)
    assert _consent(api_client, cc, incident, purpose="referral", service="psychosocial").status_code == 201
    r = _refer(api_client, cc, incident, contact_method="phone")
    assert r.status_code == 201 and r.json()["contact_method"] == "phone"


def test_a_withdrawn_referral_consent_with_contact_methods_is_no_consent(cc: Any) -> None:
    """The latest answer counts: withdrawn, the referral is refused for want of consent (not of contact)."""
    incident = create(cc.worker)
    consent = services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="referral",
        service="psychosocial",
        given=True,
        method="verbal",
        contact_methods=["in_person"],
    )
    assert services.referral_contact_methods(incident, "psychosocial") == ["in_person"]
    services.consent_withdraw(actor=cc.worker, consent=consent)
    assert services.referral_contact_methods(incident, "psychosocial") == []
    with pytest.raises(Conflict) as exc:
        services.service_record(
            actor=cc.worker,
            incident=incident,
            type="psychosocial",
            status="referred",
            provider=cc.ngo,
            contact_method="phone",
        )
    assert exc.value.field == "consent"


def test_a_referral_within_the_organisation_ignores_contact_methods(cc: Any) -> None:
    incident = create(cc.worker)
    services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="referral",
        service="health",
        given=True,
        method="verbal",
        contact_methods=["in_person"],
    )
    own = services.service_record(
        actor=cc.worker, incident=incident, type="health", status="referred", provider=cc.osc
    )
    assert own.referral_status == "" and own.contact_method == "case_worker"
