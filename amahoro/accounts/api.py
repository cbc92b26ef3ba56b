"""REST endpoints of accounts (mounted under /api/v1/): users, the current user, role assignments.

Thin: the endpoint's input serializer parses the body, a service writes (and audits), the output serializer
answers. Missing and invisible accounts are both 404; a role that is not yours to give or take is 403."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.roles import Perm

from . import selectors, services
from . import serializers as s
from .models import RoleAssignment, RoleRequest, User


def _is_schema(view: object) -> bool:
    """drf-spectacular builds the views without a request user to read their querysets."""
    return bool(getattr(view, "swagger_fake_view", False))


def _user_answer(request: Request, user: User) -> Any:
    assignments = selectors.assignments_visible_to(user=request.user).filter(user=user)
    return s.UserSerializer(user, context={"assignments": assignments}).data


@extend_schema_view(
    get=extend_schema(
        summary="List users (with the role assignments you may see)",
        parameters=[s.UserListQuery],
        responses={200: s.UserSerializer(many=True), **rest.errors(400, 404)},
    ),
    post=extend_schema(
        summary="Create a user, optionally with roles",
        description="Needs user.manage; each role is checked like POST /role-assignments, and a refused role undoes the account.",
        request=s.UserCreateSerializer,
        responses={201: s.UserSerializer, **rest.errors(400)},
    ),
)
class UserList(rest.ParamsMixin, generics.ListAPIView[User]):
    """Accounts you may see, each with the role assignments you may see."""

    serializer_class = s.UserSerializer
    allowed_params = frozenset(s.UserListQuery().fields)

    def get_queryset(self) -> QuerySet[User]:
        if _is_schema(self):
            return User.objects.none()
        query = rest.parse_query(s.UserListQuery, self.request)
        return selectors.users_visible_to(user=self.request.user, q=query.get("q"))

    @policy.requires(Perm.USER_MANAGE)
    def post(self, request: Request) -> Response:
        data = dict(rest.parse(s.UserCreateSerializer, request.data))
        roles = data.pop("roles", [])
        with transaction.atomic():  # a refused role undoes the new account too
            user = services.user_create(actor=request.user, **data)
            for role in roles:
                services.role_assign(
                    actor=request.user,
                    user=user,
                    organisation=role["organisation"],
                    role=role["role"],
                    org_unit=role.get("org_unit"),
                )
        return Response(_user_answer(request, user), status=status.HTTP_201_CREATED)


@extend_schema(summary="One user", responses={200: s.UserSerializer, **rest.errors(404)})
class UserDetail(rest.ParamsMixin, APIView):
    """One account; 404 when it does not exist or is not visible to you."""

    def get(self, request: Request, username: str) -> Response:
        user = selectors.user_get(user=request.user, username=username)
        return Response(_user_answer(request, user))


@extend_schema(
    summary="The current user, their roles and permissions", responses={200: s.MeSerializer, **rest.errors()}
)
class Me(rest.ParamsMixin, APIView):
    """Your account, all your role assignments, and every permission they give."""

    def get(self, request: Request) -> Response:
        me = cast(User, request.user)  # IsAuthenticated
        assignments = selectors.assignments_visible_to(user=me).filter(user=me)
        permissions = sorted({p.value for g in policy.grants(me) for p in g.perms})
        context = {"assignments": assignments, "permissions": permissions}
        return Response(s.MeSerializer(me, context=context).data)


@extend_schema_view(
    get=extend_schema(
        summary="List role assignments",
        parameters=[s.RoleAssignmentListQuery],
        responses={200: s.RoleAssignmentSerializer(many=True), **rest.errors(400, 404)},
    ),
    post=extend_schema(
        summary="Give a user a role in an organisation over an org-unit subtree",
        description="Needs role.assign in that organisation over that subtree; only system administrators give system_admin.",
        request=s.RoleAssignmentCreateSerializer,
        responses={201: s.RoleAssignmentSerializer, **rest.errors(400)},
    ),
)
class RoleAssignmentList(rest.ParamsMixin, generics.ListAPIView[RoleAssignment]):
    """Role assignments: a role held in an organisation over an org-unit subtree (null = everywhere)."""

    serializer_class = s.RoleAssignmentSerializer
    allowed_params = frozenset(s.RoleAssignmentListQuery().fields)

    def get_queryset(self) -> QuerySet[RoleAssignment]:
        if _is_schema(self):
            return RoleAssignment.objects.none()
        query = rest.parse_query(s.RoleAssignmentListQuery, self.request)
        qs = selectors.assignments_visible_to(user=self.request.user)
        if username := query.get("user"):
            qs = qs.filter(user__username=username)
        if org := query.get("organisation"):
            qs = qs.filter(organisation__code=org)
        if role := query.get("role"):
            qs = qs.filter(role=role)
        return qs

    @policy.requires(Perm.ROLE_ASSIGN)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.RoleAssignmentCreateSerializer, request.data)
        assignment = services.role_assign(
            actor=request.user,
            user=data["user"],
            organisation=data["organisation"],
            role=data["role"],
            org_unit=data.get("org_unit"),
        )
        return Response(s.RoleAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema(summary="Take a role away", responses={204: None, **rest.errors(404)})
class RoleAssignmentDetail(rest.ParamsMixin, APIView):
    """Take a role away; needs the right to give that role there."""

    def delete(self, request: Request, pk: int) -> Response:
        assignment = get_object_or_404(selectors.assignments_visible_to(user=request.user), pk=pk)
        services.role_revoke(actor=request.user, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="Role requests: those you may decide, and your own",
        parameters=[s.RoleRequestListQuery],
        responses={200: s.RoleRequestSerializer(many=True), **rest.errors(400, 404)},
    ),
    post=extend_schema(
        summary="Ask for a role in an organisation over a place",
        description="Any signed-in user; the organisation's administrators are notified. system_admin and "
        "assessment_moderator cannot be requested; one pending request per role, organisation and place (409).",
        request=s.RoleRequestCreateSerializer,
        responses={201: s.RoleRequestSerializer, **rest.errors(400, 409)},
    ),
)
class RoleRequestList(rest.ParamsMixin, generics.ListAPIView[RoleRequest]):
    """Role requests (pending, approved, declined)."""

    serializer_class = s.RoleRequestSerializer
    allowed_params = frozenset(s.RoleRequestListQuery().fields)

    def get_queryset(self) -> QuerySet[RoleRequest]:
        if _is_schema(self):
            return RoleRequest.objects.none()
        query = rest.parse_query(s.RoleRequestListQuery, self.request)
        qs = selectors.role_requests_visible_to(user=self.request.user)
        if status_ := query.get("status"):
            qs = qs.filter(status=status_)
        return qs

    def post(self, request: Request) -> Response:
        data = rest.parse(s.RoleRequestCreateSerializer, request.data)
        role_request = services.role_request_create(
            actor=request.user,
            organisation=data["organisation"],
            role=data["role"],
            org_unit=data.get("org_unit"),
            reason=data.get("reason", ""),
        )
        return Response(s.RoleRequestSerializer(role_request).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Approve or decline a role request",
    description="Needs role.assign in the request's organisation over its place; approving gives the role. "
    "The requester is notified.",
    request=s.RoleRequestDecideSerializer,
    responses={200: s.RoleRequestSerializer, **rest.errors(400, 404, 409)},
)
class RoleRequestDecide(rest.ParamsMixin, APIView):
    """Decide a pending role request; 404 when it is not one you may see."""

    @policy.requires(Perm.ROLE_ASSIGN)
    def post(self, request: Request, uuid: str) -> Response:
        data = rest.parse(s.RoleRequestDecideSerializer, request.data)
        role_request = selectors.role_request_get(user=request.user, uuid=uuid)
        if not policy.allows(request.user, Perm.ROLE_ASSIGN, role_request):
            raise Http404("not found")  # one's own request, not one's to decide
        decided = services.role_request_decide(
            actor=request.user, request=role_request, approve=data["approve"], reason=data.get("reason", "")
        )
        return Response(s.RoleRequestSerializer(decided).data)
