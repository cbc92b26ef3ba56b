"""Sign-in, sign-out, two-factor, and the users-and-roles pages. Reads via selectors, writes via services,
every decision via amahoro.policy."""

from __future__ import annotations

import base64
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import AmahoroError, Conflict
from amahoro.core.errors import PermissionDenied as ServicePermissionDenied
from amahoro.roles import ROLE_LABELS, Perm, Role

from . import selectors, services
from .forms import (
    EnrolmentForm,
    LoginForm,
    RoleAssignForm,
    RoleRequestDecisionForm,
    RoleRequestForm,
    TokenForm,
    UserCreateForm,
)
from .models import RoleAssignment, User

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


ENROLMENT_SESSION_KEY = "amahoro_totp_enrolment"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a code from the authenticator app; or, with no app set up yet, first take the enrolment code
    an administrator issued (typed here or opened as a link), then show the secret + QR code to confirm."""
    user = cast(User, request.user)  # login_required
    next_url = _safe_next(request)
    if getattr(user, "is_verified", lambda: False)():
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("id").first()
    setup = device is None
    enrolment = None
    if setup:
        enrolment = services.totp_enrolment_open(user=user, pk=request.session.get(ENROLMENT_SESSION_KEY))
        if enrolment is None:
            return _enrolment_step(request, user, next_url)
        device = services.totp_device_start(actor=user, user=user)
    assert device is not None
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and device.verify_token(form.cleaned_data["token"]):
            try:
                if setup and enrolment is not None:
                    services.totp_device_confirm(actor=user, device=device, enrolment=enrolment)
            except ServicePermissionDenied:
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                return redirect(f"{resolve_url('accounts:two_factor')}?next={next_url}")
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            otp_login(request, device)
            audit_record(actor=user, action=AuditAction.LOGIN, obj=user, message="two-factor verified")
            return redirect(next_url)
        if form.is_valid():
            form.add_error("token", _("That code is not right, or it has expired. Try the current code."))
        status = 400
    context: dict[str, Any] = {"form": form, "setup": setup, "next": next_url}
    if setup:
        context["secret"] = base64.b32encode(device.bin_key).decode()
        qr = segno.make(device.config_url, error="m")
        # segno writes plain SVG paths (no script); safe to inline, and no image request over 3G.
        context["qr_svg"] = mark_safe(qr.svg_inline(scale=4, border=2, omitsize=True))  # noqa: S308
    return render(request, "accounts/two_factor.html", context, status=status)


def _enrolment_step(request: HttpRequest, user: User, next_url: str, code: str | None = None) -> HttpResponse:
    """Ask for the enrolment code (or check the one a link carried); remember a valid one in the session."""
    data = {"enrolment": code} if code is not None else (request.POST or None)
    form = EnrolmentForm(data)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            found = services.totp_enrolment_find(user=user, code=form.cleaned_data["enrolment"])
            if found is not None:
                request.session[ENROLMENT_SESSION_KEY] = found.pk
                audit_record(
                    actor=user, action=AuditAction.UPDATE, obj=found, message="enrolment code accepted"
                )
                return redirect(f"{resolve_url('accounts:two_factor')}?next={next_url}")
            form.add_error(
                "enrolment",
                _(
                    "That enrolment code is not valid for this account, or it has expired or been used. "
                    "Ask your administrator for a new one."
                ),
            )
    context = {"enrol_form": form, "next": next_url}
    return render(request, "accounts/two_factor_enrol.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def two_factor_enrol(request: HttpRequest, code: str) -> HttpResponse:
    """The enrolment link an administrator sends: sign in first (login_required keeps the link as next)."""
    user = cast(User, request.user)
    if TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
        return redirect("accounts:two_factor")
    return _enrolment_step(request, user, resolve_url(settings.LOGIN_REDIRECT_URL), code=code)


# ---------------------------------------------------------------------------------------------------------
# Users and roles


def _apply_error(form: Any, exc: AmahoroError) -> int:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "password" and "password1" in form.fields:
        field = "password1"
    form.add_error(field, exc.message)
    return 403 if isinstance(exc, ServicePermissionDenied) else 400


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.USER_VIEW, message=_("Your roles do not include viewing users."))
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.users_visible_to(user=request.user, q=q or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page_obj": page,
        "q": q,
        "querystring": f"q={q}&" if q else "",
        "can_create": policy.has_perm(request.user, Perm.USER_MANAGE),
    }
    return render(request, "accounts/user_list.html", context)


@login_required
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    target = selectors.user_get(user=request.user, username=username)
    assignments = [
        {
            "obj": a,
            "label": ROLE_LABELS[Role(a.role)],
            "can_revoke": policy.may_assign(
                request.user, role=a.role, organisation=a.organisation, org_unit=a.org_unit
            ),
        }
        for a in selectors.assignments_visible_to(user=request.user)
        .filter(user=target)
        .select_related("org_unit__level")
    ]
    context = {
        "target": target,
        "assignments": assignments,
        "can_assign": policy.has_perm(request.user, Perm.ROLE_ASSIGN),
        "has_totp": TOTPDevice.objects.filter(user_id=target.pk, confirmed=True).exists(),
        "can_issue_enrolment": target.pk != request.user.pk
        and policy.has_perm(request.user, Perm.USER_MANAGE),
    }
    return render(request, "accounts/user_detail.html", context)


@login_required
@require_POST
@never_cache
def totp_enrolment_issue(request: HttpRequest, username: str) -> HttpResponse:
    """Issue a one-time TOTP enrolment code for another user; the code and link are shown this once."""
    target = selectors.user_get(user=request.user, username=username)
    try:
        enrolment, code = services.totp_enrolment_issue(actor=request.user, user=target)
    except ServicePermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    link = request.build_absolute_uri(resolve_url("accounts:two_factor_enrol", code=code))
    context = {"target": target, "enrolment": enrolment, "code": code, "link": link}
    return render(request, "accounts/totp_enrolment.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.USER_MANAGE, message=_("Your roles do not include creating users."))
    form = UserCreateForm(request.POST or None, actor=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    new_user = services.user_create(
                        actor=request.user,
                        username=data["username"],
                        password=data["password1"],
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                    )
                    services.role_assign(
                        actor=request.user,
                        user=new_user,
                        organisation=data["organisation"],
                        role=data["role"],
                        org_unit=data["org_unit"],
                    )
            except AmahoroError as exc:
                status = _apply_error(form, exc)
            else:
                messages.success(request, _("User %(username)s created.") % {"username": new_user.username})
                return redirect("users:detail", username=new_user.username)
    return render(request, "accounts/user_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def role_assign(request: HttpRequest, username: str) -> HttpResponse:
    target = selectors.user_get(user=request.user, username=username)
    policy.require(request.user, Perm.ROLE_ASSIGN, message=_("Your roles do not include giving roles."))
    form = RoleAssignForm(request.POST or None, actor=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.role_assign(
                    actor=request.user,
                    user=target,
                    organisation=data["organisation"],
                    role=data["role"],
                    org_unit=data["org_unit"],
                )
            except AmahoroError as exc:
                status = _apply_error(form, exc)
            else:
                messages.success(request, _("Role given to %(username)s.") % {"username": target.username})
                return redirect("users:detail", username=target.username)
    return render(request, "accounts/role_assign.html", {"form": form, "target": target}, status=status)


@login_required
@require_POST
def role_revoke(request: HttpRequest, uuid: str) -> HttpResponse:
    assignment = policy.get_visible_or_404(
        request.user,
        Perm.USER_VIEW,
        RoleAssignment.objects.select_related("user", "organisation", "org_unit"),
        uuid=uuid,
    )
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except ServicePermissionDenied as exc:
        raise PermissionDenied(_("You may not revoke this role.")) from exc
    messages.success(request, _("Role revoked."))
    return redirect("users:detail", username=assignment.user.username)


# ---------------------------------------------------------------------------------------------------------
# Role requests


@login_required
@require_http_methods(["GET", "POST"])
def role_request_new(request: HttpRequest) -> HttpResponse:
    """Any signed-in user asks for a role; the organisation's administrators decide."""
    roles = [(r.value, ROLE_LABELS[r]) for r in services.requestable_roles()]
    form = RoleRequestForm(request.POST or None, roles=roles)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.role_request_create(
                    actor=request.user,
                    organisation=data["organisation"],
                    role=data["role"],
                    org_unit=data["org_unit"],
                    reason=data["reason"],
                )
            except AmahoroError as exc:
                status = _apply_error(form, exc)
                if isinstance(exc, Conflict):
                    status = 409
            else:
                messages.success(request, _("Request sent: the organisation's administrators will decide."))
                return redirect("users:role-requests")
    return render(request, "accounts/role_request_form.html", {"form": form}, status=status)


@login_required
@never_cache
def role_request_list(request: HttpRequest) -> HttpResponse:
    """The requests one may decide (with approve / decline), and one's own."""
    rows = list(selectors.role_requests_visible_to(user=request.user)[:500])
    decidable = {
        r.pk for r in selectors.role_requests_to_decide(user=request.user).filter(pk__in=[r.pk for r in rows])
    }
    items = [{"obj": r, "label": ROLE_LABELS[Role(r.role)], "can_decide": r.pk in decidable} for r in rows]
    context = {"items": items, "decision_form": RoleRequestDecisionForm()}
    return render(request, "accounts/role_request_list.html", context)


@login_required
@require_POST
def role_request_decide(request: HttpRequest, uuid: str) -> HttpResponse:
    role_request = selectors.role_request_get(user=request.user, uuid=uuid)
    if not policy.allows(request.user, Perm.ROLE_ASSIGN, role_request):
        raise Http404("not found")
    form = RoleRequestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect("users:role-requests")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.role_request_decide(
            actor=request.user, request=role_request, approve=approve, reason=form.cleaned_data["reason"]
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role given.") if approve else _("Request declined."))
    return redirect("users:role-requests")
