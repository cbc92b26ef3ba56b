"""The policy module: the one place that answers "may this user do this action on this object?".

Every view, API endpoint, export, admin page and management command asks here; nothing checks roles ad hoc.

A user's *grants* come from their role assignments: (organisation, role, org-unit subtree). A grant gives the
permissions of its role (see `amahoro.roles`) for objects of that organisation inside that subtree. How an
object type is scoped (which field holds its organisation, which its place) is declared once, in `RULES`.

- `has_perm(user, perm)`: does any grant carry the permission at all (menus, "may create something")?
- `visible(user, perm, queryset)`: the queryset narrowed to what the user may act on; lists start here.
- `can(user, perm, obj)`: the same rule for one object.
- `can_in(user, perm, organisation=..., org_unit=...)`: for something about to be created there.
- `get_visible_or_404(...)`: a single object, answering "not found" for both missing and forbidden.
- `require(...)` / `@requires(...)`: the same questions, raising 403 when the answer is no (views, API, services).
- `grant_scopes(user, perm, label)`: for a rule declared by fields (`declared()`), the (organisation, subtree)
  pairs it allows, so that code filtering outside SQL (the analytics engine) applies the very same rule.

Who acts is an `Actor`: a signed-in user, or `SYSTEM` (the platform itself: management commands, scheduled
tasks, demo and reference loading), which passes every check and is audited as "system". A service called
with `actor=None` refuses (`check_actor`): a forgotten actor fails closed instead of skipping the policy.

The policy sits below every app (only `roles` and `errors` are lower), so it names models by label
(`apps.get_model`) rather than importing them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from amahoro.errors import PermissionDenied
from amahoro.roles import PERM_LABELS, RESERVED_ROLES, SERVER_ONLY_ROLES, Perm, Role, permissions_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from amahoro.accounts.models import User
    from amahoro.geo.models import OrgUnit
    from amahoro.organisations.models import Organisation

M = TypeVar("M", bound=Model)
F = TypeVar("F", bound=Callable[..., Any])
_CACHE_ATTR = "_amahoro_grants"
PATH_SEP = "/"


class SystemActor:
    """The platform acting on its own behalf (a management command run by the operator on the server, a
    scheduled task, the demo or reference loader). It holds every permission everywhere and is audited
    with no user ("system"). There is one: `SYSTEM`."""

    pk: Final = None
    id: Final = None
    username: Final = "system"
    is_authenticated: Final = False  # so that audit rows and `request.user` checks never take it for a user
    is_active: Final = True
    is_superuser: Final = False

    def __repr__(self) -> str:
        return "SYSTEM"

    def __bool__(self) -> bool:
        return True


SYSTEM: Final = SystemActor()

# Who performs a change: a user (anonymous only where an endpoint is public) or the platform itself.
Actor: TypeAlias = "User | AnonymousUser | SystemActor"
# Who reads: an actor, or the public reader of the portal and published pages (selectors take this).
Reader: TypeAlias = "User | AnonymousUser | SystemActor | PublicReader"


def is_system(actor: object) -> bool:
    return actor is SYSTEM


def check_actor(actor: object) -> None:
    """Services call this first: `actor=None` is a programming error that must not skip the policy."""
    if actor is None:
        raise PermissionDenied(
            "no actor was given: pass the signed-in user, or policy.SYSTEM for the platform itself",
            code="no_actor",
        )


@dataclass(frozen=True)
class Grant:
    organisation_id: int
    role: Role
    path: str | None  # materialised path of the subtree; None = everywhere
    perms: frozenset[Perm]

    @property
    def is_global(self) -> bool:
        """System administrators act across organisations (still within their subtree)."""
        return self.role == Role.SYSTEM_ADMIN

    def covers_path(self, path: str | None) -> bool:
        if self.path is None:
            return True
        return bool(path) and str(path).startswith(self.path)

    def overlaps_path(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path) or self.path.startswith(path)


# Everything, everywhere, across organisations: the platform's own grant.
_SYSTEM_GRANTS: Final = (Grant(0, Role.SYSTEM_ADMIN, None, frozenset(Perm)),)


def _is_active_user(user: Any) -> bool:
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    )


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, read once per user object (a request) and cached on it."""
    if user is SYSTEM:
        return _SYSTEM_GRANTS
    if not _is_active_user(user):
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    assignments = apps.get_model("accounts", "RoleAssignment")
    rows = assignments.objects.filter(user_id=user.pk, organisation__is_active=True).values_list(
        "organisation_id", "role", "org_unit__path"
    )
    result = [Grant(org_id, Role(role), path, permissions_for(role)) for org_id, role, path in rows]
    if getattr(user, "is_superuser", False):
        # A Django superuser is a system administrator of the whole hierarchy.
        result.append(Grant(0, Role.SYSTEM_ADMIN, None, permissions_for(Role.SYSTEM_ADMIN)))
    out = tuple(result)
    setattr(user, _CACHE_ATTR, out)
    return out


