"""The demo's favourites and landing dashboards: made from the demo's own data codes, each demo role lands
on the dashboard that fits it, and the public favourite has data the portal can draw."""

from __future__ import annotations

import pytest
from django.test import Client

from amahoro.accounts.models import User
from amahoro.dashboards import selectors
from amahoro.dashboards.models import Dashboard, Favourite, Sharing
from amahoro.site import demo
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(demo_once: demo.DemoResult) -> demo.DemoResult:
    return demo_once  # the test database holds Rwanda without shapes unless a test attaches them


class TestLoadedDemo:
    """The tests that read one load of the demo (loaded once for the class: conftest.demo_once)."""

    def test_demo_roles_land_on_their_dashboards(self, loaded: demo.DemoResult) -> None:
        def landing(username: str) -> str | None:
            found = selectors.landing_dashboard(user=User.objects.get(username=username))
            return found.name if found else None

        assert landing("viewer") == "NAP 1325 overview"  # the ministry viewer
        assert landing("me_officer") == "RWAMREC strategic plan 2022-2026"
        assert landing("clerk_musanze") == "My places and what is due"
        assert landing("case_worker") is None  # reads no data
        assert any("dashboards:" in note for note in loaded.notes)
        # A second run makes nothing new.
        counts = (Favourite.objects.count(), Dashboard.objects.count())
        demo.demo_load()
        assert (Favourite.objects.count(), Dashboard.objects.count()) == counts

    def test_demo_public_favourite_has_public_data(self, loaded: demo.DemoResult) -> None:
        public = Favourite.objects.get(sharing=Sharing.PUBLIC)
        r = Client().get(f"/dashboards/favourites/{public.uuid}/data")
        assert r.status_code == 200, r.content
        assert r.json()["rows"], "the demo's representation figures are national statistics, public"

    def test_demo_clerk_home_shows_what_is_due(self, loaded: demo.DemoResult) -> None:
        clerk = User.objects.get(username="clerk_musanze")
        dashboard = selectors.landing_dashboard(user=clerk)
        assert dashboard is not None
        c = client_for(clerk)
        assert f'data-dashboard="{dashboard.uuid}"' in c.get("/").content.decode()
        due = dashboard.items.get(kind="due")
        html = c.get(f"/dashboards/{dashboard.uuid}/items/{due.uuid}/").content.decode()
        assert 'data-place="43"' in html  # Musanze
