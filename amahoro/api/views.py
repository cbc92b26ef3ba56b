"""The platform core endpoints under /api/v1/: org units, organisations, users, role assignments, audit log.

Thin: each view checks its query parameters, reads through a selector (narrowed by `amahoro.policy`) or
writes through a service (which audits), and shapes the answer with a serializer. Missing and forbidden
objects are both 404; an action the user may not take on a visible object is 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.accounts import selectors as account_selectors
from amahoro.accounts import services as account_services
from amahoro.accounts.models import RoleAssignment, User
from amahoro.audit import selectors as audit_selectors
from amahoro.audit.export import audit_csv_export
from amahoro.audit.models import AuditAction, AuditEvent
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.core.rest import ParamsMixin
from amahoro.geo import selectors as geo_selectors
from amahoro.geo.models import OrgUnit
from amahoro.geo.services import level_get
from amahoro.organisations import selectors as org_selectors
from amahoro.organisations import services as org_services
from amahoro.organisations.models import Contact, Organisation, OrganisationType
from amahoro.roles import Perm, Role

from . import serializers as s

MAX_TEXT = 100
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

# ---------------------------------------------------------------------------------------------------------
# Query parameters: a misspelt one (`levle`) is a 400 naming it, never a silently unfiltered answer.


def _text(request: Request, name: str, max_length: int = MAX_TEXT) -> str | None:
    value = request.query_params.get(name, "").strip()
    if len(value) > max_length:
        raise ValidationFailed(f"{name} is longer than {max_length} characters", field=name)
    return value or None


def _bool(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ValidationFailed(f"{name} must be true or false, got '{raw[:20]}'", field=name)


def _date(request: Request, name: str) -> dt.date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a date as YYYY-MM-DD, got '{raw[:30]}'", field=name) from None


def _choice(request: Request, name: str, choices: Iterable[str]) -> str | None:
    value = _text(request, name)
    options = list(choices)
    if value is not None and value not in options:
        raise ValidationFailed(f"unknown {name} '{value}' (one of: {', '.join(options)})", field=name)
    return value


def _require(user: Any, perm: Perm) -> None:
    if not policy.has_perm(user, perm):
        raise PermissionDenied(f"you do not have the '{perm.value}' permission", code="permission_denied")


def _is_schema(view: Any) -> bool:
    """drf-spectacular builds the views without a request user to read their querysets."""
    return bool(getattr(view, "swagger_fake_view", False))


PAGE_PARAMS = frozenset({"page", "page_size"})
Q_PARAM = OpenApiParameter("q", str, description=f"Search text (at most {MAX_TEXT} characters)")

# ---------------------------------------------------------------------------------------------------------
# Org units


def _flag_geometry(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Lists say whether a unit has a geometry without loading it."""
    return qs.defer("geometry").annotate(
        has_geometry=ExpressionWrapper(Q(geometry__isnull=False), output_field=BooleanField())
    )


@extend_schema(
    summary="List org units",
    parameters=[
        OpenApiParameter(
            "level", str, description="Level code: country, province, district, sector, cell, village"
        ),
        OpenApiParameter("parent", str, description="Code of the parent unit"),
        Q_PARAM,
        OpenApiParameter(
            "include_closed", bool, description="Include units closed by a restructuring (default true)"
        ),
    ],
)
class OrgUnitList(ParamsMixin, generics.ListAPIView[OrgUnit]):
    """Org units you may see (your part of the hierarchy), filtered by level, parent and name."""

    serializer_class = s.OrgUnitSerializer
    allowed_params = PAGE_PARAMS | {"level", "parent", "q", "include_closed"}

    def get_queryset(self) -> QuerySet[OrgUnit]:
        if _is_schema(self):
            return OrgUnit.objects.none()
        request = self.request
        qs = geo_selectors.orgunit_search(
            user=request.user,
            level=_text(request, "level"),
            parent=_text(request, "parent"),
            q=_text(request, "q"),
            include_closed=_bool(request, "include_closed", True),
        )
        return _flag_geometry(qs)


