"""Reads of the programmes app: what a user may see (through amahoro.policy), unique reach, completion and
drop-outs, attendance over time, possible duplicate participants, and scale results with pre/post
analysis."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal, overload

import jellyfish
from django.db.models import Count, Q, QuerySet

from amahoro import policy
from amahoro.collection.models import Submission
from amahoro.collection.selectors import submissions_for_form
from amahoro.core.crypto import normalise
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.geo.models import PATH_SEP, OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import analysis, scoring
from .keys import name_key
from .models import (
    Arm,
    Attendance,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Participant,
    ParticipantMerge,
    Programme,
    RoundKind,
    Scale,
    ScaleResponse,
    Session,
    SurveyRound,
)


def scale_definition(scale: Scale) -> scoring.ScaleDef:
    return scoring.ScaleDef(
        code=scale.code,
        name=scale.name,
        items=tuple(
            scoring.ItemDef(
                code=i.code,
                text=i.text,
                scores={str(k): float(v) for k, v in i.scores.items()},
                subscale=i.subscale,
                text_fr=i.text_fr,
                text_rw=i.text_rw,
            )
            for i in scale.items.all()
        ),
        bands=tuple(scoring.BandDef(b.name, b.min, b.max) for b in scale.bands.all()),
        max_missing=scale.max_missing,
        description=scale.description,
        source=scale.source,
    )


def participants_by_code(*, user: Actor, organisation_id: int) -> dict[str, Participant]:
    """The organisation's participants by code, limited to those the user may see (one query): imports
    resolve the codes in their rows through it."""
    qs = Participant.objects.filter(organisation_id=organisation_id)
    return {p.code: p for p in policy.visible(user, Perm.PROGRAMME_VIEW, qs).select_related("village")}


def form_submissions(*, user: Actor, form_id: str) -> list[Submission]:
    """The current submissions of an XLSForm that the user may see, oldest first; refuses an empty answer
    (the form_id is then wrong, or nothing was collected yet)."""
    if not form_id.strip():
        raise ValidationFailed("form_id is required", field="form_id")
    found = list(submissions_for_form(form_id=form_id.strip(), user=user).order_by("created_at", "pk"))
    if not found:
        raise ValidationFailed(f"no submission of form '{form_id}' that you may see", field="form_id")
    return found


@overload
def managed_organisation(*, user: Actor, code: object = ..., required: Literal[True]) -> Organisation: ...


@overload
def managed_organisation(*, user: Actor, code: object = ..., required: bool = ...) -> Organisation | None: ...


def managed_organisation(*, user: Actor, code: object = None, required: bool = False) -> Organisation | None:
    """The organisation a scale, programme or participant is created for: `code` when given (an organisation
    the user manages programmes in), else the only one they manage; None (a shared scale) for a system
    administrator who names none, unless `required`."""
    orgs = policy.organisations_with(user, Perm.PROGRAMME_MANAGE)
    if code:
        org = organisation_by_code(code, field="organisation", active=False)
        if orgs is not None and org.pk not in orgs:
            raise ValidationFailed(f"unknown organisation '{code}'", field="organisation")
        return org
    if orgs is not None and len(orgs) == 1:
        return Organisation.objects.get(pk=next(iter(orgs)))
    if orgs is not None:
        raise ValidationFailed(
            "organisation is required: you manage programmes in several", field="organisation"
        )
    if required:
        raise ValidationFailed("organisation is required", field="organisation")
    return None  # a system administrator defines a shared scale


def _code_at(path: str, depth: int) -> str:
    parts = path.strip(PATH_SEP).split(PATH_SEP)
    return parts[depth - 1] if len(parts) >= depth else ""


def district_of(path: str) -> str:
    return _code_at(path, 3)


# ---------------------------------------------------------------------------------------------------------
# Access


def programmes_visible_to(*, user: Actor, perm: Perm = Perm.PROGRAMME_VIEW) -> QuerySet[Programme]:
    return policy.visible(user, perm, Programme.objects.select_related("organisation"))


def programme_get(*, user: Actor, code: str, perm: Perm = Perm.PROGRAMME_VIEW) -> Programme:
    found = programmes_visible_to(user=user, perm=perm).filter(code=code).first()
    if found is None:
        raise NotFound(f"programme '{code}' not found")
    return found


def cohorts_visible_to(
    *, user: Actor, programme: Programme, perm: Perm = Perm.PROGRAMME_VIEW
) -> QuerySet[Cohort]:
    return policy.visible(user, perm, Cohort.objects.filter(programme=programme).select_related("org_unit"))


def cohort_get(*, user: Actor, programme: Programme, code: str, perm: Perm = Perm.PROGRAMME_VIEW) -> Cohort:
    found = cohorts_visible_to(user=user, programme=programme, perm=perm).filter(code=code).first()
    if found is None:
        raise NotFound(f"cohort '{code}' not found")
    return found


def participants_visible_to(*, user: Actor, perm: Perm = Perm.PROGRAMME_VIEW) -> QuerySet[Participant]:
    return policy.visible(user, perm, Participant.objects.filter(merged_into__isnull=True)).select_related(
        "village", "organisation"
    )


def participant_get(*, user: Actor, code: str, perm: Perm = Perm.PROGRAMME_VIEW) -> Participant:
    found = (
        policy.visible(user, perm, Participant.objects.select_related("village")).filter(code=code).first()
    )
    if found is None:
        raise NotFound(f"participant '{code}' not found")
    return found


def may_identify(*, user: Actor, participant: Participant) -> bool:
    return policy.can(user, Perm.PARTICIPANT_IDENTIFY, participant)


def identifiable_ids(*, user: Actor, participants: QuerySet[Participant]) -> set[int]:
    """The participants whose name and phone this user may see (programme staff of their organisation)."""
    return set(policy.visible(user, Perm.PARTICIPANT_IDENTIFY, participants).values_list("pk", flat=True))


def participant_search(*, user: Actor, query: str) -> QuerySet[Participant]:
    """By code (anyone who sees participants), or by name through the phonetic blind index (only over the
    participants the user may identify)."""
    qs = participants_visible_to(user=user)
    query = query.strip()
    if not query:
        return qs
    by_code = Q(code__iexact=query) | Q(code__icontains=query)
    key = name_key(query)
    if key:
        named = policy.visible(user, Perm.PARTICIPANT_IDENTIFY, Participant.objects.filter(name_key=key))
        return qs.filter(by_code | Q(pk__in=named.values("pk")))
    return qs.filter(by_code)


def scales_visible_to(*, user: Actor, perm: Perm = Perm.PROGRAMME_VIEW) -> QuerySet[Scale]:
    return policy.visible(user, perm, Scale.objects.all())


def scale_get(*, user: Actor, code: str, perm: Perm = Perm.PROGRAMME_VIEW) -> Scale:
    found = scales_visible_to(user=user, perm=perm).filter(code=code).first()
    if found is None:
        raise NotFound(f"scale '{code}' not found")
    return found


# ---------------------------------------------------------------------------------------------------------
# Reach


def reach_rows(
    *,
    programmes: Iterable[Programme] | None = None,
    start: date | None = None,
    end: date | None = None,
    place_path: str | None = None,
    attendance: QuerySet[Attendance] | None = None,
) -> list[dict[str, Any]]:
    """One row per unique person present at least once (in the period, in these programmes, living in the
    place): {participant_id, sex, birth_year, village_path, district}. A person attending many sessions,
    activities or programmes of the same organisation is one row; merged duplicates count once."""
    qs = attendance if attendance is not None else Attendance.objects.all()
    qs = qs.filter(present=True, participant__merged_into__isnull=True)
    if programmes is not None:
        qs = qs.filter(session__cohort__programme__in=list(programmes))
    if start is not None:
        qs = qs.filter(session__date__gte=start)
    if end is not None:
        qs = qs.filter(session__date__lte=end)
    if place_path:
        qs = qs.filter(participant__village__path__startswith=place_path)
    rows = (
        qs.values(
            "participant_id", "participant__sex", "participant__birth_year", "participant__village__path"
        )
        .distinct()
        .order_by("participant_id")
    )
    return [
        {
            "participant_id": r["participant_id"],
            "sex": r["participant__sex"],
            "birth_year": r["participant__birth_year"],
            "village_path": r["participant__village__path"],
            "district": district_of(r["participant__village__path"]),
        }
        for r in rows
    ]


def reach_summary(rows: list[dict[str, Any]], *, at: date | None = None) -> dict[str, Any]:
    """Totals by sex, age band (age in the year of `at`) and district."""
    year = (at or date.today()).year
    by_district = Counter(r["district"] for r in rows)
    names = dict(OrgUnit.objects.filter(code__in=list(by_district)).values_list("code", "name"))
    return {
        "total": len(rows),
        "by_sex": dict(sorted(Counter(r["sex"] for r in rows).items())),
        "by_age_band": dict(
            sorted(
                Counter(
                    analysis.age_band(year - r["birth_year"] if r["birth_year"] else None) for r in rows
                ).items()
            )
        ),
        "by_district": [
            {"code": code, "name": names.get(code, code), "count": n}
            for code, n in sorted(by_district.items())
        ],
    }


def programme_reach(
    *,
    user: Actor,
    programme: Programme,
    start: date | None = None,
    end: date | None = None,
    place_path: str | None = None,
) -> dict[str, Any]:
    """Unique people reached by the programme (sessions in the period, people living in the place)."""
    rows = reach_rows(
        start=start, end=end, place_path=place_path, attendance=_visible_attendance(user, programme)
    )
    return reach_summary(rows, at=end)


def organisation_reach(*, user: Actor, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Unique people across every programme the user sees (counted once even in several programmes)."""
    return reach_summary(reach_rows(start=start, end=end, attendance=_visible_attendance(user, None)), at=end)


