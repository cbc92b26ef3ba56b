"""The set-up pages of data elements and disaggregations (/setup/data-elements/, /setup/disaggregations/)
and the services behind them: who may create and change what (an organisation's managers their own,
system administrators shared metadata), errors in words next to the field, and option combos generated."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.metadata import services
from amahoro.metadata.models import Category, CategoryCombo, DataElement
from conftest import assert_login_redirect, assert_page_ok, client_for

ELEMENTS = "/setup/data-elements/"
NEW_ELEMENT = "/setup/data-elements/new/"
DISAGGREGATIONS = "/setup/disaggregations/"


@pytest.fixture
def sex(db: Any) -> CategoryCombo:
    """A shared Sex category and combo, made by the platform."""
    services.category_create(
        actor=policy.SYSTEM,
        code="SEX",
        name="Sex",
        options=[("F", "Female"), ("M", "Male")],
        organisation=None,
    )
    return services.category_combo_create(
        actor=policy.SYSTEM, code="SEX", name="Sex", categories=["SEX"], organisation=None
    )


def element_form(**extra: str) -> dict[str, str]:
    return {
        "code": "SURVIVORS",
        "name": "Survivors received",
        "value_type": "INTEGER_ZERO_OR_POSITIVE",
        "aggregation_type": "SUM",
        "category_combo": "SEX",
        "organisation": "NGO1",
        **extra,
    }


# ---------------------------------------------------------------------------------------------------------
# Services


def test_a_manager_creates_a_data_element_of_their_organisation_audited(cast, sex) -> None:
    de = services.data_element_create(
        actor=cast.me_nyarugenge,
        code="SURVIVORS",
        name="Survivors received",
        value_type="INTEGER_ZERO_OR_POSITIVE",
        category_combo="SEX",
        organisation=cast.ngo,
    )
    assert de.organisation == cast.ngo
    assert de.category_combo == sex
    assert AuditEvent.objects.filter(object_id=str(de.pk), action="create").exists()


def test_only_system_administrators_create_shared_data_elements(cast, sex) -> None:
    with pytest.raises(PermissionDenied):
        services.data_element_create(
            actor=cast.me_nyarugenge, code="X1", name="X", value_type="INTEGER", organisation=None
        )
    de = services.data_element_create(actor=cast.sysadmin, code="X1", name="X", value_type="INTEGER")
    assert de.organisation is None


def test_a_manager_may_not_create_for_another_organisation(cast, sex) -> None:
    with pytest.raises(PermissionDenied):
        services.data_element_create(
            actor=cast.me_nyarugenge, code="X1", name="X", value_type="INTEGER", organisation=cast.police
        )


def test_data_element_errors_name_the_field(cast, sex) -> None:
    cases = [
        ({"code": "bad code"}, "code"),
        ({"value_type": "DATE"}, "value_type"),
        ({"category_combo": "NOPE"}, "category_combo"),
        ({"name": ""}, "name"),
    ]
    for change, field in cases:
        kwargs = {"code": "X1", "name": "X", "value_type": "INTEGER", "category_combo": "SEX"} | change
        with pytest.raises(ValidationFailed) as err:
            services.data_element_create(actor=cast.me_nyarugenge, organisation=cast.ngo, **kwargs)
        assert err.value.field == field, (change, err.value.message)
    services.data_element_create(
        actor=cast.me_nyarugenge, organisation=cast.ngo, code="X1", name="X", value_type="INTEGER"
    )
    with pytest.raises(ValidationFailed, match="already exists"):
        services.data_element_create(
            actor=cast.me_nyarugenge, organisation=cast.ngo, code="X1", name="X", value_type="INTEGER"
        )


def test_an_organisation_builds_a_sex_by_age_combo_on_the_shared_sex_category(cast, sex) -> None:
    """Reusing the shared options F and M needs no right to change them; the cells are generated."""
    services.category_create(
        actor=cast.me_nyarugenge,
        code="AGE_GROUP",
        name="Age group",
        options=[("U18", "Under 18"), ("A18P", "18 and over")],
        organisation=cast.ngo,
    )
    combo = services.category_combo_create(
        actor=cast.me_nyarugenge,
        code="SEX_AGE",
        name="Sex and age group",
        categories=["SEX", "AGE_GROUP"],
        organisation=cast.ngo,
    )
    assert sorted(combo.option_combos.values_list("code", flat=True)) == [
        "F_A18P",
        "F_U18",
        "M_A18P",
        "M_U18",
    ]
    # A third age group: the combo's cells are generated again.
    category = Category.objects.get(code="AGE_GROUP")
    services.category_update(
        actor=cast.me_nyarugenge,
        category=category,
        name="Age group",
        options=[("U18", ""), ("A18_24", "18-24"), ("A18P", "25 and over")],
    )
    assert combo.option_combos.count() == 6
    assert combo.option_combos.get(code="F_A18P").name == "Female, 25 and over"
    # The shared Sex category is not theirs to change.
    with pytest.raises(PermissionDenied):
        services.category_update(
            actor=cast.me_nyarugenge,
            category=Category.objects.get(code="SEX"),
            name="Gender",
            options=[("F", "")],
        )


def test_a_category_without_options_or_with_a_twice_listed_option_is_refused(cast, sex) -> None:
    with pytest.raises(ValidationFailed, match="at least one option"):
        services.category_create(actor=cast.sysadmin, code="C1", name="C", options=[], organisation=None)
    with pytest.raises(ValidationFailed, match="twice") as err:
        services.category_create(
            actor=cast.sysadmin, code="C1", name="C", options=[("A", "a"), ("A", "a")], organisation=None
        )
    assert err.value.field == "options"


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_pages_refuse_anonymous_and_roles_without_metadata_management(cast, sex) -> None:
    from django.test import Client

    for url in (
        ELEMENTS,
        NEW_ELEMENT,
        DISAGGREGATIONS,
        "/setup/categories/new/",
        "/setup/category-combos/new/",
    ):
        assert_login_redirect(Client().get(url))
        for user in (cast.viewer_nyarugenge, cast.clerk_sector, cast.nobody):
            assert client_for(user).get(url).status_code == 403, (url, user)


def test_the_list_shows_shared_and_own_data_elements_only(cast, sex) -> None:
    services.data_element_create(
        actor=cast.me_nyarugenge,
        code="NGO_DE",
        name="NGO element",
        value_type="INTEGER",
        organisation=cast.ngo,
    )
    services.data_element_create(
        actor=cast.police_me_nyarugenge,
        code="RNP_DE",
        name="Police element",
        value_type="INTEGER",
        organisation=cast.police,
    )
    services.data_element_create(
        actor=cast.sysadmin, code="SHARED_DE", name="Shared element", value_type="INTEGER"
    )
    html = assert_page_ok(client_for(cast.me_nyarugenge).get(ELEMENTS))
    assert "NGO element" in html and "Shared element" in html
    assert "Police element" not in html
    assert "/setup/data-elements/NGO_DE/edit/" in html
    assert "/setup/data-elements/SHARED_DE/edit/" not in html  # shared: read only for them
    assert "Whole number (may be negative)" in html  # the value type in words


def test_a_manager_creates_a_data_element_on_the_page(cast, sex) -> None:
    c = client_for(cast.me_nyarugenge)
    html = assert_page_ok(c.get(NEW_ELEMENT))
    assert "Whole number, 0 or more (counts)" in html
    assert "Shared (all organisations)" not in html  # only system administrators share
    r = c.post(NEW_ELEMENT, element_form())
    assert r.status_code == 302
    de = DataElement.objects.get(code="SURVIVORS")
    assert de.organisation == cast.ngo and de.category_combo.code == "SEX"


def test_bad_input_answers_400_with_the_message_next_to_the_field(cast, sex) -> None:
    c = client_for(cast.me_nyarugenge)
    r = c.post(NEW_ELEMENT, element_form(code="has space"))
    html = assert_page_ok(r, status=400)
    assert 'id="id_code_errors"' in html and "invalid code" in html
    r = c.post(NEW_ELEMENT, element_form(organisation="RNP"))  # not a choice they have
    assert r.status_code == 400
    assert not DataElement.objects.filter(code="SURVIVORS").exists()


def test_edit_own_element_and_404_for_another_organisations_or_shared(cast, sex) -> None:
    services.data_element_create(
        actor=cast.me_nyarugenge,
        code="NGO_DE",
        name="NGO element",
        value_type="INTEGER",
        organisation=cast.ngo,
    )
    services.data_element_create(actor=cast.sysadmin, code="SHARED_DE", name="Shared", value_type="INTEGER")
    c = client_for(cast.me_nyarugenge)
    assert_page_ok(c.get("/setup/data-elements/NGO_DE/edit/"))
    data = element_form(name="NGO element renamed", value_type="INTEGER")
    data.pop("code")
    assert c.post("/setup/data-elements/NGO_DE/edit/", data).status_code == 302
    assert DataElement.objects.get(code="NGO_DE").name == "NGO element renamed"
    assert client_for(cast.police_me_nyarugenge).get("/setup/data-elements/NGO_DE/edit/").status_code == 404
    assert c.get("/setup/data-elements/SHARED_DE/edit/").status_code == 404
    assert_page_ok(client_for(cast.sysadmin).get("/setup/data-elements/SHARED_DE/edit/"))


def test_a_combo_is_made_on_the_pages_and_its_columns_shown(cast, sex) -> None:
    c = client_for(cast.me_nyarugenge)
    r = c.post(
        "/setup/categories/new/",
        {
            "code": "AGE_GROUP",
            "name": "Age group",
            "options": "U18 Under 18\nA18P 18 and over\n",
            "organisation": "NGO1",
        },
    )
    assert r.status_code == 302, r.content[:800]
    r = c.post(
        "/setup/category-combos/new/",
        {
            "code": "SEX_AGE",
            "name": "Sex and age",
            "category_1": "SEX",
            "category_2": "AGE_GROUP",
            "organisation": "NGO1",
        },
    )
    assert r.status_code == 302, r.content[:800]
    html = assert_page_ok(c.get(DISAGGREGATIONS))
    assert "Under 18, 18 and over" in html and "Sex and age" in html
    html = assert_page_ok(c.get("/setup/category-combos/SEX_AGE/edit/"))
    assert "Female, Under 18" in html  # Sex first, as chosen
    assert "F_U18" in html
    # The same category twice: 400, the message next to the second choice.
    r = c.post(
        "/setup/category-combos/SEX_AGE/edit/",
        {"name": "Sex and age", "category_1": "SEX", "category_2": "SEX"},
    )
    html = assert_page_ok(r, status=400)
    assert 'id="id_category_2_errors"' in html
    # Age group first: the columns are generated again, in that order.
    r = c.post(
        "/setup/category-combos/SEX_AGE/edit/",
        {"name": "Age and sex", "category_1": "AGE_GROUP", "category_2": "SEX"},
    )
    assert r.status_code == 302
    assert CategoryCombo.objects.get(code="SEX_AGE").option_combos.filter(code="U18_F").exists()
    # The shared Sex combo is not theirs.
    assert c.get("/setup/category-combos/SEX/edit/").status_code == 404
    # A category with no options: 400 and the message by the field.
    r = c.post(
        "/setup/categories/new/",
        {"code": "EMPTY", "name": "Empty", "options": "  \n", "organisation": "NGO1"},
    )
    html = assert_page_ok(r, status=400)
    assert 'id="id_options_errors"' in html
