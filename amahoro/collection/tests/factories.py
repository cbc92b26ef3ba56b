"""Test helpers: XLSForms built with openpyxl, submission XML as ODK Collect writes it."""

from __future__ import annotations

import io
import uuid
from typing import Any

import openpyxl

from amahoro.collection import services
from amahoro.collection.models import XForm


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dialogue_form(form_id: str = "dialogue", version: str = "1", public_key: str = "") -> bytes:
    """A realistic form: groups, a repeat, select_multiple with or_other, a calculation, a geopoint."""
    settings_head = ["form_id", "version", "form_title"] + (["public_key"] if public_key else [])
    settings_row = [form_id, version, "Community dialogue session"] + ([public_key] if public_key else [])
    return xlsx(
        {
            "survey": [
                ["type", "name", "label", "calculation", "required"],
                ["date", "session_date", "Session date", "", "yes"],
                ["text", "village", "Village code", "", "yes"],
                ["begin group", "facilitator", "Facilitator", "", ""],
                ["select_one sex", "fac_sex", "Facilitator sex", "", ""],
                ["end group", "", "", "", ""],
                ["integer", "men", "Men attending", "", ""],
                ["integer", "women", "Women attending", "", ""],
                ["calculate", "total", "", "${men} + ${women}", ""],
                ["select_multiple topic or_other", "topics", "Topics", "", ""],
                ["begin repeat", "participant", "Participants", "", ""],
                ["select_one sex", "p_sex", "Sex", "", ""],
                ["select_one age", "p_age", "Age band", "", ""],
                ["end repeat", "", "", "", ""],
                ["geopoint", "location", "Location", "", ""],
                ["image", "photo", "Photo", "", ""],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["sex", "F", "Female"],
                ["sex", "M", "Male"],
                ["age", "15_24", "15-24"],
                ["age", "25_49", "25-49"],
                ["topic", "gbv", "GBV prevention"],
                ["topic", "masculinity", "Positive masculinity"],
            ],
            "settings": [settings_head, settings_row],
        }
    )


def upload(actor: Any, org: Any, **kw: Any) -> XForm:
    """Upload the dialogue form; a new version (named explicitly) when a form with its form_id exists."""
    existing = XForm.objects.filter(form_id=kw.get("form_id", "dialogue")).first()
    return services.form_upload(
        actor=actor,
        organisation=org,
        content=dialogue_form(**kw),
        filename="dialogue.xlsx",
        form=existing if existing is not None and existing.organisation_id == org.pk else None,
    )


def instance_xml(
    form_id: str = "dialogue",
    version: str = "1",
    *,
    instance_id: str | None = None,
    deprecated_id: str = "",
    village: str = "11010101",
    men: int = 4,
    women: int = 7,
    participants: tuple[tuple[str, str], ...] = (("F", "15_24"), ("M", "25_49")),
    session_date: str = "2026-03-14",
    extra: str = "",
) -> bytes:
    iid = instance_id or f"uuid:{uuid.uuid4()}"
    reps = "".join(
        f"<participant><p_sex>{s}</p_sex><p_age>{a}</p_age></participant>" for s, a in participants
    )
    dep = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    return (
        f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="{form_id}" version="{version}">'
        f"<session_date>{session_date}</session_date><village>{village}</village>"
        f"<facilitator><fac_sex>F</fac_sex></facilitator><men>{men}</men><women>{women}</women>"
        f"<total>{men + women}</total><topics>gbv other</topics><topics_other>land</topics_other>"
        f"{reps}<location>-1.9441 30.0619 1500 5</location><photo>photo.jpg</photo>{extra}"
        f"<meta><instanceID>{iid}</instanceID>{dep}</meta></data>"
    ).encode()