def _visible_attendance(user: Actor, programme: Programme | None) -> QuerySet[Attendance]:
    """Attendance follows its cohort's scope: narrowing by the visible cohorts' ids is the same rule as
    policy.visible on Attendance, and much cheaper than the joined path filter on large registers."""
    cohorts = policy.visible(user, Perm.PROGRAMME_VIEW, Cohort.objects.all())
    if programme is not None:
        cohorts = cohorts.filter(programme=programme)
    return Attendance.objects.filter(session__cohort_id__in=list(cohorts.values_list("pk", flat=True)))


# ---------------------------------------------------------------------------------------------------------
# Completion and drop-outs


def cohort_progress(*, cohort: Cohort, as_of: date | None = None) -> list[dict[str, Any]]:
    """Per enrolled participant: sessions attended, and a status: completed (attended >= the cohort's
    minimum), dropped out (marked so, or can no longer reach the minimum with the sessions left), or
    in progress."""
    as_of = as_of or date.today()
    held = cohort.sessions.filter(date__lte=as_of).count()
    remaining = max(cohort.planned_sessions - held, 0)
    attended = dict(
        Attendance.objects.filter(session__cohort=cohort, present=True)
        .values("participant_id")
        .annotate(n=Count("id"))
        .values_list("participant_id", "n")
    )
    out = []
    for e in cohort.enrolments.select_related("participant__village").filter(
        participant__merged_into__isnull=True
    ):
        n = attended.get(e.participant_id, 0)
        if n >= cohort.completion_min:
            status = "completed"
        elif e.status == EnrolmentStatus.DROPPED_OUT or n + remaining < cohort.completion_min:
            status = "dropped_out"
        else:
            status = "in_progress"
        out.append({"participant": e.participant, "enrolment": e, "attended": n, "status": status})
    return out


