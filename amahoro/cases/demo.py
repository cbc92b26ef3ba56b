"""GBV case demo data for `amahoro load_demo` (registered in CasesConfig.ready): fictional incidents at the
Isange One Stop Centre Kacyiru (Gasabo), recorded by the demo case worker, with consent, health care (PEP),
psychosocial support, referrals through the pathway to the police station and to MAJ legal aid (from the
service directory; the demo police user `police_gasabo` finds them in the referral inbox, some answered), case
plans, and one case closed by the demo supervisor.

Every person is invented. Each demo survivor carries a national ID `DEMO-00NN`, found again through its
keyed hash, so a second run recognises what the first created and adds nothing. Dates are counted back from
the day of the run, so the statistics page has recent months to show.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.core.crypto import blind_index
from amahoro.core.demo import DemoResult
from amahoro.directory.models import ServiceProvider
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation

from . import services
from .accountability import accountability_setup
from .inputs import incident_parse
from .models import Survivor

CENTRE = "ISANGE-KACYIRU"
POLICE = "RNP"
POLICE_STATION = "RNP Gasabo station (Isange desk)"
LEGAL_AID = "MAJ Gasabo (Maison d'Accès à la Justice)"
POLICE_USER = "police_gasabo"
WORKER = "case_worker"
SUPERVISOR = "case_supervisor"
SEED = 1325
FIRST = (
    "Aline",
    "Claudine",
    "Diane",
    "Esperance",
    "Grace",
    "Jeanne",
    "Josiane",
    "Marie",
    "Odette",
    "Sandrine",
)
LAST = ("Demo-Uwase", "Demo-Mukamana", "Demo-Ingabire", "Demo-Uwimana", "Demo-Niyonsaba", "Demo-Mutoni")

# (classification, relationship, age, days from incident to report, reporting consent)
CASES: tuple[tuple[dict[str, bool], str, int, int, bool], ...] = (
    ({"penetration": True}, "stranger", 23, 1, True),
    ({"penetration": True}, "neighbour", 15, 2, True),
    ({"penetration": True}, "intimate_partner", 31, 3, True),
    ({"penetration": True}, "family", 13, 9, True),
    ({"penetration": True}, "stranger", 27, 4, True),
    ({"penetration": True}, "employer", 19, 0, True),
    ({"unwanted_sexual_contact": True}, "teacher", 16, 5, True),
    ({"unwanted_sexual_contact": True}, "community_member", 24, 12, True),
    ({"physical_assault": True}, "intimate_partner", 34, 2, True),
    ({"physical_assault": True}, "former_partner", 29, 20, True),
    ({"physical_assault": True}, "intimate_partner", 41, 1, False),
    ({"forced_marriage": True}, "family", 16, 40, True),
    ({"denial_of_resources": True}, "intimate_partner", 38, 35, True),
    ({"psychological_abuse": True}, "intimate_partner", 45, 7, True),
)


def _marker(n: int) -> str:
    return f"DEMO-{n:04d}"


def cases_demo_step(result: DemoResult, actor: Any) -> None:
    centre = Organisation.objects.filter(code=CENTRE).first()
    worker = User.objects.filter(username=WORKER).first()
    supervisor = User.objects.filter(username=SUPERVISOR).first()
    if centre is None or worker is None or supervisor is None:
        result.notes.append("cases: demo centre or case users missing; no demo cases")
        return
    police = Organisation.objects.filter(code=POLICE).first()
    sectors = list(OrgUnit.objects.filter(parent__code="12").order_by("code").values_list("code", flat=True))
    if not sectors:
        result.notes.append("cases: Gasabo's sectors are not loaded; no demo cases")
        return
    rng = random.Random(SEED)
    today = date.today()
    created = 0
    for n, (classification, relationship, age, delay, reporting) in enumerate(CASES, start=1):
        marker = _marker(n)
        if Survivor.objects.filter(
            national_id_index=blind_index(marker, purpose=services.NATIONAL_ID_PURPOSE)
        ).exists():
            rng.random()
            continue
        report = today - timedelta(days=3 + (n * 37) % 150)
        incident_date = report - timedelta(days=delay)
        with transaction.atomic():
            _create(
                rng=rng,
                n=n,
                marker=marker,
                worker=worker,
                supervisor=supervisor,
                police=police,
                payload={
                    "survivor": {
                        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        "phone": f"+250 780 000 {n:03d}",
                        "sex": "female",
                        "age": age,
                        "age_estimated": n % 5 == 0,
                        "marital_status": "married" if relationship == "intimate_partner" else "single",
                        "national_id": marker,
                        "address": f"Demo village {n}, Gasabo",
                    },
                    "incident_date": incident_date.isoformat(),
                    "report_date": report.isoformat(),
                    "org_unit": sectors[n % len(sectors)],
                    "location_type": rng.choice(("survivor_home", "road", "field", "workplace")),
                    "time_of_day": rng.choice(("morning", "afternoon", "evening")),
                    "classification": classification,
                    "perpetrators": [{"relationship": relationship, "sex": "male", "age_group": "26-40"}],
                    "goods_exchanged": n == 6,
                    "account": "Fictional demo account: no real person or event.",
                    "consent": {
                        "services": True,
                        "reporting": reporting,
                        "method": "guardian" if age < 18 else "verbal",
                    },
                },
            )
        created += 1
    result.notes.append(f"cases: {created} demo GBV incidents created at {CENTRE} ({len(CASES)} in all)")
    result.notes.extend(accountability_setup(actor=policy.SYSTEM))  # the NAP P3.O2 indicators (idempotent)


def _create(
    *,
    rng: random.Random,
    n: int,
    marker: str,
    worker: Any,
    supervisor: Any,
    police: Any,
    payload: dict[str, Any],
) -> None:
    incident = services.incident_create(actor=worker, data=incident_parse(payload))
    report = incident.report_date
    if incident.gbv_type in ("rape", "sexual_assault"):
        pep = incident.incident_date + timedelta(days=min(incident.elapsed_days + (n % 2), 6))
        services.service_record(
            actor=worker,
            incident=incident,
            type="health",
            status="provided",
            provided_on=report,
            pep_given_on=pep if incident.gbv_type == "rape" and pep <= date.today() else None,
            ec_given_on=report
            if incident.elapsed_days <= 5 and incident.survivor_age and incident.survivor_age >= 13
            else None,
        )
    services.service_record(
        actor=worker,
        incident=incident,
        type="psychosocial",
        status="provided" if n % 3 else "declined",
        provided_on=report + timedelta(days=1)
        if n % 3 and report + timedelta(days=1) <= date.today()
        else None,
    )
    if police is not None and n % 2 == 0:
        _refer(n=n, worker=worker, incident=incident, kind="police", organisation=police, unit=POLICE_STATION)
    if n % 5 == 2:
        legal_aid = ServiceProvider.objects.filter(name=LEGAL_AID).select_related("organisation").first()
        if legal_aid is not None:
            _refer(
                n=n,
                worker=worker,
                incident=incident,
                kind="legal",
                organisation=legal_aid.organisation,
                unit=LEGAL_AID,
            )
    if n % 4 == 1:
        services.note_add(
            actor=worker,
            incident=incident,
            kind="plan",
            text="Safety plan agreed; follow-up visit with the psychologist.",
            due_on=report + timedelta(days=14),
        )
    if n in (3, 9):
        services.incident_closure_request(
            actor=worker, incident=incident, reason="Services delivered, survivor safe"
        )
        if n == 3:
            services.incident_closure_decide(actor=supervisor, incident=incident, approve=True)


def _refer(*, n: int, worker: Any, incident: Any, kind: str, organisation: Organisation, unit: str) -> None:
    """Consent to referral of this kind (and, for every other case, to release who the survivor is), then the
    referral to the directory's provider; the demo police user answers some of the older ones."""
    released = n % 4 == 0
    services.consent_record(
        actor=worker,
        incident=incident,
        purpose="referral",
        service=kind,
        given=True,
        method="verbal",
        # A phone call from the receiver only where the survivor also released her number to it.
        contact_methods=["case_worker", "phone"] if released else ["case_worker", "in_person"],
    )
    if released:
        services.consent_record(
            actor=worker,
            incident=incident,
            purpose="release",
            service=kind,
            recipient=organisation,
            given=True,
            method="verbal",
        )
    provider_unit = ServiceProvider.objects.filter(organisation=organisation, name=unit).first()
    referral = services.service_record(
        actor=worker,
        incident=incident,
        type=kind,
        status="referred",
        provider=organisation,
        provider_unit=provider_unit if provider_unit and kind in provider_unit.services else None,
        urgency="urgent" if incident.gbv_type == "rape" else "normal",
        contact_method="phone" if released and n % 3 == 0 else "case_worker",
    )
    responder = User.objects.filter(username=POLICE_USER, is_active=True).first()
    if kind == "police" and responder is not None and provider_unit is not None and n % 6 == 0:
        services.referral_respond(actor=responder, service=referral, action="accept")
        if n % 12 == 0:
            services.referral_respond(
                actor=responder, service=referral, action="complete", note="Statement taken; file opened."
            )
