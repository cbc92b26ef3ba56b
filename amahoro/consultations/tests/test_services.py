"""Consultation services: who may rate, respond, moderate and publish; anonymity; bad input."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.audit.models import AuditEvent
from amahoro.consultations import selectors, services
from amahoro.consultations.models import Assessment, Moderation
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from conftest import make_user

pytestmark = pytest.mark.django_db


def rate(v: Any, user: Any = None, node: Any = None, **kw: Any) -> Assessment:
    return services.assessment_submit(
        actor=user or v.cso_me,
        round=v.round,
        node=node or v.outcome,
        rating=kw.pop("rating", 2),
        evidence=kw.pop("evidence", "Few women in command posts"),
        **kw,
    )


def test_cso_member_rates_an_outcome_and_it_awaits_moderation(voices: Any) -> None:
    a = rate(voices)
    assert a.organisation == voices.cso
    assert a.moderation == Moderation.PENDING
    assert a.created_by == voices.cso_me


def test_data_clerk_of_a_cso_in_a_district_may_rate_national_outcomes(voices: Any) -> None:
    assert rate(voices, voices.cso_clerk).organisation == voices.cso


def test_viewer_of_a_cso_may_not_rate(voices: Any) -> None:
    with pytest.raises(PermissionDenied):
        rate(voices, voices.cso_viewer)


def test_ngo_that_is_not_civil_society_may_not_rate(voices: Any) -> None:
    with pytest.raises(PermissionDenied):
        rate(voices, voices.ngo_me)


def test_system_admin_is_not_civil_society(voices: Any, cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        rate(voices, cast.sysadmin)


def test_one_assessment_per_organisation_and_outcome(voices: Any) -> None:
    rate(voices)
    with pytest.raises(Conflict):
        rate(voices, voices.cso_clerk)  # same organisation
    rate(voices, voices.cso2_me)  # another organisation may


def test_rating_off_the_scale_names_the_field(voices: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        rate(voices, rating=9)
    assert exc.value.field == "rating"
    with pytest.raises(ValidationFailed) as exc:
        rate(voices, rating="good")
    assert exc.value.field == "rating"
    assert not Assessment.objects.exists()


def test_only_outcomes_of_the_round_framework_can_be_rated(voices: Any) -> None:
    pillar = voices.outcome.parent
    with pytest.raises(ValidationFailed) as exc:
        rate(voices, node=pillar)
    assert exc.value.field == "node"


def test_closed_round_refuses_ratings(voices: Any) -> None:
    services.round_set_status(actor=voices.convener, round=voices.round, status="closed")
    with pytest.raises(Conflict):
        rate(voices)


def test_anonymous_assessment_stores_no_organisation_and_no_creator(voices: Any) -> None:
    a = rate(voices, anonymous=True)
    a.refresh_from_db()
    assert a.organisation is None and a.created_by is None and a.anonymous
    assert a.author_label == "Anonymous civil-society organisation"
    # Its own organisation still finds and edits it...
    assert selectors.assessment_get(user=voices.cso_clerk, uuid=a.uuid) == a
    services.assessment_update(actor=voices.cso_clerk, assessment=a, rating=3)
    # ...and still cannot rate the same outcome twice.
    with pytest.raises(Conflict):
        rate(voices, voices.cso_clerk)
    # The audit text names neither the organisation nor its code.
    events = AuditEvent.objects.filter(object_type="consultations.assessment")
    assert events.exists()
    for e in events:
        assert "CSO1" not in e.object_repr and "CSO1" not in str(e.changes)


def test_anonymous_author_hidden_from_moderator_agency_and_api_shape(voices: Any) -> None:
    from amahoro.consultations.serializers import AssessmentOut

    a = rate(voices, anonymous=True)
    for user in (voices.convener, voices.police_me):
        seen = selectors.assessment_get(user=user, uuid=a.uuid)
        assert seen.organisation is None
        assert AssessmentOut(seen).data["organisation"] is None


def test_other_cso_does_not_see_an_assessment_before_publication(voices: Any) -> None:
    a = rate(voices)
    with pytest.raises(NotFound):
        selectors.assessment_get(user=voices.cso2_me, uuid=a.uuid)


def test_other_cso_may_not_edit(voices: Any) -> None:
    a = rate(voices)
    with pytest.raises(NotFound):
        services.assessment_update(actor=voices.cso2_me, assessment=a, rating=5)
    with pytest.raises(NotFound):
        services.assessment_update(actor=voices.convener, assessment=a, rating=5)


def test_responsible_agency_responds_and_others_may_not(voices: Any) -> None:
    a = rate(voices)
    resp = services.response_submit(actor=voices.police_me, assessment=a, text="Mentoring started in 2024")
    assert resp.organisation == voices.police
    # A second call edits the same response.
    again = services.response_submit(actor=voices.police_me, assessment=a, text="Mentoring since 2024")
    assert again.pk == resp.pk and again.text == "Mentoring since 2024"
    # A CSO, and an agency not responsible for this outcome, may not respond.
    with pytest.raises((PermissionDenied, NotFound)):
        services.response_submit(actor=voices.cso_me, assessment=a, text="x")
    b = rate(voices, node=voices.other_outcome)
    with pytest.raises((PermissionDenied, NotFound)):
        services.response_submit(actor=voices.police_me, assessment=b, text="x")


def test_viewer_of_responsible_agency_may_not_respond(voices: Any) -> None:
    a = rate(voices)
    viewer = make_user("police_viewer", ("viewer", voices.police, "RW"))
    with pytest.raises(PermissionDenied):
        services.response_submit(actor=viewer, assessment=a, text="x")


def test_empty_response_names_the_field(voices: Any) -> None:
    a = rate(voices)
    with pytest.raises(ValidationFailed) as exc:
        services.response_submit(actor=voices.police_me, assessment=a, text="  ")
    assert exc.value.field == "text"


def test_only_convener_moderates_and_rejection_needs_a_reason(voices: Any) -> None:
    a = rate(voices)
    with pytest.raises(PermissionDenied):
        services.assessment_moderate(actor=voices.police_me, assessment=a, decision="approved")
    with pytest.raises(NotFound):
        services.assessment_moderate(actor=voices.cso2_me, assessment=a, decision="approved")
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_moderate(actor=voices.convener, assessment=a, decision="rejected")
    assert exc.value.field == "note"
    services.assessment_moderate(actor=voices.convener, assessment=a, decision="rejected", note="Off topic")
    a.refresh_from_db()
    assert a.moderation == Moderation.REJECTED
    # A rejected assessment is no longer shown to the agencies.
    with pytest.raises(NotFound):
        selectors.assessment_get(user=voices.police_me, uuid=a.uuid)


def test_editing_sends_an_assessment_back_to_moderation(voices: Any) -> None:
    a = rate(voices)
    services.assessment_moderate(actor=voices.convener, assessment=a, decision="approved")
    services.assessment_update(actor=voices.cso_me, assessment=a, comment="More evidence")
    a.refresh_from_db()
    assert a.moderation == Moderation.PENDING


def test_publish_needs_every_assessment_moderated(voices: Any) -> None:
    a = rate(voices)
    with pytest.raises(Conflict):
        services.round_publish(actor=voices.convener, round=voices.round)
    services.assessment_moderate(actor=voices.convener, assessment=a, decision="approved")
    with pytest.raises(PermissionDenied):
        services.round_publish(actor=voices.police_me, round=voices.round)
    services.round_publish(actor=voices.convener, round=voices.round)
    voices.round.refresh_from_db()
    assert voices.round.is_published and not voices.round.is_open
    assert list(selectors.published_rounds()) == [voices.round]


def test_summary_shows_official_status_beside_approved_assessments_only(voices: Any) -> None:
    approved = rate(voices, rating=2)
    services.response_submit(actor=voices.police_me, assessment=approved, text="Mentoring started")
    rejected = rate(voices, voices.cso2_me, rating=5)
    services.assessment_moderate(actor=voices.convener, assessment=approved, decision="approved")
    services.assessment_moderate(actor=voices.convener, assessment=rejected, decision="rejected", note="spam")
    rows = {r.node.code: r for r in selectors.round_summary(round=voices.round)}
    assert len(rows) == 15  # every NAP outcome
    row = rows["P1.O2"]
    assert [a.pk for a in row.assessments] == [approved.pk]
    assert row.mean_rating == 2.0
    assert row.official.status == "no_data"  # no indicator data in this test
    data = selectors.summary_as_dict(round=voices.round, rows=list(rows.values()))
    p1o2 = next(o for o in data["outcomes"] if o["code"] == "P1.O2")
    assert p1o2["cso_assessments"][0]["responses"] == [
        {"agency": "POLICE organisation", "text": "Mentoring started"}
    ]


def test_attachment_is_encrypted_and_checked(voices: Any) -> None:
    a = rate(voices)
    att = services.attachment_add(
        actor=voices.cso_me, assessment=a, filename="report.pdf", content=b"%PDF-1.4 x"
    )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT content, filename FROM consultations_attachment WHERE id = %s", [att.pk])
        content, filename = cur.fetchone()
    assert b"%PDF" not in bytes(content) and "report" not in filename
    with pytest.raises(ValidationFailed) as exc:
        services.attachment_add(actor=voices.cso_me, assessment=a, filename="tool.exe", content=b"MZ")
    assert exc.value.field == "file"
    with pytest.raises(ValidationFailed):
        services.attachment_add(actor=voices.cso_me, assessment=a, filename="fake.pdf", content=b"MZ\x90")
    with pytest.raises(NotFound):
        services.attachment_add(actor=voices.cso2_me, assessment=a, filename="r.txt", content=b"hi")


def test_round_creation_needs_framework_manage_in_the_convener(voices: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=voices.cso_me, framework=voices.nap, organisation=voices.ministry, title="x"
        )
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            actor=voices.convener,
            framework=voices.nap,
            organisation=voices.ministry,
            title="x",
            period="20X4",
        )
    assert exc.value.field == "period"


def test_outcomes_come_in_tree_order(voices: Any) -> None:
    codes = [n.code for n in selectors.outcomes_of(round=voices.round)]
    assert codes[:4] == ["P1.O1", "P1.O2", "P1.O3", "P2.O1"]
    assert codes == sorted(codes)