def cohorts_completion(*, cohorts: list[Cohort], as_of: date | None = None) -> dict[int, dict[str, int]]:
    """cohort_completion for many cohorts in four queries (the list and dashboard pages)."""
    as_of = as_of or date.today()
    ids = [c.pk for c in cohorts]
    held = Counter(
        dict(
            Session.objects.filter(cohort_id__in=ids, date__lte=as_of)
            .values("cohort_id")
            .annotate(n=Count("id"))
            .values_list("cohort_id", "n")
        )
    )
    attended = {
        (cid, pid): n
        for cid, pid, n in Attendance.objects.filter(session__cohort_id__in=ids, present=True)
        .values("session__cohort_id", "participant_id")
        .annotate(n=Count("id"))
        .values_list("session__cohort_id", "participant_id", "n")
    }
    by_id = {c.pk: c for c in cohorts}
    out = {c.pk: {"enrolled": 0, "completed": 0, "dropped_out": 0, "in_progress": 0} for c in cohorts}
    for cid, pid, status in Enrolment.objects.filter(
        cohort_id__in=ids, participant__merged_into__isnull=True
    ).values_list("cohort_id", "participant_id", "status"):
        c = by_id[cid]
        n = attended.get((cid, pid), 0)
        remaining = max(c.planned_sessions - held[cid], 0)
        if n >= c.completion_min:
            key = "completed"
        elif status == EnrolmentStatus.DROPPED_OUT or n + remaining < c.completion_min:
            key = "dropped_out"
        else:
            key = "in_progress"
        out[cid]["enrolled"] += 1
        out[cid][key] += 1
    return out


