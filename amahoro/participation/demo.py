"""Participation demo for `amahoro load_demo` (registered in ParticipationConfig.ready).

- The series, indicators and parity targets (participation_setup).
- Rwanda's peacekeeping contributions by gender, 2018-2024 (year-end snapshots), from the sample CSV in
  amahoro/participation/data/. Its 2018 row totals are the seed's figures (police 186 women of 972, staff
  officers 4 of 75, experts on mission 7 of 34, troops 212 of 5,211), split by mission by us; the later
  years are invented but plausible.
- Representation series. Chamber of Deputies: 49 women of 80 seats after the 2018 election (61%, the
  seed's figure) and 51 of 80 after the 2024 election (IPU Parline, Rwanda, Chamber of Deputies). Every
  other figure (Senate, cabinet, district councils, police and defence by rank, heads of mission) is an
  invented, illustrative demo value, not a statistic.
Entered by the demo MIGEPROF M&E officer through the data import engine. Idempotent.
"""

from __future__ import annotations

from pathlib import Path

from amahoro import policy
from amahoro.accounts.demo import demo_user_ensure
from amahoro.core.demo import DemoResult
from amahoro.core.errors import ValidationFailed
from amahoro.data.services import datavalues_import
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import Role

from . import reference as ref
from .services import participation_setup, peacekeeping_csv_import

SAMPLE_CSV = Path(__file__).parent / "data" / "un_peacekeeping_rwanda_sample.csv"
ENTRY_USER = ("migeprof_me", "Jean", "Ndayisaba", Role.ME_OFFICER, "MIGEPROF")

# element -> {year: (women, men)}; the combos with a second category are spread below.
SEX_SERIES: dict[str, dict[int, tuple[int, int]]] = {
    "WPS_PARLIAMENT_DEPUTIES": {
        2018: (49, 31),
        2019: (49, 31),
        2020: (49, 31),
        2021: (49, 31),
        2022: (49, 31),
        2023: (49, 31),
        2024: (51, 29),
    },
    "WPS_PARLIAMENT_SENATORS": {2019: (9, 17), 2024: (10, 16)},  # illustrative
    "WPS_CABINET": {2018: (13, 17), 2020: (12, 18), 2022: (13, 17), 2024: (12, 18)},  # illustrative
    "WPS_LOCAL_COUNCILS": {2016: (395, 480), 2021: (410, 465)},  # illustrative
    "WPS_FOREIGN_SERVICE": {2018: (12, 25), 2021: (14, 24), 2024: (15, 23)},  # illustrative
}
# element -> {year: {rank option: (women, men)}}; illustrative
RANK_SERIES: dict[str, dict[int, dict[str, tuple[int, int]]]] = {
    "WPS_POLICE": {
        2018: {"RANK_SENIOR": (22, 160), "RANK_OFFICER": (310, 1450), "RANK_OTHER": (2300, 9800)},
        2021: {"RANK_SENIOR": (28, 158), "RANK_OFFICER": (360, 1430), "RANK_OTHER": (2550, 9700)},
        2024: {"RANK_SENIOR": (35, 155), "RANK_OFFICER": (420, 1400), "RANK_OTHER": (2800, 9600)},
    },
    "WPS_DEFENCE": {
        2018: {"RANK_SENIOR": (6, 140), "RANK_OFFICER": (180, 2200), "RANK_OTHER": (1100, 26000)},
        2021: {"RANK_SENIOR": (8, 138), "RANK_OFFICER": (220, 2180), "RANK_OTHER": (1300, 25800)},
        2024: {"RANK_SENIOR": (11, 136), "RANK_OFFICER": (260, 2150), "RANK_OTHER": (1500, 25500)},
    },
}


def representation_values() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for element, years in SEX_SERIES.items():
        for year, (women, men) in years.items():
            for sex, n in (("F", women), ("M", men)):
                rows.append(
                    {
                        "dataElement": element,
                        "period": str(year),
                        "orgUnit": "RW",
                        "categoryOptionCombo": sex,
                        "value": str(n),
                    }
                )
    for element, by_year in RANK_SERIES.items():
        for year, ranks in by_year.items():
            for rank, (women, men) in ranks.items():
                for sex, n in (("F", women), ("M", men)):
                    rows.append(
                        {
                            "dataElement": element,
                            "period": str(year),
                            "orgUnit": "RW",
                            "categoryOptionCombo": ref.coc_code(sex, rank),
                            "value": str(n),
                        }
                    )
    return rows


def participation_demo_step(result: DemoResult, actor: Actor) -> None:

    result.notes.extend(participation_setup(actor=policy.SYSTEM))
    clerk = demo_user_ensure(ENTRY_USER, organisation_by_code(ENTRY_USER[4]), actor, result)
    pk = peacekeeping_csv_import(actor=clerk, content=SAMPLE_CSV.read_bytes(), country="RWA")
    summary = datavalues_import(
        actor=clerk, payload={"dataValues": representation_values()}, source="load_demo"
    )
    if summary.conflicts:
        first = summary.conflicts[0]
        raise ValidationFailed(f"participation demo values: {first.value}: {first.object}")
    result.notes.append(
        f"participation: peacekeeping {len(pk.periods)} months ({pk.imported} imported, {pk.updated} updated, "
        f"{pk.unchanged} unchanged); representation {summary.imported} imported, {summary.ignored} unchanged"
    )
