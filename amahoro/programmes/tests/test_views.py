"""Pages through the Django test client: content, the attendance grid, imports, names only for programme
staff, duplicates and merge, scale definition; refusals (anonymous, wrong role, other organisation or
district)."""

from __future__ import annotations

import pytest

from amahoro import policy
from amahoro.programmes import keys
from amahoro.programmes.models import Attendance, Scale
from amahoro.programmes.services import attendance as attendance_services
from amahoro.programmes.services import participants as participant_services
from amahoro.programmes.services import scales as scale_services
from conftest import client_for

from .factories import World

pytestmark = pytest.mark.django_db


def test_list_and_dashboard_show_unique_reach(world: World) -> None:
    for s in world.sessions[:2]:
        attendance_services.attendance_record(
            actor=policy.SYSTEM, session=s, presence={world.people[0]: True, world.people[1]: True}
        )
    c = client_for(world.cast.me_nyarugenge)
    r = c.get("/programmes/")
    assert r.status_code == 200
    assert b'data-programme="BANDE"' in r.content and b'<td class="num" data-reach>2</td>' in r.content
    r = c.get("/programmes/BANDE/")
    assert r.status_code == 200
    assert b'<strong id="reach-total">2</strong>' in r.content
    assert b'data-district="11"' in r.content and b"programme-chart-data" in r.content


