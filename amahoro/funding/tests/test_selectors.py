"""Funding gap, burn rate and roll-up in one currency with dated rates: exact numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.funding import selectors, services
from amahoro.funding.rates import Converter, MissingRate

pytestmark = pytest.mark.django_db


def _node(fw: Any, code: str) -> Node:
    return Node.objects.get(framework=fw, code=code)


@pytest.fixture
def money(cast: Any, nap: Any, rates: None) -> Any:
    """NGO1 plans and spends on P2 (via outcome P2.O1), the police on P3; one figure is published."""
    p2o1, p3 = _node(nap, "P2.O1"), _node(nap, "P3")
    ngo, police = cast.ngo, cast.police
    # NGO1 budget: 10,000 USD in FY 2024July (converted at 2024-07-01: 1,300) = 13,000,000 RWF
    services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        amount="10000",
        currency="USD",
        fiscal_year="2024July",
        is_published=True,
    )
    # ... and 2,000,000 RWF in the same year, not published
    services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        amount="2000000",
        currency="RWF",
        fiscal_year="2024July",
    )
    # commitment 8,000 USD on 2024-09-01 at 1,300 = 10,400,000 RWF
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="commitment",
        amount="8000",
        currency="USD",
        date=date(2024, 9, 1),
    )
    # disbursement 5,000 USD on 2025-02-01 at 1,400 (the newer rate) = 7,000,000 RWF
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="disbursement",
        amount="5000",
        currency="USD",
        date=date(2025, 2, 1),
    )
    # expenditure 2,000 EUR on 2025-03-01 at 1,500 = 3,000,000 RWF, plus 500,000 RWF
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="expenditure",
        amount="2000",
        currency="EUR",
        date=date(2025, 3, 1),
    )
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="expenditure",
        amount="500000",
        currency="RWF",
        date=date(2025, 3, 2),
    )
    # Police: 1,000,000 RWF planned on pillar P3 directly, 250,000 committed
    services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=police,
        node=p3,
        amount="1000000",
        currency="RWF",
        fiscal_year="2024July",
    )
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=police,
        node=p3,
        kind="commitment",
        amount="250000",
        currency="RWF",
        date=date(2024, 8, 1),
    )
    return cast


def _by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["node_code"]: r for r in rows}


def test_pillar_summary_for_sysadmin_exact_rwf(money: Any) -> None:
    rows = selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", user=money.sysadmin)
    assert [r["node_code"] for r in rows] == ["P1", "P2", "P3", "P4", "P5"]
    p2 = _by_code(rows)["P2"]
    assert p2 == {
        "node_code": "P2",
        "node_name": p2["node_name"],
        "planned": 15_000_000.0,
        "committed": 10_400_000.0,
        "disbursed": 7_000_000.0,
        "spent": 3_500_000.0,
        "gap": 4_600_000.0,
        "burn_rate": 0.5,
        "currency": "RWF",
    }
    p3 = _by_code(rows)["P3"]
    assert (p3["planned"], p3["committed"], p3["gap"], p3["burn_rate"]) == (
        1_000_000.0,
        250_000.0,
        750_000.0,
        None,
    )
    assert _by_code(rows)["P1"]["planned"] == 0.0


def test_pillar_summary_in_usd_uses_each_amounts_date(money: Any) -> None:
    rows = _by_code(
        selectors.pillar_funding_summary(
            framework_code="RW-NAP1325-2018", currency="USD", user=money.sysadmin
        )
    )
    p2 = rows["P2"]
    # planned: 10,000 USD + 2,000,000 / 1,300 = 11,538.46; committed 8,000; disbursed 5,000
    assert p2["planned"] == 11_538.46
    assert p2["committed"] == 8_000.0
    assert p2["disbursed"] == 5_000.0
    # spent: 2,000 EUR -> 3,000,000 RWF -> / 1,400 = 2,142.857...; + 500,000 / 1,400 = 357.142... -> 2,500
    assert p2["spent"] == 2_500.0
    assert p2["burn_rate"] == 0.5
    assert p2["currency"] == "USD"


def test_scoped_by_organisation(money: Any) -> None:
    police_rows = _by_code(
        selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", user=money.police_me_nyarugenge)
    )
    # The police see their own P3 figures and NGO1's published budget only.
    assert police_rows["P3"]["planned"] == 1_000_000.0
    assert police_rows["P2"]["planned"] == 13_000_000.0
    assert police_rows["P2"]["spent"] == 0.0
    ngo_rows = _by_code(
        selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", user=money.me_nyarugenge)
    )
    assert ngo_rows["P2"]["planned"] == 15_000_000.0
    assert ngo_rows["P3"]["planned"] == 0.0


def test_public_only_published_and_nobody_sees_nothing(money: Any) -> None:
    public = _by_code(selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", public=True))
    assert public["P2"]["planned"] == 13_000_000.0
    assert public["P2"]["committed"] == 0.0
    assert public["P3"]["planned"] == 0.0
    assert selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018") == []
    assert selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", user=money.nobody) == []
    assert selectors.pillar_funding_summary(framework_code="NO-SUCH", public=True) == []


def test_sensitive_never_public(money: Any, nap: Any) -> None:
    services.budget_line_create(
        actor=policy.SYSTEM, organisation=money.ngo, node=_node(nap, "P1"), amount="1", currency="RWF",
        fiscal_year="2024July", is_published=True, is_sensitive=True,
    )  # fmt: skip
    public = _by_code(selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", public=True))
    assert public["P1"]["planned"] == 0.0


def test_roll_up_outcome_and_agencies(money: Any, nap: Any) -> None:
    result = selectors.framework_funding(framework=nap, user=money.sysadmin, currency="RWF")
    by_code = {n.node.code: n for n in result.nodes}
    assert by_code["P2.O1"].own.planned == Decimal("15000000")
    assert by_code["P2"].own.planned == 0
    assert by_code["P2"].total.planned == Decimal("15000000")
    agencies = {a.code: a.total for a in result.agencies}
    assert agencies["NGO1"].gap == Decimal("4600000")
    assert agencies["RNP"].gap == Decimal("750000")
    assert result.total.planned == Decimal("16000000")
    assert result.unconverted == []


def test_fiscal_year_filter(money: Any, nap: Any) -> None:
    fy25 = selectors.framework_funding(framework=nap, user=money.sysadmin, fiscal_year="2025July")
    assert fy25.total.planned == 0
    fy24 = selectors.framework_funding(framework=nap, user=money.sysadmin, fiscal_year="2024July")
    assert fy24.total.planned == Decimal("16000000")
    assert fy24.total.spent == Decimal("3500000")


def test_missing_rate_listed_not_counted(money: Any, nap: Any) -> None:
    services.transaction_create(
        actor=policy.SYSTEM, organisation=money.ngo, node=_node(nap, "P1"), kind="commitment", amount="10",
        currency="KES", date=date(2024, 9, 1),
    )  # fmt: skip
    result = selectors.framework_funding(framework=nap, user=money.sysadmin)
    assert len(result.unconverted) == 1
    assert "KES to RWF" in result.unconverted[0].message


def test_converter_dated_inverse_and_pivot() -> None:
    conv = Converter(
        [("USD", "RWF", date(2024, 1, 1), Decimal("1300")), ("USD", "RWF", date(2025, 1, 1), Decimal("1400")),
         ("EUR", "RWF", date(2024, 1, 1), Decimal("1500"))]
    )  # fmt: skip
    assert conv.rate("USD", "RWF", date(2024, 12, 31)) == Decimal("1300")
    assert conv.rate("USD", "RWF", date(2025, 1, 1)) == Decimal("1400")
    assert conv.convert(Decimal("2800"), "RWF", "USD", date(2025, 6, 1)) == Decimal("2")
    assert conv.convert(Decimal("1400"), "EUR", "USD", date(2025, 6, 1)) == Decimal("1500")
    with pytest.raises(MissingRate, match="on or before 2023-12-31"):
        conv.rate("USD", "RWF", date(2023, 12, 31))


def test_unknown_currency_is_a_clear_error(cast: Any, nap: Any) -> None:
    with pytest.raises(ValidationFailed, match="unknown currency 'XYZ'"):
        services.budget_line_create(
            actor=policy.SYSTEM, organisation=cast.ngo, node=_node(nap, "P1"), amount="1", currency="XYZ",
            fiscal_year="2024July",
        )  # fmt: skip
    with pytest.raises(ValidationFailed, match="unknown currency"):
        selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", currency="ABC", public=True)


def test_fiscal_year_is_rwandas_july_june(cast: Any, nap: Any) -> None:
    line = services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=cast.ngo,
        node=None,
        amount="1",
        currency="RWF",
        period_start=date(2025, 3, 1),
    )
    assert line.fiscal_year == "2024July"
    assert (line.period_end) == date(2025, 6, 30)
    with pytest.raises(ValidationFailed, match="fiscal_year: '2024Jul' is not a period code"):
        services.budget_line_create(
            actor=policy.SYSTEM,
            organisation=cast.ngo,
            node=None,
            amount="1",
            currency="RWF",
            fiscal_year="2024Jul",
        )


def test_manage_refused_for_other_org_and_district(cast: Any, nap: Any) -> None:
    node = _node(nap, "P1")
    kw = {"node": node, "amount": "1", "currency": "RWF", "fiscal_year": "2024July"}
    with pytest.raises(PermissionDenied):
        services.budget_line_create(actor=cast.police_me_nyarugenge, organisation=cast.ngo, **kw)
    with pytest.raises(PermissionDenied):  # a district grant may not record national money
        services.budget_line_create(actor=cast.me_nyarugenge, organisation=cast.ngo, **kw)
    with pytest.raises(PermissionDenied):  # a viewer may not record money
        services.budget_line_create(actor=cast.viewer_nyarugenge, organisation=cast.ngo, **kw)
    from amahoro.geo.models import OrgUnit

    line = services.budget_line_create(
        actor=cast.me_nyarugenge, organisation=cast.ngo, org_unit=OrgUnit.objects.get(code="11"), **kw
    )
    assert line.pk and line.created_by == cast.me_nyarugenge
    assert services.budget_line_create(actor=cast.ngo_admin, organisation=cast.ngo, **kw).pk


def test_exchange_rates_only_by_sysadmin(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.exchange_rate_set(
            actor=cast.ngo_admin, currency="USD", rate="1", valid_from=date(2024, 1, 1)
        )
    rate = services.exchange_rate_set(
        actor=cast.sysadmin, currency="usd", rate="1312.5", valid_from=date(2024, 1, 1)
    )
    assert (rate.currency, rate.quote, rate.rate) == ("USD", "RWF", Decimal("1312.5"))
    with pytest.raises(ValidationFailed, match="rate must be positive"):
        services.exchange_rate_set(actor=cast.sysadmin, currency="USD", rate="0", valid_from=date(2024, 1, 2))


def test_cost_per_result(cast: Any, nap: Any) -> None:
    from amahoro.frameworks.models import Indicator
    from amahoro.frameworks.tests.factories import load_sex_age, put

    load_sex_age()
    node = _node(nap, "P2.O1")
    ind = Indicator.objects.create(
        code="PART", name="Participants reached", numerator="#{PARTICIPANTS}", framework=nap, unit="people"
    )
    ind.nodes.add(node)
    put("PARTICIPANTS", "11", "2020", 300)
    put("PARTICIPANTS", "12", "2021", 200)
    services.transaction_create(
        actor=policy.SYSTEM, organisation=cast.ngo, node=node, kind="expenditure", amount="1000000", currency="RWF",
        date=date(2020, 5, 1),
    )  # fmt: skip
    result = selectors.framework_funding(framework=nap, user=cast.sysadmin)
    costs = selectors.costs_per_result(user=cast.sysadmin, result=result)
    assert [(c.node_code, c.indicator_code, c.achieved, c.cost) for c in costs] == [
        ("P2.O1", "PART", 500.0, Decimal("2000"))
    ]
    # the NGO's Nyarugenge officer sees its spending and only Nyarugenge's 300 people
    mine = selectors.framework_funding(framework=nap, user=cast.me_nyarugenge)
    scoped = selectors.costs_per_result(user=cast.me_nyarugenge, result=mine)
    assert scoped[0].achieved == 300.0
    assert scoped[0].as_dict("RWF")["cost_per_result"] == 3333.33


def test_rate_bounds(cast: Any) -> None:
    with pytest.raises(ValidationFailed, match="rate must be positive"):
        services.exchange_rate_set(
            actor=policy.SYSTEM, currency="USD", rate="0.00000000001", valid_from=date(2024, 1, 1)
        )
    with pytest.raises(ValidationFailed, match="out of range"):
        services.exchange_rate_set(
            actor=policy.SYSTEM, currency="USD", rate="1e20", valid_from=date(2024, 1, 1)
        )
    with pytest.raises(ValidationFailed, match="is not a number"):
        services.exchange_rate_set(
            actor=policy.SYSTEM, currency="USD", rate="abc", valid_from=date(2024, 1, 1)
        )
    rate = services.exchange_rate_set(
        actor=policy.SYSTEM, currency="RWF", quote="USD", rate="0.00071942", valid_from=date(2024, 1, 1)
    )
    assert rate.rate == Decimal("0.00071942")
