"""The breakdowns the monthly GBV report needs (issue 14, contract R9), in /api/v1/gbv/statistics too: days
from incident to report, referrals by service, rape incidents by PEP within 72 h; suppressed like the rest,
and the PEP table's totals row hidden wherever the type table's rape row is (they are the same counts)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.cases import services
from amahoro.cases.statistics import (
    SINGLE,
    TITLES,
    accountability,
    pep_status,
    tables_build,
    time_to_report,
)
from amahoro.cases.suppression import COMPLEMENTARY, PRIMARY, SUPPRESSED, suppress, withheld

from .conftest import consent_referral, create

URL = "/api/v1/gbv/statistics"


@pytest.mark.parametrize(
    ("days", "row"),
    [
        *[(0, "0-3"), (3, "0-3"), (4, "4-5"), (5, "4-5"), (6, "6-14"), (14, "6-14")],
        *[(15, "15-30"), (30, "15-30"), (31, "31+"), (400, "31+"), (None, "unknown")],
    ],
)
def test_time_to_report_rows_are_gbvims_buckets(days: int | None, row: str) -> None:
    assert time_to_report(days) == row


def test_pep_counts_within_72_hours_by_calendar_day() -> None:
    monday = date(2026, 3, 2)
    assert pep_status(monday, [monday + timedelta(days=3)], 72) == "within_72h"
    assert pep_status(monday, [monday + timedelta(days=4)], 72) == "after_72h"
    # The earliest PEP decides: a later dose does not move it out of the window.
    assert pep_status(monday, [monday + timedelta(days=9), monday], 72) == "within_72h"
    assert pep_status(monday, [], 72) == "not_recorded"
    assert pep_status(monday, [monday + timedelta(days=4)], 120) == "within_72h"


def test_withheld_means_hidden_whole() -> None:
    assert withheld(suppress(["a", "b"], ["m"], [[3], [2]], min_total=10))
    assert not withheld(suppress(["a", "b"], ["m"], [[30], [2]], min_total=10))
    assert not withheld(suppress(["a"], ["m"], [[0]], min_total=10))


def _row(table: dict[str, Any], key: str) -> Any:
    return next(r["values"] for r in table["rows"] if r["key"] == key)


def test_the_api_counts_time_to_report_referrals_and_pep(api_client: Any, cc: Any) -> None:
    report = date.today().replace(day=1) - timedelta(days=20)
    month = report.strftime("%Y%m")
    quick = [
        create(
            cc.worker, incident_date=(report - timedelta(days=1)).isoformat(), report_date=report.isoformat()
        )
        for _ in range(7)
    ]
    late = [
        create(
            cc.worker, incident_date=(report - timedelta(days=20)).isoformat(), report_date=report.isoformat()
        )
        for _ in range(6)
    ]
    for i in quick:
        services.service_record(
            actor=cc.worker,
            incident=i,
            type="health",
            status="provided",
            provided_on=report,
            pep_given_on=report,
        )
    for i in quick + late[:4]:
        consent_referral(cc.worker, i, "legal")
        services.service_record(
            actor=cc.worker, incident=i, type="legal", status="referred", provider=cc.ngo, referred_on=report
        )
    # A service the case holder gives itself is no referral, whoever is named.
    services.service_record(
        actor=cc.worker, incident=late[5], type="legal", status="provided", provider=cc.osc
    )
    api_client.force_authenticate(cc.me_officer)
    body = api_client.get(URL, {"period": month, "org_unit": "12"}).json()
    tables = body["tables"]
    assert _row(tables["time_to_report"], "0-3") == [7, 7]
    assert _row(tables["time_to_report"], "15-30") == [6, 6]
    assert _row(tables["time_to_report"], "total") == [13, 13]
    assert _row(tables["referrals"], "legal") == [11, 11]
    assert _row(tables["referrals"], "total") == [11, 11]
    assert _row(tables["services"], "legal") == [12, 12]
    assert _row(tables["pep"], "within_72h") == [7, 7]
    assert _row(tables["pep"], "not_recorded") == [6, 6]
    assert _row(tables["pep"], "total") == _row(tables["gbv_type"], "rape") == [13, 13]
    group = body["accountability"][0]
    assert group["referrals"] == 11 and group["rape_pep_within_72h_share"] == round(7 / 13, 3)
    assert set(TITLES) >= set(tables)


def _rows(kinds: list[tuple[str, int]]) -> list[dict[str, Any]]:
    out = []
    for gbv_type, n in kinds:
        for _ in range(n):
            out.append(
                {
                    "id": len(out) + 1,
                    "gbv_type": gbv_type,
                    "contexts": [],
                    "survivor_age": 30,
                    "survivor__sex": "female",
                    "org_unit__path": "/RW/1/12/1201/",
                    "organisation__code": "OSC1",
                    "organisation_id": 1,
                    "elapsed_days": 1,
                    "incident_date": date(2026, 1, 1),
                    "report_date": date(2026, 1, 2),
                }
            )
    return out


def test_the_pep_totals_hide_with_the_rape_row_and_the_shares_follow(db: Any) -> None:
    # 12 physical assaults, 10 rapes and 1 sexual assault: the lone sexual assault would follow from the
    # total, so the rape count (the cheapest shown cell) is hidden as "*" in the type table, and with it
    # the PEP table's totals (the same count), and then the PEP row it would give away.
    rows = _rows([("physical_assault", 12), ("rape", 10), ("sexual_assault", 1)])
    ids = {r["id"] for r in rows}
    pep = {r["id"]: "within_72h" for r in rows if r["gbv_type"] == "rape"}
    referrals = [(i, "legal") for i in sorted(ids)[:10]] + [(23, "police")]
    tables = tables_build(
        rows=rows,
        columns=["2026-01"],
        column_of=dict.fromkeys(ids, "2026-01"),
        primary={},
        services=[],
        min_total=10,
        referrals=referrals,
        pep=pep,
    )
    types, peps = tables["gbv_type"], tables["pep"]
    rape = types.display()[types.rows.index("rape")]
    assert rape == [COMPLEMENTARY, COMPLEMENTARY]
    assert peps.display()[-1] == rape
    assert peps.display()[0] == [COMPLEMENTARY, COMPLEMENTARY]  # 10 within 72 h: else it tells the total
    assert "time_to_report" in SINGLE
    assert {tuple(tables[name].display()[-1]) for name in SINGLE} == {(23, 23)}
    groups = accountability(rows=rows, tables=tables, min_total=10)
    # The PEP counts are hidden: no share may give them back.
    assert groups[0]["rape_pep_within_72h_share"] is None
    # Legal 10 and police 1: the police count hides the legal one ("*"); the grand total 11 is shown.
    refs, names = tables["referrals"].display(), tables["referrals"].rows
    assert refs[names.index("police")] == [PRIMARY, PRIMARY]
    assert refs[names.index("legal")] == [COMPLEMENTARY, COMPLEMENTARY]
    assert refs[-1] == [11, 11]


def test_a_pep_table_hidden_whole_leaves_the_rape_row_alone(db: Any) -> None:
    # 12 incidents of which 6 rapes: the PEP table rests on fewer than 10 and shows nothing ("x"); the rape
    # count stays shown in the type table, since no hidden PEP cell can be completed from it.
    rows = _rows([("physical_assault", 6), ("rape", 6)])
    ids = {r["id"] for r in rows}
    tables = tables_build(
        rows=rows,
        columns=["2026-01"],
        column_of=dict.fromkeys(ids, "2026-01"),
        primary={},
        services=[],
        min_total=10,
    )
    assert withheld(tables["pep"])
    assert all(v == SUPPRESSED for row in tables["pep"].display() for v in row)
    types = tables["gbv_type"]
    assert types.display()[types.rows.index("rape")] == [6, 6]


def test_hidden_referral_totals_hide_the_groups_referrals(db: Any) -> None:
    rows = _rows([("physical_assault", 12)])
    ids = sorted(r["id"] for r in rows)
    # Two referrals in all: the referral table rests on too few to show anything, nor may a group.
    tables = tables_build(
        rows=rows,
        columns=["2026-01"],
        column_of=dict.fromkeys(ids, "2026-01"),
        primary={},
        services=[],
        min_total=10,
        referrals=[(ids[0], "legal"), (ids[1], "legal")],
    )
    assert tables["referrals"].display()[-1] == [SUPPRESSED, SUPPRESSED]
    assert accountability(rows=rows, tables=tables, min_total=10)[0]["referrals"] == SUPPRESSED
