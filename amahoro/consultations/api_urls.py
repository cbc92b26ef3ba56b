"""REST endpoints of consultations (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("consultations/rounds", api.RoundList.as_view(), name="consultation-rounds"),
    path("consultations/rounds/<uuid:uuid>", api.RoundDetail.as_view(), name="consultation-round"),
    path(
        "consultations/rounds/<uuid:uuid>/assessments",
        api.AssessmentCreate.as_view(),
        name="consultation-assess",
    ),
    path("consultations/rounds/<uuid:uuid>/summary", api.RoundSummary.as_view(), name="consultation-summary"),
    path(
        "consultations/rounds/<uuid:uuid>/<str:action>",
        api.RoundAction.as_view(),
        name="consultation-round-action",
    ),
    path(
        "consultations/assessments/<uuid:uuid>",
        api.AssessmentDetail.as_view(),
        name="consultation-assessment",
    ),
    path(
        "consultations/assessments/<uuid:uuid>/moderation",
        api.AssessmentModerate.as_view(),
        name="consultation-moderate",
    ),
    path(
        "consultations/assessments/<uuid:uuid>/responses",
        api.AssessmentRespond.as_view(),
        name="consultation-respond",
    ),
]
