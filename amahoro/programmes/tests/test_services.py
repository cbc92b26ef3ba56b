"""Reach counted once per person, completion and drop-outs, merges of duplicates, attendance imports
(all-or-nothing with row errors), identifying data encrypted at rest, and reach feeding data values."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data.models import DataValue
from amahoro.geo.models import OrgUnit
from amahoro.programmes import selectors
from amahoro.programmes.models import Attendance, Participant, ParticipantMerge
from amahoro.programmes.services import attendance as attendance_services
from amahoro.programmes.services import participants as participant_services
from amahoro.programmes.services import programmes as programme_services
from amahoro.programmes.services import scales as scale_services

from .factories import World

pytestmark = pytest.mark.django_db


def attend(world: World, session_index: int, people: list[Participant], present: bool = True) -> None:
    attendance_services.attendance_record(
        actor=policy.SYSTEM, session=world.sessions[session_index], presence=dict.fromkeys(people, present)
    )


def second_programme(world: World) -> Any:
    other = programme_services.programme_create(
        actor=policy.SYSTEM,
        code="DIALOGUES",
        name="Community dialogues",
        organisation=world.cast.ngo,
        districts=[OrgUnit.objects.get(code="11")],
    )
    cohort = programme_services.cohort_create(
        actor=policy.SYSTEM,
        programme=other,
        code="D1",
        name="Dialogue",
        org_unit=OrgUnit.objects.get(code="1101"),
        start=date(2025, 3, 1),
        end=date(2025, 3, 31),
        planned_sessions=1,
        completion_min=1,
        activity_type="dialogue",
    )
    session = attendance_services.session_create(
        actor=policy.SYSTEM, cohort=cohort, number=1, date=date(2025, 3, 10)
    )
    return other, session


def test_reach_counts_each_person_once_across_sessions_and_programmes(world: World) -> None:
    for i in range(4):
        attend(world, i, world.people[:3])  # 3 people x 4 sessions = 12 attendances
    attend(world, 0, world.people[3:], present=False)  # absent: not reached
    other, session = second_programme(world)
    attendance_services.attendance_record(
        actor=policy.SYSTEM, session=session, presence={world.people[0]: True, world.people[3]: True}
    )
    assert Attendance.objects.filter(present=True).count() == 14
    rows = selectors.reach_rows(programmes=[world.programme])
    assert len(rows) == 3
    both = selectors.reach_rows(programmes=[world.programme, other])
    assert len(both) == 4  # people[0] is in both programmes: counted once
    summary = selectors.reach_summary(both, at=date(2025, 12, 31))
    assert summary["by_sex"] == {"F": 2, "M": 2}
    assert summary["by_district"][0]["code"] == "11" and summary["by_district"][0]["count"] == 4
    # By period: only the first two weeks
    assert len(selectors.reach_rows(programmes=[world.programme], end=world.sessions[0].date)) == 3
    assert len(selectors.reach_rows(start=date(2025, 3, 1), end=date(2025, 3, 31))) == 2
    # By place: Gasabo has nobody
    assert selectors.reach_rows(place_path=OrgUnit.objects.get(code="12").path) == []


def test_merge_of_duplicates_changes_reach_and_keeps_history(world: World) -> None:
    dup = participant_services.participant_create(
        actor=policy.SYSTEM,
        organisation=world.cast.ngo,
        sex="M",
        village=world.v1101[1],
        birth_year=1985,
        name="HABIMANA Jean",
        code="P-DUP",
    )
    attend(world, 0, [world.people[0]])
    attend(world, 1, [dup])
    attend(world, 2, [world.people[0], dup])
    assert len(selectors.reach_rows(programmes=[world.programme])) == 2
    record = participant_services.participant_merge(
        actor=policy.SYSTEM, kept=world.people[0], merged=dup, note="same man"
    )
    assert len(selectors.reach_rows(programmes=[world.programme])) == 1
    assert record.moved["attendance"] == 1 and record.moved["dropped_duplicates"] >= 1
    dup.refresh_from_db()
    assert dup.merged_into == world.people[0]
    assert ParticipantMerge.objects.filter(kept=world.people[0], merged=dup).exists()
    # The kept person now has attended 3 sessions: completion reached (3 of 4)
    progress = {
        r["participant"].code: r
        for r in selectors.cohort_progress(cohort=world.cohort, as_of=date(2025, 2, 1))
    }
    assert progress["P-000"]["attended"] == 3 and progress["P-000"]["status"] == "completed"
    assert "P-DUP" not in progress
    with pytest.raises(ValidationFailed):
        participant_services.participant_merge(actor=policy.SYSTEM, kept=world.people[0], merged=dup)


def test_fuzzy_duplicates_found_by_similar_name_birth_year_and_neighbouring_village(world: World) -> None:
    participant_services.participant_create(
        actor=policy.SYSTEM,
        organisation=world.cast.ngo,
        sex="M",
        village=world.v1101[2],
        birth_year=1985,
        name="Jean Habymana",
        code="P-SIM",
    )
    participant_services.participant_create(  # same name, other birth year: not a candidate
        actor=policy.SYSTEM,
        organisation=world.cast.ngo,
        sex="M",
        village=world.v1101[0],
        birth_year=1970,
        name="Jean Habimana",
        code="P-OLD",
    )
    participant_services.participant_create(  # same name and year, other district: not a candidate
        actor=policy.SYSTEM,
        organisation=world.cast.ngo,
        sex="M",
        village=world.v1201[0],
        birth_year=1985,
        name="Jean Habimana",
        code="P-FAR",
    )
    pairs = selectors.duplicate_candidates(user=world.cast.me_nyarugenge)
    codes = {(p["a"].code, p["b"].code) for p in pairs}
    assert codes == {("P-000", "P-SIM")}
    assert "same birth year" in pairs[0]["reasons"]
    # A role without participant.identify gets no candidates (names are compared)
    assert selectors.duplicate_candidates(user=world.cast.viewer_nyarugenge) == []


def test_identifying_fields_are_encrypted_at_rest(world: World) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT name_enc, phone FROM programmes_participant WHERE code = %s", ["P-000"])
        name, phone = cur.fetchone()
    assert name.startswith("enc1:") and "Habimana" not in name
    assert phone.startswith("enc1:")
    assert Participant.objects.get(code="P-000").name_enc == "Jean Habimana"
    # search by name works through the phonetic blind index for those allowed to identify
    assert list(
        selectors.participant_search(user=world.cast.me_nyarugenge, query="habimana jean").values_list(
            "code", flat=True
        )
    ) == ["P-000"]
    assert list(selectors.participant_search(user=world.cast.viewer_nyarugenge, query="Jean Habimana")) == []


def test_completion_and_drop_outs(world: World) -> None:
    a, b, c, d = world.people
    attend(world, 0, [a, b, c, d])
    attend(world, 1, [a, b])
    attend(world, 1, [c, d], present=False)
    attend(world, 2, [a])
    enrolment = world.cohort.enrolments.get(participant=d)
    participant_services.enrolment_drop(
        actor=policy.SYSTEM, enrolment=enrolment, on=date(2025, 1, 20), reason="moved away"
    )
    as_of = world.sessions[2].date
    status = {
        r["participant"].code: r["status"]
        for r in selectors.cohort_progress(cohort=world.cohort, as_of=as_of)
    }
    # a: 3 of 4 -> completed; b: 2 + 1 left -> in progress; c: 1 + 1 left < 3 -> dropped out; d: marked
    assert status == {
        "P-000": "completed",
        "P-001": "in_progress",
        "P-002": "dropped_out",
        "P-003": "dropped_out",
    }
    assert selectors.cohort_completion(cohort=world.cohort, as_of=as_of) == {
        "enrolled": 4,
        "completed": 1,
        "dropped_out": 2,
        "in_progress": 1,
    }


def test_session_date_outside_cohort_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        attendance_services.session_create(
            actor=policy.SYSTEM, cohort=world.gasabo_cohort, number=1, date=date(2024, 1, 1)
        )
    assert exc.value.field == "date"


def test_attendance_csv_import_all_or_nothing_with_row_errors(world: World) -> None:
    bad = b"session,participant,present\n1,P-000,yes\n2,P-404,yes\n9,P-001,1\n1,P-002,maybe\n"
    result = attendance_services.attendance_file_import(
        actor=world.cast.me_nyarugenge, cohort=world.cohort, content=bad, filename="a.csv"
    )
    assert not result.ok
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "participant"),
        (4, "session"),
        (5, "present"),
    ]
    assert "P-404" in result.errors[0]["message"]
    assert Attendance.objects.count() == 0  # nothing half-imported
    # A participant living outside the officer's district is unknown to them
    outside = b"session,participant,present\n1,P-G01,yes\n"
    result = attendance_services.attendance_file_import(
        actor=world.cast.me_nyarugenge, cohort=world.cohort, content=outside, filename="a.csv"
    )
    assert result.errors == [{"row": 2, "column": "participant", "message": "unknown participant 'P-G01'"}]
    good = b"session,participant,present\n1,P-000,yes\n1,P-001,0\n2,P-000,1\n"
    result = attendance_services.attendance_file_import(
        actor=world.cast.me_nyarugenge, cohort=world.cohort, content=good, filename="a.csv"
    )
    assert result.ok and result.written == 3
    assert len(selectors.reach_rows(programmes=[world.programme])) == 1


def test_attendance_xlsx_import(world: World) -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["session", "participant", "present"])
    ws.append([1, "P-000", "yes"])
    ws.append([1, "P-001", "yes"])
    buf = io.BytesIO()
    wb.save(buf)
    result = attendance_services.attendance_file_import(
        actor=policy.SYSTEM, cohort=world.cohort, content=buf.getvalue(), filename="a.xlsx"
    )
    assert result.ok and result.written == 2


def test_other_district_officer_may_not_record_attendance(world: World) -> None:
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_record(
            actor=world.cast.me_gasabo, session=world.sessions[0], presence={world.people[0]: True}
        )
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_record(
            actor=world.cast.police_me_nyarugenge, session=world.sessions[0], presence={world.people[0]: True}
        )


def test_reach_and_completion_feed_data_values_through_the_import(world: World) -> None:
    from amahoro.data.tests.factories import make_meta

    meta = make_meta()
    world.programme.reach_data_element = meta.cases  # by sex
    world.programme.completion_data_element = meta.total  # default combo
    world.programme.save()
    for i in range(3):
        attend(world, i, world.people[:3])
    out = programme_services.programme_indicators_push(
        actor=world.cast.me_nyarugenge, programme=world.programme, period="2025"
    )
    assert out["reach"]["status"] == "SUCCESS", out
    values = {
        (v.category_option_combo.code, v.value) for v in DataValue.objects.filter(data_element=meta.cases)
    }
    assert values == {("F", "1"), ("M", "2")}
    total = DataValue.objects.get(data_element=meta.total)
    assert (total.org_unit.code, total.value) == ("11", "3")
    # A merge lowers the pushed reach next time
    participant_services.participant_merge(actor=policy.SYSTEM, kept=world.people[0], merged=world.people[2])
    programme_services.programme_indicators_push(
        actor=world.cast.me_nyarugenge, programme=world.programme, period="2025"
    )
    assert DataValue.objects.get(data_element=meta.cases, category_option_combo=meta.male).value == "1"


def test_cohort_outside_programme_districts_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        programme_services.cohort_create(
            actor=policy.SYSTEM,
            programme=world.programme,
            code="X",
            name="X",
            org_unit=OrgUnit.objects.get(code="2101"),
            start=date(2025, 1, 1),
            end=date(2025, 1, 1) + timedelta(days=10),
            planned_sessions=2,
            completion_min=1,
        )
    assert exc.value.field == "org_unit"


def test_share_in_band_feeds_numerator_and_denominator(world: World) -> None:
    from amahoro.data.tests.factories import make_meta
    from amahoro.programmes import scoring

    meta = make_meta()
    world.programme.band_name = "high"
    world.programme.band_data_element = meta.cases
    world.programme.respondents_data_element = meta.total
    world.programme.save()
    gem = scale_services.gem_ensure()
    items = scoring.gem_definition().items

    def level(x: int) -> dict[str, str]:
        ineq, eq = (
            ["agree", "partially_agree", "do_not_agree"][x],
            ["do_not_agree", "partially_agree", "agree"][x],
        )
        return {i.code: ineq if i.subscale == "inequitable" else eq for i in items}

    base = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=world.cohort, scale=gem, kind="baseline", date=date(2025, 1, 6)
    )
    end = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=world.cohort, scale=gem, kind="endline", date=date(2025, 5, 1)
    )
    a, b, c, _d = world.people
    scale_services.responses_record(
        actor=policy.SYSTEM, survey=base, answers={a: level(0), b: level(0), c: level(0)}
    )
    scale_services.responses_record(
        actor=policy.SYSTEM, survey=end, answers={a: level(2), b: level(1), c: level(2)}
    )
    programme_services.programme_indicators_push(
        actor=world.cast.me_nyarugenge, programme=world.programme, period="2025"
    )
    in_band = {
        v.category_option_combo.code: v.value for v in DataValue.objects.filter(data_element=meta.cases)
    }
    assert in_band == {"M": "2"}  # a and c (men) are high at endline; b (woman) is moderate
    assert DataValue.objects.get(data_element=meta.total).value == "3"


def test_gem_is_installed_by_migration_and_push_command(world: World) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from amahoro.programmes.models import Scale

    gem = Scale.objects.get(code="GEM-24")
    assert gem.builtin and gem.items.count() == 24 and gem.bands.count() == 3
    assert scale_services.gem_ensure() == gem
    out = StringIO()
    call_command("programme_push_indicators", "BANDE", "2025", "--user", "me_nyarugenge", stdout=out)
    assert out.getvalue().strip() == "{}"  # no data element configured: nothing to push
    with pytest.raises(CommandError):
        call_command("programme_push_indicators", "NOPE", "2025", "--user", "me_nyarugenge")


def test_bulk_completion_agrees_with_per_cohort(world: World) -> None:
    a, b, c, d = world.people
    attend(world, 0, [a, b, c, d])
    attend(world, 1, [a, b])
    attend(world, 2, [a])
    as_of = world.sessions[2].date
    cohorts = [world.cohort, world.gasabo_cohort]
    bulk = selectors.cohorts_completion(cohorts=cohorts, as_of=as_of)
    for cohort in cohorts:
        assert bulk[cohort.pk] == selectors.cohort_completion(cohort=cohort, as_of=as_of)
