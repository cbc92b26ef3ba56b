"""The one table of who may do what: role -> permissions.

Every permission check in the product goes through `amahoro.policy`, which reads this table. A role is
always held *in* an organisation and *over* an org-unit subtree (see accounts.RoleAssignment), so the same
permission means "for that organisation, in that part of the country".
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"
    ORG_ADMIN = "org_admin"
    ME_OFFICER = "me_officer"
    DATA_CLERK = "data_clerk"
    CASE_WORKER = "case_worker"
    CASE_SUPERVISOR = "case_supervisor"
    VIEWER = "viewer"
    ASSESSMENT_MODERATOR = "assessment_moderator"
    # Police / RIB, legal-aid, health and other providers' staff: answer the referrals sent to their
    # organisation (accept, decline, complete) and nothing else of the case.
    SERVICE_PROVIDER = "service_provider"
    # Early warning: the focal point of a place verifies, discards and assigns signals (and alone sees who
    # reported them); responders act on the signals assigned to their organisation.
    EWER_FOCAL_POINT = "ewer_focal_point"
    EWER_RESPONDER = "ewer_responder"


ROLE_LABELS = {
    Role.SYSTEM_ADMIN: _("System administrator"),
    Role.ORG_ADMIN: _("Organisation administrator"),
    Role.ME_OFFICER: _("M&E officer"),
    Role.DATA_CLERK: _("Data clerk"),
    Role.CASE_WORKER: _("Case worker"),
    Role.CASE_SUPERVISOR: _("Case supervisor"),
    Role.VIEWER: _("Viewer"),
    Role.ASSESSMENT_MODERATOR: _("Anonymous assessment moderator"),
    Role.SERVICE_PROVIDER: _("Service provider (answers referrals)"),
    Role.EWER_FOCAL_POINT: _("Early-warning focal point"),
    Role.EWER_RESPONDER: _("Early-warning responder"),
}
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class Perm(StrEnum):
    # platform core
    ORGUNIT_VIEW = "orgunit.view"
    ORGUNIT_MANAGE = "orgunit.manage"
    ORGANISATION_VIEW = "organisation.view"
    ORGANISATION_MANAGE = "organisation.manage"
    ORGANISATION_CREATE = "organisation.create"
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    ROLE_ASSIGN = "role.assign"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    # who wrote an anonymous civil-society assessment, in the audit log (never system administrators)
    AUDIT_ANONYMOUS_AUTHORS = "audit.anonymous_authors"
    # results frameworks, indicators and data values
    FRAMEWORK_VIEW = "framework.view"
    FRAMEWORK_MANAGE = "framework.manage"
    DATA_VIEW = "data.view"
    DATA_ENTER = "data.enter"
    DATA_APPROVE = "data.approve"
    # field data collection
    FORM_VIEW = "form.view"
    FORM_MANAGE = "form.manage"
    SUBMISSION_VIEW = "submission.view"
    SUBMISSION_REVIEW = "submission.review"
    # GBV case management: the strictest; never granted to system administrators
    CASE_VIEW = "case.view"
    CASE_MANAGE = "case.manage"
    CASE_SUPERVISE = "case.supervise"
    CASE_STATISTICS = "case.statistics"
    # GBV statistics finer than the published minimums (cases/disclosure.py), within one's own case scope
    CASE_STATISTICS_DETAIL = "case.statistics_detail"
    # programmes and participants
    PROGRAMME_VIEW = "programme.view"
    PROGRAMME_MANAGE = "programme.manage"
    PARTICIPANT_IDENTIFY = "participant.identify"
    # funding
    FUNDING_VIEW = "funding.view"
    FUNDING_MANAGE = "funding.manage"
    # referral pathway: answer referrals sent to one's organisation; keep the service directory
    REFERRAL_RESPOND = "referral.respond"
    DIRECTORY_MANAGE = "directory.manage"
    # early warning and early response (amahoro/warning)
    SIGNAL_VIEW = "signal.view"
    SIGNAL_TRIAGE = "signal.triage"
    SIGNAL_RESPOND = "signal.respond"
    SIGNAL_CONFIGURE = "signal.configure"


# What each permission lets a person do, as the Help page says it.
PERM_LABELS = {
    Perm.ORGUNIT_VIEW: _("See places"),
    Perm.ORGUNIT_MANAGE: _("Manage places"),
    Perm.ORGANISATION_VIEW: _("See organisations"),
    Perm.ORGANISATION_MANAGE: _("Manage organisations"),
    Perm.ORGANISATION_CREATE: _("Create organisations"),
    Perm.USER_VIEW: _("See users"),
    Perm.USER_MANAGE: _("Manage users"),
    Perm.ROLE_ASSIGN: _("Assign roles"),
    Perm.AUDIT_VIEW: _("Read the audit log"),
    Perm.AUDIT_EXPORT: _("Export the audit log"),
    Perm.AUDIT_ANONYMOUS_AUTHORS: _("See who wrote anonymous assessments"),
    Perm.FRAMEWORK_VIEW: _("See results frameworks"),
    Perm.FRAMEWORK_MANAGE: _("Manage results frameworks"),
    Perm.DATA_VIEW: _("See data"),
    Perm.DATA_ENTER: _("Enter data"),
    Perm.DATA_APPROVE: _("Approve data"),
    Perm.FORM_VIEW: _("See forms"),
    Perm.FORM_MANAGE: _("Manage forms"),
    Perm.SUBMISSION_VIEW: _("See form submissions"),
    Perm.SUBMISSION_REVIEW: _("Review form submissions"),
    Perm.CASE_VIEW: _("See GBV cases"),
    Perm.CASE_MANAGE: _("Manage GBV cases"),
    Perm.CASE_SUPERVISE: _("Supervise GBV cases"),
    Perm.CASE_STATISTICS: _("See GBV statistics"),
    Perm.CASE_STATISTICS_DETAIL: _("See detailed GBV statistics"),
    Perm.PROGRAMME_VIEW: _("See programmes"),
    Perm.PROGRAMME_MANAGE: _("Manage programmes"),
    Perm.PARTICIPANT_IDENTIFY: _("See participants' names"),
    Perm.FUNDING_VIEW: _("See funding"),
    Perm.FUNDING_MANAGE: _("Manage funding"),
    Perm.REFERRAL_RESPOND: _("Answer referrals"),
    Perm.DIRECTORY_MANAGE: _("Manage the service directory"),
    Perm.SIGNAL_VIEW: _("See early-warning signals"),
    Perm.SIGNAL_TRIAGE: _("Verify and assign early-warning signals"),
    Perm.SIGNAL_RESPOND: _("Respond to early-warning signals"),
    Perm.SIGNAL_CONFIGURE: _("Configure early warning"),
}


_CASE_PERMS = {
    Perm.CASE_VIEW,
    Perm.CASE_MANAGE,
    Perm.CASE_SUPERVISE,
    Perm.CASE_STATISTICS_DETAIL,
    Perm.REFERRAL_RESPOND,
    # who reported a signal, and what it says, are for the people who act on it
    Perm.SIGNAL_TRIAGE,
    Perm.SIGNAL_RESPOND,
}
_READ = {
    Perm.ORGUNIT_VIEW,
    Perm.ORGANISATION_VIEW,
    Perm.FRAMEWORK_VIEW,
    Perm.DATA_VIEW,
    Perm.FORM_VIEW,
    Perm.PROGRAMME_VIEW,
    Perm.FUNDING_VIEW,
    Perm.CASE_STATISTICS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    # Configures the platform everywhere, but does not read survivors' case files (Primero's rule too).
    # Nor who wrote an anonymous assessment: administrators may sit in the ministry being assessed.
    Role.SYSTEM_ADMIN: frozenset(
        set(Perm) - _CASE_PERMS - {Perm.PARTICIPANT_IDENTIFY, Perm.AUDIT_ANONYMOUS_AUTHORS}
    ),
    Role.ORG_ADMIN: frozenset(
        _READ
        | {
            Perm.ORGANISATION_MANAGE,
            Perm.DIRECTORY_MANAGE,
            Perm.USER_VIEW,
            Perm.USER_MANAGE,
            Perm.ROLE_ASSIGN,
            Perm.AUDIT_VIEW,
            Perm.AUDIT_EXPORT,
            Perm.FRAMEWORK_MANAGE,
            Perm.FORM_MANAGE,
            Perm.SUBMISSION_VIEW,
            Perm.PROGRAMME_MANAGE,
            Perm.FUNDING_MANAGE,
        }
    ),
    Role.ME_OFFICER: frozenset(
        _READ
        | {
            Perm.FRAMEWORK_MANAGE,
            Perm.DATA_ENTER,
            Perm.DATA_APPROVE,
            Perm.FORM_MANAGE,
            Perm.SUBMISSION_VIEW,
            Perm.SUBMISSION_REVIEW,
            Perm.PROGRAMME_MANAGE,
            Perm.PARTICIPANT_IDENTIFY,  # programme staff see the names of their participants
            Perm.FUNDING_MANAGE,
            Perm.SIGNAL_VIEW,
        }
    ),
    Role.DATA_CLERK: frozenset(
        _READ | {Perm.DATA_ENTER, Perm.SUBMISSION_VIEW, Perm.PROGRAMME_MANAGE, Perm.PARTICIPANT_IDENTIFY}
    ),
    Role.CASE_WORKER: frozenset(
        {
            Perm.ORGUNIT_VIEW,
            Perm.ORGANISATION_VIEW,
            Perm.CASE_VIEW,
            Perm.CASE_MANAGE,
            Perm.CASE_STATISTICS,
            Perm.CASE_STATISTICS_DETAIL,
        }
    ),
    Role.CASE_SUPERVISOR: frozenset(
        {
            Perm.ORGUNIT_VIEW,
            Perm.ORGANISATION_VIEW,
            Perm.CASE_VIEW,
            Perm.CASE_MANAGE,
            Perm.CASE_SUPERVISE,
            Perm.CASE_STATISTICS,
            Perm.CASE_STATISTICS_DETAIL,
            Perm.AUDIT_VIEW,
            Perm.DIRECTORY_MANAGE,
        }
    ),
    Role.VIEWER: frozenset(_READ),
    # Looks into abuse of anonymous assessments: sees who wrote them in the audit log, in its subtree, of any
    # organisation, and nothing else of the log beyond its own organisation's events.
    Role.ASSESSMENT_MODERATOR: frozenset(
        {Perm.ORGUNIT_VIEW, Perm.ORGANISATION_VIEW, Perm.AUDIT_VIEW, Perm.AUDIT_ANONYMOUS_AUTHORS}
    ),
    Role.SERVICE_PROVIDER: frozenset({Perm.ORGUNIT_VIEW, Perm.ORGANISATION_VIEW, Perm.REFERRAL_RESPOND}),
    Role.EWER_FOCAL_POINT: frozenset(
        {
            Perm.ORGUNIT_VIEW,
            Perm.ORGANISATION_VIEW,
            Perm.SIGNAL_VIEW,
            Perm.SIGNAL_TRIAGE,
            Perm.SIGNAL_RESPOND,
        }
    ),
    Role.EWER_RESPONDER: frozenset(
        {Perm.ORGUNIT_VIEW, Perm.ORGANISATION_VIEW, Perm.SIGNAL_VIEW, Perm.SIGNAL_RESPOND}
    ),
}

# Roles that handle survivor case data must sign in with a second factor (TOTP).
TWO_FACTOR_ROLES = frozenset({Role.CASE_WORKER, Role.CASE_SUPERVISOR, Role.SERVICE_PROVIDER})
# Roles an organisation administrator may not hand out.
RESERVED_ROLES = frozenset({Role.SYSTEM_ADMIN})
# Roles no one hands out in the product, not even a system administrator (who could otherwise give it to
# themselves): only the server's operator, with `amahoro assign_role`.
SERVER_ONLY_ROLES = frozenset({Role.ASSESSMENT_MODERATOR})


def permissions_for(role: str) -> frozenset[Perm]:
    return ROLE_PERMISSIONS.get(Role(role), frozenset())
