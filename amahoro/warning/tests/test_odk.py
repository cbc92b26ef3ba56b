"""ODK/XLSForm source: the example early-warning form's submissions, received over OpenRosa, become signals
(once per instanceID); one that cannot is marked "has issues" with the reason; other forms are left alone."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amahoro import policy
from amahoro.collection import services as collection
from amahoro.collection.models import ReviewState, Submission
from amahoro.warning.models import Signal
from amahoro.warning.odk import CHOICES, EXAMPLE_FORM, SURVEY, example_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit_url(ec: Any) -> str:
    form = collection.form_upload(
        actor=policy.SYSTEM,
        organisation=ec.ngo,
        content=EXAMPLE_FORM.read_bytes(),
        filename="ewer_signal.xlsx",
    )
    _token, raw = collection.token_create(
        actor=policy.SYSTEM, organisation=ec.ngo, name="Tablet 7", forms=[form]
    )
    return f"/openrosa/c/{raw}/submission"


def instance(instance_id: str, **answers: str) -> bytes:
    values = {
        "ewer_type": "gbv",
        "ewer_place": "1209",
        "ewer_date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "ewer_urgency": "immediate",
        "ewer_description": "A woman was beaten by her husband",
        "ewer_reporter_name": "Amina",
        "ewer_reporter_phone": "+250788000222",
    } | answers
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return (
        f'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="ewer_signal" version="1">'
        f"{body}<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def post(client: Client, url: str, xml: bytes) -> Any:
    return client.post(url, {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")})


def test_a_submission_of_the_example_form_becomes_a_signal_once(
    submit_url: str, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    iid = f"uuid:{uuid.uuid4()}"
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, submit_url, instance(iid)).status_code == 201
        assert post(client, submit_url, instance(iid)).status_code in (200, 201, 202)
    signal = Signal.objects.get()
    assert (signal.source, signal.source_ref, signal.type.code) == ("odk", iid, "gbv")
    assert (signal.org_unit.code, signal.urgency) == ("1209", "immediate")
    assert signal.occurred_on == dt.date.today() - dt.timedelta(days=1)
    assert signal.description == "A woman was beaten by her husband"
    assert signal.reporter == {"name": "Amina", "phone": "+250788000222"}


def test_a_place_given_by_name(
    submit_url: str, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client, submit_url, instance(f"uuid:{uuid.uuid4()}", ewer_place="Musanze Muhoza", ewer_urgency="")
        )
    signal = Signal.objects.get()
    assert signal.org_unit.code == "4308" and signal.urgency == "high"  # the type's default


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"ewer_type": "nope"}, "unknown signal type"),
        ({"ewer_place": "Remera"}, "names several places"),
        ({"ewer_place": "11"}, "the place must be"),
        ({"ewer_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "future"),
    ],
)
def test_a_submission_that_is_no_signal_is_kept_and_marked_with_the_reason(
    submit_url: str,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    answers: dict[str, str],
    reason: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, submit_url, instance(f"uuid:{uuid.uuid4()}", **answers)).status_code == 201
    assert not Signal.objects.exists()
    submission = Submission.objects.get()
    assert submission.review_state == ReviewState.HAS_ISSUES and reason in submission.review_comment
    assert "beaten" not in submission.review_comment


def test_other_forms_make_no_signal(ec: Any, client: Client, django_capture_on_commit_callbacks: Any) -> None:
    from amahoro.collection.tests.factories import dialogue_form, instance_xml

    form = collection.form_upload(
        actor=policy.SYSTEM, organisation=ec.ngo, content=dialogue_form(), filename="dialogue.xlsx"
    )
    _token, raw = collection.token_create(actor=policy.SYSTEM, organisation=ec.ngo, name="T", forms=[form])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, f"/openrosa/c/{raw}/submission", instance_xml()).status_code == 201
    assert Submission.objects.get().review_state == ReviewState.RECEIVED and not Signal.objects.exists()


def test_the_committed_example_form_is_the_one_the_module_describes() -> None:
    def rows(content: bytes, sheet: str) -> list[list[Any]]:
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [["" if c is None else c for c in row] for row in book[sheet].iter_rows(values_only=True)]

    committed = EXAMPLE_FORM.read_bytes()
    assert rows(committed, "survey") == rows(example_form(), "survey") == [[*r] for r in SURVEY]
    assert rows(committed, "choices") == [[*r] for r in CHOICES]
