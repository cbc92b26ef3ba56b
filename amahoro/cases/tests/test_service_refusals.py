"""The case services refuse on their own, whoever calls them (view, API, command, another app): someone
outside the case, a closed or not-yet-requested case, dates outside the incident's life, malformed notes and
reasons. Each refusal leaves nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.cases import services
from amahoro.cases.inputs import incident_parse
from amahoro.cases.models import CaseNote, CaseStatus, Consent, Incident, Service
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from conftest import make_org, make_user

from .conftest import consent_referral, create, payload

FUTURE = (date.today() + timedelta(days=2)).isoformat()


def _before(incident: Incident) -> str:
    return (incident.incident_date - timedelta(days=1)).isoformat()


# --- Recording an incident --------------------------------------------------------------------------------


def test_someone_without_a_case_role_may_not_record_an_incident(cc: Any) -> None:
    with pytest.raises(PermissionDenied, match="Only case workers and case supervisors"):
        create(cc.me_officer)
    assert not Incident.objects.exists()


def test_an_unknown_organisation_is_refused_naming_the_field(cc: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create(cc.worker, organisation="NO-SUCH-ORG")
    assert exc.value.field == "organisation"
    assert not Incident.objects.exists()


def test_a_named_organisation_the_worker_serves_here_owns_the_case(cc: Any) -> None:
    assert create(cc.worker, organisation="OSC1").organisation == cc.osc


def test_a_worker_of_two_organisations_here_must_name_one(cc: Any) -> None:
    both = make_user("both", ("case_worker", cc.osc, "12"), ("case_worker", cc.ngo, "12"))
    with pytest.raises(ValidationFailed, match="several organisations") as exc:
        create(both)
    assert exc.value.field == "organisation"
    assert create(both, organisation="NGO1").organisation == cc.ngo


def test_the_case_worker_named_must_manage_cases_of_that_organisation_there(cc: Any) -> None:
    with pytest.raises(ValidationFailed, match="case_worker") as exc:
        create(cc.supervisor, case_worker="ngo_worker")  # another organisation
    assert exc.value.field == "case_worker"
    with pytest.raises(ValidationFailed, match="case_worker"):
        create(cc.supervisor, case_worker="no-such-user")
    assert not Incident.objects.exists()
    assert create(cc.supervisor, case_worker="worker").case_worker == cc.worker


def test_another_organisations_worker_may_not_edit_the_case(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(PermissionDenied, match="may not edit"):
        services.incident_update(
            actor=cc.ngo_worker, incident=incident, data=incident_parse(payload()), version=1
        )
    incident.refresh_from_db()
    assert incident.version == 1


# --- Consent ---------------------------------------------------------------------------------------------


def test_consent_is_recorded_and_withdrawn_only_by_the_cases_own_workers(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(PermissionDenied, match="may not record consent"):
        services.consent_record(
            actor=cc.ngo_worker, incident=incident, purpose="reporting", given=False, method="verbal"
        )
    consent = Consent.objects.filter(incident=incident).first()
    assert consent is not None
    with pytest.raises(PermissionDenied, match="may not change consent"):
        services.consent_withdraw(actor=cc.worker_nyarugenge, consent=consent)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_only_a_release_of_information_names_a_service(cc: Any) -> None:
    incident = create(cc.worker)
    before = Consent.objects.count()
    with pytest.raises(ValidationFailed, match="only a release") as exc:
        services.consent_record(
            actor=cc.worker,
            incident=incident,
            purpose="services",
            given=True,
            method="verbal",
            service="police",
        )
    assert exc.value.field == "service"
    assert Consent.objects.count() == before


# --- Services and referrals ------------------------------------------------------------------------------


def test_services_are_added_only_by_the_cases_workers_and_never_to_a_closed_case(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(PermissionDenied, match="may not add services"):
        services.service_record(actor=cc.ngo_worker, incident=incident, type="health", status="provided")
    Incident.objects.filter(pk=incident.pk).update(status=CaseStatus.CLOSED)
    incident.refresh_from_db()
    with pytest.raises(Conflict, match="closed"):
        services.service_record(actor=cc.worker, incident=incident, type="health", status="provided")
    assert not Service.objects.exists()


def test_a_service_date_in_the_future_is_refused(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(ValidationFailed, match="future") as exc:
        services.service_record(
            actor=cc.worker, incident=incident, type="health", status="provided", provided_on=FUTURE
        )
    assert exc.value.field == "provided_on"
    assert not Service.objects.exists()


def test_an_override_reason_without_a_referral_lacking_consent_is_refused(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(ValidationFailed, match="override_reason is only") as exc:
        services.service_record(
            actor=cc.supervisor, incident=incident, type="health", status="provided", override_reason="child"
        )
    assert exc.value.field == "override_reason"
    assert not Service.objects.exists()


def test_a_service_without_a_provider_releases_nothing(cc: Any) -> None:
    incident = create(cc.worker)
    service = services.service_record(actor=cc.worker, incident=incident, type="health", status="provided")
    assert services.release_consent_active(service) is False


def test_service_updates_are_refused_outside_the_case_and_with_bad_values(cc: Any) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "psychosocial")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="psychosocial", status="referred", provider=cc.ngo
    )
    cases = [
        ({"actor": cc.worker_nyarugenge, "status": "provided"}, PermissionDenied, "may not update"),
        ({"actor": cc.worker, "status": "lost"}, ValidationFailed, "status must be one of"),
        (
            {"actor": cc.worker, "status": "provided", "provided_on": _before(incident)},
            ValidationFailed,
            "before the incident date",
        ),
        ({"actor": cc.worker, "status": "provided", "provided_on": FUTURE}, ValidationFailed, "future"),
        (
            {"actor": cc.worker, "status": "provided", "pep_given_on": date.today().isoformat()},
            ValidationFailed,
            "health services",
        ),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            services.service_update(service=service, **kwargs)
    service.refresh_from_db()
    assert service.status == "referred" and service.provided_on is None and service.pep_given_on is None


# --- Notes and closure -----------------------------------------------------------------------------------


def test_notes_are_refused_outside_the_case_empty_or_too_long(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(PermissionDenied, match="may not add notes"):
        services.note_add(actor=cc.ngo_worker, incident=incident, kind="plan", text="x")
    with pytest.raises(ValidationFailed, match="text is required"):
        services.note_add(actor=cc.worker, incident=incident, kind="plan", text="   ")
    with pytest.raises(ValidationFailed, match="longer than 10000"):
        services.note_add(actor=cc.worker, incident=incident, kind="plan", text="x" * 10_001)
    assert not CaseNote.objects.exists()


def test_closure_requests_are_refused_outside_the_case_twice_or_with_a_long_reason(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(PermissionDenied, match="may not close"):
        services.incident_closure_request(actor=cc.ngo_worker, incident=incident, reason="done")
    with pytest.raises(ValidationFailed, match="longer than 200"):
        services.incident_closure_request(actor=cc.worker, incident=incident, reason="x" * 201)
    incident.refresh_from_db()
    assert incident.status == CaseStatus.OPEN
    services.incident_closure_request(actor=cc.worker, incident=incident, reason="services completed")
    with pytest.raises(Conflict, match="not open"):
        services.incident_closure_request(actor=cc.worker, incident=incident, reason="again")


def test_only_a_supervisor_decides_a_requested_closure_and_may_send_it_back(cc: Any) -> None:
    incident = create(cc.worker)
    with pytest.raises(Conflict, match="no closure was requested"):
        services.incident_closure_decide(actor=cc.supervisor, incident=incident, approve=True)
    services.incident_closure_request(actor=cc.worker, incident=incident, reason="services completed")
    with pytest.raises(PermissionDenied, match="Only a case supervisor"):
        services.incident_closure_decide(actor=cc.worker, incident=incident, approve=True)
    other = make_user("other_sup", ("case_supervisor", make_org("OSC2", "osc", areas=("12",)), "12"))
    with pytest.raises(PermissionDenied, match="Only a case supervisor"):
        services.incident_closure_decide(actor=other, incident=incident, approve=True)
    decided = services.incident_closure_decide(actor=cc.supervisor, incident=incident, approve=False)
    assert decided.status == CaseStatus.OPEN and decided.closed_at is None


def test_unknown_codes_and_malformed_dates_are_refused_naming_the_field(cc: Any) -> None:
    incident = create(cc.worker)
    refusals = [
        (
            lambda: services.consent_record(
                actor=cc.worker, incident=incident, purpose="marketing", given=True, method="verbal"
            ),
            "purpose",
        ),
        (
            lambda: services.consent_record(
                actor=cc.worker, incident=incident, purpose="reporting", given=True, method="telepathy"
            ),
            "method",
        ),
        (
            lambda: services.service_record(
                actor=cc.worker, incident=incident, type="spa", status="provided"
            ),
            "type",
        ),
        (
            lambda: services.service_record(actor=cc.worker, incident=incident, type="health", status="done"),
            "status",
        ),
        (
            lambda: services.service_record(
                actor=cc.worker, incident=incident, type="health", status="provided", provided_on="last week"
            ),
            "provided_on",
        ),
        (lambda: services.note_add(actor=cc.worker, incident=incident, kind="gossip", text="x"), "kind"),
        (
            lambda: services.incident_closure_request(actor=cc.worker, incident=incident, reason="  "),
            "reason",
        ),
    ]
    consents = Consent.objects.count()
    for call, field in refusals:
        with pytest.raises(ValidationFailed) as exc:
            call()
        assert exc.value.field == field
    assert Consent.objects.count() == consents
    assert not Service.objects.exists() and not CaseNote.objects.exists()
    incident.refresh_from_db()
    assert incident.status == CaseStatus.OPEN


def test_statistics_need_a_period() -> None:
    from amahoro.cases.statistics import scope_parse

    with pytest.raises(ValidationFailed, match="period is required") as exc:
        scope_parse(period=None, org_unit=None)
    assert exc.value.field == "period"
