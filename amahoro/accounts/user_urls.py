"""User and role management pages (/users/...)."""

from django.urls import path

from . import views

app_name = "users"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("new/", views.user_create, name="create"),
    path("assignments/<uuid:uuid>/revoke/", views.role_revoke, name="revoke"),
    # Before <username>/: these are pages, not accounts.
    path("role-requests/", views.role_request_list, name="role-requests"),
    path("role-requests/new/", views.role_request_new, name="role-request-new"),
    path("role-requests/<uuid:uuid>/decide/", views.role_request_decide, name="role-request-decide"),
    path("<str:username>/", views.user_detail, name="detail"),
    path("<str:username>/assign/", views.role_assign, name="assign"),
    path("<str:username>/two-factor-enrolment/", views.totp_enrolment_issue, name="totp-enrolment"),
]
