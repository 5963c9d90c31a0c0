"""The Celery application: JSON only, late acks, configured from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

# DjangoTask adds delay_on_commit: tasks are enqueued only once the transaction commits.
app = Celery("metalpass", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
