"""REST endpoints of the service directory (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("service-providers", api.ServiceProviderList.as_view(), name="service-providers"),
    path("service-providers/<str:ident>", api.ServiceProviderDetail.as_view(), name="service-provider"),
]