@extend_schema(
    summary="One org unit",
    parameters=[
        OpenApiParameter("geometry", bool, description="Include the GeoJSON geometry (default false)")
    ],
    responses={200: s.OrgUnitDetailSerializer, 404: OpenApiResponse(description="Missing or not visible")},
)
class OrgUnitDetail(ParamsMixin, APIView):
    """One org unit; 404 when it does not exist or lies outside your part of the hierarchy."""

    allowed_params = frozenset({"geometry"})

    def get(self, request: Request, code: str) -> Response:
        unit = geo_selectors.orgunit_get(user=request.user, code=code)
        if _bool(request, "geometry", False):
            return Response(s.OrgUnitDetailSerializer(unit).data)
        return Response(s.OrgUnitSerializer(unit).data)


@extend_schema(summary="Children of an org unit", responses={200: s.OrgUnitChildSerializer(many=True)})
class OrgUnitChildren(ParamsMixin, generics.ListAPIView[OrgUnit]):
    """The units directly below one you may see, with how many units each has below it."""

    serializer_class = s.OrgUnitChildSerializer
    allowed_params = PAGE_PARAMS

    def get_queryset(self) -> QuerySet[OrgUnit]:
        if _is_schema(self):
            return OrgUnit.objects.none()
        unit = geo_selectors.orgunit_get(user=self.request.user, code=self.kwargs["code"])
        return _flag_geometry(geo_selectors.orgunit_children(user=self.request.user, unit=unit))


@extend_schema(
    summary="Org units of a level as GeoJSON",
    parameters=[OpenApiParameter("level", str, description="Level code (default district)")],
    responses={(200, "application/json"): s.FeatureCollectionSerializer},
)
class OrgUnitGeoJSON(ParamsMixin, APIView):
    """A GeoJSON FeatureCollection of the units of a level you may see that have a boundary."""

    allowed_params = frozenset({"level"})

    def get(self, request: Request) -> Response:
        level = _text(request, "level") or "district"
        level_get(level)  # an unknown level is a 400 naming `level`
        return Response(geo_selectors.district_features(user=request.user, level=level))


# ---------------------------------------------------------------------------------------------------------
# Organisations


@extend_schema_view(
    get=extend_schema(
        summary="List organisations",
        parameters=[
            OpenApiParameter("type", str, enum=OrganisationType.values, description="Organisation type"),
            Q_PARAM,
        ],
    ),
    post=extend_schema(
        summary="Create an organisation (system administrators)",
        description="Needs organisation.create; `areas` must lie in your part of the country. Audited.",
        request=s.OrganisationCreateSerializer,
        responses={201: s.OrganisationDetailSerializer},
    ),
)
class OrganisationList(ParamsMixin, generics.ListAPIView[Organisation]):
    """Organisations you belong to or that operate in your part of the country."""

    serializer_class = s.OrganisationSerializer
    allowed_params = PAGE_PARAMS | {"type", "q"}

    def get_queryset(self) -> QuerySet[Organisation]:
        if _is_schema(self):
            return Organisation.objects.none()
        request = self.request
        qs = org_selectors.organisation_search(
            user=request.user, type=_choice(request, "type", OrganisationType.values), q=_text(request, "q")
        )
        return qs.select_related("parent").prefetch_related("areas")

    def post(self, request: Request) -> Response:
        _require(request.user, Perm.ORGANISATION_CREATE)
        areas = geo_selectors.orgunits_visible_to(user=request.user, perm=Perm.ORGANISATION_CREATE)
        data = _valid(s.OrganisationCreateSerializer(data=request.data, area_queryset=areas))
        org = org_services.organisation_create(actor=request.user, **data)
        return Response(_organisation_detail(request, org), status=status.HTTP_201_CREATED)


def _valid(serializer: Any) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _organisation_detail(request: Request, org: Organisation) -> Any:
    contacts = policy.visible(request.user, Perm.ORGANISATION_VIEW, Contact.objects.filter(organisation=org))
    return s.OrganisationDetailSerializer(org, context={"contacts": contacts.select_related("org_unit")}).data


