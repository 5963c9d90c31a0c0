"""The Celery application: JSON only, late acks, configured from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

app = Celery("metalpass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