def test_refusals(world: World, client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/programmes/BANDE/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client_for(world.cast.nobody).get("/programmes/").status_code == 403
    assert client_for(world.cast.police_me_nyarugenge).get("/programmes/BANDE/").status_code == 404
    assert client_for(world.cast.me_gasabo).get("/programmes/BANDE/cohorts/C1/").status_code == 404
    assert client_for(world.cast.me_nyarugenge).get("/programmes/BANDE/cohorts/G1/").status_code == 404
    # a viewer sees the grid but may not save it
    viewer = client_for(world.cast.viewer_nyarugenge)
    assert viewer.get("/programmes/BANDE/cohorts/C1/").status_code == 200
    r = viewer.post("/programmes/BANDE/cohorts/C1/", {"session": "1", "present": []})
    assert r.status_code == 403


def test_attendance_grid_saves_presence(world: World) -> None:
    participant_services.enrolment_add(actor=policy.SYSTEM, cohort=world.cohort, participants=world.people)
    c = client_for(world.cast.clerk_sector)
    r = c.get("/programmes/BANDE/cohorts/C1/?session=2")
    assert r.status_code == 200 and b'name="present"' in r.content
    r = c.post(
        "/programmes/BANDE/cohorts/C1/",
        {"session": "2", "present": [str(world.people[0].pk), str(world.people[2].pk)]},
    )
    assert r.status_code == 302
    present = set(
        Attendance.objects.filter(session=world.sessions[1], present=True).values_list(
            "participant__code", flat=True
        )
    )
    assert present == {"P-000", "P-002"}
    assert Attendance.objects.filter(session=world.sessions[1], present=False).count() == 2
    r = c.post("/programmes/BANDE/cohorts/C1/", {"session": "2", "present": ["999999"]})
    assert r.status_code == 400


def test_import_page_lists_row_errors_and_saves_nothing(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(world.cast.me_nyarugenge)
    f = SimpleUploadedFile(
        "a.csv", b"session,participant,present\n1,P-000,yes\n1,P-XXX,yes\n", content_type="text/csv"
    )
    r = c.post("/programmes/BANDE/cohorts/C1/import/", {"file": f})
    assert r.status_code == 400 and b"P-XXX" in r.content and b"<td>3</td>" in r.content
    assert Attendance.objects.count() == 0
    f = SimpleUploadedFile("a.csv", b"session,participant,present\n1,P-000,yes\n", content_type="text/csv")
    assert c.post("/programmes/BANDE/cohorts/C1/import/", {"file": f}).status_code == 302
    assert Attendance.objects.count() == 1


def test_names_only_for_programme_staff(world: World) -> None:
    staff = client_for(world.cast.me_nyarugenge).get("/programmes/participants/")
    assert b"Jean Habimana" in staff.content and b"+250788000000" in staff.content
    viewer = client_for(world.cast.viewer_nyarugenge).get("/programmes/participants/")
    assert viewer.status_code == 200 and b"P-000" in viewer.content and b"Habimana" not in viewer.content
    # org admin manages programmes but is not programme staff: codes only
    admin = client_for(world.cast.ngo_admin).get("/programmes/participants/")
    assert b"P-000" in admin.content and b"Habimana" not in admin.content
    # other district: not listed at all
    gasabo = client_for(world.cast.me_gasabo).get("/programmes/participants/")
    assert b"P-000" not in gasabo.content and b"P-G01" in gasabo.content
    found = client_for(world.cast.me_nyarugenge).get("/programmes/participants/?q=Habimana+Jean")
    assert b'data-code="P-000"' in found.content and b'data-code="P-001"' not in found.content


def test_duplicates_page_and_merge(world: World) -> None:
    participant_services.participant_create(
        actor=policy.SYSTEM,
        organisation=world.cast.ngo,
        sex="M",
        village=world.v1101[1],
        birth_year=1985,
        name="Jean Habimana",
        code="P-TWIN",
    )
    c = client_for(world.cast.me_nyarugenge)
    r = c.get("/programmes/participants/duplicates/")
    assert r.status_code == 200 and b'data-pair="P-000-P-TWIN"' in r.content
    r = c.post("/programmes/participants/duplicates/", {"kept": "P-000", "merged": "P-TWIN"})
    assert r.status_code == 302
    r = c.get("/programmes/participants/duplicates/")
    assert b"P-TWIN</code> \xe2\x86\x92 <code>P-000" in r.content
    assert (
        client_for(world.cast.viewer_nyarugenge).get("/programmes/participants/duplicates/").status_code
        == 403
    )
    assert client_for(world.cast.ngo_admin).get("/programmes/participants/duplicates/").status_code == 403


def test_define_a_scale_in_the_ui(world: World) -> None:
    c = client_for(world.cast.me_nyarugenge)
    r = c.post(
        "/programmes/scales/new/",
        {
            "code": "MINI",
            "name": "Mini",
            "options": "agree=1, do_not_agree=2",
            "items": "Q1 | Men decide | norms\nQ2 | Couples decide together | norms | r",
            "bands": "low=2-3, high=4-4",
        },
    )
    assert r.status_code == 302
    scale = Scale.objects.get(code="MINI")
    assert scale.organisation == world.cast.ngo
    assert scale.items.get(code="Q2").scores == {"agree": 2.0, "do_not_agree": 1.0}
    r = c.get("/programmes/scales/MINI/")
    assert r.status_code == 200 and b"Couples decide together" in r.content
    r = c.post(
        "/programmes/scales/new/",
        {"code": "BAD", "name": "x", "options": "agree=x", "items": "", "bands": ""},
    )
    assert r.status_code == 400 and b"options" in r.content
    assert client_for(world.cast.police_me_nyarugenge).get("/programmes/scales/MINI/").status_code == 404


def test_survey_round_and_responses_import(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from amahoro.programmes.models import ScaleResponse, SurveyRound

    scale_services.gem_ensure()
    c = client_for(world.cast.me_nyarugenge)
    r = c.post(
        "/programmes/BANDE/cohorts/C1/rounds/", {"scale": "GEM-24", "kind": "baseline", "date": "2025-01-06"}
    )
    assert r.status_code == 302
    survey = SurveyRound.objects.get(cohort=world.cohort, kind="baseline")
    items = [f"GEM{n:02d}" for n in range(1, 25)]
    header = "participant," + ",".join(items)
    good = ",".join(["do_not_agree"] * 17 + ["agree"] * 7)
    bad_option = ",".join(["maybe"] + ["agree"] * 23)
    content = f"{header}\nP-000,{good}\nP-001,{bad_option}\nP-404,{good}\n".encode()
    url = f"/programmes/BANDE/cohorts/C1/rounds/{survey.pk}/import/"
    r = c.post(url, {"file": SimpleUploadedFile("gem.csv", content)})
    assert r.status_code == 400 and b"GEM01" in r.content and b"P-404" in r.content
    assert ScaleResponse.objects.count() == 0
    r = c.post(url, {"file": SimpleUploadedFile("gem.csv", f"{header}\nP-000,{good}\n".encode())})
    assert r.status_code == 302
    assert ScaleResponse.objects.get().total == 72
    r = c.get("/programmes/BANDE/cohorts/C1/")
    assert b'data-round="baseline"' in r.content
    assert client_for(world.cast.viewer_nyarugenge).post(url, {}).status_code == 403


def test_add_session_and_register_participant_from_the_cohort_page(world: World) -> None:
    from amahoro.programmes.models import Participant

    c = client_for(world.cast.clerk_sector)
    r = c.post("/programmes/BANDE/cohorts/G1/sessions/", {"number": "1", "date": "2025-01-06"})
    assert r.status_code == 404  # Gasabo cohort: outside the clerk's sector
    r = c.post("/programmes/BANDE/cohorts/C1/sessions/", {"number": "1", "date": "2025-01-06"}, follow=True)
    assert b"exists" in r.content  # session 1 is already there
    c2 = client_for(world.cast.me_nyarugenge)
    r = c2.post("/programmes/BANDE/cohorts/G1/sessions/", {"number": "2", "date": "2030-01-01"}, follow=True)
    assert r.status_code == 404
    village = world.v1101[0].code
    r = c.post(
        "/programmes/BANDE/cohorts/C1/participants/",
        {
            "sex": "M",
            "birth_year": "1992",
            "village": village,
            "name": "Samuel Nkurunziza",
            "phone": "0788000111",
        },
        follow=True,
    )
    assert r.status_code == 200 and b"Registered P-" in r.content
    p = Participant.objects.get(name_key=keys.name_key("Samuel Nkurunziza"))
    assert p.enrolments.get().cohort == world.cohort and p.created_by == world.cast.clerk_sector
    r = c.post("/programmes/BANDE/cohorts/C1/participants/", {"sex": "M", "village": "99999999"}, follow=True)
    assert b"Unknown village code" in r.content
    viewer = client_for(world.cast.viewer_nyarugenge)
    assert (
        viewer.post(
            "/programmes/BANDE/cohorts/C1/participants/", {"sex": "M", "village": village}
        ).status_code
        == 403
    )


def test_create_programme_and_cohort_from_the_pages(world: World) -> None:
    from amahoro.programmes.models import Cohort, Programme

    c = client_for(world.cast.me_nyarugenge)
    r = c.post("/programmes/new/", {"code": "DIAL", "name": "Dialogues", "districts": "11"})
    assert r.status_code == 302 and Programme.objects.get(code="DIAL").organisation == world.cast.ngo
    r = c.post("/programmes/new/", {"code": "X", "name": "X", "districts": "12"}, follow=True)
    assert b"may not create" in r.content  # Gasabo is outside the officer's district
    form = {
        "code": "D1",
        "name": "Dialogue 1",
        "place": "1101",
        "start": "2025-03-03",
        "end": "2025-06-30",
        "sessions": "4",
        "completion_min": "3",
        "activity_type": "dialogue",
        "arm": "intervention",
        "weekly": "on",
    }
    r = c.post("/programmes/DIAL/cohorts/", form)
    assert r.status_code == 302
    assert Cohort.objects.get(programme__code="DIAL", code="D1").sessions.count() == 4
    r = c.post("/programmes/DIAL/cohorts/", form | {"code": "D2", "completion_min": "9"}, follow=True)
    assert b"completion_min" in r.content and not Cohort.objects.filter(code="D2").exists()
    assert client_for(world.cast.viewer_nyarugenge).post("/programmes/DIAL/cohorts/", form).status_code == 403
    assert (
        client_for(world.cast.police_me_nyarugenge).post("/programmes/DIAL/cohorts/", form).status_code == 404
    )


def test_dashboard_reach_by_period_and_place(world: World) -> None:
    attendance_services.attendance_record(
        actor=policy.SYSTEM, session=world.sessions[0], presence={world.people[0]: True}
    )
    attendance_services.attendance_record(
        actor=policy.SYSTEM, session=world.sessions[3], presence={world.people[1]: True}
    )
    c = client_for(world.cast.me_nyarugenge)
    assert b'<strong id="reach-total">2</strong>' in c.get("/programmes/BANDE/").content
    r = c.get("/programmes/BANDE/?start=2025-01-20&end=2025-12-31")
    assert b'<strong id="reach-total">1</strong>' in r.content
    r = c.get(f"/programmes/BANDE/?place={world.people[0].village.code}")
    assert b'<strong id="reach-total">1</strong>' in r.content
    r = c.get("/programmes/BANDE/?place=12")
    assert b'<strong id="reach-total">0</strong>' in r.content


def test_an_empty_list_says_no_access_apart_from_nothing_yet(world: World) -> None:
    # Police in Nyarugenge may view programmes, but BANDE belongs to another organisation: no access.
    r = client_for(world.cast.police_me_nyarugenge).get("/programmes/")
    assert r.status_code == 200
    assert b'data-reason="no-access"' in r.content and b"You have no access" in r.content
    # With no programme at all, the same page says there is none yet.
    from amahoro.programmes.models import Programme

    Programme.objects.all().delete()
    r = client_for(world.cast.police_me_nyarugenge).get("/programmes/")
    assert b'data-reason="empty"' in r.content and b"No programme yet." in r.content
