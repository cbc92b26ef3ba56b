"""Validation rules (female + male == total, value <= population), min/max bounds and outlier flags."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data import selectors, services
from amahoro.data.models import DataValue, MinMaxBound
from amahoro.geo.models import OrgUnit

pytestmark = pytest.mark.django_db


def ou(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def put(actor: Any, *rows: tuple[str, str, str, str, str | None]) -> dict[str, Any]:
    values = [
        {
            "dataElement": de,
            "period": pe,
            "orgUnit": unit,
            "value": value,
            **({"categoryOptionCombo": coc} if coc else {}),
        }
        for de, pe, unit, value, coc in rows
    ]
    return services.datavalues_import(actor=actor, payload={"dataValues": values}).as_dict()


@pytest.fixture
def rules(cast, meta) -> None:
    services.validation_rule_create(
        actor=cast.sysadmin,
        code="SEX_SUM",
        name="Female + male = total",
        left="#{GBV_CASES.F} + #{GBV_CASES.M}",
        operator="==",
        right="#{GBV_TOTAL}",
    )
    services.validation_rule_create(
        actor=cast.sysadmin,
        code="NOT_ABOVE_POP",
        name="Cases not above population",
        left="#{GBV_CASES}",
        operator="<=",
        right="#{POP}",
    )


def test_rules_report_violations_per_org_unit_and_period(cast, meta, rules) -> None:
    put(
        cast.me_nyarugenge,
        ("GBV_CASES", "202401", "1101", "3", "F"),
        ("GBV_CASES", "202401", "1101", "4", "M"),
        ("GBV_TOTAL", "202401", "1101", "7", None),
        ("GBV_CASES", "202401", "1102", "3", "F"),
        ("GBV_CASES", "202401", "1102", "4", "M"),
        ("GBV_TOTAL", "202401", "1102", "8", None),
        ("POP", "202401", "1102", "5", None),
    )
    found = selectors.validation_violations(
        user=cast.me_nyarugenge, org_unit=ou("11"), period_codes=["202401"], children=True
    )
    assert sorted((v.rule_code, v.org_unit, v.left, v.right) for v in found) == [
        ("NOT_ABOVE_POP", "1102", 7.0, 5.0),
        ("SEX_SUM", "1102", 7.0, 8.0),
    ]
    assert "Female + male = total: 7 == 8 is not true (org unit 1102, period 202401)" in {
        v.message for v in found
    }
    # Without children: only the unit itself; a rule whose side is all missing is skipped (no POP at 1101).
    assert (
        selectors.validation_violations(user=cast.me_nyarugenge, org_unit=ou("1101"), period_codes=["202401"])
        == []
    )


def test_violations_only_from_values_the_user_may_see(cast, meta, rules) -> None:
    put(
        cast.me_nyarugenge,
        ("GBV_CASES", "202401", "1101", "3", "F"),
        ("GBV_TOTAL", "202401", "1101", "9", None),
    )
    assert selectors.validation_violations(
        user=cast.me_nyarugenge, org_unit=ou("11"), period_codes=["202401"], children=True
    )
    assert (
        selectors.validation_violations(
            user=cast.me_gasabo, org_unit=ou("11"), period_codes=["202401"], children=True
        )
        == []
    )


def test_rule_with_a_bad_expression_is_refused(cast, meta) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.validation_rule_create(
            actor=cast.sysadmin, code="BAD", name="bad", left="#{A} +", operator="==", right="1"
        )
    assert exc.value.field == "left"
    with pytest.raises(ValidationFailed) as exc:
        services.validation_rule_create(
            actor=cast.sysadmin, code="BAD", name="bad", left="1", operator="=<", right="1"
        )
    assert exc.value.field == "operator"
    with pytest.raises(PermissionDenied):
        services.validation_rule_create(
            actor=cast.me_nyarugenge, code="SHARED", name="x", left="1", operator="==", right="1"
        )
    own = services.validation_rule_create(
        actor=cast.me_nyarugenge,
        code="OWN",
        name="x",
        left="1",
        operator="==",
        right="1",
        organisation=cast.ngo,
    )
    assert own.organisation == cast.ngo


def test_validation_results_api(cast, meta, rules) -> None:
    put(
        cast.me_nyarugenge,
        ("GBV_CASES", "202401", "1101", "3", "F"),
        ("GBV_TOTAL", "202401", "1101", "9", None),
    )
    client = api_as(cast.me_nyarugenge)
    body = client.get("/api/v1/validationResults", {"orgUnit": "1101", "period": "202401"}).json()
    assert [v["validationRule"] for v in body["validationRuleViolations"]] == ["SEX_SUM"]
    assert_error(client.get("/api/v1/validationResults", {"orgUnit": "1101"}), 400, "period")
    assert_error(client.get("/api/v1/validationResults", {"period": "202401"}), 400, "orgUnit")
    assert_error(
        api_as(cast.me_gasabo).get("/api/v1/validationResults", {"orgUnit": "1101", "period": "202401"}), 404
    )
    assert_error(
        api_as(cast.nobody).get("/api/v1/validationResults", {"orgUnit": "1101", "period": "202401"}), 403
    )
    assert_error(api_as().get("/api/v1/validationResults", {"orgUnit": "1101", "period": "202401"}), 401)


def test_stored_min_max_bounds_flag_values_for_follow_up_on_import(cast, meta) -> None:
    services.minmax_set(
        actor=cast.me_nyarugenge, data_element=meta.cases, org_unit=ou("1101"), min_value=0, max_value=50
    )
    assert MinMaxBound.objects.count() == 2  # one per category option combo
    put(
        cast.me_nyarugenge,
        ("GBV_CASES", "202401", "1101", "51", "F"),
        ("GBV_CASES", "202401", "1101", "50", "M"),
    )
    flags = dict(DataValue.objects.values_list("category_option_combo__code", "follow_up"))
    assert flags == {"F": True, "M": False}
    with pytest.raises(PermissionDenied):
        services.minmax_set(
            actor=cast.me_gasabo, data_element=meta.cases, org_unit=ou("1101"), min_value=0, max_value=1
        )
    with pytest.raises(ValidationFailed):
        services.minmax_set(
            actor=cast.me_nyarugenge, data_element=meta.cases, org_unit=ou("1101"), min_value=5, max_value=1
        )


def test_outliers_from_history_mean_and_three_standard_deviations(cast, meta) -> None:
    history = [("GBV_TOTAL", f"2023{m:02d}", "1101", str(10 + m % 3), None) for m in range(1, 13)]
    put(
        cast.me_nyarugenge,
        *history,
        ("GBV_TOTAL", "202401", "1101", "95", None),
        ("GBV_TOTAL", "202402", "1101", "11", None),
    )
    flagged = services.outliers_flag(
        actor=cast.me_nyarugenge, data_element_ids=[meta.total.pk], org_unit=ou("11")
    )
    assert list(DataValue.objects.filter(pk__in=flagged).values_list("period__code", flat=True)) == ["202401"]
    assert DataValue.objects.filter(follow_up=True).count() == 1
    with pytest.raises(PermissionDenied):
        services.outliers_flag(actor=cast.clerk_sector, data_element_ids=[meta.total.pk], org_unit=ou("1101"))


def test_generated_bounds_keep_hand_set_ones(cast, meta) -> None:
    put(
        cast.me_nyarugenge,
        *[("GBV_TOTAL", f"2023{m:02d}", "1101", str(10 + m % 3), None) for m in range(1, 13)],
    )
    assert (
        services.minmax_generate(
            actor=cast.me_nyarugenge, data_element_ids=[meta.total.pk], org_unit=ou("11")
        )
        == 1
    )
    bound = MinMaxBound.objects.get()
    assert bound.generated and bound.min_value < 10 < 12 < bound.max_value
    put(cast.me_nyarugenge, ("GBV_TOTAL", "202401", "1101", "40", None))
    assert DataValue.objects.get(period__code="202401").follow_up


def test_outlier_api(cast, meta) -> None:
    put(
        cast.me_nyarugenge,
        *[("GBV_TOTAL", f"2023{m:02d}", "1101", str(10 + m % 3), None) for m in range(1, 13)],
        ("GBV_TOTAL", "202401", "1101", "95", None),
    )
    client = api_as(cast.me_nyarugenge)
    response = client.post(
        "/api/v1/dataValues/outliers",
        {"dataElement": ["GBV_TOTAL"], "orgUnit": "11", "startDate": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 200 and response.json() == {"flagged": 1}
    assert_error(
        client.post("/api/v1/dataValues/outliers", {"dataElement": ["NOPE"], "orgUnit": "11"}, format="json"),
        400,
        "dataElement",
    )
    assert_error(
        api_as(cast.clerk_sector).post(
            "/api/v1/dataValues/outliers", {"dataElement": ["GBV_TOTAL"], "orgUnit": "1101"}, format="json"
        ),
        403,
    )
    assert_error(
        api_as(cast.me_gasabo).post(
            "/api/v1/dataValues/outliers", {"dataElement": ["GBV_TOTAL"], "orgUnit": "11"}, format="json"
        ),
        403,
    )
