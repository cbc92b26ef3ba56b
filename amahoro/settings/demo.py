"""`make demo`: the development defaults, but static files and pages served as production serves them, so
the demo measures what a phone on 3G gets (docs/performance.md, "Light pages"): the files `collectstatic`
wrote (hashed names, .gz and .br copies, cached for good) through WhiteNoise, no DEBUG (hashed names and
friendly error pages; `DEBUG=1 make demo` turns it back on, with unhashed names)."""

from __future__ import annotations

from .base import STORAGES as PRODUCTION_STORAGES
from .dev import *  # noqa: F403
from .dev import env_bool

DEBUG = env_bool("DEBUG", False)
STORAGES = PRODUCTION_STORAGES
WHITENOISE_USE_FINDERS = False
