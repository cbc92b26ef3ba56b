"""Sign-in events into the audit log: login, login_failed (with the username tried, never the password), logout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="amahoro_audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, obj=user)


@receiver(user_login_failed, dispatch_uid="amahoro_audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    audit_record(
        actor=policy.SYSTEM,  # nobody signed in: the platform records the attempt
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=username,
        changes={"username": username},
    )


@receiver(user_logged_out, dispatch_uid="amahoro_audit_logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        audit_record(actor=user, action=AuditAction.LOGOUT, obj=user)


# Role requests: accounts sits below the notifications module, so it says what happened and the worklist
# (above both) tells the people concerned. Sent inside the service's transaction.
# role_requested(sender, request: RoleRequest, actor); role_decided(sender, request: RoleRequest, actor)
role_requested = Signal()
role_decided = Signal()
