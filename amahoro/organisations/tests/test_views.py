"""Organisation pages: list with filters, detail, create (system admins) and edit (managers of that object)."""

from __future__ import annotations

import pytest
from django.test import Client

from amahoro.audit.models import AuditEvent
from amahoro.organisations.models import Contact, Organisation
from conftest import assert_login_redirect, assert_page_ok, client_for, make_org

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/organisations/", "/organisations/new/", "/organisations/NGO1/", "/organisations/NGO1/edit/"]
)
def test_anonymous_is_sent_to_login(cast, url: str) -> None:
    assert_login_redirect(Client().get(url))


def test_list_shows_visible_organisations(cast) -> None:
    gasabo_only = make_org("GASABO_ONLY", areas=("12",))
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/organisations/"))
    assert "NGO1 organisation" in html and "RNP organisation" in html
    assert gasabo_only.name not in html and "PLATFORM organisation" not in html
    assert 'href="/organisations/new/"' not in html


def test_list_filters_by_type_and_search(cast) -> None:
    c = client_for(cast.sysadmin)
    html = assert_page_ok(c.get("/organisations/?type=police"))
    assert "RNP organisation" in html and "NGO1 organisation" not in html
    html = c.get("/organisations/?q=ngo1").content.decode()
    assert "NGO1 organisation" in html and "RNP organisation" not in html
    assert 'href="/organisations/new/"' in html


def test_list_bad_filter_is_a_400_with_a_field_error(cast) -> None:
    response = client_for(cast.sysadmin).get("/organisations/?type=pirates")
    html = assert_page_ok(response, status=400)
    assert "errorlist" in html and "pirates" in html


def test_list_refused_without_a_role(cast) -> None:
    assert client_for(cast.nobody).get("/organisations/").status_code == 403


def test_detail_shows_areas_contacts_and_members(cast) -> None:
    Contact.objects.create(
        organisation=cast.ngo, name="Claudine M.", role="Focal point", email="c@example.org"
    )
    html = assert_page_ok(client_for(cast.ngo_admin).get("/organisations/NGO1/"))
    assert "Claudine M." in html and "Focal point" in html
    assert 'id="org-areas"' in html and "Nyarugenge" in html and "Gasabo" in html
    assert 'id="org-members"' in html and "me_gasabo" in html and "police_me_nyarugenge" not in html
    assert 'href="/organisations/NGO1/edit/"' in html


def test_detail_hides_areas_and_members_outside_the_scope(cast) -> None:
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/organisations/NGO1/"))
    assert "Nyarugenge" in html and "Gasabo" not in html and "2 places outside your area" in html
    assert 'id="org-members"' not in html  # no user.view
    assert 'href="/organisations/NGO1/edit/"' not in html


def test_detail_of_invisible_organisation_is_404(cast) -> None:
    make_org("GASABO_ONLY", areas=("12",))
    c = client_for(cast.me_nyarugenge)
    assert c.get("/organisations/GASABO_ONLY/").status_code == 404
    assert c.get("/organisations/PLATFORM/").status_code == 404
    assert c.get("/organisations/NOPE/").status_code == 404


def _org_data(**overrides):
    data = {
        "code": "HOPE",
        "name": "Hope Rwanda",
        "short_name": "HOPE",
        "type": "ngo",
        "areas": "11, 12",
        "email": "",
        "phone": "",
        "website": "",
        "address": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_system_admin_creates_an_organisation(cast) -> None:
    c = client_for(cast.sysadmin)
    assert_page_ok(c.get("/organisations/new/"))
    response = c.post("/organisations/new/", _org_data())
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/HOPE/"
    org = Organisation.objects.get(code="HOPE")
    assert sorted(org.areas.values_list("code", flat=True)) == ["11", "12"]
    assert AuditEvent.objects.filter(
        action="create", object_type="organisations.organisation", object_id=str(org.pk)
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "bad code!"}, "code", "Use 1-50 letters"),
        ({"code": "NGO1"}, "code", "already exists"),
        ({"name": ""}, "name", "required"),
        ({"type": "pirates"}, "type", "Select a valid choice"),
        ({"areas": "11, 9999"}, "areas", "9999"),
        ({"website": "not a url"}, "website", "valid URL"),
    ],
)
def test_create_bad_input_names_the_field(cast, overrides, field, message) -> None:
    response = client_for(cast.sysadmin).post("/organisations/new/", _org_data(**overrides))
    html = assert_page_ok(response, status=400)
    assert f'id="id_{field}_errors"' in html and message in html
    assert not Organisation.objects.filter(name="Hope Rwanda").exists()