def forget(user: Any) -> None:
    """Drop cached grants after the user's assignments changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def grants_with(user: Any, perm: Perm) -> list[Grant]:
    return [g for g in grants(user) if perm in g.perms]


def has_perm(user: Any, perm: Perm) -> bool:
    return bool(grants_with(user, perm))


def hides_all(*, shown: object, existing: QuerySet[Any]) -> bool:
    """Whether a list that shows the user nothing is empty only for them: rows exist that their roles do
    not show. For an empty state that tells "you have no access" apart from "nothing here yet"; it answers
    whether, never how many or which. `shown` is what the list holds for the user (a queryset, list or count).

    Not for records whose very existence is sensitive (survivor cases): decide those on `has_perm` alone."""
    if isinstance(shown, QuerySet):
        shown = shown.exists()
    return not shown and existing.exists()


def is_system_admin(user: Any) -> bool:
    return any(g.role == Role.SYSTEM_ADMIN for g in grants(user))


def roles_of(user: Any) -> set[Role]:
    return {g.role for g in grants(user)}


# ---------------------------------------------------------------------------------------------------------
# Scoping rules per object type


def _path_within(field: str, grant: Grant) -> Q:
    return Q() if grant.path is None else Q(**{f"{field}__startswith": grant.path})


def _path_overlaps(field: str, grant: Grant) -> Q:
    """Objects whose place is inside the grant's subtree, or an ancestor of it (operates there too)."""
    if grant.path is None:
        return Q()
    return Q(**{f"{field}__startswith": grant.path}) | Q(**{f"{field}__in": _ancestor_paths(grant.path)})


def _ancestor_paths(path: str) -> list[str]:
    """'/RW/1/11/' -> ['/RW/', '/RW/1/', '/RW/1/11/'] (the same as geo.models.ancestor_paths, which this
    layer may not import)."""
    parts = path.strip(PATH_SEP).split(PATH_SEP)
    return [PATH_SEP + PATH_SEP.join(parts[: i + 1]) + PATH_SEP for i in range(len(parts))]


def _org(field: str, grant: Grant) -> Q:
    return Q() if grant.is_global else Q(**{field: grant.organisation_id})


def _orgunit_rule(g: Grant) -> Q:
    return _path_within("path", g)


def _organisation_rule(g: Grant) -> Q:
    if g.is_global:
        # An organisation with no operating area yet is still the platform's to see and configure.
        return _path_overlaps("areas__path", g) | Q(areas__isnull=True)
    # Members see their organisation; everyone sees the organisations operating in their area.
    return Q(pk=g.organisation_id) | _path_overlaps("areas__path", g)


def _organisation_member_rule(g: Grant) -> Q:
    """Changing an organisation is for its own members (and system administrators); operating in someone's
    area makes an organisation visible to them, not theirs to manage."""
    if g.is_global:
        return _path_overlaps("areas__path", g) | Q(areas__isnull=True)
    return Q(pk=g.organisation_id)


def _user_rule(g: Grant) -> Q:
    if g.is_global and g.path is None:
        return Q()
    scope = _org("role_assignments__organisation_id", g)
    if g.path is not None:
        scope &= Q(role_assignments__org_unit__path__startswith=g.path)
    return scope


def _assignment_rule(g: Grant) -> Q:
    q = _org("organisation_id", g)
    if g.path is not None:
        q &= Q(org_unit__path__startswith=g.path)
    return q


def _scoped_rule(
    org_field: str | None, path_field: str | None, *, blank_path_ok: bool = False
) -> Callable[[Grant], Q]:
    """The common case for domain objects: owned by an organisation, located at an org unit."""

    def rule(g: Grant) -> Q:
        q = _org(org_field, g) if org_field else Q()
        if path_field and g.path is not None:
            within = Q(**{f"{path_field}__startswith": g.path})
            q &= (within | Q(**{path_field: ""})) if blank_path_ok else within
        return q

    return rule


