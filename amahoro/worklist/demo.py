"""Demo content for "My work" (`amahoro load_demo`, registered in WorklistConfig.ready, after the cases and
data steps): something waiting for each demo role.

- case_worker: a rape reported today, incident last evening, no PEP yet (the PEP and EC countdowns), and a
  case whose closure the supervisor sent back;
- case_supervisor: the closure request of the cases demo (case 9) waits for a decision;
- me_officer: Musanze's data for last month, submitted by clerk_musanze, waits for approval;
- rwamrec_admin: `new_staff` (no role yet) asks to be a data clerk in Musanze.

Every person is invented. Idempotent: what a first run created is found again (national IDs DEMO-01NN,
the request, the approval) and not repeated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.accounts import services as accounts
from amahoro.accounts.models import RoleRequest, User
from amahoro.cases import services as cases
from amahoro.cases.inputs import incident_parse
from amahoro.cases.models import Survivor
from amahoro.core.crypto import blind_index
from amahoro.core.demo import DemoResult, demo_password
from amahoro.core.errors import AmahoroError
from amahoro.data import services as data
from amahoro.data.models import DataApproval
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation

APPLICANT = "new_staff"


def _survivor_exists(marker: str) -> bool:
    index = blind_index(marker, purpose=cases.NATIONAL_ID_PURPOSE)
    return Survivor.objects.filter(national_id_index=index).exists()


def _case_payload(marker: str, *, when: dt.datetime, sector: str, classification: dict[str, bool]) -> Any:
    local = timezone.localtime(when)
    return {
        "survivor": {
            "name": "Demo-Survivor Worklist",
            "sex": "female",
            "age": 24,
            "national_id": marker,
        },
        "incident_date": local.date().isoformat(),
        "incident_time": local.strftime("%H:%M"),
        "report_date": timezone.localdate().isoformat(),
        "org_unit": sector,
        "time_of_day": "evening",
        "classification": classification,
        "perpetrators": [{"relationship": "stranger", "sex": "male"}],
        "account": "Fictional demo account: no real person or event.",
        "consent": {"services": True, "reporting": True, "method": "verbal"},
    }


def _cases(result: DemoResult) -> None:
    worker = User.objects.filter(username="case_worker").first()
    supervisor = User.objects.filter(username="case_supervisor").first()
    sector = OrgUnit.objects.filter(parent__code="12").order_by("code").values_list("code", flat=True).first()
    if worker is None or supervisor is None or sector is None:
        result.notes.append("worklist: demo case users or Gasabo's sectors missing; no worklist cases")
        return
    now = timezone.now()
    if not _survivor_exists("DEMO-0101"):
        # Yesterday at 20:00 (Kigali): the PEP window has about two days left.
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        when = midnight - dt.timedelta(hours=4)
        with transaction.atomic():
            cases.incident_create(
                actor=worker,
                data=incident_parse(
                    _case_payload("DEMO-0101", when=when, sector=sector, classification={"penetration": True})
                ),
            )
    if not _survivor_exists("DEMO-0102"):
        with transaction.atomic():
            incident = cases.incident_create(
                actor=worker,
                data=incident_parse(
                    _case_payload(
                        "DEMO-0102",
                        when=now - dt.timedelta(days=20),
                        sector=sector,
                        classification={"physical_assault": True},
                    )
                ),
            )
            cases.incident_closure_request(actor=worker, incident=incident, reason="Survivor moved away")
            cases.incident_closure_decide(actor=supervisor, incident=incident, approve=False)
    result.notes.append("worklist: a PEP countdown and a closure sent back for case_worker")


def _role_request(result: DemoResult) -> None:
    org = Organisation.objects.filter(code="RWAMREC").first()
    place = OrgUnit.objects.filter(code="43").first()
    if org is None or place is None:
        return
    applicant = User.objects.filter(username=APPLICANT).first()
    if applicant is None:
        applicant = accounts.user_create(
            actor=policy.SYSTEM,
            username=APPLICANT,
            password=demo_password(),
            first_name="Nadine",
            last_name="Demo-Iradukunda",
        )
        result.users_created.append(APPLICANT)
    if not RoleRequest.objects.filter(user=applicant).exists():
        accounts.role_request_create(
            actor=applicant,
            organisation=org,
            role="data_clerk",
            org_unit=place,
            reason="I collect the Musanze dialogue group registers.",
        )
    result.notes.append(f"worklist: {APPLICANT} (no role yet) asks rwamrec_admin for a data clerk role")


def _approval(result: DemoResult) -> None:
    clerk = User.objects.filter(username="clerk_musanze").first()
    place = OrgUnit.objects.filter(code="43").first()
    if clerk is None or place is None:
        return
    first = timezone.localdate().replace(day=1)
    last_month = first - dt.timedelta(days=1)
    period = data.period_ensure(code=last_month.strftime("%Y%m"))
    if DataApproval.objects.filter(org_unit=place, period=period).exists():
        return
    try:
        data.approval_submit(actor=clerk, org_unit=place, period=period)
    except AmahoroError as exc:  # e.g. no default category combo without the metadata step
        result.notes.append(f"worklist: no demo approval ({exc.message})")
        return
    result.notes.append(f"worklist: Musanze's data for {period.code} waits for me_officer's approval")


def worklist_demo_step(result: DemoResult, actor: Any) -> None:
    _cases(result)
    _role_request(result)
    _approval(result)
