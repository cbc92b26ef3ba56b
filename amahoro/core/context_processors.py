"""Template context shared by every page: version, navigation permissions, data credits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from amahoro import __version__, policy
from amahoro.roles import Perm


def amahoro(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav: dict[str, bool] = {}
    if user is not None and user.is_authenticated:
        nav = {
            "orgunits": policy.has_perm(user, Perm.ORGUNIT_VIEW),
            "organisations": policy.has_perm(user, Perm.ORGANISATION_VIEW),
            "frameworks": policy.has_perm(user, Perm.FRAMEWORK_VIEW),
            "data": policy.has_perm(user, Perm.DATA_ENTER),
            # The set-up pages (data sets, data elements, disaggregations, validation rules).
            "setup": policy.has_perm(user, Perm.FRAMEWORK_MANAGE),
            "funding": policy.has_perm(user, Perm.FUNDING_VIEW),
            "programmes": policy.has_perm(user, Perm.PROGRAMME_VIEW),
            "collection": policy.has_perm(user, Perm.FORM_VIEW),
            "users": policy.has_perm(user, Perm.USER_VIEW),
            "audit": policy.has_perm(user, Perm.AUDIT_VIEW),
            "cases": policy.has_perm(user, Perm.CASE_VIEW),
            "case_statistics": policy.has_perm(user, Perm.CASE_STATISTICS),
            "referrals": policy.has_perm(user, Perm.REFERRAL_RESPOND),
            "directory": policy.has_perm(user, Perm.ORGANISATION_VIEW),
            "warning": policy.has_perm(user, Perm.SIGNAL_VIEW),
            "consultations": policy.has_perm(user, Perm.FRAMEWORK_VIEW),
            "participation": policy.has_perm(user, Perm.DATA_VIEW),
            "analytics": policy.has_perm(user, Perm.DATA_VIEW),
            # The permissions of the report kinds (amahoro/reports/kinds.py; core may not import reports).
            "reports": policy.any_of(user, (Perm.FRAMEWORK_VIEW, Perm.CASE_STATISTICS)),
            "portal": True,
            "admin": bool(getattr(user, "is_staff", False)),
        }
    return {"amahoro_version": __version__, "nav": nav}
