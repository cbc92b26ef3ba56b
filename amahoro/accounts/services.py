"""Writes to accounts: users, role assignments, API tokens, two-factor devices.

Every write takes `actor=`: the signed-in user, or `policy.SYSTEM` for the command line, the demo and set-up
scripts run by whoever holds the server (it may give any role, server-only ones included). `actor=None` is
refused (`policy.check_actor`)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import RESERVED_ROLES, SERVER_ONLY_ROLES, Perm, Role

from .models import ApiToken, RoleAssignment, RoleRequest, RoleRequestStatus, TOTPEnrolment, User
from .signals import role_decided, role_requested

if TYPE_CHECKING:
    from django_otp.plugins.otp_totp.models import TOTPDevice

USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")


@transaction.atomic
def user_create(
    *,
    actor: policy.Actor,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    check_password_strength: bool = True,
) -> User:
    policy.check_actor(actor)
    if not USERNAME_RE.match(username or ""):
        raise ValidationFailed(
            f"invalid username '{username}': letters, digits and @.+-_ only", field="username"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(f"user '{username}' already exists", field="username")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationFailed(f"invalid email '{email}'", field="email") from exc
    if not password:
        raise ValidationFailed("a password is required", field="password")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if check_password_strength:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise ValidationFailed("; ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=user, changes={"username": username, "email": email}
    )
    return user


@transaction.atomic
def role_assign(
    *,
    actor: policy.Actor,
    user: User,
    organisation: Organisation,
    role: str,
    org_unit: OrgUnit | None,
    enforce_policy: bool = True,
) -> RoleAssignment:
    """Give `user` a role in `organisation` over `org_unit`'s subtree.

    `enforce_policy=False` is the older spelling of `actor=policy.SYSTEM` (kept for callers not yet moved).
    """
    policy.check_actor(actor)
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise ValidationFailed(
            f"unknown role '{role}' (one of: {', '.join(r.value for r in Role)})", field="role"
        ) from exc
    if (
        enforce_policy
        and not policy.is_system(actor)
        and not policy.may_assign(actor, role=role_value, organisation=organisation, org_unit=org_unit)
    ):
        raise PermissionDenied("you may not assign this role in this organisation and place", field="role")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        organisation=organisation,
        role=role_value.value,
        org_unit=org_unit,
        defaults={"created_by": _user(actor)},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.GRANT,
            obj=assignment,
            organisation_id=organisation.pk,
            org_unit_path=org_unit.path if org_unit else "",
            changes={
                "user": user.username,
                "role": role_value.value,
                "org_unit": org_unit.code if org_unit else None,
            },
        )
    policy.forget(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: policy.Actor, assignment: RoleAssignment, enforce_policy: bool = True) -> None:
    policy.check_actor(actor)
    if (
        enforce_policy
        and not policy.is_system(actor)
        and not policy.may_assign(
            actor, role=assignment.role, organisation=assignment.organisation, org_unit=assignment.org_unit
        )
    ):
        raise PermissionDenied("you may not revoke this role", field="role")
    audit_record(
        actor=actor,
        action=AuditAction.REVOKE,
        obj=assignment,
        organisation_id=assignment.organisation_id,
        org_unit_path=assignment.org_unit.path if assignment.org_unit else "",
        changes={"user": assignment.user.username, "role": assignment.role},
    )
    assignment.delete()
    policy.forget(assignment.user)


@transaction.atomic
def token_create(*, actor: policy.Actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token; the plain key is returned once and never stored."""
    policy.check_actor(actor)
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=ApiToken.hash(key))
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=token, changes={"user": user.username, "prefix": key[:8]}
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: policy.Actor, token: ApiToken) -> None:
    policy.check_actor(actor)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action=AuditAction.REVOKE, obj=token)


def needs_two_factor(user: User | AnonymousUser) -> bool:
    from amahoro.roles import TWO_FACTOR_ROLES

    return bool(policy.roles_of(user) & TWO_FACTOR_ROLES)