def test_create_refused_for_org_admin(cast) -> None:
    c = client_for(cast.ngo_admin)
    assert c.get("/organisations/new/").status_code == 403
    assert c.post("/organisations/new/", _org_data()).status_code == 403
    assert not Organisation.objects.filter(code="HOPE").exists()


def test_org_admin_edits_own_organisation_keeping_hidden_areas(cast) -> None:
    c = client_for(cast.ngo_admin)
    page = assert_page_ok(c.get("/organisations/NGO1/edit/"))
    assert 'name="code"' not in page  # codes never change
    response = c.post("/organisations/NGO1/edit/", _org_data(name="NGO One", areas="11", is_active="on"))
    assert response.status_code == 302
    cast.ngo.refresh_from_db()
    assert cast.ngo.name == "NGO One" and list(cast.ngo.areas.values_list("code", flat=True)) == ["11"]
    event = AuditEvent.objects.filter(action="update", object_type="organisations.organisation").latest("id")
    assert event.changes["name"] == ["NGO1 organisation", "NGO One"]


def test_edit_keeps_areas_the_editor_cannot_see(cast) -> None:
    from conftest import make_user

    district_admin = make_user("ngo_admin_11", ("org_admin", cast.ngo, "11"))
    c = client_for(district_admin)
    page = c.get("/organisations/NGO1/edit/").content.decode()
    assert "2 places outside your area are kept" in page
    assert (
        c.post(
            "/organisations/NGO1/edit/", _org_data(name="NGO1 organisation", areas="11", is_active="on")
        ).status_code
        == 302
    )
    assert sorted(cast.ngo.areas.values_list("code", flat=True)) == ["11", "12", "21"]


def test_edit_refused_for_wrong_role_and_invisible_organisation(cast) -> None:
    assert client_for(cast.me_nyarugenge).get("/organisations/NGO1/edit/").status_code == 403
    assert (
        client_for(cast.viewer_nyarugenge).post("/organisations/NGO1/edit/", _org_data()).status_code == 403
    )
    make_org("GASABO_ONLY", areas=("12",))
    assert client_for(cast.me_nyarugenge).get("/organisations/GASABO_ONLY/edit/").status_code == 404


def test_edit_bad_input_is_a_field_error(cast) -> None:
    response = client_for(cast.ngo_admin).post("/organisations/NGO1/edit/", _org_data(name="", areas="zz zz"))
    html = assert_page_ok(response, status=400)
    assert 'id="id_name_errors"' in html and 'id="id_areas_errors"' in html


def test_org_admin_cannot_edit_another_organisation_working_in_their_area(cast) -> None:
    # RNP works everywhere, so the NGO's administrator sees it, but it is not theirs to manage.
    c = client_for(cast.ngo_admin)
    assert c.get("/organisations/RNP/").status_code == 200
    assert 'href="/organisations/RNP/edit/"' not in c.get("/organisations/RNP/").content.decode()
    assert c.get("/organisations/RNP/edit/").status_code == 403
    assert c.post("/organisations/RNP/edit/", _org_data(name="Hijacked")).status_code == 403
    cast.police.refresh_from_db()
    assert cast.police.name == "RNP organisation"
