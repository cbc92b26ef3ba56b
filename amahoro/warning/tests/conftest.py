"""Early-warning fixtures: a focal point over Nyarugenge (district 11) and one over Gasabo (12), a responder
organisation (RIB) with a responder over Nyarugenge, an M&E officer (signal.view only), the signal types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from conftest import make_org, make_user

DESCRIPTION = "A girl of 15 is to be married on Saturday near the Qwertyuiop market"
REPORTER = {"name": "Zakiya Reportername", "phone": "+250 788 555 444"}


@dataclass
class EwerCast:
    ngo: Any
    rib: Any
    maj: Any
    focal: Any  # ewer_focal_point of NGO over district 11 Nyarugenge
    focal_gasabo: Any  # same role over district 12 Gasabo
    focal_kigali: Any  # same role over province 1 (Kigali)
    focal_national: Any  # same role over the country
    responder: Any  # ewer_responder of RIB over district 11
    maj_responder: Any  # ewer_responder of MAJ over district 11
    me_officer: Any  # NGO M&E officer over district 11 (signal.view only)
    sysadmin: Any
    nobody: Any
    gbv: Any
    land: Any


@pytest.fixture
def ec(db: Any) -> EwerCast:
    from amahoro.warning.models import SignalType, Urgency

    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    rib = make_org("RIB", "police", areas=("RW",))
    maj = make_org("MAJ", "government", areas=("RW",))
    platform = make_org("PLATFORM", "ministry")
    gbv = SignalType.objects.create(
        code="gbv",
        name="GBV incident or threat",
        name_fr="Violence basée sur le genre",
        is_gbv=True,
        default_urgency=Urgency.HIGH,
        keywords=["GBV"],
    )
    land = SignalType.objects.create(code="land_dispute", name="Land or inheritance dispute")
    return EwerCast(
        ngo=ngo,
        rib=rib,
        maj=maj,
        focal=make_user("focal", ("ewer_focal_point", ngo, "11")),
        focal_gasabo=make_user("focal_gasabo", ("ewer_focal_point", ngo, "12")),
        focal_kigali=make_user("focal_kigali", ("ewer_focal_point", ngo, "1")),
        focal_national=make_user("focal_national", ("ewer_focal_point", ngo, "RW")),
        responder=make_user("responder", ("ewer_responder", rib, "11")),
        maj_responder=make_user("maj_responder", ("ewer_responder", maj, "11")),
        me_officer=make_user("me_officer", ("me_officer", ngo, "11")),
        sysadmin=make_user("sysadmin", ("system_admin", platform, "RW"), superuser=True),
        nobody=make_user("nobody"),
        gbv=gbv,
        land=land,
    )


def yesterday() -> date:
    return date.today() - timedelta(days=1)


def create(actor: Any = None, **overrides: Any) -> Any:
    from amahoro import policy
    from amahoro.warning.services import signal_create

    kw: dict[str, Any] = {
        "actor": policy.SYSTEM if actor is None else actor,
        "type": "gbv",
        "org_unit": "1101",
        "occurred_on": yesterday(),
        "urgency": "",
        "description": DESCRIPTION,
        "reporter": REPORTER,
        "source": "web",
    }
    kw.update(overrides)
    signal, _created = signal_create(**kw)
    return signal
