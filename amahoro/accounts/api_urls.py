"""REST endpoints of accounts (mounted under /api/v1/ with the `api` namespace)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("users", api.UserList.as_view(), name="user-list"),
    path("users/<str:username>", api.UserDetail.as_view(), name="user-detail"),
    path("me", api.Me.as_view(), name="me"),
    path("role-assignments", api.RoleAssignmentList.as_view(), name="roleassignment-list"),
    path("role-assignments/<int:pk>", api.RoleAssignmentDetail.as_view(), name="roleassignment-detail"),
    path("role-requests", api.RoleRequestList.as_view(), name="rolerequest-list"),
    path("role-requests/<uuid:uuid>/decide", api.RoleRequestDecide.as_view(), name="rolerequest-decide"),
]
