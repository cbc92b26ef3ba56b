"""`amahoro load_reference nap-rw-2018`: 5 pillars, 15 outcomes, idempotent, and an NGO outcome linked to
NAP outcome P2.O1."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from amahoro.audit.models import AuditEvent
from amahoro.frameworks import services
from amahoro.frameworks.models import Framework, Node, NodeLink
from amahoro.frameworks.reference import NAP_FILE

from .factories import ngo_framework, node

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_project_keeps_its_own_copy_of_the_reference_file() -> None:
    assert NAP_FILE.exists() and "amahoro/frameworks/data" in str(NAP_FILE)
    assert "seed 001_359c3c32ff2fbea4" in NAP_FILE.read_text()


def test_load_reference_nap_creates_5_pillars_and_15_outcomes() -> None:
    out = run("load_reference", "nap-rw-2018")
    assert "RW-NAP1325-2018 loaded: 5 pillars, 15 outcomes" in out
    fw = Framework.objects.get(code="RW-NAP1325-2018")
    assert fw.organisation is None and fw.org_unit is not None and fw.org_unit.code == "RW"
    assert str(fw.start) == "2018-01-01" and str(fw.end) == "2022-12-31"
    pillars = Node.objects.filter(framework=fw, kind="pillar", parent=None)
    assert list(pillars.values_list("code", flat=True)) == ["P1", "P2", "P3", "P4", "P5"]
    assert Node.objects.filter(framework=fw, kind="outcome").count() == 15
    p2o1 = node(fw, "P2.O1")
    assert p2o1.parent.code == "P2" and p2o1.name == "Increased public awareness on GBV issues"
    # The name with commas that the shared file cut short (see the note in our copy).
    assert (
        node(fw, "P4.O1").name
        == "Functional mechanisms for relief, recovery and rehabilitation of women refugees in Rwanda"
    )
    assert list(Node.objects.filter(parent__code="P5", framework=fw).values_list("code", flat=True)) == [
        "P5.O1",
        "P5.O2",
        "P5.O3",
        "P5.O4",
    ]


def test_loading_twice_changes_nothing() -> None:
    run("load_reference", "nap-rw-2018")
    events = AuditEvent.objects.count()
    out = run("load_reference", "nap-rw-2018")
    assert "5 pillars, 15 outcomes" in out and "created nothing" in out
    assert Framework.objects.filter(code="RW-NAP1325-2018").count() == 1
    assert Node.objects.filter(framework__code="RW-NAP1325-2018").count() == 20
    assert AuditEvent.objects.count() == events


def test_an_ngo_outcome_contributes_to_nap_outcome_p2_o1(cast: Any, nap: Framework, sex_age: None) -> None:
    fw = ngo_framework(cast.ngo)
    link = services.node_link(
        actor=cast.ngo_admin, source=node(fw, "O1"), target=node(nap, "P2.O1"), note="awareness"
    )
    assert NodeLink.objects.get(source__code="O1").target.code == "P2.O1"
    assert list(node(nap, "P2.O1").contributions.values_list("code", flat=True)) == ["O1"]
    again = services.node_link(actor=cast.ngo_admin, source=node(fw, "O1"), target=node(nap, "P2.O1"))
    assert again.pk == link.pk
    assert AuditEvent.objects.filter(object_type="frameworks.nodelink", action="create").count() == 1


def test_link_refusals(cast: Any, nap: Framework, sex_age: None) -> None:
    from amahoro.core.errors import PermissionDenied, ValidationFailed

    fw = ngo_framework(cast.ngo)
    with pytest.raises(PermissionDenied):  # another organisation's framework
        services.node_link(actor=cast.police_me_nyarugenge, source=node(fw, "O1"), target=node(nap, "P2.O1"))
    with pytest.raises(PermissionDenied):  # a viewer does not manage
        services.node_link(actor=cast.viewer_nyarugenge, source=node(fw, "O1"), target=node(nap, "P2.O1"))
    with pytest.raises(ValidationFailed, match="two different frameworks"):
        services.node_link(actor=cast.ngo_admin, source=node(fw, "O1"), target=node(fw, "G1"))


def test_unknown_reference_data_set_is_a_clear_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nap-rw-2018"):
        run("load_reference", "nap-xx")
