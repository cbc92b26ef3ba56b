"""REST endpoints of the frameworks app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("frameworks", api.FrameworkList.as_view(), name="framework-list"),
    path("frameworks/<str:code>", api.FrameworkDetail.as_view(), name="framework-detail"),
    path("frameworks/<str:code>/progress", api.FrameworkProgressView.as_view(), name="framework-progress"),
    path("frameworks/<str:code>/links", api.FrameworkLinks.as_view(), name="framework-links"),
    path("indicators", api.IndicatorList.as_view(), name="indicator-list"),
    path("indicators/<str:code>", api.IndicatorDetail.as_view(), name="indicator-detail"),
    path("indicators/<str:code>/progress", api.IndicatorProgressView.as_view(), name="indicator-progress"),
]
