"""Programme pages: the list with unique reach and completion, a programme's dashboard (reach by district,
attendance over time, completion, attitude change), a cohort with its phone-friendly attendance grid and
imports, participants (names only for programme staff), possible duplicates and merges, and scales.
Reads via selectors, writes via services, decisions via amahoro.policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound
from amahoro.roles import Perm

from . import scoring, selectors
from .models import ActivityType, Arm, Cohort, Participant, Programme, RoundKind, Session
from .services import attendance as attendance_services
from .services import participants as participant_services
from .services import programmes as programme_services
from .services import scales as scale_services

MAX_UPLOAD = 5 * 1024 * 1024


NO_PROGRAMME_ROLE = gettext_lazy("Your roles do not include working with programmes.")


def _programme(request: HttpRequest, code: str) -> Programme:
    policy.require(request.user, Perm.PROGRAMME_VIEW, message=NO_PROGRAMME_ROLE)
    try:
        return selectors.programme_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _cohort(request: HttpRequest, programme: Programme, code: str) -> Cohort:
    try:
        return selectors.cohort_get(user=request.user, programme=programme, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.PROGRAMME_VIEW, message=NO_PROGRAMME_ROLE)
    rows = []
    for p in selectors.programmes_visible_to(user=request.user):
        reach = selectors.programme_reach(user=request.user, programme=p)
        done = selectors.cohorts_completion(
            cohorts=list(selectors.cohorts_visible_to(user=request.user, programme=p))
        ).values()
        completion = {
            "enrolled": sum(d["enrolled"] for d in done),
            "completed": sum(d["completed"] for d in done),
        }
        rows.append({"programme": p, "reach": reach["total"], **completion})
    context = {
        "rows": rows,
        # "Nothing here yet" only when there is nothing; a user who may not see the programmes that exist
        # is told so (issue 17: a viewer read "No programme yet." while others ran programmes).
        "no_access": policy.hides_all(shown=rows, existing=Programme.objects.all()),
        "overall": selectors.organisation_reach(user=request.user),
        "can_manage": policy.has_perm(request.user, Perm.PROGRAMME_MANAGE),
    }
    return render(request, "programmes/list.html", context)


def _get_date(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _post_date(request: HttpRequest, name: str) -> date:
    from amahoro.core.errors import ValidationFailed

    try:
        return date.fromisoformat(request.POST.get(name, ""))
    except ValueError:
        raise ValidationFailed(_("%(f)s must be a date (YYYY-MM-DD)") % {"f": name}, field=name) from None


def _post_int(request: HttpRequest, name: str) -> int:
    from amahoro.core.errors import ValidationFailed

    raw = request.POST.get(name, "").strip()
    if not raw.isdigit():
        raise ValidationFailed(_("%(f)s must be a whole number") % {"f": name}, field=name)
    return int(raw)


@login_required
@require_POST
def programme_create(request: HttpRequest) -> HttpResponse:
    from amahoro.core.errors import ValidationFailed
    from amahoro.geo.models import OrgUnit

    policy.require(request.user, Perm.PROGRAMME_MANAGE, message=NO_PROGRAMME_ROLE)
    codes = [c.strip() for c in request.POST.get("districts", "").split(",") if c.strip()][:30]
    districts = list(OrgUnit.objects.filter(code__in=codes, level__code="district"))
    try:
        if not codes or len(districts) != len(set(codes)):
            raise ValidationFailed(
                _("Give district codes separated by commas, e.g. 12, 43."), field="districts"
            )
        programme = programme_services.programme_create(
            actor=request.user,
            code=request.POST.get("code", "").strip()[:50],
            name=request.POST.get("name", "").strip()[:300],
            organisation=selectors.managed_organisation(user=request.user, required=True),
            districts=districts,
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
        return redirect("programmes:list")
    messages.success(request, _("Programme %(code)s created.") % {"code": programme.code})
    return redirect("programmes:detail", programme.code)


@login_required
@require_POST
def cohort_create(request: HttpRequest, code: str) -> HttpResponse:
    from amahoro.geo.models import OrgUnit

    programme = _programme(request, code)
    if not policy.can(request.user, Perm.PROGRAMME_MANAGE, programme):
        raise PermissionDenied(_("You may not change this programme."))
    try:
        from amahoro.core.errors import ValidationFailed

        place = OrgUnit.objects.filter(code=request.POST.get("place", "").strip()[:50]).first()
        if place is None:
            raise ValidationFailed(_("Unknown place code."), field="place")
        cohort = programme_services.cohort_create(
            actor=request.user,
            programme=programme,
            code=request.POST.get("code", "").strip()[:50],
            name=request.POST.get("name", "").strip()[:300] or request.POST.get("code", "")[:50],
            org_unit=place,
            start=_post_date(request, "start"),
            end=_post_date(request, "end"),
            planned_sessions=_post_int(request, "sessions"),
            completion_min=_post_int(request, "completion_min"),
            activity_type=request.POST.get("activity_type", "curriculum"),
            arm=request.POST.get("arm", "intervention"),
            weekly_sessions=request.POST.get("weekly") == "on",
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
        return redirect("programmes:detail", programme.code)
    messages.success(request, _("Cohort %(code)s created.") % {"code": cohort.code})
    return redirect("programmes:cohort", programme.code, cohort.code)


@login_required
@require_GET
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    visible_cohorts = list(selectors.cohorts_visible_to(user=request.user, programme=programme))
    done = selectors.cohorts_completion(cohorts=visible_cohorts)
    cohorts = [{"cohort": c, **done[c.pk]} for c in visible_cohorts]
    start, end = _get_date(request, "start"), _get_date(request, "end")
    place_code = request.GET.get("place", "").strip()[:50]
    place = None
    if place_code:
        from amahoro.geo.models import OrgUnit

        place = OrgUnit.objects.filter(code=place_code).first()
        if place is None:
            messages.error(request, _("Unknown place code."))
    reach = selectors.programme_reach(
        user=request.user, programme=programme, start=start, end=end, place_path=place.path if place else None
    )
    timeline = selectors.attendance_over_time(user=request.user, programme=programme)
    scales = selectors.programme_scale_results(user=request.user, programme=programme)
    chart = {
        "labels": {
            "people": _("Unique people"),
            "attendances": _("Attendances"),
            "reach": _("Unique people so far"),
            "completed": _("Completed so far"),
            "people_axis": _("People"),
            "mean": _("Mean score"),
            "all": _("All"),
            "F": _("Women"),
            "M": _("Men"),
        },
        "timeline": timeline,
        "districts": reach["by_district"],
        "scales": [
            {
                "code": s["scale"].code,
                "rounds": [
                    {
                        "label": str(r["label"]),
                        "mean": r["overall"]["mean"],
                        "by_sex": {k: v["mean"] for k, v in r["by_sex"].items()},
                    }
                    for r in s["rounds"]
                ],
                "bands": {str(r["label"]): r["bands"] for r in s["rounds"]},
            }
            for s in scales
        ],
    }
    has_shapes = programme.districts.filter(geometry__isnull=False).exists()
    chart["map"] = {
        "districts": {d["code"]: d for d in reach["by_district"]},
        "programme_districts": list(programme.districts.values_list("code", flat=True)),
        "label": _("unique people"),
    }
    context = {
        "filters": {"start": start, "end": end, "place": place_code},
        "activity_types": ActivityType.choices,
        "arms": Arm.choices,
        "has_shapes": has_shapes,
        "geojson_url": reverse("api:orgunit-geojson") + "?level=district",
        "programme": programme,
        "districts": programme.districts.all(),
        "nodes": programme.framework_nodes.select_related("framework"),
        "cohorts": cohorts,
        "reach": reach,
        "timeline": timeline,
        "scales": scales,
        "chart": chart,
        "can_manage": policy.can(request.user, Perm.PROGRAMME_MANAGE, programme),
    }
    return render(request, "programmes/detail.html", context)


def _grid(request: HttpRequest, cohort: Cohort, session: Session | None) -> dict[str, Any]:
    progress = selectors.cohort_progress(cohort=cohort)
    present = set()
    if session is not None:
        present = set(session.attendance.filter(present=True).values_list("participant_id", flat=True))
    people = [r["participant"] for r in progress]
    allowed = selectors.identifiable_ids(
        user=request.user, participants=Participant.objects.filter(pk__in=[p.pk for p in people])
    )
    return {
        "progress": [
            {
                **r,
                "present": r["participant"].pk in present,
                "name": r["participant"].name_enc if r["participant"].pk in allowed else "",
            }
            for r in progress
        ],
        "dropouts": [r for r in progress if r["status"] == "dropped_out"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def cohort_detail(request: HttpRequest, code: str, cohort_code: str) -> HttpResponse:
    programme = _programme(request, code)
    cohort = _cohort(request, programme, cohort_code)
    sessions = list(cohort.sessions.all())
    can_manage = policy.can(request.user, Perm.PROGRAMME_MANAGE, cohort)
    number = request.POST.get("session") or request.GET.get("session")
    session = next((s for s in sessions if str(s.number) == str(number)), None)
    if session is None and sessions:
        past = [s for s in sessions if s.date <= date.today()]
        session = past[-1] if past else sessions[0]
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("You may not record attendance for this cohort."))
        if session is None:
            raise Http404("no such session")
        enrolled = {
            str(e.participant.pk): e.participant for e in cohort.enrolments.select_related("participant")
        }
        ticked = set(request.POST.getlist("present"))
        unknown = ticked - set(enrolled)
        if unknown:
            messages.error(request, _("Unknown participant in the form; reload the page."))
            status = 400
        else:
            try:
                attendance_services.attendance_record(
                    actor=request.user,
                    session=session,
                    presence={p: pk in ticked for pk, p in enrolled.items() if p.merged_into_id is None},
                )
            except AmahoroError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Attendance saved for session %(n)s: %(k)s present.")
                    % {"n": session.number, "k": len(ticked)},
                )
                url = reverse("programmes:cohort", args=[programme.code, cohort.code])
                return redirect(f"{url}?session={session.number}")
    rounds = [
        {"round": r, "n": r.responses.count(), "mean": r.responses.aggregate(m=Avg("total"))["m"]}
        for r in cohort.rounds.select_related("scale")
    ]
    context = {
        "programme": programme,
        "cohort": cohort,
        "sessions": sessions,
        "session": session,
        "rounds": rounds,
        "round_kinds": RoundKind.choices,
        "scales": selectors.scales_visible_to(user=request.user) if can_manage else [],
        "can_manage": can_manage,
        "completion": selectors.cohort_completion(cohort=cohort),
        **_grid(request, cohort, session),
    }
    return render(request, "programmes/cohort.html", context, status=status)


@login_required
@require_POST
def cohort_import(request: HttpRequest, code: str, cohort_code: str) -> HttpResponse:
    programme = _programme(request, code)
    cohort = _cohort(request, programme, cohort_code)
    if not policy.can(request.user, Perm.PROGRAMME_MANAGE, cohort):
        raise PermissionDenied(_("You may not record attendance for this cohort."))
    upload = request.FILES.get("file")
    errors: list[dict[str, Any]] = []
    status = 200
    if upload is None:
        errors = [{"row": "", "column": "file", "message": _("Choose a CSV or XLSX file.")}]
    elif upload.size and upload.size > MAX_UPLOAD:
        errors = [{"row": "", "column": "file", "message": _("The file is larger than 5 MB.")}]
    else:
        try:
            result = attendance_services.attendance_file_import(
                actor=request.user, cohort=cohort, content=upload.read(), filename=upload.name or ""
            )
            errors = result.errors
        except AmahoroError as exc:
            errors = [{"row": "", "column": exc.field or "", "message": exc.message}]
    if not errors:
        messages.success(request, _("Attendance imported: %(n)s rows.") % {"n": result.written})
        return redirect("programmes:cohort", programme.code, cohort.code)
    status = 400
    context = {"programme": programme, "cohort": cohort, "errors": errors}
    return render(request, "programmes/import_errors.html", context, status=status)


def _managed_cohort(request: HttpRequest, code: str, cohort_code: str) -> tuple[Programme, Cohort]:
    programme = _programme(request, code)
    cohort = _cohort(request, programme, cohort_code)
    if not policy.can(request.user, Perm.PROGRAMME_MANAGE, cohort):
        raise PermissionDenied(_("You may not change this cohort."))
    return programme, cohort


@login_required
@require_POST
def session_add(request: HttpRequest, code: str, cohort_code: str) -> HttpResponse:
    programme, cohort = _managed_cohort(request, code, cohort_code)
    try:
        when = date.fromisoformat(request.POST.get("date", ""))
        number = int(request.POST.get("number", ""))
    except ValueError:
        messages.error(request, _("Give a session number and a date (YYYY-MM-DD)."))
    else:
        try:
            attendance_services.session_create(
                actor=request.user,
                cohort=cohort,
                number=number,
                date=when,
                facilitators=request.POST.get("facilitators", "")[:300],
                topics=request.POST.get("topics", "")[:500],
            )
        except AmahoroError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Session %(n)s added.") % {"n": number})
    return redirect("programmes:cohort", programme.code, cohort.code)


@login_required
@require_POST
def participant_register(request: HttpRequest, code: str, cohort_code: str) -> HttpResponse:
    """Register a participant and enrol them in the cohort (name and phone are stored encrypted)."""
    from amahoro.geo.models import OrgUnit

    programme, cohort = _managed_cohort(request, code, cohort_code)
    village = OrgUnit.objects.filter(code=request.POST.get("village", "").strip()[:50]).first()
    raw_year = request.POST.get("birth_year", "").strip()
    raw_age = request.POST.get("age", "").strip()
    if village is None or not any(village.path.startswith(d.path) for d in programme.districts.all()):
        messages.error(request, _("Unknown village code, or not in one of the programme's districts."))
    elif (raw_year and not raw_year.isdigit()) or (raw_age and not raw_age.isdigit()):
        messages.error(request, _("Birth year must be a year (e.g. 1990) and age a whole number."))
    else:
        try:
            participant = participant_services.participant_create(
                actor=request.user,
                organisation=programme.organisation,
                sex=request.POST.get("sex", ""),
                village=village,
                birth_year=int(raw_year) if raw_year else None,
                age=int(raw_age) if raw_age else None,
                disability=request.POST.get("disability") == "on",
                role=request.POST.get("role", "")[:100],
                name=request.POST.get("name", "")[:300],
                phone=request.POST.get("phone", "")[:50],
            )
            participant_services.enrolment_add(actor=request.user, cohort=cohort, participants=[participant])
        except AmahoroError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Registered %(code)s and enrolled in this cohort.") % {"code": participant.code}
            )
    return redirect("programmes:cohort", programme.code, cohort.code)


@login_required
@require_POST
def round_create(request: HttpRequest, code: str, cohort_code: str) -> HttpResponse:
    programme, cohort = _managed_cohort(request, code, cohort_code)
    scale = selectors.scales_visible_to(user=request.user).filter(code=request.POST.get("scale", "")).first()
    try:
        when = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        when = None
    if scale is None or when is None:
        messages.error(request, _("Choose a scale and a date (YYYY-MM-DD)."))
    else:
        try:
            scale_services.survey_round_create(
                actor=request.user, cohort=cohort, scale=scale, kind=request.POST.get("kind", ""), date=when
            )
        except AmahoroError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Survey round added."))
    return redirect("programmes:cohort", programme.code, cohort.code)


@login_required
@require_POST
def round_import(request: HttpRequest, code: str, cohort_code: str, round_id: int) -> HttpResponse:
    programme, cohort = _managed_cohort(request, code, cohort_code)
    survey = cohort.rounds.filter(pk=round_id).select_related("scale").first()
    if survey is None:
        raise Http404("no such round")
    upload = request.FILES.get("file")
    errors: list[dict[str, Any]] = []
    if upload is None or (upload.size and upload.size > MAX_UPLOAD):
        errors = [{"row": "", "column": "file", "message": _("Choose a CSV or XLSX file of at most 5 MB.")}]
    else:
        try:
            result = scale_services.responses_file_import(
                actor=request.user, survey=survey, content=upload.read(), filename=upload.name or ""
            )
            errors = result.errors
        except AmahoroError as exc:
            errors = [{"row": "", "column": exc.field or "", "message": exc.message}]
    if not errors:
        messages.success(request, _("Responses imported: %(n)s.") % {"n": result.written})
        return redirect("programmes:cohort", programme.code, cohort.code)
    context = {"programme": programme, "cohort": cohort, "errors": errors}
    return render(request, "programmes/import_errors.html", context, status=400)


@login_required
@require_POST
def cohort_from_form(request: HttpRequest, code: str, cohort_code: str) -> HttpResponse:
    """Attendance or a survey round's responses from the submissions of an XLSForm (data collection)."""
    programme, cohort = _managed_cohort(request, code, cohort_code)
    form_id = request.POST.get("form_id", "").strip()[:200]
    target = request.POST.get("target", "attendance")
    errors: list[dict[str, Any]] = []
    try:
        if target == "attendance":
            result = attendance_services.attendance_from_submissions(
                actor=request.user, cohort=cohort, form_id=form_id
            )
        else:
            survey = cohort.rounds.filter(pk=int(target) if target.isdigit() else 0).first()
            if survey is None:
                raise Http404("no such round")
            result = scale_services.responses_from_submissions(
                actor=request.user, survey=survey, form_id=form_id
            )
        errors = result.errors
    except AmahoroError as exc:
        errors = [{"row": "", "column": exc.field or "", "message": exc.message}]
    if not errors:
        messages.success(
            request, _("Imported from form %(f)s: %(n)s rows.") % {"f": form_id, "n": result.written}
        )
        return redirect("programmes:cohort", programme.code, cohort.code)
    context = {"programme": programme, "cohort": cohort, "errors": errors}
    return render(request, "programmes/import_errors.html", context, status=400)