@extend_schema_view(
    get=extend_schema(
        summary="One organisation, with its areas and contacts",
        responses={
            200: s.OrganisationDetailSerializer,
            404: OpenApiResponse(description="Missing or not visible"),
        },
    ),
    patch=extend_schema(
        summary="Change an organisation (its administrators)",
        description="Needs organisation.manage in that organisation; areas outside your part of the country are kept.",
        request=s.OrganisationUpdateSerializer,
        responses={200: s.OrganisationDetailSerializer},
    ),
)
class OrganisationDetail(ParamsMixin, APIView):
    """One organisation with the codes of its operating areas and its contacts."""

    def get(self, request: Request, code: str) -> Response:
        org = org_selectors.organisation_get(user=request.user, code=code)
        return Response(_organisation_detail(request, org))

    def patch(self, request: Request, code: str) -> Response:
        org = org_selectors.organisation_get(user=request.user, code=code)
        if not policy.can(request.user, Perm.ORGANISATION_MANAGE, org):
            raise PermissionDenied("you may not change this organisation", code="permission_denied")
        manageable = geo_selectors.orgunits_visible_to(user=request.user, perm=Perm.ORGANISATION_MANAGE)
        data = _valid(s.OrganisationUpdateSerializer(data=request.data, area_queryset=manageable))
        if "areas" in data:
            # Areas outside the requester's part of the country are not theirs to remove.
            kept = org.areas.exclude(pk__in=manageable.values("pk"))
            data["areas"] = [*data["areas"], *kept]
        org = org_services.organisation_update(actor=request.user, organisation=org, **data)
        return Response(_organisation_detail(request, org))


# ---------------------------------------------------------------------------------------------------------
# Users, the current user, role assignments


@extend_schema_view(
    get=extend_schema(summary="List users (with the role assignments you may see)", parameters=[Q_PARAM]),
    post=extend_schema(
        summary="Create a user, optionally with roles",
        description="Needs user.manage; each role is checked like POST /role-assignments, and a refused role undoes the account.",
        request=s.UserCreateSerializer,
        responses={201: s.UserSerializer},
    ),
)
class UserList(ParamsMixin, generics.ListAPIView[User]):
    """Accounts you may see, each with the role assignments you may see."""

    serializer_class = s.UserSerializer
    allowed_params = PAGE_PARAMS | {"q"}

    def get_queryset(self) -> QuerySet[User]:
        if _is_schema(self):
            return User.objects.none()
        return account_selectors.users_visible_to(user=self.request.user, q=_text(self.request, "q"))

    def post(self, request: Request) -> Response:
        _require(request.user, Perm.USER_MANAGE)
        data = _valid(s.UserCreateSerializer(data=request.data))
        roles = data.pop("roles", [])
        with transaction.atomic():  # a refused role undoes the new account too
            user = account_services.user_create(actor=request.user, **data)
            for r in roles:
                account_services.role_assign(
                    actor=request.user, user=user, org_unit=r.get("org_unit"), **_without(r, "org_unit")
                )
        assignments = account_selectors.assignments_visible_to(user=request.user).filter(user=user)
        return Response(
            s.UserSerializer(user, context={"assignments": assignments}).data, status=status.HTTP_201_CREATED
        )


def _without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


@extend_schema(
    summary="One user",
    responses={200: s.UserSerializer, 404: OpenApiResponse(description="Missing or not visible")},
)
class UserDetail(ParamsMixin, APIView):
    """One account; 404 when it does not exist or is not visible to you."""

    def get(self, request: Request, username: str) -> Response:
        user = account_selectors.user_get(user=request.user, username=username)
        assignments = account_selectors.assignments_visible_to(user=request.user).filter(user=user)
        return Response(s.UserSerializer(user, context={"assignments": assignments}).data)


@extend_schema(summary="The current user, their roles and permissions", responses={200: s.MeSerializer})
class Me(ParamsMixin, APIView):
    """Your account, all your role assignments, and every permission they give."""

    def get(self, request: Request) -> Response:
        me = cast(User, request.user)  # IsAuthenticated
        assignments = account_selectors.assignments_visible_to(user=me).filter(user=me)
        permissions = sorted({p.value for g in policy.grants(me) for p in g.perms})
        context = {"assignments": assignments, "permissions": permissions}
        return Response(s.MeSerializer(me, context=context).data)


