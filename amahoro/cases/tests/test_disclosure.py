"""Attacks on the GBV disclosure rule (cases/disclosure.py, suppression.py): one day or one sector asked for by
a non-case role is refused (API, CSV and page); a table about 1-9 incidents discloses nothing in any
breakdown; larger tables show no small count, no zero beside one, and no total that pins a hidden count;
the accountability push follows the same minimums."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amahoro import policy
from amahoro.cases import classification as cl
from amahoro.cases.models import ServiceType, Sex
from amahoro.cases.statistics import SINGLE, accountability, tables_build
from amahoro.cases.suppression import PRIMARY, SUPPRESSED, THRESHOLD, _lines
from conftest import make_user

from .conftest import NAME, create

URL = "/api/v1/gbv/statistics"
MIN_TOTAL = 10
MONTHS = ["2026-01", "2026-02"]
PATHS = ["/RW/1/11/1101/", "/RW/1/12/1201/", "/RW/5/57/5701/", "/RW/5/"]


# ---------------------------------------------------------------------------------------------------------
# Property tests over the tables themselves (no HTTP), on tiny case sets


@st.composite
def case_sets(draw: Any, min_size: int, max_size: int) -> dict[str, Any]:
    n = draw(st.integers(min_size, max_size))
    rows = []
    for i in range(1, n + 1):
        rows.append(
            {
                "id": i,
                "gbv_type": draw(st.sampled_from(cl.GBV_TYPES)),
                "contexts": draw(st.lists(st.sampled_from(cl.CONTEXTS), max_size=2, unique=True)),
                "survivor_age": draw(st.one_of(st.none(), st.integers(0, 80))),
                "survivor__sex": draw(st.sampled_from(Sex.values)),
                "org_unit__path": draw(st.sampled_from(PATHS)),
                "organisation__code": draw(st.sampled_from(["OSC1", "NGO1"])),
                "organisation_id": 1,
                "elapsed_days": draw(st.integers(0, 10)),
                "incident_date": date(2026, 1, 1),
                "report_date": date(2026, 1, 2),
            }
        )
    column_of = {r["id"]: draw(st.sampled_from(MONTHS)) for r in rows}
    primary = {r["id"]: draw(st.sampled_from(cl.RELATIONSHIPS)) for r in rows if draw(st.booleans())}
    services = [
        (r["id"], draw(st.sampled_from(ServiceType.values)))
        for r in rows
        for _ in range(draw(st.integers(0, 3)))
    ]
    return {"rows": rows, "column_of": column_of, "primary": primary, "services": services}


def _build(case_set: dict[str, Any]) -> Any:
    return tables_build(columns=MONTHS, min_total=MIN_TOTAL, **case_set)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case_sets(1, MIN_TOTAL - 1))
def test_one_to_nine_incidents_disclose_nothing_in_any_breakdown(db: Any, case_set: dict[str, Any]) -> None:
    tables = _build(case_set)
    for name, table in tables.items():
        shown = table.display()
        assert all(v == SUPPRESSED for row in shown for v in row), (name, shown)
    for row in accountability(rows=case_set["rows"], tables=tables, min_total=MIN_TOTAL):
        assert row["incidents"] == row["rape_incidents"] == row["referrals"] == SUPPRESSED
        assert all(row[k] is None for k in row if k.endswith(("_share", "_service", "_report")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case_sets(MIN_TOTAL, 3 * MIN_TOTAL))
def test_larger_sets_show_no_small_count_no_zero_beside_one_and_no_pinning_total(
    db: Any, case_set: dict[str, Any]
) -> None:
    tables = _build(case_set)
    per_month = {m: sum(1 for v in case_set["column_of"].values() if v == m) for m in MONTHS}
    for name, t in tables.items():
        grid, shown = t.grid(), t.display()
        n_rows, n_cols = len(t.rows), len(t.columns)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                # No count from 1 to 4 is ever shown.
                assert not (0 < value < THRESHOLD and shown[r][c] == value), (name, r, c)
        for c, month in enumerate(MONTHS):
            if 0 < per_month[month] < MIN_TOTAL:
                # A month about too few incidents is hidden whole, in every table.
                assert all(shown[r][c] == SUPPRESSED for r in range(n_rows + 1)), (name, month)
        for line in _lines(n_rows, n_cols):
            hidden = [p for p in line if p in t.hidden]
            small = [p for p in line if t.hidden.get(p) == PRIMARY and grid[p[0]][p[1]]]
            if small:
                # No zero beside a small count.
                assert all(shown[r][c] != 0 for r, c in line), (name, line)
            # A single hidden entry of a line would be its total less the others; only a zero shown as
            # '<5' for looks may be alone (documented).
            if len(hidden) == 1:
                (p,) = hidden
                assert t.hidden[p] == PRIMARY and grid[p[0]][p[1]] == 0, (name, line)
    # The tables of one value per incident share their totals row: hidden in one, hidden in all.
    totals = {name: tables[name].display()[-1] for name in SINGLE}
    assert len({tuple(v) for v in totals.values()}) == 1, totals


# ---------------------------------------------------------------------------------------------------------
# HTTP: the day-and-sector attack


@pytest.fixture
def month() -> tuple[str, str, str]:
    report = date.today() - timedelta(days=1)
    return (report - timedelta(days=2)).isoformat(), report.isoformat(), report.strftime("%Y%m")


def _small_set(cc: Any, month: tuple[str, str, str], n: int = 1) -> None:
    incident_date, report_date, _ = month
    for _ in range(n):
        create(cc.worker, incident_date=incident_date, report_date=report_date, org_unit="1201")


def _day(month: tuple[str, str, str]) -> str:
    return month[1].replace("-", "")


@pytest.mark.parametrize("who", ["me_officer", "sysadmin"])
@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_a_day_or_a_sector_is_400_for_non_case_roles_on_the_api_and_csv(
    api_client: Any, cc: Any, month: Any, who: str, suffix: str
) -> None:
    _small_set(cc, month)
    api_client.force_authenticate(getattr(cc, who))
    r = api_client.get(URL + suffix, {"period": _day(month), "org_unit": "1201"})
    assert r.status_code == 400 and r.json()["field"] == "period"
    assert "month" in r.json()["error"]
    r = api_client.get(URL + suffix, {"period": _day(month), "org_unit": "12"})
    assert r.status_code == 400 and r.json()["field"] == "period"
    r = api_client.get(URL + suffix, {"period": month[2], "org_unit": "1201"})
    assert r.status_code == 400 and r.json()["field"] == "org_unit"
    assert "district" in r.json()["error"].lower()
    assert NAME not in r.content.decode()


@pytest.mark.parametrize(
    ("params", "field"), [({"org_unit": "1201"}, "period"), ({"org_unit": "1201", "day": False}, "org_unit")]
)
def test_a_day_or_a_sector_is_400_on_the_page(
    cc: Any, month: Any, params: dict[str, Any], field: str
) -> None:
    from conftest import client_for

    _small_set(cc, month)
    c = client_for(cc.me_officer)
    period = month[2] if params.pop("day", True) is False else _day(month)
    r = c.get("/cases/statistics/", {"period": period, **params})
    assert r.status_code == 400
    assert r.context["form"].errors[field]
    assert r.context["result"] is None


def test_a_viewer_whose_role_covers_one_sector_gets_no_statistics(
    api_client: Any, cc: Any, month: Any
) -> None:
    viewer = make_user("sector_viewer", ("viewer", cc.ngo, "1201"))
    api_client.force_authenticate(viewer)
    assert api_client.get(URL, {"period": month[2]}).status_code == 403
    assert api_client.get(URL, {"period": month[2], "org_unit": "12"}).status_code == 403


def test_case_roles_may_ask_for_a_day_and_a_sector_in_their_own_area_only(
    api_client: Any, cc: Any, month: Any
) -> None:
    _small_set(cc, month, n=3)
    api_client.force_authenticate(cc.worker)
    r = api_client.get(URL, {"period": _day(month), "org_unit": "1201"})
    assert r.status_code == 200, r.content
    body = r.json()
    # Still a minimum of 10 incidents: three give nothing away, even to a case worker.
    assert body["incidents"] == "<10"
    assert {v for t in body["tables"].values() for row in t["rows"] for v in row["values"]} == {SUPPRESSED}
    # Outside their subtree, or the whole country, a day is refused.
    assert api_client.get(URL, {"period": _day(month), "org_unit": "1101"}).json()["field"] == "period"
    assert api_client.get(URL, {"period": _day(month)}).json()["field"] == "period"
    # Another organisation's case worker in the same district counts only their organisation's cases.
    api_client.force_authenticate(cc.ngo_worker)
    assert api_client.get(URL, {"period": _day(month), "org_unit": "1201"}).json()["incidents"] == 0


def test_a_small_district_month_discloses_nothing_in_json_csv_or_page(
    api_client: Any, cc: Any, month: Any
) -> None:
    """The report's example: one 12-17-year-old girl raped by a neighbour, asked for at the finest grain a
    non-case role may use. Nothing but 'x' and '<10' comes out."""
    incident_date, report_date, period = month
    create(
        cc.worker,
        incident_date=incident_date,
        report_date=report_date,
        org_unit="1201",
        survivor={"name": NAME, "sex": "female", "age": 14},
        perpetrators=[{"relationship": "neighbour", "sex": "male", "age_group": "26-40"}],
    )
    api_client.force_authenticate(cc.me_officer)
    body = api_client.get(URL, {"period": period, "org_unit": "12"}).json()
    assert body["incidents"] == "<10"
    values = {v for t in body["tables"].values() for row in t["rows"] for v in row["values"]}
    assert values == {SUPPRESSED}
    for row in body["accountability"]:
        assert row["incidents"] == row["rape_incidents"] == SUPPRESSED
    lines = api_client.get(f"{URL}.csv", {"period": period, "org_unit": "12"}).content.decode().splitlines()
    for line in lines[1:]:
        table, _, _, value = line.split(",")
        if table != "accountability":
            assert value == SUPPRESSED, line
    from conftest import client_for

    page = client_for(cc.me_officer).get("/cases/statistics/", {"period": period, "org_unit": "12"})
    assert page.status_code == 200
    cells = page.content.decode().split("<td>")[1:]
    assert cells and all(c.startswith(("x<", "OSC1<", "12<", "—<")) for c in cells), cells[:10]


def test_a_longer_minimum_period_is_configurable(api_client: Any, cc: Any, month: Any, settings: Any) -> None:
    settings.GBV_STATS_MIN_PERIOD = "Quarterly"
    api_client.force_authenticate(cc.me_officer)
    r = api_client.get(URL, {"period": month[2]})
    assert r.status_code == 400 and r.json()["field"] == "period" and "quarterly" in r.json()["error"]
    year = month[2][:4]
    body = api_client.get(URL, {"period": year}).json()
    assert body["tables"]["sex"]["columns"] == [year, "total"]  # no month columns finer than the minimum


def test_a_higher_minimum_place_is_configurable(api_client: Any, cc: Any, month: Any, settings: Any) -> None:
    settings.GBV_STATS_MIN_ORG_LEVEL = 2  # provinces
    api_client.force_authenticate(cc.me_officer)
    r = api_client.get(URL, {"period": month[2], "org_unit": "12"})
    assert r.status_code == 400 and r.json()["field"] == "org_unit" and "Province" in r.json()["error"]
    assert api_client.get(URL, {"period": month[2], "org_unit": "1"}).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# The NAP accountability push (what the portal shows)


@pytest.fixture
def pushable(cc: Any) -> Any:
    from amahoro.cases.accountability import accountability_setup

    accountability_setup(actor=policy.SYSTEM)
    return cc


def test_the_push_refuses_a_day_or_a_week(pushable: Any) -> None:
    from amahoro.cases.accountability import accountability_push
    from amahoro.core.errors import ValidationFailed

    for period in ("20261104", "2026W45"):
        with pytest.raises(ValidationFailed) as err:
            accountability_push(actor=pushable.me_officer, period=period)
        assert err.value.field == "period"


def _rape_values(period: str) -> dict[str, str]:
    from amahoro.cases.accountability import RAPE
    from amahoro.data.models import DataValue

    return dict(
        DataValue.objects.filter(data_element__code=RAPE, period__code=period, deleted=False).values_list(
            "org_unit__code", "value"
        )
    )


def test_the_push_writes_no_district_under_the_minimum_total(pushable: Any, month: Any) -> None:
    from amahoro.cases.accountability import accountability_push

    incident_date, report_date, period = month
    for _ in range(6):  # six early rapes: no count 1-4, but fewer than 10
        create(pushable.worker, incident_date=incident_date, report_date=report_date, org_unit="1201")
    result = accountability_push(actor=pushable.me_officer, period=period)
    assert "12" not in _rape_values(period)
    assert "12:GBV_RAPE_REPORTED" in result.suppressed
    assert result.as_dict()["incidents"] == "<10"


def test_the_push_writes_provinces_only_when_districts_are_too_fine(
    pushable: Any, month: Any, settings: Any
) -> None:
    from amahoro.cases.accountability import accountability_push

    settings.GBV_STATS_MIN_ORG_LEVEL = 2
    incident_date, report_date, period = month
    for district_sector in ("1101", "1201"):
        for _ in range(10):
            create(
                pushable.worker_nyarugenge if district_sector == "1101" else pushable.worker,
                incident_date=incident_date,
                report_date=report_date,
                org_unit=district_sector,
            )
    accountability_push(actor=pushable.me_officer, period=period)
    values = _rape_values(period)
    assert "11" not in values and "12" not in values
    assert values.get("1") == "20"
