from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("participants/", views.participant_list, name="participants"),
    path("participants/duplicates/", views.duplicates, name="duplicates"),
    path("scales/", views.scale_list, name="scales"),
    path("scales/new/", views.scale_create, name="scale_create"),
    path("scales/<str:code>/", views.scale_detail, name="scale"),
    path("<str:code>/", views.programme_detail, name="detail"),
    path("<str:code>/cohorts/", views.cohort_create, name="cohort_create"),
    path("<str:code>/cohorts/<str:cohort_code>/", views.cohort_detail, name="cohort"),
    path("<str:code>/cohorts/<str:cohort_code>/import/", views.cohort_import, name="cohort_import"),
    path("<str:code>/cohorts/<str:cohort_code>/rounds/", views.round_create, name="round_create"),
    path("<str:code>/cohorts/<str:cohort_code>/sessions/", views.session_add, name="session_add"),
    path(
        "<str:code>/cohorts/<str:cohort_code>/participants/",
        views.participant_register,
        name="participant_register",
    ),
    path("<str:code>/cohorts/<str:cohort_code>/from-form/", views.cohort_from_form, name="cohort_from_form"),
    path(
        "<str:code>/cohorts/<str:cohort_code>/rounds/<int:round_id>/import/",
        views.round_import,
        name="round_import",
    ),
]
