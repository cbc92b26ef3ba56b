"""Signals from ODK/XLSForm: a form is an early-warning form when it has a question named `ewer_type`; each new
submission of such a form becomes a signal (source "odk", source reference = its instanceID).

The questions, by name (groups do not matter): `ewer_type` (a signal type code: a select_one whose choices
are the codes), `ewer_place` (an org-unit code or a sector/cell/village name; empty: the submission's place
from the form's org-unit question or the collector token), `ewer_date` (empty: today), `ewer_urgency`
(immediate/high/routine; empty: the type's default), `ewer_description`, `ewer_reporter_name`,
`ewer_reporter_phone`. An example is amahoro/warning/xlsforms/ewer_signal.xlsx
(`EXAMPLE_FORM`, built by `example_form()` from the rows at the end of this module).

Collection sits below this module: it sends `submission_received` after it stored a submission, and this
module listens (`connect()` from the app's ready()). A submission that cannot become a signal is marked
"has issues" with the reason, so whoever reviews the form's submissions sees it.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from django.utils import timezone

from amahoro import policy
from amahoro.collection.models import ReviewState, Submission
from amahoro.collection.services import submission_review
from amahoro.collection.signals import submission_received
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.warning import services
from amahoro.warning.models import Signal, Source
from amahoro.warning.sms import match_place, place_index

log = logging.getLogger(__name__)

EXAMPLE_FORM = Path(__file__).parent / "xlsforms" / "ewer_signal.xlsx"

TYPE_FIELD = "ewer_type"
FIELDS = {
    "place": "ewer_place",
    "occurred_on": "ewer_date",
    "urgency": "ewer_urgency",
    "description": "ewer_description",
    "name": "ewer_reporter_name",
    "phone": "ewer_reporter_phone",
}


def is_ewer_submission(data: dict[str, Any]) -> bool:
    return TYPE_FIELD in data


def _answer(data: dict[str, Any], key: str) -> str:
    value = data.get(FIELDS.get(key, key))
    return "" if value is None or isinstance(value, (list, dict)) else str(value).strip()


def _place(data: dict[str, Any], submission: Submission) -> OrgUnit | None:
    given = _answer(data, "place")
    if not given:
        return submission.org_unit
    unit = OrgUnit.objects.select_related("level").filter(code=given).first()
    if unit is not None:
        return unit
    words = given.split()
    found = match_place(words, place_index())
    if found.place is None or found.consumed != len(words):
        raise ValidationFailed(
            f"place '{given[:50]}' is unknown or names several places: use its code", field="org_unit"
        )
    return OrgUnit.objects.select_related("level").get(pk=found.place.pk)


def signal_from_submission(submission: Submission) -> Signal | None:
    """The signal of an early-warning form's submission (stored once per instanceID); None for other forms,
    encrypted submissions (their answers are not readable here) and edits (the first version's signal
    stands). Raises ValidationFailed naming the field when the answers do not make a signal."""
    data = submission.data or {}
    if submission.encrypted or submission.deprecated_id or not is_ewer_submission(data):
        return None
    unit = _place(data, submission)
    if unit is None:
        raise ValidationFailed("the submission names no place (ewer_place)", field="org_unit")
    reporter = {k: _answer(data, k) for k in ("name", "phone") if _answer(data, k)}
    signal, _created = services.signal_create(
        actor=policy.SYSTEM,
        type=_answer(data, TYPE_FIELD),
        org_unit=unit,
        occurred_on=_answer(data, "occurred_on")[:10] or timezone.localdate(),
        urgency=_answer(data, "urgency"),
        description=_answer(data, "description"),
        reporter=reporter or None,
        source=Source.ODK,
        source_ref=submission.instance_id,
    )
    return signal


def on_submission_received(sender: Any, submission: Submission, **kwargs: Any) -> None:
    try:
        signal_from_submission(submission)
    except ValidationFailed as exc:
        # The reason names a field, never an answer's text beyond the place the collector typed.
        log.info("EWER submission %s refused on %s", submission.instance_id, exc.field or "?")
        submission_review(
            actor=policy.SYSTEM,
            submission=submission,
            state=ReviewState.HAS_ISSUES,
            comment=f"Not taken as an early-warning signal: {exc.message}",
        )


def connect() -> None:
    submission_received.connect(on_submission_received, dispatch_uid="warning.odk")


# ---------------------------------------------------------------------------------------------------------
# The example form


SURVEY: list[list[Any]] = [
    ["type", "name", "label::English (en)", "label::Français (fr)", "label::Kinyarwanda (rw)", "required"],
    [
        "select_one ewer_type",
        "ewer_type",
        "What is happening?",
        "Que se passe-t-il ?",
        "Ni iki kiri kuba?",
        "yes",
    ],
    [
        "text",
        "ewer_place",
        "Where? (sector, cell or village code or name)",
        "Où ? (code ou nom du secteur, de la cellule ou du village)",
        "Ni hehe? (kode cyangwa izina ry'umurenge, akagari cyangwa umudugudu)",
        "yes",
    ],
    ["date", "ewer_date", "When?", "Quand ?", "Ryari?", "yes"],
    ["select_one ewer_urgency", "ewer_urgency", "How urgent?", "Quelle urgence ?", "Birihutirwa gute?", ""],
    ["text", "ewer_description", "What happened?", "Que s'est-il passé ?", "Byagenze bite?", "yes"],
    ["text", "ewer_reporter_name", "Reporter's name", "Nom de la personne", "Izina ry'utanze amakuru", ""],
    ["text", "ewer_reporter_phone", "Reporter's phone", "Téléphone", "Telefoni", ""],
]
TYPES = [
    ("gbv", "GBV incident or threat", "Violence basée sur le genre", "Ihohoterwa rishingiye ku gitsina"),
    (
        "early_marriage",
        "Early or forced marriage risk",
        "Risque de mariage précoce",
        "Gushyingirwa imburagihe",
    ),
    (
        "threat_to_woman_leader",
        "Threat to a woman leader",
        "Menace contre une femme leader",
        "Guhungabanya umuyobozi",
    ),
    ("domestic_tension", "Domestic tension escalating", "Tensions familiales", "Amakimbirane yo mu muryango"),
    ("land_dispute", "Land or inheritance dispute", "Conflit foncier", "Amakimbirane ashingiye ku butaka"),
    ("trafficking", "Trafficking risk", "Risque de traite", "Icuruzwa ry'abantu"),
    ("hate_speech", "Hate speech or community tension", "Discours de haine", "Imvugo y'urwango"),
    ("other", "Other", "Autre", "Ibindi"),
]
URGENCIES = [
    ("immediate", "Immediate", "Immédiate", "Byihutirwa cyane"),
    ("high", "High", "Élevée", "Byihutirwa"),
    ("routine", "Routine", "Normale", "Bisanzwe"),
]
CHOICES: list[list[Any]] = [
    ["list_name", "name", "label::English (en)", "label::Français (fr)", "label::Kinyarwanda (rw)"],
    *[["ewer_type", *row] for row in TYPES],
    *[["ewer_urgency", *row] for row in URGENCIES],
]
SETTINGS: list[list[Any]] = [
    ["form_id", "version", "form_title", "default_language"],
    ["ewer_signal", "1", "Early warning signal", "English (en)"],
]


def example_form() -> bytes:
    """The example form's XLSX, from the rows above (committed as xlsforms/ewer_signal.xlsx)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in (("survey", SURVEY), ("choices", CHOICES), ("settings", SETTINGS)):
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
