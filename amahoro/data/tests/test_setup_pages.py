"""The set-up pages of data sets and validation rules (/setup/data-sets/, /setup/validation-rules/) and the
services behind them: an organisation's data sets seen and changed only by its managers, shared ones
changed only by system administrators; places picked by name within the user's own; rule expressions
checked, naming the unknown data element; bad input 400 with the message next to the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data import services
from amahoro.data.models import DataSet, ValidationRule
from amahoro.geo.models import OrgUnit
from conftest import assert_login_redirect, assert_page_ok, client_for

SETS = "/setup/data-sets/"
NEW_SET = "/setup/data-sets/new/"
RULES = "/setup/validation-rules/"
NEW_RULE = "/setup/validation-rules/new/"
PAGES = ("/setup/", SETS, NEW_SET, RULES, NEW_RULE, "/setup/data-sets/places/?place_q=Gasabo")


def set_form(**extra: Any) -> dict[str, Any]:
    return {
        "code": "NGO_MONTHLY",
        "name": "NGO monthly report",
        "period_type": "Monthly",
        "data_elements": ["GBV_CASES", "GBV_TOTAL"],
        "org_units": ["11"],
        "organisations": ["NGO1"],
        "timely_days": "10",
        "expiry_days": "0",
        "remind_days_before": "",
        "remind_days_after": "3",
        "organisation": "NGO1",
        **extra,
    }


def rule_form(**extra: str) -> dict[str, str]:
    return {
        "code": "SEX_SUM",
        "name": "Female + male = total",
        "left": "#{GBV_CASES.F} + #{GBV_CASES.M}",
        "operator": "==",
        "right": "#{GBV_TOTAL}",
        "importance": "HIGH",
        "missing_value_strategy": "SKIP_IF_ALL_VALUES_MISSING",
        "organisation": "NGO1",
        **extra,
    }


# ---------------------------------------------------------------------------------------------------------
# Services


def test_dataset_update_changes_name_period_type_and_elements_audited(cast, meta) -> None:
    ds = services.dataset_create(
        actor=cast.me_nyarugenge, code="DS1", name="One", data_elements=[meta.cases], organisation=cast.ngo
    )
    services.dataset_update(
        actor=cast.me_nyarugenge,
        data_set=ds,
        name="One, renamed",
        period_type="quarterly",
        data_elements=[meta.cases, meta.total],
    )
    ds.refresh_from_db()
    assert (ds.name, ds.period_type) == ("One, renamed", "Quarterly")
    assert sorted(ds.data_elements.values_list("code", flat=True)) == ["GBV_CASES", "GBV_TOTAL"]
    with pytest.raises(PermissionDenied):
        services.dataset_update(
            actor=cast.police_me_nyarugenge, data_set=ds, name="x", period_type="", data_elements=[]
        )
    with pytest.raises(ValidationFailed) as err:
        services.dataset_update(
            actor=cast.me_nyarugenge, data_set=ds, name="x", period_type="Fortnightly", data_elements=[]
        )
    assert err.value.field == "period_type"


def test_an_organisations_data_set_holds_no_other_organisations_elements(cast, meta) -> None:
    meta.note.organisation = cast.police
    meta.note.save()
    with pytest.raises(ValidationFailed) as err:
        services.dataset_create(
            actor=cast.me_nyarugenge, code="DS1", name="One", data_elements=[meta.note], organisation=cast.ngo
        )
    assert err.value.field == "data_elements"


def test_a_rule_naming_an_unknown_element_is_refused_in_words(cast, meta) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.validation_rule_create(
            actor=cast.sysadmin, code="R1", name="r", left="#{GBV_CASE}", operator="<=", right="#{GBV_TOTAL}"
        )
    assert err.value.field == "left"
    assert "unknown data element 'GBV_CASE'" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        services.validation_rule_create(
            actor=cast.sysadmin, code="R1", name="r", left="#{GBV_CASES.X}", operator="<=", right="1"
        )
    assert "'X' is not an option combo of data element 'GBV_CASES'" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        services.validation_rule_create(
            actor=cast.sysadmin, code="R1", name="r", left="1", operator="<=", right="1", importance="URGENT"
        )
    assert err.value.field == "importance"


def test_a_rule_may_not_name_an_element_the_manager_cannot_see(cast, meta) -> None:
    meta.note.organisation = cast.police
    meta.note.save()
    with pytest.raises(ValidationFailed, match="unknown data element 'NOTE'"):
        services.validation_rule_create(
            actor=cast.me_nyarugenge,
            code="R1",
            name="r",
            left="#{NOTE}",
            operator="==",
            right="1",
            organisation=cast.ngo,
        )


def test_validation_rule_update_changes_the_rule_and_importance(cast, meta) -> None:
    rule = services.validation_rule_create(
        actor=cast.me_nyarugenge,
        organisation=cast.ngo,
        code="R1",
        name="r",
        left="#{GBV_CASES}",
        operator="<=",
        right="#{GBV_TOTAL}",
    )
    assert rule.importance == "MEDIUM"
    services.validation_rule_update(
        actor=cast.me_nyarugenge,
        rule=rule,
        name="Cases not above the total",
        left="#{GBV_CASES}",
        operator="<=",
        right="#{GBV_TOTAL} + 1",
        missing_value_strategy="NEVER_SKIP",
        importance="LOW",
        is_active=False,
    )
    rule.refresh_from_db()
    assert (rule.right, rule.importance, rule.is_active) == ("#{GBV_TOTAL} + 1", "LOW", False)
    with pytest.raises(PermissionDenied):
        services.validation_rule_update(
            actor=cast.police_me_nyarugenge,
            rule=rule,
            name="x",
            left="1",
            operator="==",
            right="1",
            missing_value_strategy="NEVER_SKIP",
            importance="LOW",
        )


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_pages_refuse_anonymous_and_roles_without_metadata_management(cast, meta) -> None:
    for url in PAGES:
        assert_login_redirect(Client().get(url))
        for user in (cast.viewer_nyarugenge, cast.clerk_sector, cast.nobody):
            assert client_for(user).get(url).status_code == 403, (url, user)


def test_the_set_up_menu_entry_shows_for_managers_only(cast, meta) -> None:
    assert 'id="nav-setup"' in client_for(cast.me_nyarugenge).get("/").content.decode()
    assert 'id="nav-setup"' not in client_for(cast.clerk_sector).get("/").content.decode()
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/setup/"))
    for url in (
        "/setup/data-sets/",
        "/setup/data-elements/",
        "/setup/disaggregations/",
        "/setup/validation-rules/",
    ):
        assert f'href="{url}"' in html


def test_a_manager_creates_a_data_set_with_places_organisations_and_reminders(cast, meta) -> None:
    c = client_for(cast.me_nyarugenge)
    html = assert_page_ok(c.get(NEW_SET))
    assert "Financial year from July" in html  # period types in words
    r = c.post(NEW_SET, set_form())
    assert r.status_code == 302, r.content.decode()[:2000]
    ds = DataSet.objects.get(code="NGO_MONTHLY")
    assert ds.organisation == cast.ngo and ds.period_type == "Monthly"
    assert list(ds.org_units.values_list("code", flat=True)) == ["11"]
    assert list(ds.organisations.values_list("code", flat=True)) == ["NGO1"]
    assert (ds.timely_days, ds.expiry_days, ds.remind_days_before, ds.remind_days_after) == (10, 0, None, 3)
    html = assert_page_ok(c.get(SETS))
    assert "NGO monthly report" in html and "/setup/data-sets/NGO_MONTHLY/edit/" in html
    # The edit page shows the place by its name, ticked.
    html = assert_page_ok(c.get("/setup/data-sets/NGO_MONTHLY/edit/"))
    assert "Nyarugenge" in html


def test_places_are_found_by_name_within_the_users_own(cast, meta) -> None:
    c = client_for(cast.me_nyarugenge)  # district 11, Nyarugenge
    html = c.get("/setup/data-sets/places/", {"place_q": "Nyarugenge"}).content.decode()
    assert 'value="11"' in html
    html = c.get("/setup/data-sets/places/", {"place_q": "Gasabo"}).content.decode()
    assert 'value="12">' not in html  # the district of Gasabo is not theirs (a village of that name is)
    html = c.get("/setup/data-sets/places/", {"place_q": "Musanze"}).content.decode()
    assert "No place of yours" in html
    # A place outside their own, posted by hand, is refused by the form (400), not saved.
    r = c.post(NEW_SET, set_form(org_units=["12"]))
    html = assert_page_ok(r, status=400)
    assert 'id="id_org_units_errors"' in html
    assert not DataSet.objects.filter(code="NGO_MONTHLY").exists()


def test_bad_data_set_input_answers_400_next_to_the_field(cast, meta) -> None:
    c = client_for(cast.me_nyarugenge)
    for change, field in (
        ({"code": "bad code"}, "code"),
        ({"period_type": "Fortnightly"}, "period_type"),
        ({"timely_days": "-1"}, "timely_days"),
        ({"name": ""}, "name"),
        ({"organisation": ""}, "organisation"),  # shared: system administrators only
    ):
        r = c.post(NEW_SET, set_form(**change))
        html = assert_page_ok(r, status=400 if field != "organisation" else r.status_code)
        assert r.status_code in (400, 403), (change, r.status_code)
        if r.status_code == 400:
            assert f'id="id_{field}_errors"' in html or "errorlist" in html, change
    assert not DataSet.objects.exists()


def test_data_sets_of_another_organisation_are_not_shown_nor_editable(cast, meta) -> None:
    services.dataset_create(
        actor=cast.police_me_nyarugenge,
        code="RNP_DS",
        name="Police report",
        data_elements=[],
        organisation=cast.police,
    )
    services.dataset_create(actor=cast.sysadmin, code="SHARED_DS", name="Shared report", data_elements=[])
    c = client_for(cast.me_nyarugenge)
    html = assert_page_ok(c.get(SETS))
    assert "Police report" not in html and "Shared report" in html
    assert "/setup/data-sets/SHARED_DS/edit/" not in html
    assert c.get("/setup/data-sets/RNP_DS/edit/").status_code == 404
    assert c.get("/setup/data-sets/SHARED_DS/edit/").status_code == 404
    assert c.post("/setup/data-sets/SHARED_DS/edit/", set_form()).status_code == 404
    s = client_for(cast.sysadmin)
    assert_page_ok(s.get("/setup/data-sets/SHARED_DS/edit/"))
    data = set_form(name="Shared report, renamed", org_units=["RW"], organisations=[])
    data.pop("code")
    data.pop("organisation")
    assert s.post("/setup/data-sets/SHARED_DS/edit/", data).status_code == 302
    ds = DataSet.objects.get(code="SHARED_DS")
    assert ds.name == "Shared report, renamed" and ds.org_units.get() == OrgUnit.objects.get(code="RW")


def test_a_manager_creates_and_edits_a_validation_rule(cast, meta) -> None:
    c = client_for(cast.me_nyarugenge)
    html = assert_page_ok(c.get(NEW_RULE))
    assert "#{GBV_CASES.F}" in html  # the reference of usable items
    assert c.post(NEW_RULE, rule_form()).status_code == 302
    rule = ValidationRule.objects.get(code="SEX_SUM")
    assert (rule.organisation, rule.importance) == (cast.ngo, "HIGH")
    html = assert_page_ok(c.get(RULES))
    assert "Female + male = total" in html and "equal to" in html
    data = rule_form(importance="LOW", is_active="")
    data.pop("code")
    data.pop("organisation")
    assert c.post("/setup/validation-rules/SEX_SUM/edit/", data).status_code == 302
    rule.refresh_from_db()
    assert (rule.importance, rule.is_active) == ("LOW", False)
    assert (
        client_for(cast.police_me_nyarugenge).get("/setup/validation-rules/SEX_SUM/edit/").status_code == 404
    )


def test_a_rule_with_an_unknown_element_answers_400_naming_it(cast, meta) -> None:
    c = client_for(cast.me_nyarugenge)
    r = c.post(NEW_RULE, rule_form(right="#{GBV_TOTL}"))
    html = assert_page_ok(r, status=400)
    assert 'id="id_right_errors"' in html
    assert "unknown data element &#x27;GBV_TOTL&#x27;" in html
    r = c.post(NEW_RULE, rule_form(left="#{GBV_CASES} +"))
    assert_page_ok(r, status=400)
    assert not ValidationRule.objects.exists()
