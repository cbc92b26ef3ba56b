"""Metadata, frameworks and data values for the frameworks tests, made through the services (metadata
import, framework import) so the tests exercise the same paths as users do; data values directly."""

from __future__ import annotations

from typing import Any

from amahoro import policy
from amahoro.data.models import DataValue, Period
from amahoro.frameworks import services
from amahoro.frameworks.models import Framework, Indicator, Node
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.metadata.tests.factories import SEX_AGE_PAYLOAD as SEX_AGE_PAYLOAD
from amahoro.metadata.tests.factories import load_sex_age as load_sex_age


def coc(combo: str, code: str) -> CategoryOptionCombo:
    return CategoryOptionCombo.objects.get(combo__code=combo, code=code)


def put(
    de: str, ou: str, period: str, value: float, coc_code: str = "default", organisation: Any = None
) -> DataValue:
    """A stored data value (the data app's rules are not under test here)."""
    p = period_lib.parse_period(period)
    per, _ = Period.objects.get_or_create(
        code=p.code, defaults={"type": p.type, "start": p.start, "end": p.end}
    )
    element = DataElement.objects.get(code=de)
    cell = CategoryOptionCombo.objects.get(combo=element.category_combo, code=coc_code)
    default = CategoryOptionCombo.objects.get(combo__code="default", code="default")
    return DataValue.objects.create(
        data_element=element,
        org_unit=OrgUnit.objects.get(code=ou),
        period=per,
        category_option_combo=cell,
        attribute_option_combo=default,
        organisation=organisation,
        value=str(value),
        numeric_value=float(value),
    )


def ngo_framework(org: Any, *, code: str = "NGO1-SP", org_unit: str | None = None) -> Framework:
    """An NGO strategic plan: goal G1 > outcome O1 (with an indicator) > output O1.1 (with an indicator)."""
    unit = OrgUnit.objects.get(code=org_unit) if org_unit else None
    fw = services.framework_create(
        actor=policy.SYSTEM, code=code, name=f"{org.code} strategic plan", organisation=org, org_unit=unit
    )
    goal = services.node_create(
        actor=policy.SYSTEM, framework=fw, code="G1", name="Communities free of GBV", kind="goal"
    )
    outcome = services.node_create(
        actor=policy.SYSTEM,
        framework=fw,
        code="O1",
        name="Communities know about GBV",
        kind="outcome",
        parent=goal,
    )
    output = services.node_create(
        actor=policy.SYSTEM,
        framework=fw,
        code="O1.1",
        name="Awareness sessions held",
        kind="output",
        parent=outcome,
    )
    services.indicator_save(
        actor=policy.SYSTEM,
        code=f"{code}-REACH",
        framework=fw,
        nodes=[outcome],
        name="People reached",
        numerator="#{GBV_AWARE}",
        type="count",
        unit="people",
    )
    services.indicator_save(
        actor=policy.SYSTEM,
        code=f"{code}-WOMEN",
        framework=fw,
        nodes=[output],
        name="Share of women reached",
        numerator="#{GBV_AWARE.F_15_24} + #{GBV_AWARE.F_25_49}",
        denominator="#{GBV_AWARE}",
        factor=100,
        type="percentage",
        unit="%",
    )
    return fw


def node(fw: Framework | str, code: str) -> Node:
    return Node.objects.get(framework__code=getattr(fw, "code", fw), code=code)


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)
