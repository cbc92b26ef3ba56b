"""REST endpoints of the case module (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("gbv/incidents", api.IncidentList.as_view(), name="gbv-incidents"),
    path("gbv/incidents.csv", api.IncidentCsv.as_view(), name="gbv-incidents-csv"),
    path("gbv/incidents/search", api.IncidentSearch.as_view(), name="gbv-incidents-search"),
    path("gbv/incidents/<str:ident>", api.IncidentDetail.as_view(), name="gbv-incident"),
    path("gbv/incidents/<str:ident>/consents", api.ConsentCreate.as_view(), name="gbv-consents"),
    path(
        "gbv/incidents/<str:ident>/consents/<str:consent_id>/withdraw",
        api.ConsentWithdraw.as_view(),
        name="gbv-consent-withdraw",
    ),
    path("gbv/incidents/<str:ident>/services", api.ServiceCreate.as_view(), name="gbv-services"),
    path("gbv/incidents/<str:ident>/notes", api.NoteCreate.as_view(), name="gbv-notes"),
    path("gbv/incidents/<str:ident>/closure", api.ClosureRequest.as_view(), name="gbv-closure"),
    path(
        "gbv/incidents/<str:ident>/closure/decision",
        api.ClosureDecision.as_view(),
        name="gbv-closure-decision",
    ),
    path("gbv/incidents/<str:ident>/access-log", api.AccessLog.as_view(), name="gbv-access-log"),
    path("gbv/referrals", api.ReferralList.as_view(), name="gbv-referrals"),
    path("gbv/referrals/<str:service_id>", api.ReferralDetail.as_view(), name="gbv-referral"),
    path(
        "gbv/referrals/<str:service_id>/respond", api.ReferralRespond.as_view(), name="gbv-referral-respond"
    ),
    path("gbv/statistics", api.Statistics.as_view(), name="gbv-statistics"),
    path("gbv/statistics.csv", api.StatisticsCsv.as_view(), name="gbv-statistics-csv"),
]
