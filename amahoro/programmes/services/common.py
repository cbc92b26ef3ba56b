"""What the programmes service modules share: the result of an all-or-nothing import, and enrolling a
participant in a cohort on the fly (attendance or a response makes them a member)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from amahoro.core.errors import ValidationFailed

from ..models import Cohort, Enrolment, Participant


@dataclass
class ImportResult:
    rows: int = 0
    written: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "SUCCESS" if self.ok else "ERROR",
            "rows": self.rows,
            "written": self.written,
            "errors": self.errors,
        }


def enrol(cohort: Cohort, participant: Participant) -> Enrolment:
    if participant.organisation_id != cohort.programme.organisation_id:
        raise ValidationFailed(
            f"participant {participant.code} is registered by another organisation", field="participant"
        )
    if participant.merged_into_id is not None:
        raise ValidationFailed(
            f"participant {participant.code} was merged into another record", field="participant"
        )
    enrolment, _created = Enrolment.objects.get_or_create(cohort=cohort, participant=participant)
    return enrolment
