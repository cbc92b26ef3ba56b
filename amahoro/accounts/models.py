"""Users, their role assignments (user, organisation, role, org-unit subtree) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import ROLE_CHOICES


class User(AbstractUser):
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")

    class Meta:
        ordering = ["username"]


class RoleAssignment(BaseModel):
    """A role held in an organisation over an org-unit subtree (null org unit = the whole hierarchy)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        help_text=_("The subtree this role covers; empty = everywhere"),
    )

    class Meta:
        ordering = ["user__username", "organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role", "org_unit"], name="accounts_unique_assignment"
            ),
        ]

    def __str__(self) -> str:
        where = self.org_unit.code if self.org_unit_id and self.org_unit else "*"
        return f"{self.user} {self.role} @ {self.organisation.code} / {where}"


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(BaseModel):
    """An API token. Only its SHA-256 is stored; the key is shown once, when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(20)

    @staticmethod
    def hash(key: str) -> str:
        return _hash_token(key)


class TOTPEnrolment(BaseModel):
    """A one-time permission to set up an authenticator app, issued by an administrator (or the server's
    command line) and handed to the user out of band. Only the code's SHA-256 is stored; the code is shown
    once, expires, and is used up by the first confirmed device. Without one, nobody can set up TOTP: a
    stolen password alone cannot enrol the thief's phone."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_enrolments")
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"TOTP enrolment of {self.user}"

    @staticmethod
    def new_code() -> str:
        return secrets.token_urlsafe(18)

    @staticmethod
    def hash(code: str) -> str:
        return _hash_token(code.strip())


class RoleRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class RoleRequest(BaseModel):
    """A signed-in user asks for a role in an organisation over a place; the organisation's administrators
    (role.assign there) approve it, which gives the role through `role_assign`, or decline it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="role_requests")
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The place the role would cover, with everything below it; empty = everywhere"),
    )
    reason = models.TextField(blank=True, max_length=1000)
    status = models.CharField(
        max_length=10, choices=RoleRequestStatus.choices, default=RoleRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="accounts_rolereq_org_status")]

    def __str__(self) -> str:
        return f"{self.user} asks {self.role} @ {self.organisation_id}: {self.status}"