# ---------------------------------------------------------------------------------------------------------
# Two-factor (TOTP) devices
#
# Setting up an authenticator needs an enrolment code the user did not just type themselves: an
# administrator issues it (shown once, hashed at rest, expiring, audited) and hands it over out of band.
# Otherwise whoever steals a case worker's password could enrol their own phone at the first sign-in.


def totp_enrolment_hours() -> int:
    return int(settings.AMAHORO_TOTP_ENROLMENT_HOURS)


@transaction.atomic
def totp_enrolment_issue(
    *, actor: policy.Actor, user: User, enforce_policy: bool = True
) -> tuple[TOTPEnrolment, str]:
    """A one-time enrolment code for `user` (returned once, never stored). Issuing one resets the user's
    second factor: their authenticator devices and any earlier unused code stop working.

    The command line and the demo pass `actor=policy.SYSTEM` (`enforce_policy=False` is the older spelling)."""
    policy.check_actor(actor)
    if enforce_policy and not policy.is_system(actor):
        if not getattr(actor, "is_authenticated", False) or actor.pk == user.pk:
            raise PermissionDenied(
                "an enrolment code is issued by an administrator for someone else", field="user"
            )
        if not policy.has_perm(actor, Perm.USER_MANAGE) or not _manages(actor, user):
            raise PermissionDenied("you may not reset this user's two-factor sign-in", field="user")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    now = timezone.now()
    TOTPEnrolment.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    devices = TOTPDevice.objects.filter(user=user).delete()[0]
    code = TOTPEnrolment.new_code()
    enrolment = TOTPEnrolment.objects.create(
        user=user,
        code_hash=TOTPEnrolment.hash(code),
        expires_at=now + timedelta(hours=totp_enrolment_hours()),
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=enrolment,
        object_repr=str(enrolment),
        changes={
            "user": user.username,
            "expires_at": enrolment.expires_at.isoformat(),
            "devices_removed": devices,
        },
    )
    return enrolment, code


def _user(actor: policy.Actor) -> User | None:
    """The user to name as `created_by` (none for the platform itself)."""
    return actor if isinstance(actor, User) else None


def _manages(actor: policy.Actor, user: User) -> bool:
    return policy.visible(actor, Perm.USER_MANAGE, User.objects.filter(pk=user.pk)).exists()