@dataclass(frozen=True)
class FieldScope:
    """A scope declared by fields rather than by code: an object is covered by a grant when its place
    (`path_field`, a materialised path) is inside the grant's subtree and its organisation (`org_field`) is
    the grant's (any, for system administrators); `shared`: objects of no organisation are everyone's.

    Because it is data, code that cannot use a queryset (the columnar analytics engine) can apply the very
    same rule: `grant_scopes()` gives, per grant, the organisation and subtree it allows."""

    org_field: str | None
    path_field: str | None
    shared: bool = False

    def build(self, g: Grant) -> Q:
        q = Q()
        if self.org_field and not g.is_global:
            q = Q(**{f"{self.org_field}_id": g.organisation_id})
            if self.shared:
                q = Q(**{f"{self.org_field}__isnull": True}) | q
        if self.path_field and g.path is not None:
            q &= Q(**{f"{self.path_field}__startswith": g.path})
        return q

    def allowed(self, g: Grant) -> tuple[int | None, str | None]:
        """(organisation id, or None for any; subtree path, or None for everywhere) that the grant allows."""
        org = None if not self.org_field or g.is_global else g.organisation_id
        path = g.path if self.path_field else None
        return org, path


@dataclass(frozen=True)
class Rule:
    build: Callable[[Grant], Q]
    distinct: bool = False
    # Extra objects always visible to the user themself (e.g. their own account).
    own: Callable[[Any], Q] | None = None
    # A narrower scope for some permissions (e.g. managing an organisation rather than seeing it).
    per_perm: Mapping[Perm, Callable[[Grant], Q]] = field(default_factory=dict)
    # Set when the rule is declared by fields (`declared()`): `build` is then `fields.build`.
    fields: FieldScope | None = None


RULES: dict[str, Rule] = {
    "geo.orgunit": Rule(_orgunit_rule),
    "organisations.organisation": Rule(
        _organisation_rule, distinct=True, per_perm={Perm.ORGANISATION_MANAGE: _organisation_member_rule}
    ),
    "organisations.contact": Rule(
        lambda g: Q(organisation__in=_visible_org_subquery(g)),
    ),
    "accounts.user": Rule(_user_rule, distinct=True, own=lambda user: Q(pk=user.pk)),
    "accounts.roleassignment": Rule(_assignment_rule, own=lambda user: Q(user_id=user.pk)),
    "audit.auditevent": Rule(
        _scoped_rule("organisation_id", "org_unit_path", blank_path_ok=True),
        # The moderator of anonymous assessments looks across organisations (audit.selectors narrows this
        # to the events of anonymous assessments).
        per_perm={Perm.AUDIT_ANONYMOUS_AUTHORS: _scoped_rule(None, "org_unit_path", blank_path_ok=True)},
    ),
}


def _visible_org_subquery(g: Grant) -> QuerySet[Any]:
    organisations = apps.get_model("organisations", "Organisation")
    return organisations.objects.filter(_organisation_rule(g)).values("pk")


def register(model_label: str, rule: Rule) -> None:
    """Later domain apps declare how their objects are scoped (called from AppConfig.ready)."""
    RULES[model_label] = rule


def scoped(org_field: str | None, path_field: str | None, **kw: Any) -> Rule:
    return Rule(_scoped_rule(org_field, path_field, blank_path_ok=kw.pop("blank_path_ok", False)), **kw)


def declared(org_field: str | None, path_field: str | None, *, shared: bool = False, **kw: Any) -> Rule:
    """A rule declared by its fields (see FieldScope), so that `grant_scopes()` can answer for it."""
    scope = FieldScope(org_field, path_field, shared=shared)
    return Rule(scope.build, fields=scope, **kw)


def grant_scopes(
    user: Any, perm: Perm, model_label: str
) -> tuple[FieldScope, list[tuple[int | None, str | None]]]:
    """The registered field-declared rule of `model_label` and, per grant of the user carrying `perm`, the
    (organisation id or None = any, subtree path or None = everywhere) pair it allows: what `visible()`
    would filter, for code that filters elsewhere than in SQL. No pairs = nothing visible."""
    rule = RULES.get(model_label)
    if rule is None or rule.fields is None or perm in rule.per_perm or rule.own is not None:
        raise LookupError(f"the policy rule for {model_label} is not declared by fields (policy.declared)")
    return rule.fields, [rule.fields.allowed(g) for g in grants_with(user, perm)]


