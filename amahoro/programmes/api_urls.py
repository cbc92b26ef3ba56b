"""REST endpoints of the programmes app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("scales", api.ScaleList.as_view(), name="scale-list"),
    path("scales/<str:code>", api.ScaleDetail.as_view(), name="scale-detail"),
    path("scales/<str:code>/score", api.ScaleScore.as_view(), name="scale-score"),
    path("scales/<str:code>/analysis", api.ScaleAnalysis.as_view(), name="scale-analysis"),
    path("programmes", api.ProgrammeCollection.as_view(), name="programme-list"),
    path("participants", api.ParticipantCreate.as_view(), name="participant-create"),
    path("programmes/<str:code>/cohorts", api.CohortCreate.as_view(), name="cohort-create"),
    path("programmes/<str:code>", api.ProgrammeDetail.as_view(), name="programme-detail"),
    path(
        "programmes/<str:code>/cohorts/<str:cohort>/attendance",
        api.AttendanceRows.as_view(),
        name="programme-attendance",
    ),
    path("programmes/<str:code>/indicators", api.IndicatorPush.as_view(), name="programme-indicators"),
]
