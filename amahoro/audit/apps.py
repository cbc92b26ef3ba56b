from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "amahoro.audit"
    label = "audit"
    verbose_name = "Audit log"
