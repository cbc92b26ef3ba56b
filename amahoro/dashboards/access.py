"""Who sees and changes favourites and dashboards (rules registered in DashboardsConfig.ready).

Both are read with `data.view` (they show data): a grant sees what is public, what is shared with the
organisation (the grant's organisation, or every organisation when the object has none), and nothing
private; the public reader (portal) sees only what is public. One's own private objects are added by the
selectors (a grant does not know its user). Changing one is for its owner; a platform object (no owner,
e.g. a landing dashboard) for holders of `framework.manage` in its organisation (any organisation's
system administrators when it has none): the named check `dashboards.manage`.
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant

from .models import Sharing

MANAGE_CHECK = "dashboards.manage"


def _shared_view(g: Grant) -> Q:
    public = Q(sharing=Sharing.PUBLIC)
    if g.is_global:
        return public | Q(sharing=Sharing.ORGANISATION)
    if g.organisation_id == policy.NO_ORGANISATION:  # the public reader
        return public
    return public | Q(
        Q(organisation_id=g.organisation_id) | Q(organisation__isnull=True), sharing=Sharing.ORGANISATION
    )


def _manage_check(g: Grant, organisation_id: int | None, path: str | None) -> bool:
    del path  # favourites and dashboards are not placed
    if g.is_global:
        return True
    return g.organisation_id != policy.NO_ORGANISATION and g.organisation_id == organisation_id


def register_rules() -> None:
    policy.register("dashboards.favourite", policy.Rule(_shared_view))
    policy.register("dashboards.dashboard", policy.Rule(_shared_view))
    policy.register_check(MANAGE_CHECK, _manage_check)
