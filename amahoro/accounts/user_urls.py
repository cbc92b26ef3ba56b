"""User and role management pages (/users/...)."""

from django.urls import path

from . import views

app_name = "users"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("new/", views.user_create, name="create"),
    path("assignments/<uuid:uuid>/revoke/", views.role_revoke, name="revoke"),
    path("<str:username>/", views.user_detail, name="detail"),
    path("<str:username>/assign/", views.role_assign, name="assign"),
    path("<str:username>/two-factor-enrolment/", views.totp_enrolment_issue, name="totp-enrolment"),
]
