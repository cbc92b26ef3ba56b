"""Favourites and landing dashboards for `amahoro load_demo` (registered in DashboardsConfig.ready).

- The NAP 1325 overview (ministry viewers land on it): women's representation (pivot, public on the
  portal too), people reached by male engagement per district (map) and month (line chart).
- RWAMREC's strategic plan (its M&E officers land on it): the plan's indicators per year, the map, the
  monthly line.
- "My places and what is due" (data clerks land on it): last month's report per place, and the monthly
  values of the clerk's own places.
The data codes are those the frameworks and participation demo steps load. Relative periods are anchored
on 2026-01-01 (`relativePeriodDate`) so that the demo's 2023-2025 values fill them whatever today is.
Idempotent: objects are found by name and made only when missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from amahoro import policy
from amahoro.core.demo import DemoResult
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Role

from . import services
from .models import Dashboard, Favourite, ItemKind, Sharing

NGO = "RWAMREC"
ANCHOR = "relativePeriodDate=2026-01-01"


@dataclass(frozen=True)
class DemoFavourite:
    key: str
    name: str
    query: str
    sharing: Sharing
    organisation: str | None = None
    description: str = ""


FAVOURITES = (
    DemoFavourite(
        "representation",
        "Women and men in parliament and cabinet, 2018-2024",
        "dimension=dx:WPS_PARLIAMENT_DEPUTIES;WPS_CABINET&dimension=SEX:F;M&dimension=pe:2018;2020;2022;2024"
        "&filter=ou:RW&type=pivot&rows=dx,SEX&columns=pe",
        Sharing.PUBLIC,
        description="NAP 1325 pillar 1 (participation): seats held by women and men.",
    ),
    DemoFavourite(
        "reached_map",
        "NAP P2.O1: people reached by male engagement, by district (2025)",
        "dimension=dx:RWAMREC_IND_REACHED&dimension=ou:RW;LEVEL-district&filter=pe:2025&type=map&rows=ou",
        Sharing.ORGANISATION,
        description="RWAMREC's contribution to NAP outcome P2.O1 (awareness of GBV).",
    ),
    DemoFavourite(
        "reached_monthly",
        "Participants reached per month, by sex (2025)",
        f"dimension=dx:RWAMREC_PARTICIPANTS&dimension=pe:LAST_12_MONTHS&dimension=SEX:F;M&filter=ou:RW&{ANCHOR}"
        "&type=line&rows=pe&columns=SEX",
        Sharing.ORGANISATION,
    ),
    DemoFavourite(
        "plan_indicators",
        "RWAMREC plan indicators per year",
        "dimension=dx:RWAMREC_IND_REACHED;RWAMREC_IND_SESSIONS;RWAMREC_IND_REFERRALS"
        "&dimension=pe:2023;2024;2025&filter=ou:RW&type=pivot&rows=dx&columns=pe",
        Sharing.ORGANISATION,
        NGO,
    ),
    DemoFavourite(
        "my_places",
        "Participants reached in my places, per month",
        f"dimension=dx:RWAMREC_PARTICIPANTS&dimension=pe:LAST_12_MONTHS&filter=ou:USER_ORGUNIT&{ANCHOR}"
        "&type=column&rows=pe",
        Sharing.ORGANISATION,
        NGO,
    ),
)

# (name, landing role, organisation code or None, description, items: favourite keys, "text:...", "due")
DASHBOARDS = (
    (
        "NAP 1325 overview",
        Role.VIEWER,
        None,
        "Rwanda's National Action Plan on women, peace and security at a glance.",
        (
            "text:**Rwanda NAP 1325 (2018-2022, extended)**: participation, prevention, protection, relief "
            "and recovery. The figures below come from the data entered by the organisations; each view "
            "opens in the data visualizer.",
            "representation",
            "reached_map",
            "reached_monthly",
        ),
    ),
    (
        "RWAMREC strategic plan 2022-2026",
        Role.ME_OFFICER,
        NGO,
        "The plan's indicators and where the sessions reach people.",
        (
            "text:Outcome O1 contributes to NAP outcome **P2.O1**, outcome O2 to **P2.O2**.",
            "plan_indicators",
            "reached_map",
            "reached_monthly",
        ),
    ),
    (
        "My places and what is due",
        Role.DATA_CLERK,
        None,
        "The places you report for, last month's report, and their recent values.",
        ("due", "my_places"),
    ),
)


def _organisation(code: str | None) -> Organisation | None:
    return Organisation.objects.filter(code=code).first() if code else None


def dashboards_demo_step(result: DemoResult, actor: Actor) -> None:
    del actor  # the demo acts as the platform
    system = policy.SYSTEM
    favourites: dict[str, Favourite] = {}
    made = 0
    for spec in FAVOURITES:
        favourite = Favourite.objects.filter(name=spec.name, owner__isnull=True).first()
        if favourite is None:
            favourite = services.favourite_create(
                actor=system,
                name=spec.name,
                query=spec.query,
                sharing=spec.sharing,
                description=spec.description,
                organisation=_organisation(spec.organisation),
            )
            made += 1
        favourites[spec.key] = favourite
    boards = 0
    for name, role, org_code, description, items in DASHBOARDS:
        if Dashboard.objects.filter(name=name, landing_role=role.value).exists():
            continue
        dashboard = services.dashboard_create(
            actor=system,
            name=name,
            sharing=Sharing.ORGANISATION,
            description=description,
            organisation=_organisation(org_code),
            landing_role=role.value,
        )
        for entry in items:
            if entry.startswith("text:"):
                services.dashboard_item_add(
                    actor=system, dashboard=dashboard, kind=ItemKind.TEXT, text=entry[5:]
                )
            elif entry == "due":
                services.dashboard_item_add(actor=system, dashboard=dashboard, kind=ItemKind.DUE)
            else:
                services.dashboard_item_add(actor=system, dashboard=dashboard, favourite=favourites[entry])
        boards += 1
    result.notes.append(f"dashboards: {made} favourites and {boards} landing dashboards created")
