"""Reporting completeness: expected, received and on-time reports counted by hand, the timeliness boundary
(day N on time, day N+1 late), roll-up to parent places, the completeDataSetRegistrations API (shape, errors
per row, refusals), dataValueSets' completeDate, the data entry action, the page and the analytics items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from amahoro import policy
from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.data import completeness, registrations, services
from amahoro.data.models import CompleteDataSetRegistration, DataSet
from amahoro.geo.models import OrgUnit
from conftest import client_for

pytestmark = pytest.mark.django_db

PLACES = ("1101", "1102", "1103")
MONTHS = ("202401", "202402", "202403")
TODAY = dt.date(2024, 6, 1)


def ou(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def make_set(owner: Any, *, code: str = "MONTHLY", places: tuple[str, ...] = PLACES, **kw: Any) -> DataSet:
    ds = DataSet.objects.create(
        code=code, name=f"{code} report", period_type="Monthly", organisation=owner, **kw
    )
    ds.org_units.set(OrgUnit.objects.filter(code__in=places))
    return ds


def register(ds: DataSet, place: str, period: str, day: dt.date, *, actor: Any = policy.SYSTEM) -> None:
    target = registrations.target_resolve(actor=actor, data_set=ds, org_unit=ou(place), period_code=period)
    registrations.registration_set(actor=actor, target=target, date=at(day))


def five_received_three_on_time(ds: DataSet) -> None:
    """3 places x 3 months = 9 expected; 5 received, 3 of them on time (due: month end + 15 days)."""
    register(ds, "1101", "202401", dt.date(2024, 2, 10))  # on time
    register(ds, "1101", "202402", dt.date(2024, 3, 15))  # on time (29 Feb + 15 = 15 Mar)
    register(ds, "1101", "202403", dt.date(2024, 4, 20))  # late
    register(ds, "1102", "202401", dt.date(2024, 2, 15))  # on time (the last day)
    register(ds, "1103", "202403", dt.date(2024, 4, 16))  # late (the day after)


# ---------------------------------------------------------------------------------------------------------
# Counting


def test_reporting_rate_and_on_time_rate_counted_by_hand(cast) -> None:
    ds = make_set(cast.ngo)
    five_received_three_on_time(ds)
    table = completeness.completeness_table(
        user=cast.me_nyarugenge, data_set=ds, start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31), today=TODAY
    )
    assert (table.total.expected, table.total.actual, table.total.on_time) == (9, 5, 3)
    assert round(table.total.rate or 0, 1) == 55.6
    assert round(table.total.on_time_rate or 0, 1) == 33.3
    by_unit = {u.code: table.by_unit[u.pk] for u in table.units}
    assert (by_unit["1101"].actual, by_unit["1101"].on_time) == (3, 2)
    assert (by_unit["1103"].actual, by_unit["1103"].on_time) == (1, 0)
    assert table.by_period["202401"].actual == 2 and table.by_period["202402"].actual == 1
    states = {(u.code, p.code): c.state for u, cells, _t in table.rows() for p, c in cells}
    assert states[("1101", "202401")] == completeness.ON_TIME
    assert states[("1101", "202403")] == completeness.LATE
    assert states[("1102", "202402")] == completeness.MISSING


@pytest.mark.parametrize(("days_after_end", "on_time"), [(14, True), (15, True), (16, False)])
def test_timeliness_boundary_is_the_last_day_plus_timely_days(
    cast, days_after_end: int, on_time: bool
) -> None:
    ds = make_set(cast.ngo, places=("1101",))
    register(ds, "1101", "202401", dt.date(2024, 1, 31) + dt.timedelta(days=days_after_end))
    rates = completeness.reporting_rates(
        user=policy.SYSTEM,
        data_set=ds,
        periods=[completeness.period_lib.parse_period("202401")],
        org_units=None,
        today=TODAY,
    )
    tally = rates[("202401", None)]
    assert (tally.expected, tally.actual, tally.on_time) == (1, 1, int(on_time))


def test_timely_days_is_per_data_set(cast) -> None:
    ds = make_set(cast.ngo, places=("1101",), timely_days=5)
    register(ds, "1101", "202401", dt.date(2024, 2, 6))
    reg = CompleteDataSetRegistration.objects.get()
    assert not completeness.is_on_time(ds, completeness.period_lib.parse_period("202401"), reg.date)


def test_periods_not_ended_and_closed_places_expect_nothing(cast) -> None:
    ds = make_set(cast.ngo)
    OrgUnit.objects.filter(code="1103").update(closed_on=dt.date(2024, 2, 1))
    table = completeness.completeness_table(
        user=cast.me_nyarugenge,
        data_set=ds,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 3, 31),
        today=dt.date(2024, 3, 15),  # March has not ended
    )
    assert [p.code for p in table.periods] == ["202401", "202402"]
    # 1103 was open in January (closed 1 February), not in February.
    assert table.total.expected == 3 + 2


def test_roll_up_to_parent_places_sums_the_assigned_descendants(cast) -> None:
    ds = make_set(cast.ngo)
    five_received_three_on_time(ds)
    rates = completeness.reporting_rates(
        user=cast.me_nyarugenge,
        data_set=ds,
        periods=[
            completeness.period_lib.parse_period("2024Q1"),
            completeness.period_lib.parse_period("202401"),
        ],
        org_units=[ou("11"), ou("1101"), ou("1")],
        today=TODAY,
    )
    assert (rates[("2024Q1", "11")].expected, rates[("2024Q1", "11")].actual) == (9, 5)
    assert (rates[("2024Q1", "1")].expected, rates[("2024Q1", "1")].on_time) == (9, 3)
    assert (rates[("2024Q1", "1101")].expected, rates[("2024Q1", "1101")].actual) == (3, 3)
    assert (rates[("202401", "11")].expected, rates[("202401", "11")].actual) == (3, 2)


def test_each_reporting_organisation_owes_its_own_report(cast) -> None:
    ds = make_set(cast.ngo, places=("1101",))
    ds.organisations.set([cast.ngo, cast.police])
    target = registrations.target_resolve(
        actor=policy.SYSTEM, data_set=ds, org_unit=ou("1101"), period_code="202401", organisation=cast.ngo
    )
    registrations.registration_set(actor=policy.SYSTEM, target=target, date=at(dt.date(2024, 2, 1)))
    period = completeness.period_lib.parse_period("202401")
    everything = completeness.reporting_rates(
        user=policy.SYSTEM, data_set=ds, periods=[period], org_units=None, today=TODAY
    )[("202401", None)]
    assert (everything.expected, everything.actual) == (2, 1)
    # The police's M&E officer sees the police's report only (missing).
    police = completeness.reporting_rates(
        user=cast.police_me_nyarugenge, data_set=ds, periods=[period], org_units=None, today=TODAY
    )[("202401", None)]
    assert (police.expected, police.actual) == (1, 0)
    with pytest.raises(Exception, match="several organisations"):
        registrations.target_resolve(
            actor=policy.SYSTEM, data_set=ds, org_unit=ou("1101"), period_code="202401"
        )


def test_another_district_sees_none_of_these_reports(cast) -> None:
    ds = make_set(cast.ngo)
    five_received_three_on_time(ds)
    table = completeness.completeness_table(
        user=cast.me_gasabo, data_set=ds, start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31), today=TODAY
    )
    assert table.units == [] and table.total.expected == 0


# ---------------------------------------------------------------------------------------------------------
# The API

URL = "/api/v1/completeDataSetRegistrations"


def post(user: Any, rows: list[dict[str, Any]], url: str = URL) -> Any:
    return api_as(user).post(url, {"completeDataSetRegistrations": rows}, format="json")


def test_post_then_get_in_dhis2_shape(cast) -> None:
    make_set(cast.ngo)
    answer = post(
        cast.clerk_sector,
        [{"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101", "date": "2024-02-10"}],
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["importCount"]["imported"] == 1 and answer.json()["status"] == "SUCCESS"
    got = api_as(cast.me_nyarugenge).get(
        URL, {"dataSet": "MONTHLY", "orgUnit": "11", "children": "true", "period": "202401"}
    )
    assert got.status_code == 200
    [row] = got.json()["completeDataSetRegistrations"]
    assert row["dataSet"] == "MONTHLY" and row["organisationUnit"] == "1101" and row["period"] == "202401"
    assert row["completed"] is True and row["onTime"] is True and row["storedBy"] == "clerk_sector"
    assert row["attributeOptionCombo"] == "default" and row["organisation"] == "NGO1"
    assert row["date"].startswith("2024-02-10")
    # completed=false: marked incomplete again (the row stays, the report no longer counts).
    again = post(
        cast.clerk_sector,
        [{"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101", "completed": False}],
    )
    assert again.json()["importCount"]["updated"] == 1
    assert CompleteDataSetRegistration.objects.get().completed is False


def test_each_bad_row_is_a_conflict_naming_its_index_and_field(cast) -> None:
    make_set(cast.ngo)
    answer = post(
        cast.me_nyarugenge,
        [
            {"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101"},
            {"dataSet": "NOPE", "period": "202401", "organisationUnit": "1101"},
            {"dataSet": "MONTHLY", "period": "2024Q1", "organisationUnit": "1101"},
            {"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1104"},
            {"dataSet": "MONTHLY", "period": "2024X1", "organisationUnit": "1101"},
            {"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "XX"},
            {"dataSet": "MONTHLY", "period": "202402", "organisationUnit": "1101", "date": "yesterday"},
        ],
    )
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "WARNING", body
    assert body["importCount"]["imported"] == 1
    by_index = {c["indexes"][0]: c for c in body["conflicts"]}
    assert by_index[1]["property"] == "dataSet" and by_index[1]["errorCode"] == "E7600"
    assert by_index[2]["property"] == "period" and "Monthly" in by_index[2]["value"]
    assert by_index[3]["property"] == "organisationUnit" and "not assigned" in by_index[3]["value"]
    assert by_index[4]["property"] == "period"
    assert by_index[5]["property"] == "organisationUnit"
    assert by_index[6]["property"] == "date"
    assert body["rejectedIndexes"] == [1, 2, 3, 4, 5, 6]


def test_all_rows_refused_is_409_and_a_bad_envelope_is_400(cast) -> None:
    make_set(cast.ngo)
    refused = post(cast.me_nyarugenge, [{"dataSet": "NOPE", "period": "202401", "organisationUnit": "1101"}])
    assert refused.status_code == 409 and refused.json()["status"] == "ERROR"
    bad = api_as(cast.me_nyarugenge).post(URL, {"registrations": []}, format="json")
    assert_error(bad, 400, "completeDataSetRegistrations")


def test_clerk_of_another_district_or_organisation_is_refused(cast) -> None:
    make_set(cast.ngo)
    row = {"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101"}
    other_district = post(cast.me_gasabo, [row])
    assert other_district.status_code == 409
    assert other_district.json()["conflicts"][0]["property"] == "organisationUnit"
    assert "may not enter data" in other_district.json()["conflicts"][0]["value"]
    # The police's officer over the same district: the NGO's data set is not theirs to see.
    other_org = post(cast.police_me_nyarugenge, [row])
    assert other_org.status_code == 409
    assert other_org.json()["conflicts"][0]["errorCode"] == "E7600"
    assert not CompleteDataSetRegistration.objects.exists()
    # Nor may they read the NGO's registrations.
    register(make_set(None, code="SHARED"), "1101", "202401", dt.date(2024, 2, 1))
    register(DataSet.objects.get(code="MONTHLY"), "1101", "202401", dt.date(2024, 2, 1))
    seen = api_as(cast.police_me_nyarugenge).get(
        URL, {"dataSet": "SHARED", "orgUnit": "1101", "period": "202401"}
    )
    assert len(seen.json()["completeDataSetRegistrations"]) == 1  # the shared data set's report only
    hidden = api_as(cast.police_me_nyarugenge).get(
        URL, {"dataSet": "MONTHLY", "orgUnit": "1101", "period": "202401"}
    )
    assert_error(hidden, 400, "dataSet")
    gasabo = api_as(cast.me_gasabo).get(URL, {"dataSet": "MONTHLY", "orgUnit": "1101", "period": "202401"})
    assert gasabo.json()["completeDataSetRegistrations"] == []


def test_viewer_and_anonymous_may_not_register(cast) -> None:
    make_set(cast.ngo)
    row = {"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101"}
    assert post(cast.viewer_nyarugenge, [row]).status_code == 403
    anonymous = api_as(None).post(URL, {"completeDataSetRegistrations": [row]}, format="json")
    assert anonymous.status_code in (401, 403)
    assert api_as(None).get(
        URL, {"dataSet": "MONTHLY", "orgUnit": "1101", "period": "202401"}
    ).status_code in (
        401,
        403,
    )


def test_get_requires_data_set_org_unit_and_period(cast) -> None:
    make_set(cast.ngo)
    client = api_as(cast.me_nyarugenge)
    assert_error(client.get(URL, {"orgUnit": "1101", "period": "202401"}), 400, "dataSet")
    assert_error(client.get(URL, {"dataSet": "MONTHLY", "period": "202401"}), 400, "orgUnit")
    assert_error(client.get(URL, {"dataSet": "MONTHLY", "orgUnit": "1101"}), 400, "period")


def test_delete_removes_the_registration(cast) -> None:
    ds = make_set(cast.ngo)
    register(ds, "1101", "202401", dt.date(2024, 2, 1))
    client = api_as(cast.clerk_sector)
    refused = api_as(cast.me_gasabo).delete(URL + "?ds=MONTHLY&pe=202401&ou=1101")
    assert_error(refused, 403, "organisationUnit")
    assert client.delete(URL + "?ds=MONTHLY&pe=202401&ou=1101").status_code == 204
    assert not CompleteDataSetRegistration.objects.exists()
    assert_error(client.delete(URL + "?ds=MONTHLY&pe=202401&ou=1101"), 404)


def test_dhis2_path_answers_a_web_message(cast) -> None:
    make_set(cast.ngo)
    answer = post(
        cast.clerk_sector,
        [{"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101"}],
        url="/api/completeDataSetRegistrations",
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["httpStatus"] == "OK" and body["response"]["importCount"]["imported"] == 1


def test_data_value_set_with_complete_date_registers_the_report(cast, meta) -> None:
    ds = make_set(cast.ngo)
    ds.data_elements.set([meta.total])
    answer = api_as(cast.clerk_sector).post(
        "/api/v1/dataValueSets",
        {
            "dataSet": "MONTHLY",
            "period": "202401",
            "orgUnit": "1101",
            "completeDate": "2024-02-20",
            "dataValues": [{"dataElement": "GBV_TOTAL", "value": "4"}],
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    reg = CompleteDataSetRegistration.objects.get()
    assert reg.org_unit.code == "1101" and reg.period.code == "202401" and reg.completed
    assert completeness.registered_on(reg.date) == dt.date(2024, 2, 20)
    assert any("registered as complete" in n for n in answer.json()["notes"])
    # Without dataSet/period/orgUnit at the top the values still go in; the completion is a note.
    other = services.datavalues_import(
        actor=cast.clerk_sector,
        payload={
            "completeDate": "2024-03-20",
            "dataValues": [{"dataElement": "GBV_TOTAL", "period": "202402", "orgUnit": "1101", "value": "2"}],
        },
    )
    assert other.imported == 1 and any("completeDate not registered" in n for n in other.notes)


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_mark_complete_and_incomplete_from_data_entry(cast, meta) -> None:
    ds = make_set(cast.ngo)
    ds.data_elements.set([meta.total])
    client = client_for(cast.clerk_sector)
    page = client.get("/data/entry/", {"org_unit": "1101", "period": "202401", "data_set": "MONTHLY"})
    assert page.status_code == 200 and b"mark-complete" in page.content
    data = {
        "org_unit": "1101",
        "period": "202401",
        "data_set": "MONTHLY",
        "attribute_option_combo": "default",
    }
    assert client.post("/data/entry/registration/complete/", data).status_code == 302
    assert CompleteDataSetRegistration.objects.get().completed
    page = client.get("/data/entry/", {"org_unit": "1101", "period": "202401", "data_set": "MONTHLY"})
    assert b"mark-incomplete" in page.content
    client.post("/data/entry/registration/incomplete/", data)
    assert not CompleteDataSetRegistration.objects.get().completed
    # A clerk of another district cannot reach the place at all.
    other = client_for(cast.me_gasabo).post("/data/entry/registration/complete/", data)
    assert other.status_code == 404
    assert (
        client_for(cast.viewer_nyarugenge).post("/data/entry/registration/complete/", data).status_code == 403
    )


def test_completeness_page_shows_places_periods_and_rates(cast) -> None:
    ds = make_set(cast.ngo)
    five_received_three_on_time(ds)
    page = client_for(cast.me_nyarugenge).get(
        "/data/completeness/", {"data_set": "MONTHLY", "start": "202401", "end": "202403"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="completeness-table"' in text and "55.6 %" in text and "33.3 %" in text
    assert text.count('data-state="missing"') == 4
    other = client_for(cast.me_gasabo).get("/data/completeness/", {"data_set": "MONTHLY"})
    assert other.status_code == 200 and 'id="completeness-table"' not in other.content.decode()
    bad = client_for(cast.me_nyarugenge).get(
        "/data/completeness/", {"data_set": "MONTHLY", "start": "2024-13"}
    )
    assert bad.status_code == 400
    assert client_for(cast.nobody).get("/data/completeness/").status_code == 403


# ---------------------------------------------------------------------------------------------------------
# Analytics


def test_reporting_rate_items_in_the_analytics_api(cast) -> None:
    ds = make_set(cast.ngo)
    five_received_three_on_time(ds)
    items = ";".join(f"MONTHLY.{m}" for m in completeness.METRICS)
    answer = api_as(cast.me_nyarugenge).get(
        "/api/v1/analytics",
        {"dimension": [f"dx:{items}", "pe:2024Q1;202401", "ou:11;1101"], "outputIdScheme": "CODE"},
    )
    assert answer.status_code == 200, answer.json()
    values = {(r[0], r[1], r[2]): r[3] for r in answer.json()["rows"]}
    assert values[("MONTHLY.REPORTING_RATE", "2024Q1", "11")] == "55.6"
    assert values[("MONTHLY.REPORTING_RATE_ON_TIME", "2024Q1", "11")] == "33.3"
    assert values[("MONTHLY.ACTUAL_REPORTS", "2024Q1", "11")] == "5"
    assert values[("MONTHLY.ACTUAL_REPORTS_ON_TIME", "2024Q1", "11")] == "3"
    assert values[("MONTHLY.EXPECTED_REPORTS", "2024Q1", "11")] == "9"
    assert values[("MONTHLY.REPORTING_RATE", "202401", "1101")] == "100"
    assert values[("MONTHLY.EXPECTED_REPORTS", "202401", "11")] == "3"
    # A filter on ou: the figure over the places named.
    filtered = api_as(cast.me_nyarugenge).get(
        "/api/v1/analytics", {"dimension": ["dx:MONTHLY.REPORTING_RATE", "pe:2024Q1"], "filter": "ou:11"}
    )
    assert [r[-1] for r in filtered.json()["rows"]] == ["55.6"]
    unknown = api_as(cast.me_nyarugenge).get(
        "/api/v1/analytics", {"dimension": ["dx:MONTHLY.NOT_A_RATE", "pe:2024Q1"]}
    )
    assert_error(unknown, 400, "dx")


def test_organisation_of_another_district_gets_no_rates(cast) -> None:
    ds = make_set(cast.ngo)
    five_received_three_on_time(ds)
    refused = api_as(cast.me_gasabo).get(
        "/api/v1/analytics", {"dimension": ["dx:MONTHLY.REPORTING_RATE", "pe:2024Q1", "ou:11"]}
    )
    assert_error(refused, 403, "ou")
    mine = api_as(cast.me_gasabo).get(
        "/api/v1/analytics", {"dimension": ["dx:MONTHLY.EXPECTED_REPORTS", "pe:2024Q1"], "filter": "ou:12"}
    )
    assert mine.status_code == 200
    assert [r[-1] for r in mine.json()["rows"]] == ["0"]


def test_dhis2_metadata_carries_timely_and_expiry_days(cast) -> None:
    payload = {
        "dataSets": [
            {
                "code": "CLINIC",
                "name": "Clinic monthly",
                "periodType": "Monthly",
                "timelyDays": 10,
                "expiryDays": 30,
            }
        ]
    }
    answer = api_as(cast.sysadmin).post("/api/v1/metadata", payload, format="json")
    assert answer.status_code == 200, answer.json()
    ds = DataSet.objects.get(code="CLINIC")
    assert (ds.timely_days, ds.expiry_days) == (10, 30)
    exported = api_as(cast.sysadmin).get("/api/v1/metadata").json()["dataSets"]
    clinic = next(d for d in exported if d["code"] == "CLINIC")
    assert (clinic["timelyDays"], clinic["expiryDays"]) == (10, 30)
    bad = {"dataSets": [{"code": "BAD", "name": "Bad", "periodType": "Monthly", "timelyDays": "soon"}]}
    refused = api_as(cast.sysadmin).post("/api/v1/metadata", bad, format="json").json()
    assert refused["status"] == "ERROR" and "timelyDays" in str(refused)


def test_reporting_settings_are_for_the_data_sets_managers(cast) -> None:
    ds = make_set(cast.ngo)
    services.dataset_reporting_set(
        actor=cast.me_nyarugenge, data_set=ds, timely_days=7, remind_days_before=2, organisations=[cast.ngo]
    )
    ds.refresh_from_db()
    assert (ds.timely_days, ds.remind_days_before) == (7, 2)
    with pytest.raises(Exception, match="may not"):
        services.dataset_reporting_set(actor=cast.police_me_nyarugenge, data_set=ds, timely_days=1)
    with pytest.raises(Exception, match="between 0 and 3660"):
        services.dataset_reporting_set(actor=cast.me_nyarugenge, data_set=ds, timely_days=-1)


def test_the_analytics_picker_offers_the_reporting_rates(cast) -> None:
    make_set(cast.ngo)
    found = client_for(cast.me_nyarugenge).get("/analytics/search/data", {"q": "monthly"}).json()
    codes = {d["code"]: d["kind"] for d in found["items"]}
    assert codes["MONTHLY.REPORTING_RATE"] == "reporting rate" and "MONTHLY.REPORTING_RATE_ON_TIME" in codes
    police = client_for(cast.police_me_nyarugenge).get("/analytics/search/data", {"q": "monthly"}).json()
    assert not [d for d in police["items"] if d["code"].startswith("MONTHLY.")]


def test_dry_run_checks_and_counts_without_saving(cast) -> None:
    ds = make_set(cast.ngo)
    register(ds, "1101", "202401", dt.date(2024, 2, 1))
    rows = [
        {"dataSet": "MONTHLY", "period": "202401", "organisationUnit": "1101"},
        {"dataSet": "MONTHLY", "period": "202402", "organisationUnit": "1101"},
        {"dataSet": "MONTHLY", "period": "202402", "organisationUnit": "1201"},
    ]
    answer = api_as(cast.me_nyarugenge).post(
        URL + "?dryRun=true", {"completeDataSetRegistrations": rows}, format="json"
    )
    body = answer.json()
    assert body["importCount"] == {"imported": 1, "updated": 0, "ignored": 2, "deleted": 0}, body
    assert body["dryRun"] is True and [c["indexes"] for c in body["conflicts"]] == [[2]]
    assert CompleteDataSetRegistration.objects.count() == 1


def test_the_scheduled_task_runs_the_reminders_once_at_a_time(cast) -> None:
    from django.core.cache import cache

    from amahoro.data import tasks

    assert set(tasks.reporting_reminders()) == {"due", "late", "skipped", "no_recipient"}
    cache.add("amahoro:reporting-reminders", "1", 60)
    try:
        assert tasks.reporting_reminders() == {}
    finally:
        cache.delete("amahoro:reporting-reminders")