def totp_enrolment_find(*, user: User, code: str) -> TOTPEnrolment | None:
    """The user's open (unused, unrevoked, unexpired) enrolment with this code, or None."""
    code = (code or "").strip()
    if not code or len(code) > 200:
        return None
    return (
        TOTPEnrolment.objects.filter(
            user_id=user.pk,
            code_hash=TOTPEnrolment.hash(code),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def totp_enrolment_open(*, user: User, pk: int | str | None) -> TOTPEnrolment | None:
    """The enrolment a session presented earlier, if it is still open."""
    if pk is None:
        return None
    return TOTPEnrolment.objects.filter(
        pk=pk, user_id=user.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def totp_device_start(*, actor: policy.Actor, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device for setting up an authenticator app (made on first use)."""
    policy.check_actor(actor)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, actor: policy.Actor, device: TOTPDevice, enrolment: TOTPEnrolment) -> TOTPDevice:
    """Mark a device confirmed once the user typed a valid code from it, using up the enrolment that
    allowed it; older unconfirmed devices go."""
    policy.check_actor(actor)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    claimed = TOTPEnrolment.objects.filter(
        pk=enrolment.pk, user_id=device.user_id, used_at__isnull=True, revoked_at__isnull=True
    ).update(used_at=timezone.now())
    if claimed != 1:
        raise PermissionDenied("this enrolment code was already used or revoked", field="enrolment")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).exclude(pk=device.pk).delete()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=device,
        object_repr="TOTP device",
        changes={"user": device.user.username, "enrolment": str(enrolment.uuid)},
    )
    return device


# ---------------------------------------------------------------------------------------------------------
# Role requests: a user asks, an administrator of that organisation decides


def _requester(actor: policy.Actor) -> User:
    policy.check_actor(actor)
    if not isinstance(actor, User) or not actor.is_active:
        raise PermissionDenied("only a signed-in person asks for a role", code="permission_denied")
    return actor


def requestable_roles() -> list[Role]:
    """Roles anyone may ask for: neither reserved (system administrator) nor server-only."""
    return [r for r in Role if r not in RESERVED_ROLES | SERVER_ONLY_ROLES]


@transaction.atomic
def role_request_create(
    *, actor: policy.Actor, organisation: Organisation, role: str, org_unit: OrgUnit | None, reason: str = ""
) -> RoleRequest:
    """Ask for `role` in `organisation` over `org_unit`'s subtree; the organisation's administrators are told
    (signals.role_requested). One pending request per role, organisation and place."""
    user = _requester(actor)
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise ValidationFailed(f"unknown role '{role}'", field="role") from exc
    if role_value not in requestable_roles():
        raise PermissionDenied("this role cannot be requested", field="role")
    if not organisation.is_active:
        raise ValidationFailed("this organisation is not active", field="organisation")
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ValidationFailed("reason is longer than 1000 characters", field="reason")
    if RoleAssignment.objects.filter(
        user=user, organisation=organisation, role=role_value.value, org_unit=org_unit
    ).exists():
        raise Conflict("you already hold this role there", field="role")
    if RoleRequest.objects.filter(
        user=user,
        organisation=organisation,
        role=role_value.value,
        org_unit=org_unit,
        status=RoleRequestStatus.PENDING,
    ).exists():
        raise Conflict("you already asked for this role there: wait for the decision", field="role")
    request = RoleRequest.objects.create(
        user=user,
        organisation=organisation,
        role=role_value.value,
        org_unit=org_unit,
        reason=reason,
        created_by=user,
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=request,
        organisation_id=organisation.pk,
        org_unit_path=org_unit.path if org_unit else "",
        changes={"role": role_value.value, "org_unit": org_unit.code if org_unit else None},
    )
    role_requested.send(sender=RoleRequest, request=request, actor=user)
    return request


@transaction.atomic
def role_request_decide(
    *, actor: policy.Actor, request: RoleRequest, approve: bool, reason: str = ""
) -> RoleRequest:
    """Approve (the role is given through `role_assign`, with the decider's rights) or decline; needs the
    right to give that role in that organisation over that place. The requester is told."""
    policy.check_actor(actor)
    # Locks the request row only (PostgreSQL refuses FOR UPDATE on the nullable side of the place's join).
    request = (
        RoleRequest.objects.select_for_update(of=("self",))
        .select_related("user", "organisation", "org_unit")
        .get(pk=request.pk)
    )
    if not policy.is_system(actor) and not policy.may_assign(
        actor, role=request.role, organisation=request.organisation, org_unit=request.org_unit
    ):
        raise PermissionDenied("you may not give this role in this organisation and place", field="role")
    if request.status != RoleRequestStatus.PENDING:
        raise Conflict(f"this request was already {request.status}", field="status")
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ValidationFailed("reason is longer than 1000 characters", field="reason")
    if approve:
        role_assign(
            actor=actor,
            user=request.user,
            organisation=request.organisation,
            role=request.role,
            org_unit=request.org_unit,
        )
    request.status = RoleRequestStatus.APPROVED if approve else RoleRequestStatus.DECLINED
    request.decided_by = _user(actor)
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=request,
        organisation_id=request.organisation_id,
        org_unit_path=request.org_unit.path if request.org_unit else "",
        changes={"status": request.status, "user": request.user.username, "role": request.role},
    )
    role_decided.send(sender=RoleRequest, request=request, actor=actor)
    return request
