"""WSGI entry point (gunicorn amahoro.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.dev")
application = get_wsgi_application()
