"""Celery application. Used only when CELERY_BROKER_URL/REDIS_URL is set; otherwise tasks run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.dev")
app = Celery("amahoro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
