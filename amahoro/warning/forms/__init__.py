"""The example early-warning XLSForm (ewer_signal.xlsx), rebuilt by `build()` from the rows below."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EXAMPLE = HERE / "ewer_signal.xlsx"

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


def build() -> bytes:
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
