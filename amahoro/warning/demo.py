"""Early-warning demo data for `amahoro load_demo` (registered in WarningConfig.ready): the default signal
types, routing rules (GBV in Musanze to the police's Isange desk, land disputes to MAJ legal aid, anything
else in Musanze to RWAMREC's community team), and about twenty fictional signals over the last eight weeks in
four of Musanze's sectors, some verified, assigned, responded to and resolved by the demo focal point
`ewer_musanze` and responder `ewer_police_musanze`, a few overdue.

Every signal is invented. Each carries a source reference `demo-NN`, so a second run finds it and adds
nothing; dates are counted back from the day of the run."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.core.demo import DemoResult
from amahoro.core.errors import AmahoroError
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation

from .models import RoutingRule, Signal, SignalType, Source
from .publishing import nap_publish, nap_setup
from .reference import DEFAULT_TYPES
from .services import signal_create, signal_transition, signal_types_load

DISTRICT = "43"  # Musanze
FOCAL = "ewer_musanze"
RESPONDER = "ewer_police_musanze"
SEED = 1325
# (type, urgency, weeks ago, how far it got: new / verified / discarded / assigned / responding / resolved)
SIGNALS: tuple[tuple[str, str, int, str], ...] = (
    ("gbv", "immediate", 0, "new"),
    ("gbv", "high", 0, "assigned"),
    ("early_marriage", "high", 0, "verified"),
    ("domestic_tension", "routine", 0, "new"),
    ("gbv", "high", 1, "responding"),
    ("land_dispute", "routine", 1, "assigned"),
    ("hate_speech", "high", 1, "discarded"),
    ("gbv", "immediate", 2, "resolved"),
    ("domestic_tension", "routine", 2, "resolved"),
    ("early_marriage", "high", 2, "responding"),
    ("land_dispute", "routine", 3, "resolved"),
    ("gbv", "high", 3, "resolved"),
    ("threat_to_woman_leader", "high", 3, "assigned"),
    ("gbv", "high", 4, "resolved"),
    ("trafficking", "immediate", 4, "resolved"),
    ("domestic_tension", "routine", 5, "discarded"),
    ("gbv", "high", 5, "resolved"),
    ("land_dispute", "routine", 6, "resolved"),
    ("gbv", "routine", 6, "resolved"),
    ("other", "routine", 7, "resolved"),
)
DESCRIPTIONS = {
    "gbv": "Demo: neighbours heard a woman being beaten repeatedly at night.",
    "early_marriage": "Demo: a 16-year-old girl is said to be promised in marriage after the harvest.",
    "domestic_tension": "Demo: a couple's quarrels over money have become threats.",
    "land_dispute": "Demo: a widow's in-laws are claiming her late husband's plot.",
    "hate_speech": "Demo: insults against a family were shouted at the market.",
    "threat_to_woman_leader": "Demo: a woman cell leader received threatening messages.",
    "trafficking": "Demo: girls were offered jobs abroad by an unknown recruiter.",
    "other": "Demo: a community meeting was disrupted.",
}
PATH = {
    "new": [],
    "verified": ["verified"],
    "discarded": ["discarded"],
    "assigned": ["verified", "assigned"],
    "responding": ["verified", "assigned", "responding"],
    "resolved": ["verified", "assigned", "responding", "resolved"],
}


def _rules(musanze: OrgUnit, actor: Any) -> None:
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=["RNP", "MINIJUST", "RWAMREC"])}
    kinds = {t.code: t for t in SignalType.objects.all()}
    country = OrgUnit.objects.get(code="RW")
    wanted = (
        (kinds["gbv"], musanze, orgs["RNP"], (2, 12, 48)),
        (kinds["land_dispute"], country, orgs["MINIJUST"], (24, 72, 168)),
        (None, musanze, orgs["RWAMREC"], (4, 24, 72)),
    )
    for kind, unit, responder, (immediate, high, routine) in wanted:
        RoutingRule.objects.get_or_create(
            signal_type=kind,
            org_unit=unit,
            responder=responder,
            defaults={
                "hours_immediate": immediate,
                "hours_high": high,
                "hours_routine": routine,
                "created_by": actor if isinstance(actor, User) else None,
            },
        )


@transaction.atomic
def warning_demo_step(result: DemoResult, actor: Any) -> None:
    signal_types_load(actor=actor, rows=DEFAULT_TYPES)
    musanze = OrgUnit.objects.get(code=DISTRICT)
    _rules(musanze, actor)
    focal = User.objects.filter(username=FOCAL).first()
    responder = User.objects.filter(username=RESPONDER).first()
    sectors = list(OrgUnit.objects.filter(parent=musanze, level__code="sector").order_by("code")[:4])
    rng = random.Random(SEED)
    today = timezone.localdate()
    created = 0
    for n, (code, urgency, weeks, reached) in enumerate(SIGNALS, start=1):
        sector = sectors[n % len(sectors)]
        signal, is_new = signal_create(
            actor=policy.SYSTEM,
            type=code,
            org_unit=sector,
            occurred_on=today - timedelta(days=7 * weeks + rng.randint(0, 3)),
            urgency=urgency,
            description=DESCRIPTIONS[code],
            reporter={"name": f"Demo reporter {n}", "phone": f"+25078800{n:04d}"} if n % 3 else None,
            source=(Source.WEB, Source.SMS, Source.API)[n % 3],
            source_ref=f"demo-{n:02d}",
        )
        if not is_new:
            continue
        created += 1
        for step in PATH[reached]:
            if focal is None or responder is None:
                break
            who = responder if step in ("responding", "resolved") else focal
            # What the demo responder (police) acts on goes to the police; the rest to the routing rule's
            # responder (MAJ for land, RWAMREC otherwise in Musanze).
            police = reached in ("responding", "resolved") or code in ("gbv", "trafficking", "early_marriage")
            signal = signal_transition(
                actor=who,
                signal=signal,
                to=step,
                note="Demo note",
                assign_to="RNP" if step == "assigned" and police else None,
            )
        # The older ones came in weeks ago: their deadlines passed long since (overdue unless acted on).
        if weeks:
            Signal.objects.filter(pk=signal.pk).update(
                due_at=timezone.now() - timedelta(days=7 * weeks - 1),
            )
    if created:
        result.notes.append(
            f"early warning: {created} demo signals in Musanze; focal point {FOCAL}, responder {RESPONDER}"
        )
    _publish(result, today.strftime("%Y%m"))


def _publish(result: DemoResult, period: str) -> None:
    """This month's NAP P2.O3 figures as data values (publishing.py), as the monthly task would write them."""
    result.notes.append(nap_setup(actor=policy.SYSTEM))
    try:
        published = nap_publish(actor=policy.SYSTEM, period=period)
    except AmahoroError as exc:  # a locked or approved period in someone's demo: the signals stand anyway
        result.notes.append(f"early warning: P2.O3 figures of {period} not written ({exc.message})")
        return
    result.notes.append(
        f"early warning: P2.O3 figures of {period} written at {len(published.written)} places"
    )