def visible(
    user: Any, perm: Perm, queryset: QuerySet[M], *, where: Callable[[Grant], bool] | None = None
) -> QuerySet[M]:
    """The queryset narrowed to the objects on which the user holds `perm` (through the grants `where`
    accepts, when given: e.g. only grants over a large enough area for GBV statistics)."""
    label = queryset.model._meta.label_lower
    rule = RULES.get(label)
    if rule is None:
        raise LookupError(f"no policy rule for {label}: register one in amahoro.policy.RULES")
    relevant = [g for g in grants_with(user, perm) if where is None or where(g)]
    condition: Q | None = None
    for g in relevant:
        q = rule.per_perm.get(perm, rule.build)(g)
        if not q:  # an empty Q means "everything"
            return queryset.all()
        condition = q if condition is None else condition | q
    if rule.own is not None and _is_active_user(user) and _own_applies(perm):
        own = rule.own(user)
        condition = own if condition is None else condition | own
    if condition is None:
        return queryset.none()
    narrowed = queryset.filter(condition)
    if rule.distinct:
        # A subquery keeps the caller free to order/annotate without DISTINCT pitfalls.
        return queryset.filter(pk__in=narrowed.values("pk"))
    return narrowed


def _own_applies(perm: Perm) -> bool:
    # One sees one's own account and role assignments; it never widens anything else.
    return perm == Perm.USER_VIEW


