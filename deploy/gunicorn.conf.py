"""gunicorn settings for an Amahoro app server (docs/deploy.md). Installed as /etc/amahoro/gunicorn.conf.py
and used by deploy/systemd/amahoro-web.service: `gunicorn -c /etc/amahoro/gunicorn.conf.py amahoro.wsgi`.

GUNICORN_BIND and GUNICORN_WORKERS (environment) override the address and the worker count.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 3-4 sync workers measured best on 2 cores for OpenRosa submissions (docs/performance.md).
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = 60
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then: bounds any slow memory growth
max_requests_jitter = 200
# Only the proxy on this machine may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log here: the application logs each request once, as JSON without query strings.
accesslog = None
errorlog = "-"

# gunicorn's own messages as JSON lines in UTC too, so one log pipeline reads everything.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "amahoro.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": False},
    },
}


def on_starting(server):
    # Prometheus counters of all workers live in this directory (amahoro.core.metrics); start empty.
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