@login_required
@require_GET
def participant_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.PROGRAMME_VIEW, message=NO_PROGRAMME_ROLE)
    query = request.GET.get("q", "").strip()[:100]
    qs = selectors.participant_search(user=request.user, query=query).order_by("code")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    allowed = selectors.identifiable_ids(
        user=request.user, participants=qs.filter(pk__in=[p.pk for p in page])
    )
    rows = [{"p": p, "identify": p.pk in allowed} for p in page]
    context = {
        "rows": rows,
        "page": page,
        "query": query,
        "identify_any": policy.has_perm(request.user, Perm.PARTICIPANT_IDENTIFY),
        "can_merge": policy.has_perm(request.user, Perm.PROGRAMME_MANAGE)
        and policy.has_perm(request.user, Perm.PARTICIPANT_IDENTIFY),
    }
    return render(request, "programmes/participants.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def duplicates(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.PROGRAMME_MANAGE, message=NO_PROGRAMME_ROLE)
    if not policy.has_perm(request.user, Perm.PARTICIPANT_IDENTIFY):
        raise PermissionDenied(
            _("Finding duplicates compares names: it needs the participant.identify permission.")
        )
    if request.method == "POST":
        visible = selectors.participants_visible_to(user=request.user, perm=Perm.PROGRAMME_MANAGE)
        kept = visible.filter(code=request.POST.get("kept", "")).first()
        merged = visible.filter(code=request.POST.get("merged", "")).first()
        if kept is None or merged is None:
            raise Http404("participant not found")
        try:
            participant_services.participant_merge(
                actor=request.user, kept=kept, merged=merged, note=request.POST.get("note", "")
            )
        except AmahoroError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(m)s merged into %(k)s.") % {"m": merged.code, "k": kept.code})
        return redirect("programmes:duplicates")
    context = {
        "pairs": selectors.duplicate_candidates(user=request.user),
        "merges": selectors.merges_visible_to(user=request.user)[:50],
    }
    return render(request, "programmes/duplicates.html", context)


@login_required
@require_GET
def scale_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.PROGRAMME_VIEW, message=NO_PROGRAMME_ROLE)
    context = {
        "scales": selectors.scales_visible_to(user=request.user).select_related("organisation"),
        "can_manage": policy.has_perm(request.user, Perm.PROGRAMME_MANAGE),
    }
    return render(request, "programmes/scales.html", context)


