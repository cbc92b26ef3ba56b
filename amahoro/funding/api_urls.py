"""REST endpoints of the funding app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("funding/iati", api.IatiImportView.as_view(), name="funding-iati"),
    path("funding/iati/activities", api.IatiActivityListView.as_view(), name="funding-iati-activities"),
    path("funding/iati/activities/<uuid:pk>/map", api.IatiActivityMapView.as_view(), name="funding-iati-map"),
    path("funding/summary", api.FundingSummaryView.as_view(), name="funding-summary"),
    path("funding/rates", api.ExchangeRateView.as_view(), name="funding-rates"),
    path("funding/budget-lines", api.BudgetLineListView.as_view(), name="funding-budget-lines"),
    path("funding/transactions", api.TransactionListView.as_view(), name="funding-transactions"),
    path("funding/budget-lines/<uuid:pk>", api.BudgetLineDetailView.as_view(), name="funding-budget-line"),
    path("funding/transactions/<uuid:pk>", api.TransactionDetailView.as_view(), name="funding-transaction"),
    path("funding/mapping-rules", api.MappingRuleListView.as_view(), name="funding-mapping-rules"),
]
