"""The signed-in home page, about/credits and help: the house's front rooms, above every app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from amahoro import policy
from amahoro.dashboards import selectors as dashboards
from amahoro.data import completeness, entry_words
from amahoro.data import selectors as data_selectors
from amahoro.geo.views import boundary_credit, boundary_credits, boundary_readme, map_level
from amahoro.policy import Actor
from amahoro.roles import PERM_LABELS, ROLE_LABELS, ROLE_PERMISSIONS, TWO_FACTOR_ROLES, Perm
from amahoro.worklist import selectors as worklist

from . import selectors


def entry_shortcuts(user: Actor) -> list[dict[str, object]]:
    return [
        {
            "name": s.data_set.name,
            "place": s.place.display_name if s.place else "",
            "period": entry_words.period_label(s.period) if s.period else "",
            "url": reverse("data:entry") + "?" + urlencode(s.query),
        }
        for s in data_selectors.entry_shortcuts(user=user, today=completeness.today_local())
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home_summary(user=request.user)
    context["has_roles"] = bool(policy.grants(request.user))
    # "My work" first: what waits for each of the user's roles, above everything else.
    context["work_sections"] = worklist.worklist(user=request.user) if context["has_roles"] else []
    # A clerk's way into data entry: the data sets of their places, straight into the form when one place.
    context["entry_shortcuts"] = entry_shortcuts(request.user) if context["has_roles"] else []
    context["map_level"] = (
        map_level(request.user) if policy.has_perm(request.user, Perm.ORGUNIT_VIEW) else None
    )
    context["boundary_credit"] = boundary_credit(context["map_level"])
    # The dashboard that fits the user's role, above the counters; its items load after the page (htmx).
    landing = dashboards.landing_dashboard(user=request.user)
    context["landing"] = landing
    context["landing_items"] = dashboards.dashboard_items(dashboard=landing) if landing else []
    return render(request, "site/home.html", context)


@login_required
def about(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/about.html",
        {"boundary_credits": boundary_credits(), "boundary_readme": boundary_readme()},
    )


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    roles = [
        {
            "code": role.value,
            "label": ROLE_LABELS[role],
            "perms": [str(PERM_LABELS[p]) for p in sorted(ROLE_PERMISSIONS[role])],
            "two_factor": role in TWO_FACTOR_ROLES,
        }
        for role in ROLE_PERMISSIONS
    ]
    return render(request, "site/help.html", {"roles": roles})
