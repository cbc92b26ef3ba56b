"""Favourites and dashboards: who sees them (private, organisation, public), who changes them, the audit
trail, the query check, and the dashboard each role lands on."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.dashboards import selectors, services
from amahoro.dashboards.models import Dashboard, ItemKind, Sharing
from amahoro.dashboards.templatetags.dashboards import markdown_lite
from amahoro.dashboards.widgets import due_widget, last_month
from amahoro.frameworks.tests.factories import put

from .conftest import QUERY

pytestmark = pytest.mark.django_db


def fav(user: Any, sharing: str, name: str = "View") -> Any:
    return services.favourite_create(actor=user, name=name, query=QUERY, sharing=sharing)


def visible(user: Any) -> set[str]:
    return set(selectors.favourites_visible_to(user=user).values_list("name", flat=True))


def test_a_private_favourite_is_its_owners_only(meta: Any) -> None:
    fav(meta.me_nyarugenge, Sharing.PRIVATE, "mine")
    assert visible(meta.me_nyarugenge) == {"mine"}
    assert visible(meta.me_gasabo) == set()  # a colleague of the same organisation
    assert visible(meta.sysadmin) == set()  # not even a system administrator
    assert visible(AnonymousUser()) == set()


def test_an_organisation_favourite_is_seen_by_colleagues_not_by_other_organisations(meta: Any) -> None:
    fav(meta.me_nyarugenge, Sharing.ORGANISATION, "ours")
    assert visible(meta.me_gasabo) == {"ours"}
    assert visible(meta.viewer_nyarugenge) == {"ours"}
    assert visible(meta.police_me_nyarugenge) == set()
    assert visible(meta.nobody) == set()  # no data.view
    assert visible(AnonymousUser()) == set()
    assert visible(policy.public_reader()) == set()


def test_a_public_favourite_is_seen_by_everyone_and_listed_for_the_portal(meta: Any) -> None:
    fav(meta.me_nyarugenge, Sharing.PUBLIC, "for all")
    fav(meta.me_nyarugenge, Sharing.ORGANISATION, "ours")
    assert visible(AnonymousUser()) == {"for all"}
    assert visible(meta.police_me_nyarugenge) == {"for all"}
    assert [f.name for f in selectors.public_favourites()] == ["for all"]


def test_an_organisation_dashboard_is_not_visible_to_another_organisation(meta: Any) -> None:
    d = services.dashboard_create(actor=meta.me_nyarugenge, name="NGO board", sharing=Sharing.ORGANISATION)
    assert d.organisation_id == meta.ngo.pk
    assert selectors.dashboard_get(user=meta.me_gasabo, uuid=d.uuid) == d
    with pytest.raises(NotFound):
        selectors.dashboard_get(user=meta.police_me_nyarugenge, uuid=d.uuid)
    with pytest.raises(NotFound):
        selectors.dashboard_get(user=AnonymousUser(), uuid=d.uuid)


def test_making_a_view_public_needs_framework_manage(meta: Any) -> None:
    with pytest.raises(PermissionDenied):
        fav(meta.viewer_nyarugenge, Sharing.PUBLIC)
    mine = fav(meta.viewer_nyarugenge, Sharing.PRIVATE)
    with pytest.raises(PermissionDenied):
        services.favourite_update(actor=meta.viewer_nyarugenge, favourite=mine, sharing=Sharing.PUBLIC)
    assert fav(meta.me_nyarugenge, Sharing.PUBLIC).sharing == Sharing.PUBLIC


def test_only_the_owner_changes_a_favourite(meta: Any) -> None:
    shared = fav(meta.me_nyarugenge, Sharing.ORGANISATION)
    with pytest.raises(PermissionDenied):
        services.favourite_update(actor=meta.me_gasabo, favourite=shared, name="hijacked")
    with pytest.raises(NotFound):  # cannot even see it
        services.favourite_delete(actor=meta.police_me_nyarugenge, favourite=shared)
    with pytest.raises(PermissionDenied):
        services.favourite_update(actor=None, favourite=shared, name="x")  # type: ignore[arg-type]
    services.favourite_update(actor=meta.me_nyarugenge, favourite=shared, name="Renamed")
    shared.refresh_from_db()
    assert shared.name == "Renamed"


def test_changes_are_audited(meta: Any) -> None:
    f = fav(meta.me_nyarugenge, Sharing.PRIVATE, "first")
    services.favourite_update(actor=meta.me_nyarugenge, favourite=f, name="second")
    d = services.dashboard_create(actor=meta.me_nyarugenge, name="Board")
    services.dashboard_item_add(actor=meta.me_nyarugenge, dashboard=d, favourite=f)
    services.favourite_delete(actor=meta.me_nyarugenge, favourite=f)
    rows = list(
        AuditEvent.objects.filter(object_type__startswith="dashboards.").values_list(
            "object_type", "action", "actor_username"
        )
    )
    assert rows.count(("dashboards.favourite", "create", "me_nyarugenge")) == 1
    assert ("dashboards.favourite", "update", "me_nyarugenge") in rows
    assert ("dashboards.favourite", "delete", "me_nyarugenge") in rows
    assert ("dashboards.dashboard", "update", "me_nyarugenge") in rows  # the item added
    update = AuditEvent.objects.get(object_type="dashboards.favourite", action="update")
    assert update.changes == {"name": ["first", "second"]}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("", "empty"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&colour=red", "colour"),
        ("dimension=pe:2024&filter=ou:11", "dx"),
        ("dimension=dx:GBV_AWARE&filter=ou:11", "pe"),
        ("dimension=dx:NOPE_CODE&dimension=pe:2024", "NOPE_CODE"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024BAD", "2024BAD"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&dimension=SEX:X", "X"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&type=radar", "radar"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&type=map", "ou"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&rows=ou", "ou"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&dimension=dx:PARTICIPANTS", "dx"),
        ("dimension=dx:GBV_AWARE&dimension=pe:2024&relativePeriodDate=yesterday", "yesterday"),
    ],
)
def test_a_bad_query_is_refused_naming_the_query_and_what_is_wrong(meta: Any, query: str, named: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.favourite_create(actor=meta.me_nyarugenge, name="x", query=query)
    assert info.value.field == "query"
    assert named in info.value.message


def test_a_good_query_is_kept_as_given(meta: Any) -> None:
    f = services.favourite_create(actor=meta.me_nyarugenge, name="x", query="?" + QUERY)
    assert f.query == QUERY


def test_items_add_remove_and_reorder(meta: Any) -> None:
    owner = meta.me_nyarugenge
    d = services.dashboard_create(actor=owner, name="Board", sharing=Sharing.ORGANISATION)
    a = services.dashboard_item_add(actor=owner, dashboard=d, favourite=fav(owner, Sharing.PRIVATE))
    b = services.dashboard_item_add(actor=owner, dashboard=d, kind=ItemKind.TEXT, text="Note")
    c = services.dashboard_item_add(actor=owner, dashboard=d, kind=ItemKind.DUE)
    assert [i.pk for i in selectors.dashboard_items(dashboard=d)] == [a.pk, b.pk, c.pk]
    services.dashboard_item_move(actor=owner, item=c, offset=-1)
    assert [i.pk for i in selectors.dashboard_items(dashboard=d)] == [a.pk, c.pk, b.pk]
    with pytest.raises(ValidationFailed) as info:
        services.dashboard_items_reorder(actor=owner, dashboard=d, items=[str(a.uuid)])
    assert info.value.field == "items"
    with pytest.raises(PermissionDenied):
        services.dashboard_item_remove(actor=meta.me_gasabo, item=a)
    services.dashboard_item_remove(actor=owner, item=a)
    assert [i.pk for i in selectors.dashboard_items(dashboard=d)] == [c.pk, b.pk]


def test_an_item_needs_a_favourite_its_author_sees(meta: Any) -> None:
    d = services.dashboard_create(actor=meta.me_gasabo, name="Board")
    someone_elses = fav(meta.me_nyarugenge, Sharing.PRIVATE)
    with pytest.raises(NotFound):
        services.dashboard_item_add(actor=meta.me_gasabo, dashboard=d, favourite=someone_elses)
    with pytest.raises(ValidationFailed) as info:
        services.dashboard_item_add(actor=meta.me_gasabo, dashboard=d, kind=ItemKind.TEXT, text="  ")
    assert info.value.field == "text"
    with pytest.raises(ValidationFailed) as info:
        services.dashboard_item_add(actor=meta.me_gasabo, dashboard=d, kind="video")
    assert info.value.field == "kind"


def test_a_shared_dashboard_item_says_when_its_favourite_is_not_shared(meta: Any) -> None:
    owner = meta.me_nyarugenge
    d = services.dashboard_create(actor=owner, name="Board", sharing=Sharing.ORGANISATION)
    item = services.dashboard_item_add(actor=owner, dashboard=d, favourite=fav(owner, Sharing.PRIVATE))
    assert selectors.item_favourite_visible(user=owner, item=item)
    assert not selectors.item_favourite_visible(user=meta.me_gasabo, item=item)


def landing(org: Any, role: str, name: str) -> Dashboard:
    return services.dashboard_create(
        actor=policy.SYSTEM, name=name, sharing=Sharing.ORGANISATION, organisation=org, landing_role=role
    )


def test_each_role_lands_on_its_dashboard(meta: Any) -> None:
    nap = landing(None, "viewer", "NAP overview")
    police_plan = landing(meta.police, "me_officer", "Police plan")
    ngo_plan = landing(meta.ngo, "me_officer", "NGO plan")
    due = landing(None, "data_clerk", "What is due")
    assert nap.owner_id is None and nap.organisation_id is None
    assert selectors.landing_dashboard(user=meta.viewer_nyarugenge) == nap
    assert selectors.landing_dashboard(user=meta.me_nyarugenge) == ngo_plan
    assert selectors.landing_dashboard(user=meta.police_me_nyarugenge) == police_plan
    assert selectors.landing_dashboard(user=meta.clerk_sector) == due
    # Administrators land on the national overview; an account without a role nowhere.
    assert selectors.landing_dashboard(user=meta.ngo_admin) == nap
    assert selectors.landing_dashboard(user=meta.nobody) is None


def test_landing_dashboards_are_the_platforms_to_change(meta: Any) -> None:
    plan = landing(meta.ngo, "me_officer", "NGO plan")
    with pytest.raises(PermissionDenied):
        services.dashboard_create(actor=meta.viewer_nyarugenge, name="x", landing_role="viewer")
    # M&E officers manage results in their organisation: they may edit its landing dashboard...
    assert selectors.may_change(user=meta.me_nyarugenge, obj=plan)
    # ... viewers may not, nor another organisation's officers.
    assert not selectors.may_change(user=meta.viewer_nyarugenge, obj=plan)
    assert not selectors.may_change(user=meta.police_me_nyarugenge, obj=plan)
    with pytest.raises(ValidationFailed) as info:
        services.dashboard_create(actor=policy.SYSTEM, name="x", landing_role="chief")
    assert info.value.field == "landing_role"


def test_markdown_lite_escapes_everything_the_author_typed() -> None:
    html = markdown_lite("Hello **world** <script>alert(1)</script>\n\n- one *a*\n- two")
    assert html == (
        "<p>Hello <strong>world</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<ul><li>one <em>a</em></li><li>two</li></ul>"
    )


def test_the_due_widget_shows_the_clerks_places_and_last_months_report(meta: Any) -> None:
    today = datetime.date(2025, 3, 15)
    assert last_month(today) == ("202502", datetime.date(2025, 2, 1))
    due = due_widget(user=meta.clerk_sector, today=today)
    assert [p["unit"].code for p in due["places"]] == ["1101"]
    assert due["places"][0]["entered"] is False
    assert (
        "org_unit=1101" in due["places"][0]["entry_url"] and "period=202502" in due["places"][0]["entry_url"]
    )
    put("PARTICIPANTS", "1101", "202502", 4)
    assert due_widget(user=meta.clerk_sector, today=today)["places"][0]["entered"] is True
    assert due_widget(user=meta.viewer_nyarugenge, today=today)["places"] == []  # enters no data


def test_periods_near_the_end_of_the_calendar_are_refused_or_kept_never_a_crash(meta: Any) -> None:
    query = "dimension=dx:GBV_AWARE&dimension=pe:LAST_5_YEARS;THIS_YEAR&relativePeriodDate=9999-12-31"
    try:
        services.favourite_create(actor=meta.me_nyarugenge, name="x", query=query)
    except ValidationFailed as exc:
        assert exc.field == "query"