@login_required
@require_GET
def scale_detail(request: HttpRequest, code: str) -> HttpResponse:
    policy.require(request.user, Perm.PROGRAMME_VIEW, message=NO_PROGRAMME_ROLE)
    try:
        scale = selectors.scale_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    definition = selectors.scale_definition(scale)
    return render(request, "programmes/scale.html", {"scale": scale, "definition": definition})


def _parse_scale_form(post: Any) -> dict[str, Any]:
    """The simple form: options "agree=1, partially_agree=2, do_not_agree=3"; one item per line
    "CODE | text | subscale | r" (r = reverse-scored); bands "low=24-40, moderate=41-56"."""
    from amahoro.core.errors import ValidationFailed

    options: dict[str, float] = {}
    for part in str(post.get("options", "")).split(","):
        if not part.strip():
            continue
        name, _sep, value = part.partition("=")
        try:
            options[name.strip()] = float(value)
        except ValueError:
            raise ValidationFailed(_("options: write each as name=number"), field="options") from None
    if not options:
        raise ValidationFailed(_("options are required"), field="options")
    reverse_scores = dict(zip(options, reversed(list(options.values())), strict=True))
    items = []
    for n, line in enumerate(str(post.get("items", "")).splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 2:
            raise ValidationFailed(_("items line %(n)s: write CODE | text") % {"n": n}, field="items")
        reverse_item = len(cells) > 3 and cells[3].lower() in ("r", "reverse")
        items.append(
            {
                "code": cells[0],
                "text": cells[1],
                "subscale": cells[2] if len(cells) > 2 else "",
                "scores": reverse_scores if reverse_item else options,
            }
        )
    bands = []
    for part in str(post.get("bands", "")).split(","):
        if not part.strip():
            continue
        name, _sep, span = part.partition("=")
        low, _dash, high = span.partition("-")
        try:
            bands.append({"name": name.strip(), "min": float(low), "max": float(high)})
        except ValueError:
            raise ValidationFailed(_("bands: write each as name=min-max"), field="bands") from None
    return {"code": post.get("code", ""), "name": post.get("name", ""), "items": items, "bands": bands}


@login_required
@require_http_methods(["GET", "POST"])
def scale_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.PROGRAMME_MANAGE, message=NO_PROGRAMME_ROLE)
    error = None
    if request.method == "POST":
        try:
            payload = _parse_scale_form(request.POST)
            definition = scoring.parse_definition(payload)
            scale = scale_services.scale_create(
                actor=request.user,
                definition=definition,
                organisation=selectors.managed_organisation(user=request.user),
            )
        except AmahoroError as exc:
            error = exc.message
        else:
            messages.success(request, _("Scale %(code)s saved.") % {"code": scale.code})
            return redirect("programmes:scale", scale.code)
    return render(
        request,
        "programmes/scale_form.html",
        {"error": error, "form": request.POST},
        status=400 if error else 200,
    )
