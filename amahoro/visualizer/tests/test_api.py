"""GET /api/v1/analytics: every answer compared with sums computed here in plain Python over the values
the test wrote (relative periods, levels inside boundaries, the caller's places, filters, categories,
indicators, names, CSV/XLSX), and refusals (anonymous, no role, a place outside one's grants, unknown items,
malformed dimensions)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pytest

from amahoro.analytics.tests.conftest import Dataset, make_dataset
from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.visualizer import dimensions

URL = "/api/v1/analytics"


@pytest.fixture
def data(db: Any, analytics_store: Any) -> Dataset:
    return make_dataset()


@pytest.fixture
def analytics_store(settings: Any, tmp_path: Any) -> Any:
    from amahoro.analytics import engine

    settings.AMAHORO_ANALYTICS_DIR = None
    settings.AMAHORO_ANALYTICS_STORE = str(tmp_path / "analytics")
    settings.AMAHORO_ANALYTICS_QUERY_OVERLAP = 0
    engine.forget_cache()
    yield
    engine.forget_cache()


def get(user: Any, **params: Any) -> Any:
    return api_as(user).get(URL, params)


def ok(user: Any, **params: Any) -> dict[str, Any]:
    response = get(user, **params)
    assert response.status_code == 200, response.content[:800]
    body = response.json()
    assert body["height"] == len(body["rows"]) and body["width"] == len(body["headers"])
    assert all(len(row) == body["width"] for row in body["rows"])
    assert all(isinstance(cell, str) for row in body["rows"] for cell in row)
    return body


def cells(body: dict[str, Any]) -> dict[tuple[str, ...], float]:
    return {tuple(row[:-1]): float(row[-1]) for row in body["rows"]}


# ---------------------------------------------------------------------------------------------------------
# The expected figures, independently: SUM of the numeric, not deleted values, by the keys a function gives


def live_values(data: Dataset) -> list[Any]:
    from amahoro.data.models import DataValue

    return list(
        DataValue.objects.filter(deleted=False, numeric_value__isnull=False).select_related(
            "data_element", "period", "org_unit", "category_option_combo"
        )
    )


def inside(value_period: Any, code: str) -> bool:
    target = period_lib.parse_period(code)
    return target.start <= value_period.start and value_period.end <= target.end


def under(value: Any, code: str) -> bool:
    return value.org_unit.path.startswith(OrgUnit.objects.get(code=code).path)


def options_of(value: Any) -> set[str]:
    return set(value.category_option_combo.options.values_list("code", flat=True))


def expected_sums(
    values: Iterable[Any], key: Callable[[Any], tuple[str, ...] | None]
) -> dict[tuple[str, ...], float]:
    out: dict[tuple[str, ...], float] = defaultdict(float)
    for v in values:
        k = key(v)
        if k is not None:
            out[k] += float(v.numeric_value)
    return dict(out)


def first(codes: Iterable[str], test: Callable[[str], bool]) -> str | None:
    return next((c for c in codes if test(c)), None)


def dx_pe_ou_key(des: list[str], pes: list[str], ous: list[str]) -> Callable[[Any], tuple[str, ...] | None]:
    def key(v: Any) -> tuple[str, ...] | None:
        if v.data_element.code not in des:
            return None
        pe = first(pes, lambda c: inside(v.period, c))
        ou = first(ous, lambda c: under(v, c))
        if pe is None or ou is None:
            return None
        return (v.data_element.code, pe, ou)

    return key


# ---------------------------------------------------------------------------------------------------------
# The shape and the figures


def test_dx_pe_ou_rows_are_the_plain_python_sums(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM;AN_SUM2", "pe:202401;202402;2024Q1", "ou:11;12;21"])
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "ou", "value"]
    assert body["headers"][0] == {
        "name": "dx",
        "column": "Data",
        "valueType": "TEXT",
        "type": "java.lang.String",
        "hidden": False,
        "meta": True,
    }
    assert body["headers"][-1]["valueType"] == "NUMBER"
    want: dict[tuple[str, ...], float] = {}
    for pe in ("202401", "202402", "2024Q1"):  # each period on its own: 2024Q1 holds its months too
        want |= expected_sums(
            live_values(data), dx_pe_ou_key(["AN_SUM", "AN_SUM2"], [pe], ["11", "12", "21"])
        )
    assert cells(body) == pytest.approx(want)
    assert len(want) == 18  # every cell has data here; cells without data are simply absent (see below)
    meta = body["metaData"]
    assert meta["dimensions"] == {
        "dx": ["AN_SUM", "AN_SUM2"],
        "pe": ["202401", "202402", "2024Q1"],
        "ou": ["11", "12", "21"],
    }
    assert meta["items"]["11"]["name"] == OrgUnit.objects.get(code="11").display_name
    assert meta["items"]["2024Q1"]["name"] == period_lib.parse_period("2024Q1").name
    assert meta["items"]["ou"] == {"name": "Organisation unit"}
    from amahoro.visualizer.serializers import AnalyticsOut

    assert AnalyticsOut(body).data == body  # the documented (OpenAPI) shape, exactly


def test_headers_follow_the_asked_order_and_rows_are_sorted_by_item_order(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["ou:12;11", "pe:202402;202401", "dx:AN_SUM"])
    assert [h["name"] for h in body["headers"]] == ["ou", "pe", "dx", "value"]
    assert [tuple(r[:3]) for r in body["rows"]] == [
        ("12", "202402", "AN_SUM"),
        ("12", "202401", "AN_SUM"),
        ("11", "202402", "AN_SUM"),
        ("11", "202401", "AN_SUM"),
    ]
    want = expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401", "202402"], ["11", "12"]))
    got = {(r[2], r[1], r[0]): float(r[3]) for r in body["rows"]}
    assert got == pytest.approx(want)


def test_cells_without_data_are_absent(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202301;202401", "ou:11;13"])
    assert {r[1] for r in body["rows"]} == {"202401"} and {r[2] for r in body["rows"]} == {"11"}


def test_relative_periods_against_relative_period_date(cast: Any, data: Dataset) -> None:
    body = ok(
        cast.sysadmin,
        dimension=["dx:AN_SUM", "pe:LAST_3_MONTHS;THIS_QUARTER", "ou:1"],
        relativePeriodDate="2024-05-15",
    )
    assert body["metaData"]["dimensions"]["pe"] == ["202402", "202403", "202404", "2024Q2"]
    want: dict[tuple[str, ...], float] = {}
    for pe in ("202402", "202403", "202404", "2024Q2"):
        want |= expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], [pe], ["1"]))
    assert cells(body) == pytest.approx(want)


@pytest.mark.parametrize(
    ("name", "day", "codes"),
    [
        ("THIS_MONTH", date(2024, 5, 15), ["202405"]),
        ("LAST_MONTH", date(2024, 1, 1), ["202312"]),
        ("LAST_3_MONTHS", date(2024, 2, 29), ["202311", "202312", "202401"]),
        ("LAST_6_MONTHS", date(2024, 5, 15), ["202311", "202312", "202401", "202402", "202403", "202404"]),
        (
            "LAST_12_MONTHS",
            date(2024, 5, 15),
            [f"2023{m:02d}" for m in range(5, 13)] + ["202401", "202402", "202403", "202404"],
        ),
        ("THIS_QUARTER", date(2024, 5, 15), ["2024Q2"]),
        ("LAST_QUARTER", date(2024, 2, 1), ["2023Q4"]),
        ("LAST_4_QUARTERS", date(2024, 5, 15), ["2023Q2", "2023Q3", "2023Q4", "2024Q1"]),
        ("THIS_YEAR", date(2024, 5, 15), ["2024"]),
        ("LAST_YEAR", date(2024, 5, 15), ["2023"]),
        ("LAST_5_YEARS", date(2024, 5, 15), ["2019", "2020", "2021", "2022", "2023"]),
        ("THIS_FINANCIAL_YEAR", date(2024, 5, 15), ["2023July"]),
        ("LAST_WEEK", date(2024, 1, 3), ["2023W52"]),
    ],
)
def test_relative_period_names(name: str, day: date, codes: list[str]) -> None:
    assert [p.code for p in dimensions.relative_periods(name, day)] == codes


def test_relative_periods_default_to_today_in_kigali(cast: Any, data: Dataset, monkeypatch: Any) -> None:
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2024, 3, 10))
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:LAST_MONTH", "ou:11"])
    assert body["metaData"]["dimensions"]["pe"] == ["202402"]
    assert cells(body) == pytest.approx(
        expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202402"], ["11"]))
    )


def test_level_inside_a_boundary_gives_its_districts(cast: Any, data: Dataset) -> None:
    districts_of_1 = list(
        OrgUnit.objects.filter(path__startswith=OrgUnit.objects.get(code="1").path, depth=3)
        .order_by("code")
        .values_list("code", flat=True)
    )
    for ou in ("ou:1;LEVEL-district", "ou:LEVEL-3;1"):
        body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401", ou])
        assert body["metaData"]["dimensions"]["ou"] == districts_of_1
        assert "1" not in body["metaData"]["dimensions"]["ou"]
        want = expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401"], districts_of_1))
        assert cells(body) == pytest.approx(want) and {k[2] for k in want} == {"11", "12"}


def test_level_alone_counts_within_the_callers_places(cast: Any, data: Dataset) -> None:
    body = ok(cast.me_nyarugenge, dimension=["dx:AN_SUM", "pe:202401", "ou:LEVEL-sector"])
    sectors = body["metaData"]["dimensions"]["ou"]
    assert sectors and all(code.startswith("11") and len(code) == 4 for code in sectors)
    want = expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401"], sectors))
    assert cells(body) == pytest.approx(want) and {k[2] for k in want} == {"1101", "1102"}


def test_user_orgunit_and_children(cast: Any, data: Dataset) -> None:
    body = ok(cast.me_nyarugenge, dimension=["dx:AN_SUM", "pe:202401", "ou:USER_ORGUNIT"])
    assert body["metaData"]["dimensions"]["ou"] == ["11"]
    assert cells(body) == pytest.approx(
        expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401"], ["11"]))
    )
    body = ok(cast.me_nyarugenge, dimension=["dx:AN_SUM", "pe:202401", "ou:USER_ORGUNIT_CHILDREN"])
    children = list(OrgUnit.objects.filter(parent__code="11").order_by("code").values_list("code", flat=True))
    assert body["metaData"]["dimensions"]["ou"] == children
    assert cells(body) == pytest.approx(
        expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401"], children))
    )


def test_filters_aggregate_over_instead_of_splitting(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401;202402"], filter=["ou:11;21", "SEX:F"])
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "value"]

    def key(v: Any) -> tuple[str, ...] | None:
        pe = first(["202401", "202402"], lambda c: inside(v.period, c))
        if v.data_element.code != "AN_SUM" or pe is None or "F" not in options_of(v):
            return None
        if not (under(v, "11") or under(v, "21")):
            return None
        return ("AN_SUM", pe)

    assert cells(body) == pytest.approx(expected_sums(live_values(data), key))
    assert body["metaData"]["dimensions"]["SEX"] == ["F"]

    body = ok(cast.sysadmin, dimension=["ou:11;12"], filter=["dx:AN_SUM;AN_SUM2", "pe:202401;202402"])

    def by_place(v: Any) -> tuple[str, ...] | None:
        if v.data_element.code not in ("AN_SUM", "AN_SUM2"):
            return None
        if not any(inside(v.period, c) for c in ("202401", "202402")):
            return None
        ou = first(["11", "12"], lambda c: under(v, c))
        return None if ou is None else (ou,)

    assert cells(body) == pytest.approx(expected_sums(live_values(data), by_place))


def test_categories_split_and_restrict(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401", "ou:11", "SEX"])
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "ou", "SEX", "value"]

    def by_sex(v: Any) -> tuple[str, ...] | None:
        base = dx_pe_ou_key(["AN_SUM"], ["202401"], ["11"])(v)
        sex = options_of(v) & {"F", "M"}
        return None if base is None or not sex else (*base, sex.pop())

    assert cells(body) == pytest.approx(expected_sums(live_values(data), by_sex))
    body = ok(cast.sysadmin, dimension=["AGE:Y15_24", "dx:AN_SUM", "SEX:M", "pe:202401", "ou:11"])
    assert [h["name"] for h in body["headers"]] == ["AGE", "dx", "SEX", "pe", "ou", "value"]

    def young_men(v: Any) -> tuple[str, ...] | None:
        base = dx_pe_ou_key(["AN_SUM"], ["202401"], ["11"])(v)
        if base is None or not {"M", "Y15_24"} <= options_of(v):
            return None
        return ("Y15_24", base[0], "M", base[1], base[2])

    assert cells(body) == pytest.approx(expected_sums(live_values(data), young_men))


def test_indicator_is_computed_after_aggregation(cast: Any, data: Dataset) -> None:
    from amahoro.frameworks.models import Indicator

    Indicator.objects.create(
        code="AN_RATIO", name="Ratio of sums", numerator="#{AN_SUM}", denominator="#{AN_SUM2}", factor=100
    )
    body = ok(cast.sysadmin, dimension=["dx:AN_RATIO;AN_SUM", "pe:202401;202402", "ou:11;12"])
    nums = expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401", "202402"], ["11", "12"]))
    dens = expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM2"], ["202401", "202402"], ["11", "12"]))
    got = cells(body)
    for (_de, pe, ou), num in nums.items():
        den = dens[("AN_SUM2", pe, ou)]
        assert got[("AN_RATIO", pe, ou)] == pytest.approx(round(num / den * 100, 2))
        assert got[("AN_SUM", pe, ou)] == pytest.approx(num)
    assert body["metaData"]["items"]["AN_RATIO"]["name"] == "Ratio of sums"


def test_output_id_scheme_name(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401", "ou:11;12"], outputIdScheme="NAME")
    names = {ou.code: ou.display_name for ou in OrgUnit.objects.filter(code__in=["11", "12"])}
    period_name = period_lib.parse_period("202401").name
    want = expected_sums(live_values(data), dx_pe_ou_key(["AN_SUM"], ["202401"], ["11", "12"]))
    assert cells(body) == pytest.approx({("AN_SUM", period_name, names[k[2]]): v for k, v in want.items()})
    assert body["metaData"]["dimensions"]["ou"] == [names["11"], names["12"]]
    assert body["metaData"]["items"][names["11"]] == {"name": names["11"], "code": "11"}


def test_skip_meta(cast: Any, data: Dataset) -> None:
    body = ok(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401", "ou:11"], skipMeta="true")
    assert body["metaData"] == {"items": {}, "dimensions": {}} and body["rows"]


def test_csv_and_xlsx_hold_the_same_table(cast: Any, data: Dataset) -> None:
    from openpyxl import load_workbook

    params = {"dimension": ["dx:AN_SUM", "pe:202401;202402", "ou:11;12"]}
    body = ok(cast.sysadmin, **params)
    table = [[h["column"] for h in body["headers"]], *body["rows"]]
    response = api_as(cast.sysadmin).get(URL + ".csv", params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == table
    response = api_as(cast.sysadmin).get(URL + ".xlsx", params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)] == table


def test_dhis2_paths_answer_the_same(cast: Any, data: Dataset) -> None:
    params = {"dimension": ["dx:AN_SUM", "pe:202401", "ou:11"]}
    body = ok(cast.sysadmin, **params)
    for path in ("/api/analytics", "/api/analytics.json", "/api/v1/analytics.json"):
        response = api_as(cast.sysadmin).get(path, params)
        assert response.status_code == 200, (path, response.content[:300])
        assert response.json() == body


def test_run_is_the_same_answer_for_pages(cast: Any, data: Dataset) -> None:
    from django.http import QueryDict

    from amahoro.visualizer.query import run

    params = QueryDict("dimension=dx:AN_SUM&dimension=pe:202401&dimension=ou:11&type=pivot&rows=ou")
    assert run(user=cast.sysadmin, params=params) == ok(
        cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401", "ou:11"]
    )
    assert run(user=cast.sysadmin, params={"dimension": ["dx:AN_SUM", "pe:202401", "ou:11"]})["rows"]


# ---------------------------------------------------------------------------------------------------------
# Scope


def test_scope_only_values_the_caller_may_see(cast: Any, data: Dataset) -> None:
    from amahoro.data.models import DataValue

    # One value of another organisation inside district 11: the NGO's officer does not see it.
    value = DataValue.objects.filter(
        org_unit__code="1101", deleted=False, numeric_value__isnull=False
    ).first()
    assert value is not None
    value.organisation = cast.police
    value.save()
    body = ok(
        cast.me_nyarugenge, dimension=["dx:" + value.data_element.code, "pe:" + value.period.code, "ou:11"]
    )
    visible = [v for v in live_values(data) if v.organisation_id != cast.police.pk]
    want = expected_sums(visible, dx_pe_ou_key([value.data_element.code], [value.period.code], ["11"]))
    assert cells(body) == pytest.approx(want)


def test_a_place_outside_the_grants_is_403_naming_it(cast: Any, data: Dataset) -> None:
    for ou, named in (("ou:12", "12"), ("ou:11;1201", "1201"), ("ou:RW", "RW"), ("ou:2;LEVEL-district", "2")):
        body = assert_error(get(cast.me_nyarugenge, dimension=["dx:AN_SUM", "pe:202401", ou]), 403, "ou")
        assert f"'{named}'" in body["error"]
    assert_error(get(cast.me_nyarugenge, dimension=["dx:AN_SUM", "pe:202401"], filter=["ou:12"]), 403, "ou")


def test_anonymous_and_roleless_are_refused(cast: Any, data: Dataset) -> None:
    params = {"dimension": ["dx:AN_SUM", "pe:202401", "ou:11"]}
    assert api_as(None).get(URL, params).status_code in (401, 403)
    assert api_as(None).get("/api/analytics", params).status_code in (401, 403)
    assert api_as(None).get(URL + ".csv", params).status_code in (401, 403)
    assert_error(api_as(cast.nobody).get(URL, params), 403)


# ---------------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("dimension", "field", "named"),
    [
        (["dx:AN_SUM;NOPE", "pe:202401"], "dx", "NOPE"),
        (["dx:AN_SUM", "pe:2024X9"], "pe", "2024X9"),
        (["dx:AN_SUM", "pe:202401", "ou:11;ZZZ"], "ou", "ZZZ"),
        (["dx:AN_SUM", "pe:202401", "ou:LEVEL-galaxy"], "ou", "galaxy"),
        (["dx:AN_SUM", "pe:202401", "SEX:F;X"], "SEX", "'X'"),
        (["dx:AN_SUM", "pe:202401", "NOCAT"], "NOCAT", "NOCAT"),
        (["dx:AN_SUM", "pe:202401", ":F"], "dimension", ":F"),
        (["dx:", "pe:202401"], "dx", "dx"),
        (["dx:AN_SUM;;AN_SUM2", "pe:202401"], "dx", "empty"),
        (["dx:AN_SUM", "pe"], "pe", "pe"),
        (["dx:AN_SUM", "pe:202401", "dx:AN_SUM2"], "dx", "twice"),
        (["pe:202401"], "dx", "dx"),
        (["dx:AN_SUM"], "pe", "pe"),
    ],
)
def test_unknown_items_and_malformed_dimensions_are_400_naming_them(
    cast: Any, data: Dataset, dimension: list[str], field: str, named: str
) -> None:
    body = assert_error(get(cast.sysadmin, dimension=dimension), 400, field)
    assert named in body["error"]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("relativePeriodDate", "2024-13-01"),
        ("outputIdScheme", "UUID"),
        ("aggregationType", "MEDIAN"),
        ("skipMeta", "perhaps"),
        ("colour", "red"),
    ],
)
def test_bad_parameters_are_400_naming_them(cast: Any, data: Dataset, param: str, value: str) -> None:
    params = {"dimension": ["dx:AN_SUM", "pe:202401", "ou:11"], param: value}
    assert_error(get(cast.sysadmin, **params), 400, param)


def test_no_dimension_at_all_is_400(cast: Any, data: Dataset) -> None:
    assert_error(get(cast.sysadmin), 400)


# ---------------------------------------------------------------------------------------------------------
# Fresh: a value posted through the dataValueSets API one request earlier is in the answer


def test_a_value_posted_one_request_earlier_is_counted(cast: Any, data: Dataset) -> None:
    from amahoro.data.tests.factories import make_meta

    make_meta()
    client = api_as(cast.me_nyarugenge)
    params = {"dimension": ["dx:POP", "pe:2024", "ou:11"]}
    assert client.get(URL, params).json()["rows"] == []
    payload = {
        "dataValues": [
            {"dataElement": "POP", "period": "2024", "orgUnit": "1101", "value": "1200"},
            {"dataElement": "POP", "period": "2024", "orgUnit": "1102", "value": "34.5"},
        ]
    }
    posted = client.post("/api/v1/dataValueSets", data=json.dumps(payload), content_type="application/json")
    assert posted.status_code == 200, posted.content
    assert client.get(URL, params).json()["rows"] == [["POP", "2024", "11", "1234.5"]]
    payload["dataValues"][0]["value"] = "1000"
    client.post("/api/v1/dataValueSets", data=json.dumps(payload), content_type="application/json")
    assert client.get(URL, params).json()["rows"] == [["POP", "2024", "11", "1034.5"]]


def test_indicator_split_by_a_category(cast: Any, data: Dataset) -> None:
    from amahoro.frameworks.models import Indicator

    Indicator.objects.create(
        code="AN_RATIO", name="Ratio of sums", numerator="#{AN_SUM}", denominator="#{AN_SUM2}", factor=100
    )
    body = ok(cast.sysadmin, dimension=["dx:AN_RATIO", "pe:202403", "ou:LEVEL-district;1", "SEX"])

    def by_sex(code: str) -> Callable[[Any], tuple[str, ...] | None]:
        def key(v: Any) -> tuple[str, ...] | None:
            base = dx_pe_ou_key([code], ["202403"], ["11", "12"])(v)
            sex = options_of(v) & {"F", "M"}
            return None if base is None else (base[1], base[2], sex.pop())

        return key

    nums = expected_sums(live_values(data), by_sex("AN_SUM"))
    dens = expected_sums(live_values(data), by_sex("AN_SUM2"))
    want = {("AN_RATIO", *k): round(n / dens[k] * 100, 2) for k, n in nums.items()}
    assert cells(body) == pytest.approx(want) and len(want) == 4


def test_the_public_reader_sees_values_of_no_organisation_only(cast: Any, data: Dataset) -> None:
    from amahoro import policy
    from amahoro.data.models import DataValue
    from amahoro.visualizer.query import run

    owned = DataValue.objects.filter(
        data_element__code="AN_SUM", org_unit__code="1101", period__code="202401", deleted=False
    )
    owned.update(organisation=cast.ngo)
    params = {"dimension": ["dx:AN_SUM", "pe:202401", "ou:11;12"]}
    got = cells(run(user=policy.public_reader(), params=params))
    shared = [v for v in live_values(data) if v.organisation_id is None]
    assert got == pytest.approx(expected_sums(shared, dx_pe_ou_key(["AN_SUM"], ["202401"], ["11", "12"])))
    assert got != cells(ok(cast.sysadmin, **params))


def test_relative_periods_before_year_one_are_400(cast: Any, data: Dataset) -> None:
    response = get(cast.sysadmin, dimension=["dx:AN_SUM", "pe:LAST_5_YEARS"], relativePeriodDate="0002-03-01")
    assert "LAST_5_YEARS" in assert_error(response, 400, "pe")["error"]


def test_aggregation_type_overrides_the_data_elements_own(cast: Any, data: Dataset) -> None:
    values = [
        v
        for v in live_values(data)
        if v.data_element.code == "AN_SUM" and inside(v.period, "202401") and under(v, "11")
    ]
    params = {"dimension": ["dx:AN_SUM", "pe:202401", "ou:11"]}
    assert cells(ok(cast.sysadmin, **params, aggregationType="COUNT")) == {
        ("AN_SUM", "202401", "11"): len(values)
    }
    assert cells(ok(cast.sysadmin, **params, aggregationType="MAX")) == {
        ("AN_SUM", "202401", "11"): max(v.numeric_value for v in values)
    }


def test_more_periods_than_the_bound_are_400_naming_the_limit(
    cast: Any, data: Dataset, monkeypatch: Any
) -> None:
    # Every analytics request is bounded (issue 17): periods like places, with the limit in the message.
    from amahoro.visualizer import dimensions

    monkeypatch.setattr(dimensions, "MAX_ITEMS", 3)
    response = get(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401;202402;202403;202404", "ou:RW"])
    assert "more than 3" in assert_error(response, 400, "pe")["error"]
    assert get(cast.sysadmin, dimension=["dx:AN_SUM", "pe:202401;202402;202403", "ou:RW"]).status_code == 200
