"""REST endpoints of the early-warning module (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("ewer/signal-types", api.SignalTypeList.as_view(), name="ewer-signal-types"),
    path("ewer/signals", api.SignalList.as_view(), name="ewer-signals"),
    path("ewer/signals/<str:ident>", api.SignalDetail.as_view(), name="ewer-signal"),
    path(
        "ewer/signals/<str:ident>/transition", api.SignalTransition.as_view(), name="ewer-signal-transition"
    ),
    path("ewer/routing-rules", api.RoutingRuleList.as_view(), name="ewer-routing-rules"),
    path("ewer/routing-rules/<str:ident>", api.RoutingRuleDetail.as_view(), name="ewer-routing-rule"),
]
