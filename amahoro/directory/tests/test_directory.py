"""The service directory: readable by every signed-in role, searchable by service and place (a provider
serves a place when one of its areas is that place or an ancestor of it), kept by directory.manage holders
for their own organisation and by system administrators everywhere; every change audited."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.directory import selectors, services
from amahoro.directory.models import ServiceProvider
from amahoro.geo.models import OrgUnit
from conftest import assert_page_ok, client_for, make_org, make_user

URL = "/api/v1/service-providers"


@pytest.fixture
def dc(cast: Any) -> Any:
    """The shared cast plus a police station serving Gasabo (12) and an NGO clinic serving Nyarugenge (11)."""
    gasabo, nyarugenge = OrgUnit.objects.get(code="12"), OrgUnit.objects.get(code="11")
    cast.station = services.provider_create(
        actor=policy.SYSTEM,
        organisation=cast.police,
        name="RNP Gasabo station",
        services=["police"],
        org_unit=gasabo,
        areas=[gasabo],
        phone="112",
        languages=["rw", "en"],
    )
    cast.clinic = services.provider_create(
        actor=policy.SYSTEM,
        organisation=cast.ngo,
        name="NGO clinic",
        services=["health", "psychosocial"],
        areas=[nyarugenge],
    )
    cast.police_supervisor = make_user("police_supervisor", ("case_supervisor", cast.police, "RW"))
    cast.officer = make_user("officer", ("service_provider", cast.police, "12"))
    return cast


def as_(api_client: Any, user: Any) -> Any:
    api_client.force_authenticate(user)
    return api_client


def test_search_by_service_and_place_takes_a_code_or_an_id(api_client: Any, dc: Any) -> None:
    c = as_(api_client, dc.viewer_nyarugenge)
    names = lambda r: [p["name"] for p in r.json()]  # noqa: E731
    assert names(c.get(URL)) == ["NGO clinic", "RNP Gasabo station"]
    assert names(c.get(URL, {"service": "police"})) == ["RNP Gasabo station"]
    sector = OrgUnit.objects.filter(parent__code="12").first()
    # A sector of Gasabo is served by a provider serving Gasabo, by code or by id.
    assert names(c.get(URL, {"service": "police", "org_unit": sector.code})) == ["RNP Gasabo station"]
    assert names(c.get(URL, {"service": "police", "org_unit": str(sector.pk)})) == ["RNP Gasabo station"]
    assert names(c.get(URL, {"org_unit": "11"})) == ["NGO clinic"]
    assert names(c.get(URL, {"q": "gasabo"})) == ["RNP Gasabo station"]
    assert names(c.get(URL, {"organisation": "NGO1"})) == ["NGO clinic"]
    r = c.get(URL, {"org_unit": "nowhere"})
    assert r.status_code == 400 and r.json()["field"] == "org_unit"
    assert c.get(URL, {"service": "magic"}).status_code == 400
    assert c.get(URL, {"colour": "red"}).status_code == 400
    one = c.get(f"{URL}/{dc.station.uuid}").json()
    assert one["organisation"] == "RNP" and one["areas"] == ["12"] and one["languages"] == ["rw", "en"]


def test_org_unit_takes_a_code_first_and_org_unit_id_a_numeric_id_only(api_client: Any, dc: Any) -> None:
    """Rwanda's codes are numbers: `org_unit=N` is the unit whose code is N even when another unit has id
    N; a number that is no code is an id; `org_unit_id` is the id only."""
    from amahoro.geo.models import OrgUnitLevel

    c = as_(api_client, dc.viewer_nyarugenge)
    names = lambda r: [p["name"] for p in r.json()]  # noqa: E731

    def serving(unit: OrgUnit) -> list[str]:
        return [p.name for p in selectors.providers_search(user=dc.viewer_nyarugenge, org_unit=unit)]

    gasabo, nyarugenge = OrgUnit.objects.get(code="12"), OrgUnit.objects.get(code="11")
    # A unit whose code is Gasabo's id (a sector of Nyarugenge, unless a unit already has that code).
    clash = OrgUnit.objects.filter(code=str(gasabo.pk)).first() or OrgUnit.objects.create(
        code=str(gasabo.pk),
        name="Sector coded like Gasabo's id",
        level=OrgUnitLevel.objects.get(code="sector"),
        parent=nyarugenge,
        path=f"{nyarugenge.path}{gasabo.pk}/",
        depth=nyarugenge.depth + 1,
    )
    assert clash.pk != gasabo.pk
    # The contract: the police serving Gasabo, by Gasabo's code.
    assert names(c.get(URL, {"service": "police", "org_unit": "12"})) == ["RNP Gasabo station"]
    # The code wins over the id: Gasabo's id as org_unit is the other unit.
    by_code = names(c.get(URL, {"org_unit": str(gasabo.pk)}))
    assert by_code == serving(clash) and "RNP Gasabo station" not in by_code
    # org_unit_id is the id only.
    assert names(c.get(URL, {"org_unit_id": gasabo.pk})) == ["RNP Gasabo station"]
    assert names(c.get(URL, {"service": "health", "org_unit_id": nyarugenge.pk})) == ["NGO clinic"]
    # A number that is no unit's code is still taken as an id.
    codes = set(OrgUnit.objects.values_list("code", flat=True))
    spare = next(u for u in OrgUnit.objects.order_by("pk") if str(u.pk) not in codes)
    assert names(c.get(URL, {"org_unit": str(spare.pk)})) == serving(spare)
    # Unknown or malformed: a 400 naming the parameter; both at once: a 400 too.
    missing = max(OrgUnit.objects.values_list("pk", flat=True)) + 1000
    for params, field in (
        ({"org_unit_id": missing}, "org_unit_id"),
        ({"org_unit_id": "12a"}, "org_unit_id"),
        ({"org_unit_id": "0"}, "org_unit_id"),
        ({"org_unit": str(missing)}, "org_unit"),
        ({"org_unit": "12", "org_unit_id": gasabo.pk}, "org_unit_id"),
    ):
        r = c.get(URL, params)
        assert r.status_code == 400 and r.json()["field"] == field, (params, r.content)
    with pytest.raises(ValidationFailed) as exc:
        selectors.org_unit_by_id(missing)
    assert exc.value.field == "org_unit_id"


def test_every_signed_in_role_reads_the_directory_and_no_one_else(api_client: Any, dc: Any) -> None:
    for user in (dc.officer, dc.me_gasabo, dc.clerk_sector, dc.sysadmin):
        assert as_(api_client, user).get(URL).status_code == 200
    assert as_(api_client, dc.nobody).get(URL).status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(URL).status_code in (401, 403)
    assert as_(api_client, dc.viewer_nyarugenge).get(f"{URL}/not-a-uuid").status_code == 404
    assert (
        as_(api_client, dc.viewer_nyarugenge).get(f"{URL}/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


def test_managers_keep_their_own_organisations_providers_only(api_client: Any, dc: Any) -> None:
    body = {"organisation": "RNP", "name": "RNP Kicukiro station", "services": ["police"], "areas": ["13"]}
    # An NGO administrator may not add police providers; a role without directory.manage may not add any.
    assert as_(api_client, dc.ngo_admin).post(URL, body, format="json").status_code == 403
    assert as_(api_client, dc.officer).post(URL, body, format="json").status_code == 403
    r = as_(api_client, dc.police_supervisor).post(URL, {**body, "org_unit": "13"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["areas"] == ["13"] and r.json()["org_unit"] == "13"
    assert AuditEvent.objects.filter(object_type="directory.serviceprovider", action="create").count() == 3
    r = as_(api_client, dc.police_supervisor).post(URL, {**body, "services": ["magic"]}, format="json")
    assert r.status_code == 400 and r.json()["field"].startswith("services")
    r = as_(api_client, dc.police_supervisor).post(URL, {**body, "unknown": 1}, format="json")
    assert r.status_code == 400
    # Changing: own organisation yes, another no (it can still read it), system administrators everywhere.
    station = f"{URL}/{dc.station.uuid}"
    r = as_(api_client, dc.police_supervisor).patch(
        station, {"hours": "24/7", "areas": ["12", "13"]}, format="json"
    )
    assert r.status_code == 200 and r.json()["hours"] == "24/7" and r.json()["areas"] == ["12", "13"]
    assert as_(api_client, dc.ngo_admin).patch(station, {"hours": "never"}, format="json").status_code == 403
    r = as_(api_client, dc.sysadmin).patch(station, {"is_active": False, "org_unit": ""}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["org_unit"] is None
    # A deactivated provider leaves the search (unless asked for) and takes no referral.
    c = as_(api_client, dc.viewer_nyarugenge)
    assert "RNP Gasabo station" not in str(c.get(URL).json())
    assert "RNP Gasabo station" in str(c.get(URL, {"include_inactive": "true"}).json())
    with pytest.raises(ValidationFailed):
        selectors.provider_by_id(dc.station.uuid)
    with pytest.raises(ValidationFailed):
        selectors.provider_by_id("nope")
    assert selectors.provider_by_id(dc.clinic.uuid) == dc.clinic
    event = AuditEvent.objects.filter(object_id=str(dc.station.uuid), action="update").order_by("-id").first()
    assert event is not None and event.changes["fields"] == ["is_active", "org_unit"]


def test_the_services_check_what_they_store(dc: Any) -> None:
    for kwargs, field in (
        ({"services": []}, "services"),
        ({"name": " "}, "name"),
        ({"languages": ["xx"]}, "languages"),
        ({"phone": "1" * 41}, "phone"),
    ):
        args: dict[str, Any] = {"name": "X", "services": ["legal"], **kwargs}
        with pytest.raises(ValidationFailed) as exc:
            services.provider_create(actor=policy.SYSTEM, organisation=dc.ngo, **args)
        assert exc.value.field == field
    with pytest.raises(ValidationFailed):
        services.provider_update(actor=policy.SYSTEM, provider=dc.clinic, colour="red")
    with pytest.raises(PermissionDenied):
        services.provider_deactivate(actor=dc.me_gasabo, provider=dc.clinic)
    services.provider_deactivate(actor=dc.ngo_admin, provider=dc.clinic)
    dc.clinic.refresh_from_db()
    assert dc.clinic.is_active is False
    with pytest.raises(NotFound):
        selectors.access_provider(user=dc.ngo_admin, ident=dc.station.uuid, perm=policy.Perm.DIRECTORY_MANAGE)
    with pytest.raises(ValidationFailed):
        selectors.providers_search(user=dc.ngo_admin, service="magic")


def test_the_pages_list_search_show_and_edit(dc: Any) -> None:
    viewer = client_for(dc.viewer_nyarugenge)
    html = assert_page_ok(viewer.get("/directory/"))
    assert "RNP Gasabo station" in html and "NGO clinic" in html and "New provider" not in html
    html = assert_page_ok(viewer.get("/directory/", {"service": "police", "org_unit": "12"}))
    assert "RNP Gasabo station" in html and "NGO clinic" not in html
    assert viewer.get("/directory/", {"org_unit": "nowhere"}).status_code == 400
    assert viewer.get("/directory/", {"service": "magic"}).status_code == 400
    html = assert_page_ok(viewer.get(f"/directory/{dc.station.uuid}/"))
    assert "112" in html and "Edit" not in html
    assert viewer.get("/directory/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert viewer.get("/directory/new/").status_code == 403
    assert viewer.get(f"/directory/{dc.station.uuid}/edit/").status_code == 403
    assert client_for(dc.nobody).get("/directory/").status_code == 403

    manager = client_for(dc.police_supervisor)
    assert "New provider" in assert_page_ok(manager.get("/directory/"))
    assert_page_ok(manager.get("/directory/new/"))
    form = {
        "organisation": "RNP",
        "name": "RNP Kicukiro",
        "services": ["police"],
        "areas": "13",
        "languages": ["rw"],
    }
    r = manager.post("/directory/new/", form)
    assert r.status_code == 302
    created = ServiceProvider.objects.get(name="RNP Kicukiro")
    assert created.organisation == dc.police and [a.code for a in created.areas.all()] == ["13"]
    assert manager.post("/directory/new/", {**form, "areas": "nowhere"}).status_code == 400
    assert manager.post("/directory/new/", {**form, "name": ""}).status_code == 400
    html = assert_page_ok(manager.get(f"/directory/{dc.station.uuid}/"))
    assert "Edit" in html
    assert_page_ok(manager.get(f"/directory/{dc.station.uuid}/edit/"))
    r = manager.post(
        f"/directory/{dc.station.uuid}/edit/",
        {**form, "name": "RNP Gasabo", "org_unit": "12", "areas": "12", "is_active": "on"},
    )
    assert r.status_code == 302
    dc.station.refresh_from_db()
    assert dc.station.name == "RNP Gasabo" and dc.station.is_active
    assert (
        manager.post(f"/directory/{dc.station.uuid}/edit/", {**form, "org_unit": "nowhere"}).status_code
        == 400
    )
    # Another organisation's provider is not theirs to edit.
    assert manager.get(f"/directory/{dc.clinic.uuid}/edit/").status_code == 404


def test_the_demo_adds_providers_once(db: Any) -> None:
    from amahoro.core.demo import DemoResult
    from amahoro.directory.demo import PROVIDERS, directory_demo_step
    from amahoro.site.demo import DEMO_STEPS

    assert DEMO_STEPS.count(directory_demo_step) == 1
    make_org("RNP", "police", areas=("RW",))
    make_org("RWAMREC", "ngo", areas=("11", "12", "23"))
    result = DemoResult(password="x")
    directory_demo_step(result, policy.SYSTEM)
    assert ServiceProvider.objects.count() == 3  # the two RNP stations and RWAMREC's programme
    rwamrec = ServiceProvider.objects.get(organisation__code="RWAMREC")
    assert sorted(a.code for a in rwamrec.areas.all()) == ["11", "12"]  # not where RWAMREC is absent
    directory_demo_step(result, policy.SYSTEM)
    assert ServiceProvider.objects.count() == 3
    assert result.notes[-1] == f"directory: 0 demo service providers created ({len(PROVIDERS)} in all)"


def test_the_openapi_document_states_how_org_unit_and_org_unit_id_are_read(api_client: Any, dc: Any) -> None:
    schema = as_(api_client, dc.viewer_nyarugenge).get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"][URL]["get"]["parameters"]}
    assert "code always wins" in params["org_unit"]["description"]
    assert params["org_unit_id"]["schema"]["type"] == "integer"
    assert "numeric id only" in params["org_unit_id"]["description"]
