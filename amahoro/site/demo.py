"""Demo data for `make demo`: fictional contacts and one user per role in organisations working in Rwanda.

Idempotent: a second run finds what the first created and only repairs differences (areas, roles, the
demo password). Everything goes through the domain services, so the audit log shows the demo set-up too.
No real personal data: every person is invented and every e-mail is at example.org.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.accounts.services import role_assign, totp_enrolment_hours, totp_enrolment_issue, user_create
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.demo import (  # noqa: F401 - re-exported: the demo as one module for tests and commands
    DEFAULT_PASSWORD,
    DEMO_STEPS,
    PASSWORD_ENV,
    RWAMREC_ABSENT,
    DemoLogin,
    DemoResult,
    DemoStep,
    demo_password,
    register_step,
)
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.organisations.services import contact_add, organisation_create, organisation_update
from amahoro.policy import Actor
from amahoro.roles import TWO_FACTOR_ROLES, Role


@dataclass(frozen=True)
class DemoOrganisation:
    code: str
    name: str
    type: str
    short_name: str
    areas: tuple[str, ...]  # org-unit codes; () = all districts except RWAMREC_ABSENT (see below)
    contacts: tuple[tuple[str, str, str], ...]  # (name, role, email)
    description: str = ""


ALL_BUT_SIX = ("*",)

ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        "RWAMREC",
        "Rwanda Men's Resource Centre (RWAMREC)",
        "ngo",
        "RWAMREC",
        ALL_BUT_SIX,
        (
            ("Jean-Paul Habimana", "Programme manager", "programmes@rwamrec.example.org"),
            ("Aline Uwase", "M&E lead", "me@rwamrec.example.org"),
        ),
        "Male engagement for gender equality and the prevention of gender-based violence.",
    ),
    DemoOrganisation(
        "MIGEPROF",
        "Ministry of Gender and Family Promotion",
        "ministry",
        "MIGEPROF",
        ("RW",),
        (("Claudine Mukamana", "NAP 1325 focal point", "nap1325@migeprof.example.org"),),
    ),
    DemoOrganisation(
        "RNP",
        "Rwanda National Police",
        "police",
        "RNP",
        ("RW",),
        (("Eric Nshimiyimana", "Gender desk officer", "gender.desk@rnp.example.org"),),
    ),
    DemoOrganisation(
        "ISANGE-KACYIRU",
        "Isange One Stop Centre Kacyiru",
        "osc",
        "Isange Kacyiru",
        ("12",),
        (("Grace Ingabire", "Centre coordinator", "kacyiru@isange.example.org"),),
        "Medical, psycho-social, legal and police services for survivors, in one place.",
    ),
    DemoOrganisation(
        "ISANGE-HUYE",
        "Isange One Stop Centre Huye",
        "osc",
        "Isange Huye",
        ("24",),
        (("Patrick Niyonzima", "Centre coordinator", "huye@isange.example.org"),),
    ),
    DemoOrganisation(
        "UNWOMEN-RW",
        "UN Women Rwanda",
        "un",
        "UN Women",
        ("RW",),
        (("Sarah Mutesi", "Programme specialist", "rwanda@unwomen.example.org"),),
    ),
    DemoOrganisation(
        "DEMO-DONOR",
        "Demo Donor Fund",
        "donor",
        "Demo Donor",
        ("RW",),
        (("Anna Demo", "Portfolio officer", "portfolio@donor.example.org"),),
        "A fictional donor, for demonstrating funding and reporting.",
    ),
    DemoOrganisation(
        "MINIJUST",
        "Ministry of Justice (MAJ legal aid)",
        "ministry",
        "MINIJUST",
        ("RW",),
        (("Jean Bosco Demo", "MAJ coordinator", "maj@minijust.example.org"),),
        "Free legal aid for survivors through the Maisons d'Accès à la Justice (MAJ) in every district.",
    ),
    DemoOrganisation(
        "HUMURA-PSY",
        "Humura Psychosocial Support (demo)",
        "ngo",
        "Humura",
        ("11", "12", "13"),
        (("Beatha Demo", "Counselling coordinator", "counselling@humura.example.org"),),
        "A fictional NGO: trauma counselling and survivor support groups in Kigali.",
    ),
    DemoOrganisation(
        "PROFEMMES",
        "Pro-Femmes Twese Hamwe",
        "cso",
        "Pro-Femmes",
        ("RW",),
        (("Immaculée Uwimana", "Advocacy officer", "advocacy@profemmes.example.org"),),
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    organisation: str
    org_unit: str  # org-unit code of the subtree the role covers
    superuser: bool = False


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Alice", "Admin", Role.SYSTEM_ADMIN, "MIGEPROF", "RW", superuser=True),
    DemoUser("rwamrec_admin", "Robert", "Mugabo", Role.ORG_ADMIN, "RWAMREC", "RW"),
    DemoUser("me_officer", "Esther", "Uwera", Role.ME_OFFICER, "RWAMREC", "RW"),
    DemoUser("clerk_musanze", "Claude", "Habineza", Role.DATA_CLERK, "RWAMREC", "43"),
    DemoUser("case_worker", "Chantal", "Umutoni", Role.CASE_WORKER, "ISANGE-KACYIRU", "12"),
    DemoUser("case_supervisor", "Solange", "Mukeshimana", Role.CASE_SUPERVISOR, "ISANGE-KACYIRU", "1"),
    DemoUser("viewer", "Vincent", "Kayitare", Role.VIEWER, "MIGEPROF", "RW"),
    # Answers the referrals sent to the police in Gasabo (the referral inbox), and sees nothing else of a case.
    DemoUser("police_gasabo", "Eric", "Nshimiyimana", Role.SERVICE_PROVIDER, "RNP", "12"),
    # Sees who wrote anonymous civil-society assessments (and no one else does): held at the CSO umbrella,
    # not in the ministry being assessed. Only `amahoro assign_role` hands this role out.
    DemoUser("moderator", "Marie", "Ingabire", Role.ASSESSMENT_MODERATOR, "PROFEMMES", "RW"),
    # Early warning in Musanze: the district's focal point verifies and assigns community signals (and alone
    # sees who reported them); the police responder acts on those assigned to the police there.
    DemoUser("ewer_musanze", "Beatrice", "Nyiramana", Role.EWER_FOCAL_POINT, "RWAMREC", "43"),
    DemoUser("ewer_police_musanze", "Innocent", "Hakizimana", Role.EWER_RESPONDER, "RNP", "43"),
)


def _units(codes: tuple[str, ...]) -> list[OrgUnit]:
    if codes == ALL_BUT_SIX:
        return list(OrgUnit.objects.filter(level__code="district").exclude(code__in=RWAMREC_ABSENT))
    return list(OrgUnit.objects.filter(code__in=codes))


def _organisation_ensure(spec: DemoOrganisation, actor: Actor, result: DemoResult) -> Organisation:
    areas = _units(spec.areas)
    org = Organisation.objects.filter(code=spec.code).first()
    if org is None:
        org = organisation_create(
            actor=actor,
            code=spec.code,
            name=spec.name,
            type=spec.type,
            short_name=spec.short_name,
            areas=areas,
            description=spec.description,
        )
        result.organisations_created.append(org.code)
    elif sorted(org.areas.values_list("code", flat=True)) != sorted(a.code for a in areas):
        organisation_update(actor=actor, organisation=org, areas=areas)
    existing = set(org.contacts.values_list("name", flat=True))
    for name, role, email in spec.contacts:
        if name not in existing:
            contact_add(actor=actor, organisation=org, name=name, role=role, email=email)
    return org


def _user_ensure(spec: DemoUser, password: str, actor: Actor, result: DemoResult) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        user = user_create(
            actor=actor,
            username=spec.username,
            password=password,
            email=f"{spec.username}@demo.example.org",
            first_name=spec.first_name,
            last_name=spec.last_name,
            check_password_strength=False,  # the demo password may be chosen freely; it is printed anyway
        )
        result.users_created.append(user.username)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=user, changes={"password": "reset by load_demo"}
        )
    if spec.superuser and not (user.is_superuser and user.is_staff):
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        audit_record(
            actor=actor, action=AuditAction.GRANT, obj=user, changes={"is_superuser": True, "is_staff": True}
        )
    return user


def _boundaries_ensure(actor: Actor, result: DemoResult) -> None:
    """The shapes come with `amahoro load_reference rwanda` (the boundaries shipped in amahoro/geo/data/,
    attached by NISR code): the demo only says what the maps can draw."""
    counts = {
        level: OrgUnit.objects.filter(level__code=level, geometry__isnull=False).count()
        for level in ("province", "district", "sector")
    }
    if not counts["district"]:
        result.notes.append(
            "no district shapes: run `amahoro load_reference rwanda` (it attaches the shipped boundaries); "
            "until then the maps show no district outlines"
        )
        return
    result.notes.append(
        f"boundary shapes: {counts['province']} provinces, {counts['district']} districts, "
        f"{counts['sector']} sectors"
    )


@transaction.atomic
def demo_load(*, actor: Actor = policy.SYSTEM) -> DemoResult:
    """Create (or repair) the demo organisations, contacts and users. Needs Rwanda's hierarchy loaded."""
    if "geo_orgunit" not in connection.introspection.table_names():
        raise ValidationFailed("the database is not set up: run `amahoro migrate` first")
    needed = {"RW", *RWAMREC_ABSENT, *(u.org_unit for u in USERS)}
    found = set(OrgUnit.objects.filter(code__in=needed).values_list("code", flat=True))
    if found != needed or OrgUnit.objects.filter(level__code="district").count() != 30:
        raise ValidationFailed("Rwanda's hierarchy is not loaded: run `amahoro load_reference rwanda` first")
    result = DemoResult(password=demo_password())
    orgs = {spec.code: _organisation_ensure(spec, actor, result) for spec in ORGANISATIONS}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=needed)}
    for spec in USERS:
        user = _user_ensure(spec, result.password, actor, result)
        org, unit = orgs[spec.organisation], units[spec.org_unit]
        if not RoleAssignment.objects.filter(
            user=user, organisation=org, role=spec.role.value, org_unit=unit
        ).exists():
            role_assign(
                actor=actor,
                user=user,
                organisation=org,
                role=spec.role.value,
                org_unit=unit,
                enforce_policy=False,
            )
        result.logins.append(
            DemoLogin(
                spec.username,
                spec.role.value,
                org.code,
                f"{unit.code} {unit.name}",
                spec.role in TWO_FACTOR_ROLES,
                enrolment=demo_enrolment(user) if spec.role in TWO_FACTOR_ROLES else "",
            )
        )
    _boundaries_ensure(actor, result)
    for step in DEMO_STEPS:
        step(result, actor)
    return result


