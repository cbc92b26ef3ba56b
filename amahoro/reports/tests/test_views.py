"""The report pages: the list, a report's form (errors beside the field), the sandboxed preview, a run's
progress page (polled with htmx) and its download, owner only; the navigation link and the help."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from amahoro.reports.models import ReportRun, RunStatus
from conftest import assert_login_redirect, assert_page_ok, client_for

from .conftest import CODE, make_framework, places_under
from .test_nap import FW as NAP_FW
from .test_nap import REACH as NAP_REACH
from .test_nap import plan

__all__ = ["plan"]

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(fake_kind: Any) -> None:
    client = Client()
    for url in (
        "/reports/",
        f"/reports/{CODE}/",
        f"/reports/{CODE}/preview?period=2026",
        f"/reports/{CODE}/preview-frame",
    ):
        assert_login_redirect(client.get(url))
    run_url = "/reports/runs/00000000-0000-0000-0000-000000000000/"
    assert_login_redirect(client.get(run_url))
    assert_login_redirect(client.get(run_url + "download"))


def test_the_list_offers_the_reports_the_user_may_use(cast: Any, fake_kind: Any) -> None:
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/reports/"))
    assert f'href="/reports/{CODE}/"' in html and "Places report" in html
    assert 'href="/reports/"' in html.split("<main", 1)[0]  # the navigation's link
    nobody = client_for(cast.nobody)
    assert nobody.get("/reports/").status_code == 403
    assert 'href="/reports/"' not in nobody.get("/").content.decode()
    assert client_for(cast.me_nyarugenge).get("/reports/no-such/").status_code == 404
    assert nobody.get(f"/reports/{CODE}/").status_code == 403


def test_the_form_offers_the_users_frameworks_places_and_languages(
    cast: Any, fake_kind: Any, framework: Any
) -> None:

    make_framework(cast.police, "RNP-SP")
    html = assert_page_ok(client_for(cast.me_nyarugenge).get(f"/reports/{CODE}/"))
    assert f'<option value="{framework.code}"' in html and "RNP-SP" not in html
    places = re.findall(
        r'<option value="([0-9A-Z]+)">', html.split('id="id_org_unit_list"', 1)[1].split("</datalist>")[0]
    )
    assert "11" in places and "1101" in places and "12" not in places and "RW" not in places
    assert all(code.startswith("11") for code in places)
    assert 'name="lang"' in html and '<option value="rw"' in html
    assert 'name="format" value="pdf" checked' in html and 'value="xlsx"' in html
    assert "csrfmiddlewaretoken" in html
    assert f'hx-get="/reports/{CODE}/preview-frame"' in html


def test_download_with_bad_parameters_shows_the_message_beside_the_field(
    cast: Any, fake_kind: Any, framework: Any
) -> None:
    client = client_for(cast.me_nyarugenge)
    response = client.post(
        f"/reports/{CODE}/", {"framework": framework.code, "period": "26", "format": "pdf"}
    )
    html = assert_page_ok(response, status=400)
    errors = html.split('id="id_period_errors"', 1)[1].split("</ul>", 1)[0]
    assert "period must be a year such as 2026, not &#x27;26&#x27;" in errors
    assert 'value="26"' in html  # what was typed stays
    response = client.post(
        f"/reports/{CODE}/", {"framework": framework.code, "period": "2026", "format": "docx"}
    )
    assert (
        "format must be one of pdf, xlsx"
        in assert_page_ok(response, status=400).split('id="id_format_errors"')[1]
    )
    assert not ReportRun.objects.exists()


def test_post_needs_the_csrf_token(cast: Any, fake_kind: Any, framework: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.me_nyarugenge)
    response = client.post(
        f"/reports/{CODE}/", {"framework": framework.code, "period": "2026", "format": "pdf"}
    )
    assert response.status_code == 403 and not ReportRun.objects.exists()


def test_download_creates_a_run_whose_page_ends_with_the_file(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(cast.me_nyarugenge)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/reports/{CODE}/",
            {"framework": framework.code, "period": "2026", "format": "pdf", "lang": "fr"},
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/runs/{run.uuid}/"
    assert run.params["lang"] == "fr" and run.owner == cast.me_nyarugenge
    # Before the render: the page polls itself every second and shows the progress.
    html = assert_page_ok(client.get(f"/reports/runs/{run.uuid}/"))
    assert f'hx-get="/reports/runs/{run.uuid}/"' in html and 'hx-trigger="every 1s"' in html
    assert 'id="run-progress" max="100" value="0"' in html
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40, stage="Counting places")
    partial = client.get(f"/reports/runs/{run.uuid}/", headers={"HX-Request": "true"}).content.decode()
    assert (
        "<html" not in partial
        and "40 %" in partial
        and "Counting places" in partial
        and "every 1s" in partial
    )
    assert client.get(f"/reports/runs/{run.uuid}/download").status_code == 404  # not ready yet
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, progress=0, stage="")
    for callback in callbacks:
        callback()
    partial = client.get(f"/reports/runs/{run.uuid}/", headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in partial and 'id="run-ready"' in partial and "Ready" in partial
    assert f'href="/reports/runs/{run.uuid}/download"' in partial
    response = client.get(f"/reports/runs/{run.uuid}/download")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{CODE}-{framework.code}-2026-fr.pdf"'
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert f"{places_under('11')}" in text
    # The list pages show the run to its owner.
    assert f"/reports/runs/{run.uuid}/" in assert_page_ok(client.get("/reports/"))


def test_another_users_run_is_404(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.me_nyarugenge).post(
            f"/reports/{CODE}/", {"framework": framework.code, "period": "2026", "format": "xlsx"}
        )
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE
    for other in (cast.me_gasabo, cast.sysadmin, cast.nobody):
        client = client_for(other)
        assert client.get(f"/reports/runs/{run.uuid}/").status_code == 404
        assert client.get(f"/reports/runs/{run.uuid}/download").status_code == 404
        assert str(run.uuid) not in client.get("/reports/").content.decode()


def test_a_failed_run_shows_its_error_in_words(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(cast.me_nyarugenge)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/reports/{CODE}/",
            {"framework": framework.code, "period": "2026", "org_unit": "21", "format": "pdf"},
        )
    html = assert_page_ok(client.get(response["Location"]))
    assert (
        'id="run-failed"' in html and "org unit &#x27;21&#x27; not found" in html and "every 1s" not in html
    )


def test_the_preview_is_a_sandboxed_frame_of_the_reports_html(
    cast: Any, fake_kind: Any, framework: Any
) -> None:
    client = client_for(cast.me_nyarugenge)
    frame = client.get(
        f"/reports/{CODE}/preview-frame",
        {"framework": framework.code, "period": "2026", "format": "pdf"},
        headers={"HX-Request": "true"},
    )
    html = frame.content.decode()
    assert frame.status_code == 200 and 'sandbox=""' in html
    src = re.search(r'src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert src == f"/reports/{CODE}/preview?framework={framework.code}&period=2026&lang=en"
    preview = client.get(src)
    assert preview.status_code == 200 and preview["Content-Type"] == "text/html; charset=utf-8"
    csp = preview["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "script-src" not in csp and "default-src 'none'" in csp
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert f"Places: {places_under('11')}" in preview.content.decode()
    # A bad parameter: the message names the field instead of a frame.
    bad = client.get(
        f"/reports/{CODE}/preview-frame", {"framework": framework.code, "period": "x"}
    ).content.decode()
    assert 'id="preview-error"' in bad and "period" in bad and "<iframe" not in bad
    # Something the user may not see: an error page in the frame, never a 500.
    refused = client.get(
        f"/reports/{CODE}/preview", {"framework": framework.code, "period": "2026", "org_unit": "21"}
    )
    assert refused.status_code == 404 and "org unit &#x27;21&#x27; not found" in refused.content.decode()
    assert refused["Content-Security-Policy"].startswith("sandbox;")


def test_the_help_page_describes_reports(cast: Any) -> None:
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/help/"))
    assert 'id="help-reports"' in html


def test_the_real_kinds_are_offered_by_permission(cast: Any) -> None:
    from amahoro.reports import kinds

    codes = {k.code for k in kinds.all_kinds()}
    html = client_for(cast.me_nyarugenge).get("/reports/").content.decode()
    for code in codes:
        kind = kinds.get(code)
        from amahoro import policy

        assert (f'href="/reports/{code}/"' in html) == policy.has_perm(cast.me_nyarugenge, kind.perm)


def test_a_real_report_through_the_pages(
    cast: Any, plan: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(cast.ngo_admin)
    html = assert_page_ok(client.get("/reports/itt/"))
    assert f'<option value="{NAP_FW}"' in html and 'name="start"' in html and 'name="end"' in html
    frame = client.get(
        "/reports/itt/preview-frame", {"framework": NAP_FW, "start": "2024Q1", "end": "2024Q2"}
    )
    src = re.search(r'src="([^"]+)"', frame.content.decode()).group(1).replace("&amp;", "&")
    assert "NAPT-REACH" in client.get(src).content.decode()
    response = client.post(
        "/reports/itt/", {"framework": NAP_FW, "start": "2024Q3", "end": "2024Q1", "format": "xlsx"}
    )
    assert "errorlist" in assert_page_ok(response, status=400)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/itt/", {"framework": NAP_FW, "start": "2024Q1", "end": "2024Q2", "format": "xlsx"}
        )
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE, run.error
    assert 'id="run-ready"' in assert_page_ok(client.get(response["Location"]))
    download = client.get(f"/reports/runs/{run.uuid}/download")
    wb = load_workbook(io.BytesIO(download.content))
    row = next(r for ws in wb for r in ws.iter_rows(values_only=True) if "NAPT-REACH" in r)
    q1 = sum(v for _de, _ou, p, v, _c in NAP_REACH if p in ("202401", "202402", "202403", "2024Q1"))
    assert q1 in row
