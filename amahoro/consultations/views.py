"""Consultation pages: the rounds, a round's outcomes with official status and assessments (rate, respond,
moderate, publish), attachment downloads. Reads via selectors, writes via services, decisions via policy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from amahoro import policy
from amahoro.core.crypto import decrypt_bytes
from amahoro.core.errors import AmahoroError, NotFound
from amahoro.core.errors import PermissionDenied as Refused
from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.models import Node, NodeKind
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import selectors, services
from .access import member_organisations, rating_organisations, responding_organisations
from .models import Assessment, ConsultationRound, Moderation, Rating

NO_FRAMEWORK_VIEW = gettext_lazy("Your roles do not include viewing results frameworks.")


def _round(user: Any, uuid: Any) -> ConsultationRound:
    try:
        return selectors.round_get(user=user, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None


def _organisation(request: HttpRequest, name: str = "organisation") -> Organisation | None:
    code = request.POST.get(name, "").strip()
    if not code:
        return None
    return Organisation.objects.filter(code=code[:50]).first()


def _fail(request: HttpRequest, exc: AmahoroError) -> None:
    if isinstance(exc, NotFound):
        raise Http404("not found")
    if isinstance(exc, Refused):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.FRAMEWORK_VIEW, message=NO_FRAMEWORK_VIEW)
    conveners = Organisation.objects.filter(
        pk__in=member_organisations(request.user, Perm.FRAMEWORK_MANAGE), is_active=True
    ).order_by("code")
    rounds = selectors.rounds_visible_to(user=request.user).order_by("-created_at")
    context = {
        "rounds": rounds,
        # issue 17: "No consultation round yet." only when there is none, not when the user's roles show none.
        "no_access": policy.hides_all(shown=rounds, existing=ConsultationRound.objects.all()),
        "conveners": conveners,
        "frameworks": fw_selectors.frameworks_visible_to(user=request.user).order_by("code")
        if conveners
        else [],
        "pending": selectors.my_pending_counts(user=request.user)["to_moderate"],
    }
    return render(request, "consultations/list.html", context)


@login_required
@require_POST
def round_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.FRAMEWORK_VIEW, message=NO_FRAMEWORK_VIEW)
    try:
        fw = fw_selectors.framework_get(user=request.user, code=request.POST.get("framework", "")[:50])
        org = _organisation(request)
        if org is None:
            raise Refused(_("Choose the convening organisation."), field="organisation")
        rnd = services.round_create(
            actor=request.user,
            framework=fw,
            organisation=org,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            period=request.POST.get("period", ""),
        )
    except AmahoroError as exc:
        _fail(request, exc)
        return redirect("consultations:list")
    messages.success(request, _("Consultation round opened."))
    return redirect("consultations:detail", uuid=rnd.uuid)


@login_required
@require_GET
def round_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    user = request.user
    rnd = _round(user, uuid)
    assessments: list[Any] = list(selectors.assessments_visible_to(user=user, round=rnd))
    in_round = Assessment.objects.filter(round=rnd)
    editable = set(policy.visible(user, Perm.DATA_ENTER, in_round).values_list("pk", flat=True))
    moderated = set(policy.visible(user, Perm.FRAMEWORK_MANAGE, in_round).values_list("pk", flat=True))
    by_node: dict[int, list[Any]] = {}
    for a in assessments:
        a.can_edit = rnd.is_open and a.pk in editable
        a.can_moderate = not rnd.is_published and a.pk in moderated
        by_node.setdefault(a.node_id, []).append(a)
    statuses = selectors.official_status(round=rnd)
    raters = rating_organisations(user) if rnd.is_open else []
    outcomes = []
    for node in selectors.outcomes_of(round=rnd):
        mine = [a for a in by_node.get(node.pk, []) if getattr(a, "can_edit", False)]
        for a in by_node.get(node.pk, []):
            a.responders = (
                responding_organisations(user, node)
                if not rnd.is_published and a.moderation != Moderation.REJECTED
                else []
            )
        outcomes.append(
            {
                "node": node,
                "official": statuses.get(node.pk),
                "assessments": by_node.get(node.pk, []),
                "may_rate": bool(raters) and not mine,
            }
        )
    context = {
        "round": rnd,
        "outcomes": outcomes,
        "raters": raters,
        "ratings": Rating.choices,
        "can_moderate": policy.can(user, Perm.FRAMEWORK_MANAGE, rnd),
        "pending": sum(1 for a in assessments if a.moderation == Moderation.PENDING),
    }
    return render(request, "consultations/detail.html", context)


def _node(rnd: ConsultationRound, code: str) -> Node:
    node = Node.objects.filter(framework=rnd.framework, code=code[:50], kind=NodeKind.OUTCOME).first()
    if node is None:
        raise Http404("not found")
    return node


@login_required
@require_POST
def assessment_create(request: HttpRequest, uuid: Any) -> HttpResponse:
    rnd = _round(request.user, uuid)
    node = _node(rnd, request.POST.get("node", ""))
    try:
        assessment = services.assessment_submit(
            actor=request.user,
            round=rnd,
            node=node,
            rating=request.POST.get("rating"),
            evidence=request.POST.get("evidence", ""),
            comment=request.POST.get("comment", ""),
            anonymous=request.POST.get("anonymous") in ("on", "true", "1"),
            organisation=_organisation(request),
        )
        upload = request.FILES.get("file")
        if upload is not None:
            services.attachment_add(
                actor=request.user,
                assessment=assessment,
                filename=upload.name or "",
                content=upload.read(services.MAX_ATTACHMENT_BYTES + 1),
            )
    except AmahoroError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request, _("Your assessment of %(code)s was sent for moderation.") % {"code": node.code}
        )
    return redirect(reverse("consultations:detail", args=[rnd.uuid]) + f"#outcome-{node.code}")


def _assessment(request: HttpRequest, uuid: Any, perm: Perm = Perm.FRAMEWORK_VIEW) -> Any:
    try:
        return selectors.assessment_get(user=request.user, uuid=uuid, perm=perm)
    except NotFound:
        raise Http404("not found") from None


def _back(assessment: Any) -> HttpResponse:
    return redirect(
        reverse("consultations:detail", args=[assessment.round.uuid]) + f"#outcome-{assessment.node.code}"
    )


@login_required
@require_POST
def assessment_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    assessment = _assessment(request, uuid)
    try:
        services.assessment_update(
            actor=request.user,
            assessment=assessment,
            rating=request.POST.get("rating"),
            evidence=request.POST.get("evidence"),
            comment=request.POST.get("comment"),
        )
        upload = request.FILES.get("file")
        if upload is not None:
            services.attachment_add(
                actor=request.user,
                assessment=assessment,
                filename=upload.name or "",
                content=upload.read(services.MAX_ATTACHMENT_BYTES + 1),
            )
    except AmahoroError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Assessment saved."))
    return _back(assessment)


@login_required
@require_POST
def assessment_respond(request: HttpRequest, uuid: Any) -> HttpResponse:
    assessment = _assessment(request, uuid)
    try:
        services.response_submit(
            actor=request.user,
            assessment=assessment,
            text=request.POST.get("text", ""),
            organisation=_organisation(request),
        )
    except AmahoroError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Response saved."))
    return _back(assessment)


@login_required
@require_POST
def assessment_moderate(request: HttpRequest, uuid: Any) -> HttpResponse:
    assessment = _assessment(request, uuid)
    try:
        services.assessment_moderate(
            actor=request.user,
            assessment=assessment,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except AmahoroError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Moderation saved."))
    return _back(assessment)


@login_required
@require_POST
def round_action(request: HttpRequest, uuid: Any, action: str) -> HttpResponse:
    rnd = _round(request.user, uuid)
    try:
        if action == "publish":
            services.round_publish(actor=request.user, round=rnd)
            messages.success(request, _("The summary is published."))
        elif action == "unpublish":
            services.round_unpublish(actor=request.user, round=rnd)
        elif action in ("open", "closed"):
            services.round_set_status(actor=request.user, round=rnd, status=action)
        else:
            raise Http404("not found")
    except AmahoroError as exc:
        _fail(request, exc)
    return redirect("consultations:detail", uuid=rnd.uuid)


@login_required
@require_GET
def attachment_download(request: HttpRequest, uuid: Any) -> HttpResponse:
    try:
        att = selectors.attachment_get(user=request.user, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None
    response = HttpResponse(decrypt_bytes(bytes(att.content)), content_type=att.content_type)
    # The file name may name people: a neutral name, and never cached.
    response["Content-Disposition"] = f'attachment; filename="evidence-{att.uuid}{_ext(att.filename)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ext(name: str) -> str:
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


@login_required
@require_GET
def round_summary(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The summary as it is (or will be) published: moderators preview it before publishing."""
    rnd = _round(request.user, uuid)
    if not rnd.is_published and not policy.can(request.user, Perm.FRAMEWORK_MANAGE, rnd):
        raise Http404("not found")
    rows = selectors.round_summary(round=rnd)
    return render(
        request, "consultations/summary.html", {"round": rnd, "rows": rows, "preview": not rnd.is_published}
    )