def cohort_completion(*, cohort: Cohort, as_of: date | None = None) -> dict[str, int]:
    counts = Counter(r["status"] for r in cohort_progress(cohort=cohort, as_of=as_of))
    return {
        "enrolled": sum(counts.values()),
        "completed": counts["completed"],
        "dropped_out": counts["dropped_out"],
        "in_progress": counts["in_progress"],
    }


def completion_rows(
    *, programme: Programme, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """One row per unique person who completed a cohort of the programme ending in the period."""
    cohorts = programme.cohorts.all()
    if start is not None:
        cohorts = cohorts.filter(end__gte=start)
    if end is not None:
        cohorts = cohorts.filter(end__lte=end)
    seen: dict[int, dict[str, Any]] = {}
    for cohort in cohorts:
        for row in cohort_progress(cohort=cohort, as_of=cohort.end):
            if row["status"] == "completed":
                p = row["participant"]
                seen[p.pk] = {
                    "participant_id": p.pk,
                    "sex": p.sex,
                    "birth_year": p.birth_year,
                    "village_path": p.village.path,
                    "district": district_of(p.village.path),
                }
    return list(seen.values())


def band_rows(
    *, programme: Programme, band: str, start: date | None = None, end: date | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(people in the band, people who responded): each person's latest scale response in the period, in
    the programme's intervention cohorts."""
    qs = ScaleResponse.objects.filter(
        round__cohort__programme=programme,
        round__cohort__arm=Arm.INTERVENTION,
        participant__merged_into__isnull=True,
    ).select_related("participant__village", "round")
    if start is not None:
        qs = qs.filter(round__date__gte=start)
    if end is not None:
        qs = qs.filter(round__date__lte=end)
    latest: dict[int, ScaleResponse] = {}
    for r in qs.order_by("round__date", "pk"):
        latest[r.participant_id] = r
    rows = [
        {
            "participant_id": r.participant_id,
            "sex": r.participant.sex,
            "district": district_of(r.participant.village.path),
            "band": r.band,
        }
        for r in latest.values()
    ]
    return [r for r in rows if r["band"] == band], rows


def attendance_over_time(*, user: Actor, programme: Programme) -> list[dict[str, Any]]:
    """Per month: sessions held, attendances, unique people reached so far and people who completed so far
    (the month of the session at which they reached their cohort's completion rule); cumulative counts."""
    visible = _visible_attendance(user, programme)
    sessions = policy.visible(user, Perm.PROGRAMME_VIEW, Session.objects.filter(cohort__programme=programme))
    months: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"sessions": 0, "attendances": 0, "new_people": set()}
    )
    for d in sessions.values_list("date", flat=True):
        months[d.strftime("%Y-%m")]["sessions"] += 1
    rule = dict(Cohort.objects.filter(programme=programme).values_list("pk", "completion_min"))
    first_seen: dict[int, str] = {}
    present_dates: dict[tuple[int, int], list[date]] = defaultdict(list)
    rows = visible.filter(present=True, participant__merged_into__isnull=True).values_list(
        "participant_id", "session__cohort_id", "session__date"
    )
    for pid, cohort_id, d in rows:
        month = d.strftime("%Y-%m")
        months[month]["attendances"] += 1
        if pid not in first_seen or month < first_seen[pid]:
            first_seen[pid] = month
        present_dates[(pid, cohort_id)].append(d)
    for pid, month in first_seen.items():
        months[month]["new_people"].add(pid)
    completed_in: Counter[str] = Counter()
    for (_pid, cohort_id), dates in present_dates.items():
        k = rule.get(cohort_id, 0)
        if k and len(dates) >= k:
            month = sorted(dates)[k - 1].strftime("%Y-%m")
            completed_in[month] += 1
            months[month]
    out, cumulative, completed = [], 0, 0
    for month in sorted(months):
        cumulative += len(months[month]["new_people"])
        completed += completed_in[month]
        out.append(
            {
                "month": month,
                "sessions": months[month]["sessions"],
                "attendances": months[month]["attendances"],
                "reach": cumulative,
                "completed": completed,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------------
# Duplicates


def duplicate_candidates(*, user: Actor, threshold: float = 0.88, limit: int = 200) -> list[dict[str, Any]]:
    """Pairs of participants that may be the same person: same organisation and birth year, villages in
    the same cell or sector, and names alike (same phonetic key, or Jaro-Winkler similarity of the
    normalised names >= threshold; names are decrypted in memory only), or the same phone number.
    Needs participant.identify: the names are compared."""
    people = list(
        policy.visible(user, Perm.PARTICIPANT_IDENTIFY, Participant.objects.filter(merged_into__isnull=True))
        .exclude(birth_year__isnull=True)
        .select_related("village")
    )
    groups: dict[tuple[int, int], list[Participant]] = defaultdict(list)
    for p in people:
        groups[(p.organisation_id, p.birth_year or 0)].append(p)
    out: list[dict[str, Any]] = []
    for members in groups.values():
        members.sort(key=lambda p: p.pk)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                same_cell = _code_at(a.village.path, 5) and _code_at(a.village.path, 5) == _code_at(
                    b.village.path, 5
                )
                same_sector = _code_at(a.village.path, 4) and _code_at(a.village.path, 4) == _code_at(
                    b.village.path, 4
                )
                phone = bool(a.phone_index) and a.phone_index == b.phone_index
                if not (same_sector or phone):
                    continue
                similarity = 0.0
                if a.name_enc and b.name_enc:
                    similarity = jellyfish.jaro_winkler_similarity(
                        " ".join(sorted(normalise(t) for t in a.name_enc.split())),
                        " ".join(sorted(normalise(t) for t in b.name_enc.split())),
                    )
                phonetic = bool(a.name_key) and a.name_key == b.name_key
                if not (phone or phonetic or similarity >= threshold):
                    continue
                reasons = []
                if phonetic:
                    reasons.append("same phonetic name")
                elif similarity >= threshold:
                    reasons.append(f"similar name ({similarity:.2f})")
                if phone:
                    reasons.append("same phone")
                reasons.append("same birth year")
                reasons.append(
                    "same village"
                    if a.village_id == b.village_id
                    else "same cell"
                    if same_cell
                    else "same sector"
                )
                out.append({"a": a, "b": b, "similarity": round(similarity, 3), "reasons": reasons})
                if len(out) >= limit:
                    return out
    return out


def merges_visible_to(*, user: Actor) -> QuerySet[ParticipantMerge]:
    return policy.visible(
        user, Perm.PROGRAMME_VIEW, ParticipantMerge.objects.select_related("kept", "merged")
    )


# ---------------------------------------------------------------------------------------------------------
# Scale results


def _age(birth_year: int | None, on: date) -> int | None:
    return on.year - birth_year if birth_year else None


def programme_scale_results(*, user: Actor, programme: Programme) -> list[dict[str, Any]]:
    """Per scale used in the programme: per round kind, mean/distribution by sex, age band and district
    and the share in each band; the paired baseline-to-endline change (intervention cohorts), by sex and
    district; Cronbach's alpha at baseline; and the difference-in-differences against comparison cohorts."""
    rounds = policy.visible(
        user, Perm.PROGRAMME_VIEW, SurveyRound.objects.filter(cohort__programme=programme)
    ).select_related("scale", "cohort")
    scales: dict[int, Scale] = {}
    for r in rounds:
        scales[r.scale_id] = r.scale
    results = []
    for scale in scales.values():
        definition = scale_definition(scale)
        responses = list(
            ScaleResponse.objects.filter(round__in=[r for r in rounds if r.scale_id == scale.pk])
            .filter(participant__merged_into__isnull=True)
            .select_related("round__cohort", "participant__village")
        )
        by_kind: dict[str, list[ScaleResponse]] = defaultdict(list)
        for resp in responses:
            by_kind[resp.round.kind].append(resp)
        kinds = []
        for kind in (RoundKind.BASELINE, RoundKind.ENDLINE, RoundKind.FOLLOW_UP):
            rs = by_kind.get(kind, [])
            if not rs:
                continue
            kinds.append(_round_summary(kind, rs, definition))
        pairs = _pairs(by_kind.get(RoundKind.BASELINE, []), by_kind.get(RoundKind.ENDLINE, []))
        paired = _paired_block(pairs, definition)
        results.append({"scale": scale, "rounds": kinds, **paired})
    return results


def _round_summary(kind: str, rs: list[ScaleResponse], definition: scoring.ScaleDef) -> dict[str, Any]:
    def group(key: Any) -> dict[str, Any]:
        buckets: dict[str, list[float]] = defaultdict(list)
        for r in rs:
            buckets[key(r)].append(r.total)
        return {k: analysis.describe(v) for k, v in sorted(buckets.items())}

    bands = Counter(r.band for r in rs)
    n = len(rs)
    return {
        "kind": kind,
        "label": RoundKind(kind).label,
        "overall": analysis.describe([r.total for r in rs]),
        "by_sex": group(lambda r: r.participant.sex),
        "by_age_band": group(lambda r: analysis.age_band(_age(r.participant.birth_year, r.round.date))),
        "by_district": group(lambda r: district_of(r.participant.village.path)),
        "bands": [
            {
                "name": b.name,
                "count": bands.get(b.name, 0),
                "share": round(100 * bands.get(b.name, 0) / n, 1) if n else 0,
            }
            for b in definition.bands
        ],
    }


def _pairs(
    baseline: list[ScaleResponse], endline: list[ScaleResponse]
) -> list[tuple[ScaleResponse, ScaleResponse]]:
    ends = {(r.round.cohort_id, r.participant_id): r for r in endline}
    return [
        (b, ends[(b.round.cohort_id, b.participant_id)])
        for b in baseline
        if (b.round.cohort_id, b.participant_id) in ends
    ]


def _paired_block(
    pairs: list[tuple[ScaleResponse, ScaleResponse]], definition: scoring.ScaleDef
) -> dict[str, Any]:
    def paired(ps: list[tuple[ScaleResponse, ScaleResponse]]) -> dict[str, Any] | None:
        if len(ps) < 2:
            return None
        try:
            return analysis.paired_change([b.total for b, _ in ps], [e.total for _, e in ps]).as_dict()
        except ValidationFailed:
            return None

    intervention = [p for p in pairs if p[0].round.cohort.arm == Arm.INTERVENTION]
    comparison = [p for p in pairs if p[0].round.cohort.arm == Arm.COMPARISON]
    overall = paired(intervention)
    if overall is not None:
        overall["cronbach_alpha_baseline"] = analysis.cronbach_alpha(
            [[_item_score(definition, b.answers, i.code) for i in definition.items] for b, _ in intervention]
        )
    by_sex = {
        sex: paired([p for p in intervention if p[0].participant.sex == sex])
        for sex in sorted({p[0].participant.sex for p in intervention})
    }
    by_district = {
        d: paired([p for p in intervention if district_of(p[0].participant.village.path) == d])
        for d in sorted({district_of(p[0].participant.village.path) for p in intervention})
    }
    did = None
    if len(intervention) >= 2 and len(comparison) >= 2:
        did = analysis.difference_in_differences(
            [(b.total, e.total) for b, e in intervention], [(b.total, e.total) for b, e in comparison]
        ).as_dict()
    return {"paired": overall, "paired_by_sex": by_sex, "paired_by_district": by_district, "did": did}


def _item_score(definition: scoring.ScaleDef, answers: dict[str, Any], code: str) -> float | None:
    item = next(i for i in definition.items if i.code == code)
    raw = answers.get(code)
    return item.scores.get(str(raw)) if raw is not None else None


def band_share(*, survey: SurveyRound, band: str) -> float | None:
    """% of respondents of a round in a band (e.g. "% of men with high support for gender equity")."""
    rs = list(survey.responses.values_list("band", flat=True))
    return round(100 * sum(1 for b in rs if b == band) / len(rs), 1) if rs else None
