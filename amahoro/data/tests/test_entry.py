"""Data entry by names: the chooser (data sets of one's places, a place found by its name, a period picker
with readable labels), the form per data set, values refused in words, idempotent saves for the browser's
retry queue, the JSON answer of a save, the CSRF refresh and the service worker."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from amahoro.data import entry_words, selectors, services
from amahoro.data.models import DataSet, DataValue, DataValueAudit
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from conftest import client_for

ENTRY = "/data/entry/"
SAVE = "/data/entry/save/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def monthly(cast, meta) -> DataSet:
    ds = DataSet.objects.create(code="GBV_MONTHLY", name="GBV monthly report", period_type="Monthly")
    ds.data_elements.set([meta.cases, meta.total])
    ds.org_units.set([OrgUnit.objects.get(code="1101"), OrgUnit.objects.get(code="1201")])
    return ds


def _save(client: Any, value: str, **extra: str) -> Any:
    data = {
        "org_unit": "1101",
        "period": "202401",
        "attribute_option_combo": "default",
        "data_element": "GBV_CASES",
        "category_option_combo": "F",
        "value": value,
        **extra,
    }
    return client.post(SAVE, data, **JSON)


def test_period_labels_read_as_people_say_them() -> None:
    assert entry_words.period_label(period_lib.parse_period("202403")) == "March 2024"
    assert entry_words.period_label(period_lib.parse_period("2024Q1")) == "Q1 2024"
    assert entry_words.period_label(period_lib.parse_period("2024")) == "2024"
    assert entry_words.period_label(period_lib.parse_period("2024July")) == "July 2024 - June 2025"
    assert entry_words.period_label(period_lib.parse_period("2024S1")) == "January - June 2024"
    assert entry_words.period_label(period_lib.parse_period("2024W5")).startswith("Week 5 of 2024")


def test_value_problems_are_said_in_words() -> None:
    assert entry_words.value_problem("INTEGER_ZERO_OR_POSITIVE", "-3") == "must be a whole number, 0 or more"
    assert entry_words.value_problem("INTEGER", "1.5") == "must be a whole number"
    assert entry_words.value_problem("PERCENTAGE", "120") == "must be a number from 0 to 100"
    assert entry_words.value_problem("NUMBER", "abc") == "must be a number"
    assert entry_words.value_problem("BOOLEAN", "maybe") == "must be yes (true) or no (false)"
    assert entry_words.value_problem("INTEGER_ZERO_OR_POSITIVE", "12") is None
    assert entry_words.value_problem("INTEGER_ZERO_OR_POSITIVE", "") is None  # empty deletes


def test_chooser_offers_the_data_sets_of_ones_places_and_readable_periods(cast, meta, monthly) -> None:
    elsewhere = DataSet.objects.create(code="RUBAVU", name="Rubavu only", period_type="Monthly")
    elsewhere.org_units.set([OrgUnit.objects.get(code="21")])
    html = client_for(cast.clerk_sector).get(ENTRY).content.decode()
    assert "GBV monthly report" in html and "Rubavu only" not in html
    html = client_for(cast.clerk_sector).get(ENTRY, {"data_set": "GBV_MONTHLY"}).content.decode()
    last_month = period_lib.period_for_date("Monthly", dt.date.today()).previous()
    assert (
        f'<option value="{last_month.code}" selected>{entry_words.period_label(last_month)}</option>' in html
    )
    assert 'name="place" id="entry-place" value="Gitega"' in html  # the clerk's one place, filled in
    quarterly = DataSet.objects.create(code="Q", name="Quarterly", period_type="Quarterly")
    periods = client_for(cast.clerk_sector).get("/data/entry/periods/", {"data_set": quarterly.code})
    assert periods.status_code == 200
    assert f"Q{(dt.date.today().month - 1) // 3 + 1} {dt.date.today().year}" in periods.content.decode()


def test_places_are_found_by_name_within_ones_places(cast, meta, monthly) -> None:
    client = client_for(cast.me_nyarugenge)
    found = client.get("/data/entry/places/", {"place": "gitega", "data_set": "GBV_MONTHLY"})
    assert found.status_code == 200 and 'value="1101"' in found.content.decode()
    # Without a data set: any place of one's district, by part of its name.
    found = client.get("/data/entry/places/", {"place": "Nyaruge"}).content.decode()
    assert 'value="11"' in found
    # Gasabo's sector is assigned to the data set but is not one's place.
    gasabo_sector = OrgUnit.objects.get(code="1201").name
    outside = client.get("/data/entry/places/", {"place": gasabo_sector, "data_set": "GBV_MONTHLY"})
    assert 'value="1201"' not in outside.content.decode() and "No place called" in outside.content.decode()
    assert selectors.entry_places(user=cast.clerk_sector, data_set=None, query="Nyarugenge") == []


def test_form_opens_by_data_set_place_name_and_period(cast, meta, monthly) -> None:
    client = client_for(cast.clerk_sector)
    response = client.get(ENTRY, {"data_set": "GBV_MONTHLY", "place": "Gitega", "period": "202401"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "GBV monthly report · Gitega · January 2024" in html
    assert 'data-de="GBV_CASES" data-coc="F"' in html and 'data-de="GBV_TOTAL" data-coc="default"' in html
    assert 'data-editable="true"' in html and 'id="entry-unsent-count"' in html
    assert 'title="A whole number, 0 or more"' in html and 'inputmode="numeric"' in html


def test_a_name_that_fits_no_place_is_a_message_not_a_404(cast, meta, monthly) -> None:
    client = client_for(cast.clerk_sector)
    response = client.get(ENTRY, {"data_set": "GBV_MONTHLY", "place": "Musanze", "period": "202401"})
    assert response.status_code == 400
    assert "No place called “Musanze” among your places" in response.content.decode()
    # The scripted contract still answers by code, and a code out of reach is "not found", in words.
    response = client_for(cast.me_gasabo).get(
        ENTRY, {"org_unit": "1101", "period": "202401", "data_set": "GBV_MONTHLY"}
    )
    assert (
        response.status_code == 404
        and "No place with the code 1101 among your places" in response.content.decode()
    )


def test_several_places_fit_and_are_offered(cast, meta) -> None:
    first, second = OrgUnit.objects.filter(parent__code="11").order_by("code")[:2]
    OrgUnit.objects.filter(pk=first.pk).update(name="Twin hills", name_en="Twin hills", name_rw="")
    OrgUnit.objects.filter(pk=second.pk).update(name="Twin rivers", name_en="Twin rivers", name_rw="")
    client = client_for(cast.me_nyarugenge)
    response = client.get(ENTRY, {"place": "twin", "period": "202401", "data_element": "GBV_TOTAL"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Several places match “twin”: choose one." in html
    assert (
        f'name="org_unit" value="{first.code}"' in html and f'name="org_unit" value="{second.code}"' in html
    )
    # An exact name wins over a partial one.
    response = client.get(ENTRY, {"place": "Twin rivers", "period": "202401", "data_element": "GBV_TOTAL"})
    assert response.status_code == 200 and "Twin rivers" in response.content.decode()


def test_the_old_query_parameters_still_open_the_grid(cast, meta, monthly) -> None:
    client = client_for(cast.me_nyarugenge)
    response = client.get(ENTRY, {"org_unit": "1101", "period": "202401", "data_set": "GBV_MONTHLY"})
    assert response.status_code == 200 and 'data-de="GBV_TOTAL"' in response.content.decode()
    response = client.get(ENTRY, {"org_unit": "1101", "period": "202401", "data_element": ["GBV_TOTAL"]})
    assert response.status_code == 200 and 'data-de="GBV_CASES"' not in response.content.decode()


def test_the_same_save_twice_is_one_value_and_one_history_row(cast, meta) -> None:
    client = client_for(cast.clerk_sector)
    first = _save(client, "13", edit_id="e1")
    again = _save(client, "13", edit_id="e1")
    assert first.status_code == again.status_code == 200
    assert json.loads(again.content)["ok"] is True
    value = DataValue.objects.get()
    assert value.value == "13"
    assert DataValueAudit.objects.filter(data_value=value).count() == 1
    _save(client, "14", edit_id="e2")
    _save(client, "14", edit_id="e2")
    assert DataValue.objects.get().value == "14"
    assert DataValueAudit.objects.filter(data_value=value).count() == 2


def test_a_refused_save_answers_json_in_words(cast, meta) -> None:
    response = _save(client_for(cast.clerk_sector), "-3")
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "ok": False,
        "message": "must be a whole number, 0 or more",
        "value": "-3",
        "violations_html": "",
    }
    assert not DataValue.objects.exists()


def test_violations_name_the_rule_and_the_indicator_it_feeds(cast, meta) -> None:
    from amahoro.frameworks.models import Indicator

    services.validation_rule_create(
        actor=cast.sysadmin,
        code="SUM",
        name="Cases by sex add up to the total",
        left="#{GBV_CASES}",
        operator="==",
        right="#{GBV_TOTAL}",
    )
    Indicator.objects.create(code="IND_CASES", name="GBV cases reported", numerator="#{GBV_CASES}")
    client = client_for(cast.clerk_sector)
    _save(client, "10", data_element="GBV_TOTAL", category_option_combo="default")
    answer = json.loads(_save(client, "4").content)
    assert "Cases by sex add up to the total</strong>: 4 must be equal to 10" in answer["violations_html"]
    assert "GBV cases reported" in answer["violations_html"]
    form = client.get(ENTRY, {"org_unit": "1101", "period": "202401", "data_element": ["GBV_CASES"]})
    assert "Feeds: GBV cases reported" in form.content.decode()


def test_csrf_refresh_and_service_worker(cast, meta) -> None:
    client = client_for(cast.clerk_sector)
    token = client.get("/data/entry/csrf/")
    assert token.status_code == 200 and len(json.loads(token.content)["token"]) >= 32
    assert Client().get("/data/entry/csrf/").status_code == 302
    sw = Client().get("/data/entry/sw.js")
    assert sw.status_code == 200
    assert sw["Content-Type"].startswith("application/javascript")
    assert sw["Service-Worker-Allowed"] == "/data/entry/"
    assert 'var SCOPE = "/data/entry/"' in sw.content.decode()


def test_queued_saves_keep_working_with_csrf_checks(cast, meta) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.clerk_sector)
    assert _save(client, "5").status_code == 403  # no token: refused, the browser then fetches one
    token = json.loads(client.get("/data/entry/csrf/").content)["token"]
    assert _save(client, "5", csrfmiddlewaretoken=token).status_code == 200
    response = client.post(
        SAVE,
        {
            "org_unit": "1101",
            "period": "202401",
            "data_element": "GBV_CASES",
            "category_option_combo": "M",
            "value": "6",
        },
        HTTP_X_CSRFTOKEN=token,
        **JSON,
    )
    assert response.status_code == 200
    assert DataValue.objects.count() == 2


def test_a_clerks_home_page_leads_straight_into_the_form(cast, meta, monthly) -> None:
    html = client_for(cast.clerk_sector).get("/").content.decode()
    assert 'id="home-entry"' in html
    last_month = period_lib.period_for_date("Monthly", dt.date.today()).previous()
    link = f"/data/entry/?data_set=GBV_MONTHLY&amp;org_unit=1101&amp;period={last_month.code}"
    assert link in html and entry_words.period_label(last_month) in html
    # An M&E officer over a district has several places: the link opens the chooser with the data set.
    monthly.org_units.add(OrgUnit.objects.get(code="11"))
    html = client_for(cast.me_nyarugenge).get("/").content.decode()
    assert 'href="/data/entry/?data_set=GBV_MONTHLY"' in html
    # A viewer enters nothing: no entry section.
    assert 'id="home-entry"' not in client_for(cast.viewer_nyarugenge).get("/").content.decode()
