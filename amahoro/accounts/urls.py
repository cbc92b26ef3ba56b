"""Sign-in pages (/accounts/...): exempt from the two-factor middleware, so keep only sign-in pages here."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/enrol/<str:code>/", views.two_factor_enrol, name="two_factor_enrol"),
]
