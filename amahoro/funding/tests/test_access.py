"""The funding policy rules: agency, implementing partner and funder see a figure; a located figure stays in
its district; published figures are for every funding.view holder; case roles see no money."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amahoro import policy
from amahoro.funding import selectors, services
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm
from conftest import make_org, make_user

pytestmark = pytest.mark.django_db


def _tx(cast: Any, **kw: Any) -> Any:
    base = {"actor": policy.SYSTEM, "organisation": cast.ngo, "node": None, "kind": "commitment", "amount": "10",
            "currency": "RWF", "date": date(2024, 9, 1)}  # fmt: skip
    return services.transaction_create(**(base | kw))


def _sees(user: Any, tx: Any) -> bool:
    return selectors.transactions_visible_to(user=user).filter(pk=tx.pk).exists()


def test_partner_and_funder_see_the_figure(cast: Any) -> None:
    donor = make_org("DONOR", "donor")
    donor_viewer = make_user("donor_viewer", ("viewer", donor, "RW"))
    funded = _tx(cast, funder=donor, implementing_partner=cast.police)
    assert _sees(donor_viewer, funded)
    assert _sees(cast.police_me_nyarugenge, funded)
    other = _tx(cast)
    assert not _sees(donor_viewer, other) and not _sees(cast.police_me_nyarugenge, other)


def test_located_figure_stays_in_its_district(cast: Any) -> None:
    local = _tx(cast, org_unit=OrgUnit.objects.get(code="11"))
    national = _tx(cast)
    assert _sees(cast.me_nyarugenge, local) and _sees(cast.viewer_nyarugenge, local)
    assert not _sees(cast.me_gasabo, local)
    assert _sees(cast.me_gasabo, national)
    assert _sees(cast.sysadmin, local)
    # managing: the Nyarugenge officer may manage the local one, not the national one
    assert policy.can(cast.me_nyarugenge, Perm.FUNDING_MANAGE, local)
    assert not policy.can(cast.me_nyarugenge, Perm.FUNDING_MANAGE, national)
    assert policy.can(cast.ngo_admin, Perm.FUNDING_MANAGE, national)
    assert not policy.can(cast.viewer_nyarugenge, Perm.FUNDING_MANAGE, local)


def test_published_for_every_funding_viewer_but_not_sensitive(cast: Any) -> None:
    published = _tx(cast, is_published=True)
    sensitive = _tx(cast, is_published=True, is_sensitive=True)
    assert _sees(cast.police_me_nyarugenge, published)
    assert not _sees(cast.police_me_nyarugenge, sensitive)
    assert _sees(cast.me_gasabo, sensitive)  # its own agency still sees it


def test_case_roles_and_strangers_see_no_money(cast: Any) -> None:
    osc = make_org("OSC", "osc")
    worker = make_user("worker", ("case_worker", osc, "11"))
    published = _tx(cast, is_published=True)
    assert not policy.has_perm(worker, Perm.FUNDING_VIEW)
    assert not _sees(worker, published)
    assert not _sees(cast.nobody, published)
    assert selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", user=worker) == []