def demo_enrolment(user: User, *, reissue: bool = False) -> str:
    """A two-factor enrolment code for a demo case role that has no authenticator yet: setting up TOTP
    needs a code from an administrator, and on a demo, whoever loads it is that. "" when the user has an
    authenticator, or (reissue=False, so that a second load_demo changes nothing) still holds an open code;
    `amahoro demo_logins` reissues."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return ""
    if (
        not reissue
        and user.totp_enrolments.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).exists()
    ):
        return ""
    return totp_enrolment_issue(actor=policy.SYSTEM, user=user, enforce_policy=False)[1]


def logins_table(result: DemoResult) -> str:
    """The demo logins as a plain-text table (username, password, role, organisation, scope)."""
    header = ("username", "password", "role", "organisation", "scope")
    rows = [
        (lg.username, result.password, lg.role + (" *" if lg.two_factor else ""), lg.organisation, lg.scope)
        for lg in result.logins
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)]
    if any(lg.two_factor for lg in result.logins):
        out.append(
            "* case roles set up TOTP two-factor (an authenticator app) at their first login, with the "
            "enrolment code below (or the link /accounts/two-factor/enrol/<code>/), valid "
            f"{totp_enrolment_hours()} hours; `amahoro demo_logins` issues new ones."
        )
        for lg in result.logins:
            if lg.two_factor and lg.enrolment:
                out.append(f"  {lg.username}: enrolment code {lg.enrolment}")
            elif lg.two_factor:
                out.append(
                    f"  {lg.username}: authenticator set up, or a code issued earlier "
                    "(`amahoro demo_logins` issues a new code)"
                )
    return "\n".join(out)
