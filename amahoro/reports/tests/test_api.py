"""The reports API: the list of reports, a report file rendered as the caller, and the runs API (owner only)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from amahoro.audit.models import AuditAction, AuditEvent
from amahoro.reports.models import ReportRun, RunStatus

from .conftest import CODE, make_framework, places_under
from .test_gbv import world
from .test_nap import FW as NAP_FW
from .test_nap import REACH as NAP_REACH
from .test_nap import plan

__all__ = ["plan", "world"]

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api_as(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["error"] and body["code"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def test_the_list_shows_the_reports_the_caller_may_use(cast: Any, fake_kind: Any) -> None:
    body = api_as(cast.me_nyarugenge).get("/api/v1/reports").json()
    codes = [k["code"] for k in body]
    assert CODE in codes
    fake = next(k for k in body if k["code"] == CODE)
    assert fake["formats"] == ["pdf", "xlsx"] and fake["frequencies"] == ["monthly"]
    assert fake["urls"] == {"pdf": f"/api/v1/reports/{CODE}.pdf", "xlsx": f"/api/v1/reports/{CODE}.xlsx"}
    assert [(p["name"], p["required"]) for p in fake["params"]] == [
        ("framework", True),
        ("period", True),
        ("org_unit", False),
        ("lang", False),
    ]
    # An account without any role may use none; anonymous callers are refused.
    assert api_as(cast.nobody).get("/api/v1/reports").json() == []
    assert_error(api_as(None).get("/api/v1/reports"), 401)
    assert_error(api_as(cast.me_nyarugenge).get("/api/v1/reports?x=1"), 400, "x")


def test_a_pdf_holds_the_figures_the_caller_may_see(cast: Any, fake_kind: Any, framework: Any) -> None:
    url = f"/api/v1/reports/{CODE}.pdf?framework={framework.code}&period=2026&lang=fr"
    response = api_as(cast.me_nyarugenge).get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{CODE}-{framework.code}-2026-fr.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert f"{places_under('11')}" in text and framework.code in text
    # The same report for the whole country, asked for by the organisation's administrator.
    response = api_as(cast.ngo_admin).get(
        f"/api/v1/reports/{CODE}.xlsx?framework={framework.code}&period=2026"
    )
    assert response["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[4]][:3] == [framework.code, "2026", places_under("RW")]
    export = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type=f"reports.{CODE}")
    assert export.count() == 2 and {e.actor_id for e in export} == {cast.me_nyarugenge.pk, cast.ngo_admin.pk}


def test_bad_input_is_a_400_naming_the_field(cast: Any, fake_kind: Any, framework: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    base = f"/api/v1/reports/{CODE}.pdf"
    assert_error(client.get(f"{base}?period=2026"), 400, "framework")
    assert_error(client.get(f"{base}?framework={framework.code}&period=20x6"), 400, "period")
    assert_error(client.get(f"{base}?framework={framework.code}&period=2026&lang=de"), 400, "lang")
    assert_error(client.get(f"{base}?framework={framework.code}&period=2026&start=2025"), 400, "start")
    assert_error(client.get(f"{base}?framework={framework.code}&period=2026&colour=red"), 400, "colour")


def test_a_repeated_parameter_is_a_400_naming_it(cast: Any, fake_kind: Any, framework: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    base = f"/api/v1/reports/{CODE}.xlsx?framework={framework.code}"
    body = assert_error(client.get(f"{base}&period=2024&period=2023"), 400, "period")
    assert "more than once" in body["error"] and body["code"] == "ValidationFailed"
    assert_error(client.get(f"{base}&period=2024&lang=fr&lang=fr"), 400, "lang")
    assert not AuditEvent.objects.filter(object_type=f"reports.{CODE}").exists()


def test_a_bad_lang_has_the_shape_of_every_other_bad_parameter(
    cast: Any, fake_kind: Any, framework: Any
) -> None:
    client = api_as(cast.me_nyarugenge)
    base = f"/api/v1/reports/{CODE}.pdf?framework={framework.code}"
    lang = assert_error(client.get(f"{base}&period=2026&lang=de"), 400, "lang")
    period = assert_error(client.get(f"{base}&period=20x6"), 400, "period")
    assert set(lang) == set(period) == {"error", "code", "field"}
    assert lang["code"] == period["code"] == "ValidationFailed"
    assert lang["error"] == "lang must be one of en, fr, rw, not 'de'"
    # The OpenAPI document still lists the three languages.
    op = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/reports/{code}.{fmt}"]["get"]
    param = next(p for p in op["parameters"] if p["name"] == "lang")
    assert param["schema"]["enum"] == ["en", "fr", "rw"]


def test_unknown_reports_formats_and_invisible_things_are_404(
    cast: Any, fake_kind: Any, framework: Any
) -> None:

    client = api_as(cast.me_nyarugenge)
    assert_error(client.get("/api/v1/reports/no-such.pdf?period=2026"), 404)
    assert_error(client.get(f"/api/v1/reports/{CODE}.docx?framework={framework.code}&period=2026"), 404)
    assert_error(
        client.get(f"/api/v1/reports/{CODE}.pdf?framework={framework.code}&period=2026&org_unit=21"), 404
    )
    make_framework(cast.police, "RNP-SP")
    assert_error(client.get(f"/api/v1/reports/{CODE}.pdf?framework=RNP-SP&period=2026"), 404)
    assert_error(
        api_as(cast.nobody).get(f"/api/v1/reports/{CODE}.pdf?framework={framework.code}&period=2026"), 403
    )
    assert_error(api_as(None).get(f"/api/v1/reports/{CODE}.pdf?framework={framework.code}&period=2026"), 401)


def test_a_run_is_queued_polled_and_fetched_by_its_owner_only(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(cast.me_nyarugenge)
    body = {"kind": CODE, "format": "xlsx", "params": {"framework": framework.code, "period": "2026"}}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/reports/runs", body, format="json")
    assert response.status_code == 202, response.content
    run = response.json()
    assert (run["status"], run["progress"], run["file"]) == ("queued", 0, None)
    assert run["params"] == {"framework": framework.code, "period": "2026", "lang": "en"}
    assert_error(client.get(f"/api/v1/reports/runs/{run['id']}/file"), 409, "status")
    for callback in callbacks:
        callback()
    done = client.get(f"/api/v1/reports/runs/{run['id']}").json()
    assert (done["status"], done["progress"]) == ("done", 100)
    assert done["file"] == f"/api/v1/reports/runs/{run['id']}/file"
    response = client.get(done["file"])
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{done["filename"]}"'
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[4]][:3] == [framework.code, "2026", places_under("11")]
    assert [r["id"] for r in client.get("/api/v1/reports/runs").json()] == [run["id"]]
    for other in (cast.me_gasabo, cast.sysadmin):
        assert_error(api_as(other).get(f"/api/v1/reports/runs/{run['id']}"), 404)
        assert_error(api_as(other).get(f"/api/v1/reports/runs/{run['id']}/file"), 404)
        assert api_as(other).get("/api/v1/reports/runs").json() == []
    assert_error(api_as(None).get(f"/api/v1/reports/runs/{run['id']}"), 401)


def test_a_bad_run_is_refused_at_once(cast: Any, fake_kind: Any, framework: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    good = {"framework": framework.code, "period": "2026"}
    assert_error(
        client.post(
            "/api/v1/reports/runs",
            {"kind": CODE, "format": "pdf", "params": {"framework": framework.code}},
            format="json",
        ),
        400,
        "period",
    )
    assert_error(
        client.post("/api/v1/reports/runs", {"kind": CODE, "format": "docx", "params": good}, format="json"),
        400,
        "format",
    )
    assert_error(
        client.post(
            "/api/v1/reports/runs",
            {"kind": CODE, "format": "pdf", "params": good, "when": "now"},
            format="json",
        ),
        400,
        "when",
    )
    assert_error(
        client.post(
            "/api/v1/reports/runs",
            {"kind": CODE, "format": "pdf", "params": {"period": ["2026"]}},
            format="json",
        ),
        400,
    )
    assert_error(
        client.post(
            "/api/v1/reports/runs", {"kind": "no-such", "format": "pdf", "params": good}, format="json"
        ),
        404,
    )
    assert_error(
        api_as(cast.nobody).post(
            "/api/v1/reports/runs", {"kind": CODE, "format": "pdf", "params": good}, format="json"
        ),
        403,
    )
    assert not ReportRun.objects.exists()


def test_a_failed_run_reports_its_error(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(cast.me_nyarugenge)
    body = {
        "kind": CODE,
        "format": "pdf",
        "params": {"framework": framework.code, "period": "2026", "org_unit": "21"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        run = client.post("/api/v1/reports/runs", body, format="json").json()
    failed = client.get(f"/api/v1/reports/runs/{run['id']}").json()
    assert (failed["status"], failed["error"], failed["file"]) == (
        RunStatus.FAILED,
        "org unit '21' not found",
        None,
    )


def test_every_reports_operation_is_typed(cast: Any) -> None:
    from amahoro.api.schema import bare_object_operations

    schema = api_as(cast.viewer_nyarugenge).get("/api/v1/openapi.json").json()
    paths = {p: item for p, item in schema["paths"].items() if p.startswith("/api/v1/reports")}
    assert {"/api/v1/reports", "/api/v1/reports/{code}.{fmt}", "/api/v1/reports/runs"} <= set(paths)
    assert bare_object_operations({"paths": paths}) == []
    file_op = paths["/api/v1/reports/{code}.{fmt}"]["get"]
    assert set(file_op["responses"]["200"]["content"]) == {"application/pdf", XLSX}
    query = {p["name"] for p in file_op["parameters"] if p["in"] == "query"}
    assert {"framework", "period", "start", "end", "org_unit", "lang"} <= query


# ---------------------------------------------------------------------------------------------------------
# The real kinds of issue 14 at their exact paths (their own tests check every figure; these check the door).


def cells(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(io.BytesIO(content))
    return {
        ws.title: [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)] for ws in wb
    }


def row_with(content: bytes, first: str) -> tuple[Any, ...]:
    return next(r for rows in cells(content).values() for r in rows if first in r)


def test_the_nap_and_itt_files_at_their_paths(cast: Any, plan: Any) -> None:
    from amahoro.reports import kinds

    client = api_as(cast.ngo_admin)
    listed = {k["code"]: k for k in client.get("/api/v1/reports").json()}
    assert {"nap-progress", "itt"} <= set(listed)
    assert listed["nap-progress"]["urls"]["pdf"] == "/api/v1/reports/nap-progress.pdf"
    reach_2024 = sum(v for _de, _ou, period, v, _c in NAP_REACH if period.startswith("2024"))
    for fmt in ("pdf", "xlsx"):
        response = client.get(f"/api/v1/reports/nap-progress.{fmt}?framework={NAP_FW}&period=2024")
        assert response.status_code == 200, response.content[:300]
        name = kinds.get("nap-progress").filename({"framework": NAP_FW, "period": "2024", "lang": "en"}, fmt)
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert reach_2024 in row_with(response.content, "NAPT-REACH")
    # The tracking table per quarter of 2024: Q1 holds the January and March values, Q2 the quarter's own.
    q1 = sum(v for _de, _ou, p, v, _c in NAP_REACH if p in ("202401", "202402", "202403", "2024Q1"))
    q2 = sum(v for _de, _ou, p, v, _c in NAP_REACH if p in ("202404", "202405", "202406", "2024Q2"))
    response = client.get(f"/api/v1/reports/itt.xlsx?framework={NAP_FW}&start=2024Q1&end=2024Q2")
    assert response.status_code == 200, response.content[:300]
    row = row_with(response.content, "NAPT-REACH")
    assert q1 in row and q2 in row, row
    response = client.get(f"/api/v1/reports/itt.pdf?framework={NAP_FW}&start=2024Q1&end=2024Q2")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # Errors of the real kinds: the field named, the other organisation's user refused.
    assert_error(client.get(f"/api/v1/reports/itt.xlsx?framework={NAP_FW}&start=2024Q2&end=2024Q1"), 400)
    assert_error(client.get(f"/api/v1/reports/nap-progress.pdf?framework={NAP_FW}"), 400, "period")
    # Periods that have not begun: refused as gbv-monthly refuses a month to come, naming the field.
    next_year = timezone.localdate().year + 1
    for url, field in (
        (f"nap-progress.pdf?framework={NAP_FW}&period={next_year}", "period"),
        (f"nap-progress.xlsx?framework={NAP_FW}&period={next_year}Q1", "period"),
        (f"itt.pdf?framework={NAP_FW}&start={next_year}Q1&end={next_year}Q2", "start"),
    ):
        body = assert_error(client.get(f"/api/v1/reports/{url}"), 400, field)
        assert "has not begun" in body["error"], body
    # An ITT's end may lie ahead: the targets of the periods to come beside the actuals so far.
    ahead = client.get(f"/api/v1/reports/itt.xlsx?framework={NAP_FW}&start=2024Q1&end={next_year}Q1")
    assert ahead.status_code == 200, ahead.content[:300]
    assert_error(
        client.get(f"/api/v1/reports/nap-progress.xlsx?framework={NAP_FW}&period=2024&period=2023"),
        400,
        "period",
    )
    assert_error(client.get(f"/api/v1/reports/nap-progress.docx?framework={NAP_FW}&period=2024"), 404)
    assert_error(
        api_as(cast.police_me_nyarugenge).get(
            f"/api/v1/reports/nap-progress.pdf?framework={NAP_FW}&period=2024"
        ),
        404,
    )


def test_the_gbv_monthly_files_at_their_paths(world: Any) -> None:
    client = api_as(world.me_officer)
    assert "gbv-monthly" in {k["code"] for k in client.get("/api/v1/reports").json()}
    for fmt in ("pdf", "xlsx"):
        response = client.get(f"/api/v1/reports/gbv-monthly.{fmt}?org_unit=12&period={world.period}")
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Disposition"].endswith(f'.{fmt}"')
    assert_error(client.get("/api/v1/reports/gbv-monthly.pdf?org_unit=12&period=2024Q1"), 400, "period")
    moderator = api_as(world.moderator)
    assert "gbv-monthly" not in {k["code"] for k in moderator.get("/api/v1/reports").json()}
    assert_error(moderator.get(f"/api/v1/reports/gbv-monthly.pdf?org_unit=12&period={world.period}"), 403)
    assert_error(
        api_as(world.worker_nyarugenge).get(
            f"/api/v1/reports/gbv-monthly.xlsx?org_unit=12&period={world.period}"
        ),
        404,
    )
