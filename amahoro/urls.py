"""URL map: pages per app, the REST API under /api/v1/, the admin, i18n."""

from django.contrib import admin
from django.urls import include, path, re_path

from amahoro.core import views as core_views
from amahoro.worklist import signal_case_views

urlpatterns = [
    path("", include("amahoro.site.urls")),
    path("accounts/", include("amahoro.accounts.urls")),
    # User management lives outside /accounts/ so the two-factor middleware (which exempts the sign-in pages
    # under /accounts/) still guards it.
    path("users/", include("amahoro.accounts.user_urls")),
    path("places/", include("amahoro.geo.urls")),
    path("organisations/", include("amahoro.organisations.urls")),
    path("audit/", include("amahoro.audit.urls")),
    path("frameworks/", include("amahoro.frameworks.urls")),
    path("indicators/", include("amahoro.frameworks.indicator_urls")),
    path("data/", include("amahoro.data.urls")),
    # Set-up pages of metadata managers: data sets and validation rules (data), data elements and
    # disaggregations (metadata).
    path("setup/", include("amahoro.data.setup_urls")),
    path("setup/", include("amahoro.metadata.urls")),
    path("cases/", include("amahoro.cases.urls")),
    # A GBV signal opens a GBV case through a case worker: glue above warning and cases (worklist layer).
    path("warning/<str:ident>/case/", signal_case_views.signal_case_open, name="signal-case-open"),
    path("warning/", include("amahoro.warning.urls")),
    path("my-work/", include("amahoro.worklist.urls")),
    path("directory/", include("amahoro.directory.urls")),
    path("consultations/", include("amahoro.consultations.urls")),
    path("participation/", include("amahoro.participation.urls")),
    path("public/", include("amahoro.portal.urls")),
    path("analytics/", include("amahoro.visualizer.urls")),
    path("dashboards/", include("amahoro.dashboards.urls")),
    path("reports/", include("amahoro.reports.urls")),
    path("funding/", include("amahoro.funding.urls")),
    path("programmes/", include("amahoro.programmes.urls")),
    path("collection/", include("amahoro.collection.urls")),
    path("notifications/", include("amahoro.notifications.urls")),
    path("openrosa/", include("amahoro.collection.openrosa_urls")),
    # The public report page of the early-warning module (no sign-in).
    path("report/", include("amahoro.warning.public_urls")),
    path("api/v1/", include("amahoro.api.urls")),
    # DHIS2-compatible paths (/api/dataValueSets, /api/38/metadata, ...) for DHIS2 clients and scripts.
    re_path(r"^api/(?:\d{2}/)?", include("amahoro.api.dhis2_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("health", core_views.health_view, name="health"),
    path("health/live", core_views.health_view, name="health-live"),
    path("health/ready", core_views.health_view, name="health-ready"),
    path("metrics", core_views.metrics_view, name="metrics"),
]
