from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amahoro.audit.models import AuditEvent
from amahoro.collection import importing
from amahoro.collection.models import Submission
from amahoro.core.errors import PermissionDenied

from .factories import upload, xlsx

pytestmark = pytest.mark.django_db

MAIN = [
    ["_id", "session_date", "village", "fac_sex", "men", "women", "topics"],
    ["paper-1", "2025-11-02", "1101", "F", "4", "9", "gbv masculinity"],
    ["paper-2", "2025-11-09", "1101", "M", "6", "3", "gbv"],
]
REPEAT = [
    ["_submission", "_index", "p_sex", "p_age"],
    ["paper-1", "1", "F", "15_24"],
    ["paper-1", "2", "M", "25_49"],
]


def test_xlsx_records_with_repeats_import_once(cast: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    content = xlsx({"dialogue": MAIN, "participant": REPEAT})
    report = importing.submissions_import(
        actor=cast.clerk_sector, form=form, content=content, filename="old.xlsx"
    )
    assert report.as_dict()["status"] == "OK" and report.created == 2
    sub = Submission.objects.get(instance_id="paper-1")
    assert sub.data["participant"] == [{"p_sex": "F", "p_age": "15_24"}, {"p_sex": "M", "p_age": "25_49"}]
    assert sub.data["fac_sex"] == "F" and sub.data["topics"] == "gbv masculinity"
    assert "<facilitator><fac_sex>F</fac_sex></facilitator>" in sub.xml
    again = importing.submissions_import(
        actor=cast.clerk_sector, form=form, content=content, filename="old.xlsx"
    )
    assert again.created == 0 and again.unchanged == 2 and Submission.objects.count() == 2
    assert AuditEvent.objects.filter(action="import", object_type="collection.xform").count() == 2


def test_row_errors_name_sheet_row_and_column_and_store_nothing(cast: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    bad = [
        ["session_date", "village", "men", "fac_sex", "colour"],
        ["2025-13-01", "1101", "four", "X", "red"],
        ["", "1101", "2", "F", ""],
    ]
    report = importing.submissions_import(
        actor=cast.clerk_sector,
        form=form,
        content=xlsx({"dialogue": bad, "kids": [["_submission"]]}),
        filename="b.xlsx",
    )
    where = {(e["sheet"], e["row"], e["column"]) for e in report.errors}
    assert ("dialogue", 1, "colour") in where
    assert ("dialogue", 2, "session_date") in where and ("dialogue", 2, "men") in where
    assert ("dialogue", 2, "fac_sex") in where
    assert ("dialogue", 3, "session_date") in where  # required
    assert ("kids", 0, "") in where
    assert not Submission.objects.exists()


def test_import_api_and_refusals(cast: Any, api_client: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    csv_body = "\n".join(",".join(r) for r in MAIN).encode()
    url = "/api/v1/forms/dialogue/submissions/import"
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert (
        api_client.post(
            url, {"file": SimpleUploadedFile("old.csv", csv_body)}, format="multipart"
        ).status_code
        == 403
    )
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert (
        api_client.post(
            url, {"file": SimpleUploadedFile("old.csv", csv_body)}, format="multipart"
        ).status_code
        == 404
    )
    api_client.force_authenticate(cast.clerk_sector)
    resp = api_client.post(url, {"file": SimpleUploadedFile("old.csv", csv_body)}, format="multipart")
    assert resp.status_code == 200 and resp.json()["created"] == 2
    bad = api_client.post(url, {"file": SimpleUploadedFile("old.csv", b"men\nlots\n")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["errors"][0]["column"] in ("men", "session_date")
    with pytest.raises(PermissionDenied):
        importing.submissions_import(
            actor=cast.viewer_nyarugenge,
            form=upload(cast.ngo_admin, cast.ngo),
            content=csv_body,
            filename="x.csv",
        )
