from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "amahoro.reports"
    label = "reports"
    verbose_name = "Reports (PDF and XLSX, on demand and by subscription)"
