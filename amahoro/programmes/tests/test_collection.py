"""Attendance and scale responses from XLSForm submissions (amahoro.collection's submissions_for_form)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.collection.models import Submission, XForm
from amahoro.geo.models import OrgUnit
from amahoro.programmes import scoring
from amahoro.programmes.models import Attendance, ScaleResponse
from amahoro.programmes.services import attendance as attendance_services
from amahoro.programmes.services import scales as scale_services
from conftest import client_for

from .factories import World

pytestmark = pytest.mark.django_db


def submit(form: XForm, n: int, data: dict[str, Any], unit: str = "1101") -> Submission:
    return Submission.objects.create(
        form=form,
        instance_id=f"uuid:{form.form_id}-{n}",
        xml="<data/>",
        xml_md5="0" * 32,
        data=data,
        org_unit=OrgUnit.objects.get(code=unit),
    )


@pytest.fixture
def form(world: World) -> XForm:
    return XForm.objects.create(
        organisation=world.cast.ngo,
        form_id="bande_attendance",
        title="Attendance",
        md5="0" * 32,
        xml="<h:html/>",
    )


def test_attendance_from_flat_and_repeat_submissions(world: World, form: XForm) -> None:
    submit(form, 1, {"session": "1", "participant": "P-000", "present": "yes"})
    submit(
        form,
        2,
        {
            "session": "2",
            "participants": [
                {"participant": "P-000", "present": "1"},
                {"participant": "P-001", "present": "0"},
            ],
        },
    )
    result = attendance_services.attendance_from_submissions(
        actor=world.cast.me_nyarugenge, cohort=world.cohort, form_id="bande_attendance"
    )
    assert result.ok and result.written == 3
    assert Attendance.objects.filter(present=True).count() == 2
    again = attendance_services.attendance_from_submissions(
        actor=world.cast.me_nyarugenge, cohort=world.cohort, form_id="bande_attendance"
    )
    assert again.ok and Attendance.objects.count() == 3  # idempotent


def test_bad_submission_imports_nothing_and_names_it(world: World, form: XForm) -> None:
    submit(form, 1, {"session": "1", "participant": "P-000", "present": "yes"})
    submit(form, 2, {"session": "1", "participant": "P-GHOST", "present": "yes"})
    result = attendance_services.attendance_from_submissions(
        actor=world.cast.me_nyarugenge, cohort=world.cohort, form_id="bande_attendance"
    )
    assert not result.ok and result.errors[0]["submission"] == "uuid:bande_attendance-2"
    assert Attendance.objects.count() == 0


def test_responses_from_submissions_and_page(world: World) -> None:
    gem = scale_services.gem_ensure()
    survey = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=world.cohort, scale=gem, kind="baseline", date=world.cohort.start
    )
    form = XForm.objects.create(
        organisation=world.cast.ngo, form_id="gem_baseline", title="GEM", md5="0" * 32, xml="<h:html/>"
    )
    answers = {i.code: "partially_agree" for i in scoring.gem_definition().items}
    submit(form, 1, {"participant": "P-000", **answers})
    c = client_for(world.cast.me_nyarugenge)
    r = c.post(
        "/programmes/BANDE/cohorts/C1/from-form/", {"form_id": "gem_baseline", "target": str(survey.pk)}
    )
    assert r.status_code == 302
    assert ScaleResponse.objects.get().total == 48
    submit(form, 2, {"participant": "P-001", **answers, "GEM03": "sometimes"})
    r = c.post(
        "/programmes/BANDE/cohorts/C1/from-form/", {"form_id": "gem_baseline", "target": str(survey.pk)}
    )
    assert r.status_code == 400 and b"GEM03" in r.content and b"uuid:gem_baseline-2" in r.content
    # Another organisation's officer cannot see the form's submissions or the cohort
    other = client_for(world.cast.police_me_nyarugenge)
    assert (
        other.post("/programmes/BANDE/cohorts/C1/from-form/", {"form_id": "gem_baseline"}).status_code == 404
    )


def test_unknown_form_is_a_clear_error(world: World) -> None:
    r = client_for(world.cast.me_nyarugenge).post(
        "/programmes/BANDE/cohorts/C1/from-form/", {"form_id": "nope"}
    )
    assert r.status_code == 400 and b"nope" in r.content
