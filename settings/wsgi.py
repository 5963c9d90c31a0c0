"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_wsgi_application()

# What is loaded by now (apps, models, views, serializers: some 200,000 objects) lives as long
# as the process. Frozen, it is left out of the collector's full passes, which a bulk request
# of a thousand declarations sets off again and again: they took about a fifth of its CPU.
get_resolver().url_patterns  # noqa: B018 - imports the views before the freeze, not on first use
gc.freeze()
