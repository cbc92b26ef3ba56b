from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from conftest import make_org, make_user


@dataclass
class Voices:
    """The NAP, a convening ministry, two CSOs, a responsible agency, and people in each."""

    nap: Any
    ministry: Any
    cso: Any
    cso2: Any
    police: Any
    outcome: Any  # P1.O2, police and ministry responsible
    other_outcome: Any  # P2.O1, ministry responsible
    convener: Any  # me_officer of the ministry
    cso_me: Any  # me_officer of the CSO
    cso_clerk: Any  # data_clerk of the CSO
    cso2_me: Any  # me_officer of the other CSO
    cso_viewer: Any  # viewer of the CSO (no data.enter)
    police_me: Any  # me_officer of the police (responds)
    ngo_me: Any  # me_officer of an NGO that is not civil society
    round: Any


@pytest.fixture
def voices(db: Any) -> Voices:
    from amahoro.consultations import services
    from amahoro.frameworks.models import Framework, Node
    from amahoro.frameworks.reference import load_nap_rw_2018

    load_nap_rw_2018()
    nap = Framework.objects.get(code="RW-NAP1325-2018")
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    cso = make_org("CSO1", "cso", areas=("RW",))
    cso2 = make_org("CSO2", "cso", areas=("RW",))
    police = make_org("POLICE", "police", areas=("RW",))
    ngo = make_org("NGO9", "ngo", areas=("11",))
    outcome = Node.objects.get(framework=nap, code="P1.O2")
    outcome.responsible.set([police, ministry])
    other = Node.objects.get(framework=nap, code="P2.O1")
    other.responsible.set([ministry])
    convener = make_user("convener", ("me_officer", ministry, "RW"))
    rnd = services.round_create(
        actor=convener, framework=nap, organisation=ministry, title="NAP review", period="2022"
    )
    return Voices(
        nap=nap,
        ministry=ministry,
        cso=cso,
        cso2=cso2,
        police=police,
        outcome=outcome,
        other_outcome=other,
        convener=convener,
        cso_me=make_user("cso_me", ("me_officer", cso, "RW")),
        cso_clerk=make_user("cso_clerk", ("data_clerk", cso, "11")),
        cso2_me=make_user("cso2_me", ("me_officer", cso2, "RW")),
        cso_viewer=make_user("cso_viewer", ("viewer", cso, "RW")),
        police_me=make_user("police_me", ("me_officer", police, "11")),
        ngo_me=make_user("ngo_me", ("me_officer", ngo, "11")),
        round=rnd,
    )