def can(user: Any, perm: Perm, obj: Model) -> bool:
    if user is SYSTEM:
        return True
    if not _is_active_user(user) or obj.pk is None:
        return False
    return visible(user, perm, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_in(
    user: Any,
    perm: Perm,
    *,
    organisation: Organisation | int | None = None,
    org_unit: OrgUnit | str | None = None,
) -> bool:
    """May the user do `perm` for this organisation at this place (e.g. create something there)?

    `org_unit` is an OrgUnit or a materialised path; None means "the whole hierarchy".
    """
    org_id = getattr(organisation, "pk", organisation)
    path: str | None = org_unit if org_unit is None or isinstance(org_unit, str) else org_unit.path
    for g in grants_with(user, perm):
        if not g.is_global and org_id is not None and g.organisation_id != org_id:
            continue
        if path is None:
            if g.path is None:
                return True
            continue
        if g.covers_path(path):
            return True
    return False


def get_visible_or_404(user: Any, perm: Perm, queryset: QuerySet[M], **lookup: Any) -> M:
    """One object the user may act on, or Http404 for both missing and forbidden."""
    try:
        return visible(user, perm, queryset).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404("not found") from exc


def organisations_with(user: Any, perm: Perm) -> set[int] | None:
    """Ids of organisations in which the user holds `perm`; None = all (system administrator)."""
    ids: set[int] = set()
    for g in grants_with(user, perm):
        if g.is_global:
            return None
        ids.add(g.organisation_id)
    return ids


def subtree_roots(user: Any, perm: Perm) -> list[str] | None:
    """The materialised paths the user's `perm` covers; None = the whole hierarchy."""
    paths: list[str] = []
    for g in grants_with(user, perm):
        if g.path is None:
            return None
        paths.append(g.path)
    # Drop paths inside another path of the list.
    paths.sort(key=len)
    out: list[str] = []
    for p in paths:
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return out


def assignable_roles(user: Any) -> list[Role]:
    if is_system_admin(user):
        return [r for r in Role if r not in SERVER_ONLY_ROLES]
    if has_perm(user, Perm.ROLE_ASSIGN):
        return [r for r in Role if r not in RESERVED_ROLES | SERVER_ONLY_ROLES]
    return []


def may_assign(user: Any, *, role: str, organisation: Organisation, org_unit: OrgUnit | None) -> bool:
    """Grant a role: needs ROLE_ASSIGN in that organisation over that subtree; only system admins hand
    out reserved roles."""
    if Role(role) not in assignable_roles(user):
        return False
    return can_in(user, Perm.ROLE_ASSIGN, organisation=organisation, org_unit=org_unit)


def any_of(user: Any, perms: Iterable[Perm]) -> bool:
    return any(has_perm(user, p) for p in perms)


# ---------------------------------------------------------------------------------------------------------
# The public

PUBLIC_PERMS: Final = frozenset({Perm.FRAMEWORK_VIEW, Perm.DATA_VIEW, Perm.ORGUNIT_VIEW})
# No organisation has id 0 (primary keys start at 1), so the public's grant matches no organisation's data.
NO_ORGANISATION: Final = 0


class PublicReader:
    """The identity every public (no login) read goes through, so the portal and the published pages ask
    the same rules as every other page. It acts like a `viewer` of no organisation over the whole country:
    national and public frameworks, shared metadata, and data values that belong to no organisation (national
    statistics); case, participant and organisation-owned data stay invisible, and it may change nothing.
    Never saved, never signed in: only the policy ever sees it."""

    is_authenticated = True  # for the policy only; views still treat the visitor as anonymous
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None
    username = "public"

    def __init__(self) -> None:
        setattr(self, _CACHE_ATTR, (Grant(NO_ORGANISATION, Role.VIEWER, None, PUBLIC_PERMS),))

    def __str__(self) -> str:
        return "public reader"


def public_reader() -> PublicReader:
    return PublicReader()


# ---------------------------------------------------------------------------------------------------------
# Refusing: the one `require` every view, endpoint and service uses

_ANYWHERE: Any = object()


def allows(
    user: Any,
    perm: Perm,
    obj: Model | None = None,
    *,
    organisation: Organisation | int | None = _ANYWHERE,
    org_unit: OrgUnit | str | None = _ANYWHERE,
    check: str | None = None,
) -> bool:
    """The question `require` asks: on an object (`can`), for a place and/or organisation about to be acted in
    (`can_in`, or the named `check` an app registered), or anywhere at all (`has_perm`). SYSTEM may do
    everything; `None` nothing."""
    if user is SYSTEM:
        return True
    if user is None:
        return False
    if check is not None:
        return _allows_check(user, perm, check, organisation, org_unit)
    if obj is not None:
        return can(user, perm, obj)
    if organisation is not _ANYWHERE or org_unit is not _ANYWHERE:
        return can_in(
            user,
            perm,
            organisation=None if organisation is _ANYWHERE else organisation,
            org_unit=None if org_unit is _ANYWHERE else org_unit,
        )
    return has_perm(user, perm)


def require(
    user: Any,
    perm: Perm,
    obj: Model | None = None,
    *,
    organisation: Organisation | int | None = _ANYWHERE,
    org_unit: OrgUnit | str | None = _ANYWHERE,
    check: str | None = None,
    message: object = None,
) -> None:
    """Raise PermissionDenied (403, code `permission_denied`) unless `allows(...)`. A missing actor is refused
    as such (`check_actor`). `message` may be a lazily translated string (pages)."""
    check_actor(user)
    if not allows(user, perm, obj, organisation=organisation, org_unit=org_unit, check=check):
        raise PermissionDenied(
            str(message) if message else _missing(perm),
            code="permission_denied",
        )


def _missing(perm: Perm) -> str:
    """The refusal in the active language, naming what the permission allows rather than its code."""
    return gettext("Your roles do not allow this: %(what)s.") % {"what": PERM_LABELS[perm]}


def require_any(user: Any, perms: Iterable[Perm], *, message: object = None) -> None:
    """At least one of `perms`, anywhere (pages that several roles reach with different permissions)."""
    check_actor(user)
    wanted = list(perms)
    if user is SYSTEM or any(has_perm(user, p) for p in wanted):
        return
    raise PermissionDenied(
        str(message) if message else _missing(wanted[0]),
        code="permission_denied",
    )


def requires(*perms: Perm, message: object = None) -> Callable[[F], F]:
    """Decorator for a view function `(request, ...)` or an APIView method `(self, request, ...)`: every one of
    `perms` anywhere, else 403 before the body runs. Object- and place-level checks stay in the body
    (`require(user, perm, obj)`), because only the body knows the object."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = args[1] if len(args) > 1 and hasattr(args[1], "user") else args[0]
            for perm in perms:
                require(request.user, perm, message=message)
            return view(*args, **kwargs)

        wrapper.required_perms = perms  # type: ignore[attr-defined]  # for tests and the help page
        return wrapper  # type: ignore[return-value]

    return decorate


# ---------------------------------------------------------------------------------------------------------
# Named checks: how a grant covers an organisation and a place when an app's rule differs from `can_in`
# (e.g. "anywhere in the organisation", "nationally needs a grant over the whole country"). The app registers
# the rule's body (its access.py, from AppConfig.ready); views and services ask
# `allows(user, perm, organisation=..., org_unit=..., check="app.rule")` or `require(...)` the same way.

# (grant, organisation id or None, materialised path or None) -> does the grant cover it?
GrantCheck: TypeAlias = Callable[[Grant, "int | None", "str | None"], bool]
CHECKS: dict[str, GrantCheck] = {}


def register_check(name: str, check: GrantCheck) -> None:
    """Declare a named check (called from AppConfig.ready): `check(grant, organisation_id, path)`."""
    CHECKS[name] = check


def _allows_check(user: Any, perm: Perm, name: str, organisation: Any, org_unit: Any) -> bool:
    check = CHECKS.get(name)
    if check is None:
        raise LookupError(f"no policy check named {name}: register one with policy.register_check")
    org_id = None if organisation is _ANYWHERE else getattr(organisation, "pk", organisation)
    path = None if org_unit is _ANYWHERE or org_unit is None else getattr(org_unit, "path", org_unit)
    return any(check(g, org_id, path) for g in grants_with(user, perm))
