"""/api/v1/organisations: membership or operating area decides who sees one; only system administrators
create them; an organisation's administrators change it; every write is audited."""

from __future__ import annotations

import pytest

from amahoro.audit.models import AuditEvent
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Contact, Organisation
from conftest import make_org, make_user

from .conftest import api_as, assert_error


@pytest.fixture
def gasabo_only(cast) -> Organisation:
    return make_org("GASABO_ONLY", "cso", areas=("12",))


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [o["code"] for o in response.json()["results"]]


# --- reads -------------------------------------------------------------------------------------------


def test_list_shows_own_and_operating_in_area(cast, gasabo_only) -> None:
    assert _codes(api_as(cast.me_nyarugenge).get("/api/v1/organisations")) == ["NGO1", "RNP"]
    assert "GASABO_ONLY" in _codes(api_as(cast.me_gasabo).get("/api/v1/organisations"))


def test_list_filters(cast, gasabo_only) -> None:
    client = api_as(cast.me_gasabo)
    assert _codes(client.get("/api/v1/organisations", {"type": "police"})) == ["RNP"]
    assert _codes(client.get("/api/v1/organisations", {"q": "gasabo"})) == ["GASABO_ONLY"]


def test_detail_with_areas_and_contacts(cast) -> None:
    Contact.objects.create(organisation=cast.ngo, name="Aline", role="Coordinator", email="aline@example.org")
    body = api_as(cast.me_nyarugenge).get("/api/v1/organisations/NGO1").json()
    assert body["code"] == "NGO1" and body["type"] == "ngo"
    assert sorted(body["areas"]) == ["11", "12", "21"]
    assert body["contacts"] == [
        {"name": "Aline", "role": "Coordinator", "email": "aline@example.org", "phone": "", "org_unit": None}
    ]


def test_organisation_of_another_district_is_404(cast, gasabo_only) -> None:
    assert_error(api_as(cast.me_nyarugenge).get("/api/v1/organisations/GASABO_ONLY"), 404)
    assert_error(api_as(cast.me_nyarugenge).get("/api/v1/organisations/NOPE"), 404)
    assert api_as(cast.me_gasabo).get("/api/v1/organisations/GASABO_ONLY").status_code == 200


def test_user_without_role_sees_no_organisation(cast) -> None:
    client = api_as(cast.nobody)
    assert client.get("/api/v1/organisations").json()["count"] == 0
    assert_error(client.get("/api/v1/organisations/NGO1"), 404)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "charity"}, "type"),
        ({"q": "x" * 101}, "q"),
        ({"typ": "ngo"}, "typ"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_list_parameters_are_400(cast, params, field) -> None:
    assert_error(api_as(cast.ngo_admin).get("/api/v1/organisations", params), 400, field)


# --- create ------------------------------------------------------------------------------------------

NEW = {"code": "ISANGE_KG", "name": "Isange One Stop Centre Kacyiru", "type": "osc", "areas": ["11", "12"]}


def test_system_admin_creates_an_organisation_and_it_is_audited(cast) -> None:
    response = api_as(cast.sysadmin).post(
        "/api/v1/organisations", {**NEW, "email": "isange@example.org"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "ISANGE_KG" and sorted(body["areas"]) == ["11", "12"] and body["contacts"] == []
    org = Organisation.objects.get(code="ISANGE_KG")
    assert org.email == "isange@example.org" and org.created_by == cast.sysadmin
    event = AuditEvent.objects.get(
        object_type="organisations.organisation", object_id=str(org.pk), action="create"
    )
    assert event.actor_username == "sysadmin"


@pytest.mark.parametrize("who", ["ngo_admin", "me_nyarugenge", "viewer_nyarugenge", "nobody"])
def test_only_system_admins_create_organisations(cast, who) -> None:
    response = api_as(getattr(cast, who)).post("/api/v1/organisations", NEW, format="json")
    assert_error(response, 403)
    assert not Organisation.objects.filter(code="ISANGE_KG").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**NEW, "code": "bad code!"}, "code"),
        ({**NEW, "code": "NGO1"}, "code"),
        ({**NEW, "type": "charity"}, "type"),
        ({**NEW, "name": ""}, "name"),
        ({**NEW, "email": "not-an-email"}, "email"),
        ({**NEW, "areas": ["11", "NOWHERE"]}, "areas"),
        ({**NEW, "colour": "blue"}, "colour"),
        ({"name": "x", "type": "ngo"}, "code"),
    ],
)
def test_bad_organisation_is_400_naming_the_field(cast, payload, field) -> None:
    assert_error(api_as(cast.sysadmin).post("/api/v1/organisations", payload, format="json"), 400, field)


def test_system_admin_of_a_district_cannot_place_an_organisation_elsewhere(cast) -> None:
    admin11 = make_user("sysadmin11", ("system_admin", cast.platform, "11"))
    response = api_as(admin11).post("/api/v1/organisations", NEW, format="json")
    assert_error(response, 400, "areas")  # 12 is not theirs to name


# --- update ------------------------------------------------------------------------------------------


def test_org_admin_changes_their_organisation_and_it_is_audited(cast) -> None:
    response = api_as(cast.ngo_admin).patch(
        "/api/v1/organisations/NGO1", {"short_name": "N1", "areas": ["11"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["short_name"] == "N1" and response.json()["areas"] == ["11"]
    event = AuditEvent.objects.filter(action="update", object_id=str(cast.ngo.pk)).get()
    assert event.changes["short_name"] == ["", "N1"]
    assert event.organisation_id == cast.ngo.pk


def test_org_admin_of_another_organisation_gets_403_when_visible(cast) -> None:
    # ngo_admin sees the police (it operates nationally) but does not manage it.
    response = api_as(cast.ngo_admin).patch(
        "/api/v1/organisations/RNP", {"name": "Taken over"}, format="json"
    )
    assert_error(response, 403)
    assert Organisation.objects.get(code="RNP").name == "RNP organisation"


def test_members_without_manage_get_403(cast) -> None:
    assert_error(
        api_as(cast.me_nyarugenge).patch("/api/v1/organisations/NGO1", {"name": "x"}, format="json"), 403
    )


def test_invisible_organisation_is_404_on_update(cast, gasabo_only) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    assert_error(
        api_as(admin11).patch("/api/v1/organisations/GASABO_ONLY", {"name": "x"}, format="json"), 404
    )


def test_district_admin_keeps_areas_outside_their_district(cast) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    client = api_as(admin11)
    assert_error(client.patch("/api/v1/organisations/NGO1", {"areas": ["1201"]}, format="json"), 400, "areas")
    response = client.patch("/api/v1/organisations/NGO1", {"areas": ["1101"]}, format="json")
    assert response.status_code == 200, response.content
    assert sorted(cast.ngo.areas.values_list("code", flat=True)) == ["1101", "12", "21"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "charity"}, "type"),
        ({"website": "not a url"}, "website"),
        ({"code": "RENAMED"}, "code"),
        ({"name": ""}, "name"),
        ({"is_active": "sometimes"}, "is_active"),
    ],
)
def test_bad_update_is_400_naming_the_field(cast, payload, field) -> None:
    assert_error(
        api_as(cast.ngo_admin).patch("/api/v1/organisations/NGO1", payload, format="json"), 400, field
    )


def test_org_units_in_areas_must_exist(cast) -> None:
    assert OrgUnit.objects.filter(code="11").exists()
    response = api_as(cast.ngo_admin).patch("/api/v1/organisations/NGO1", {"areas": "11"}, format="json")
    assert_error(response, 400, "areas")
