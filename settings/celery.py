"""The Celery application: JSON only, late acks, configured from Django settings."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

# DjangoTask adds delay_on_commit: tasks are enqueued only once the transaction commits.
app = Celery("metalpass", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def old_connections_closed(task=None, **kwargs) -> None:
    """Around each task in a worker, closes database connections past their age or broken.

    What Django does around each request. Eager tasks run inside their caller's transaction,
    whose connection is the caller's to manage.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
