from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/incoming/", views.referral_inbox, name="referral-inbox"),
    path("referrals/<str:ident>/", views.referral_detail, name="referral"),
    path("referrals/<str:ident>/respond/", views.referral_respond, name="referral-respond"),
    path("<str:ident>/", views.case_detail, name="detail"),
    path("<str:ident>/edit/", views.case_edit, name="edit"),
    path("<str:ident>/consents/", views.consent_add, name="consent-add"),
    path("<str:ident>/consents/<str:consent_id>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("<str:ident>/services/", views.service_add, name="service-add"),
    path("<str:ident>/notes/", views.note_add, name="note-add"),
    path("<str:ident>/closure/", views.closure_request, name="closure"),
    path("<str:ident>/closure/decision/", views.closure_decision, name="closure-decision"),
    path("<str:ident>/access-log/", views.access_log, name="access-log"),
]