@extend_schema_view(
    get=extend_schema(
        summary="List role assignments",
        parameters=[
            OpenApiParameter("user", str, description="Username"),
            OpenApiParameter("organisation", str, description="Organisation code"),
            OpenApiParameter("role", str, enum=[r.value for r in Role]),
        ],
    ),
    post=extend_schema(
        summary="Give a user a role in an organisation over an org-unit subtree",
        description="Needs role.assign in that organisation over that subtree; only system administrators give system_admin.",
        request=s.RoleAssignmentCreateSerializer,
        responses={201: s.RoleAssignmentSerializer, 403: OpenApiResponse(description="Not yours to give")},
    ),
)
class RoleAssignmentList(ParamsMixin, generics.ListAPIView[RoleAssignment]):
    """Role assignments: a role held in an organisation over an org-unit subtree (null = everywhere)."""

    serializer_class = s.RoleAssignmentSerializer
    allowed_params = PAGE_PARAMS | {"user", "organisation", "role"}

    def get_queryset(self) -> QuerySet[RoleAssignment]:
        if _is_schema(self):
            return RoleAssignment.objects.none()
        request = self.request
        qs = account_selectors.assignments_visible_to(user=request.user)
        if username := _text(request, "user", 150):
            qs = qs.filter(user__username=username)
        if org := _text(request, "organisation", 50):
            qs = qs.filter(organisation__code=org)
        if role := _choice(request, "role", [r.value for r in Role]):
            qs = qs.filter(role=role)
        return qs

    def post(self, request: Request) -> Response:
        _require(request.user, Perm.ROLE_ASSIGN)
        data = _valid(s.RoleAssignmentCreateSerializer(data=request.data))
        data.setdefault("org_unit", None)
        assignment = account_services.role_assign(actor=request.user, **data)
        return Response(s.RoleAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Take a role away",
    responses={
        204: None,
        403: OpenApiResponse(description="Not yours to take"),
        404: OpenApiResponse(description="Missing or not visible"),
    },
)
class RoleAssignmentDetail(ParamsMixin, APIView):
    """Take a role away; needs the right to give that role there."""

    def delete(self, request: Request, pk: int) -> Response:
        assignment = get_object_or_404(account_selectors.assignments_visible_to(user=request.user), pk=pk)
        account_services.role_revoke(actor=request.user, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------------------
# Audit log

AUDIT_PARAMS = [
    OpenApiParameter("action", str, enum=AuditAction.values),
    OpenApiParameter("actor", str, description="Username of the actor"),
    OpenApiParameter("object_type", str, description="e.g. organisations.organisation"),
    OpenApiParameter("since", OpenApiTypes.DATE, description="From this day (YYYY-MM-DD, inclusive)"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="To this day (YYYY-MM-DD, inclusive)"),
    OpenApiParameter("sensitive", bool, description="Only (or no) reads and changes of sensitive data"),
]
AUDIT_FILTERS = frozenset({"action", "actor", "object_type", "since", "until", "sensitive"})


def _audit_filters(request: Request) -> dict[str, Any]:
    since, until = _date(request, "since"), _date(request, "until")
    if since and until and until < since:
        raise ValidationFailed("until is before since", field="until")
    raw_sensitive = request.query_params.get("sensitive", "")
    return {
        "action": _choice(request, "action", AuditAction.values),
        "actor": _text(request, "actor", 150),
        "object_type": _text(request, "object_type"),
        "since": since,
        "until": until,
        "sensitive": _bool(request, "sensitive", False) if raw_sensitive else None,
    }


@extend_schema(summary="Read the audit log", parameters=AUDIT_PARAMS)
class AuditList(ParamsMixin, generics.ListAPIView[AuditEvent]):
    """The audit log of your organisation and part of the country, newest first."""

    serializer_class = s.AuditEventSerializer
    allowed_params = PAGE_PARAMS | AUDIT_FILTERS

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if _is_schema(self):
            return AuditEvent.objects.none()
        _require(self.request.user, Perm.AUDIT_VIEW)
        return audit_selectors.events_visible_to(user=self.request.user, **_audit_filters(self.request))

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        # What the reader may see of each row (anonymous authors, case places): see audit.selectors.
        return None if page is None else list(audit_selectors.events_shown(page))


@extend_schema(
    summary="Export the audit log as CSV (the export is itself audited)",
    parameters=AUDIT_PARAMS,
    responses={(200, "text/csv"): OpenApiTypes.STR},
)
class AuditCsv(ParamsMixin, APIView):
    """The audit log as CSV; the export itself is recorded in the log."""

    allowed_params = AUDIT_FILTERS

    def get(self, request: Request) -> StreamingHttpResponse:
        _require(request.user, Perm.AUDIT_EXPORT)
        return audit_csv_export(actor=request.user, filters=_audit_filters(request))
