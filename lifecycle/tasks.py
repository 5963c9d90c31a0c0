"""Celery tasks of the transparency log: integrate pending events, publish checkpoints."""

import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from lifecycle.services.log import checkpoint_publish, checkpoint_publish_if_due, log_integrate

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Sends a task once the current transaction commits; a broker outage is only logged.

    The database is the truth and a message only a hint: the beat sweeper picks up whatever a
    lost message would have done, so a write never fails because the broker is away.
    """

    connection = transaction.get_connection()
    key = (task.name, args)
    if any(getattr(entry[1], "task_key", None) == key for entry in connection.run_on_commit):
        return  # one message per transaction is enough: tasks re-read the database

    def send() -> None:
        try:
            task.delay(*args)
        except OperationalError as exc:
            logger.warning("broker unavailable, %s left to the sweeper: %s", task.name, exc)
        except Exception:  # noqa: BLE001 - eager runs happen here; the write already committed
            logger.exception("%s failed after commit; the sweeper will retry", task.name)

    send.task_key = key
    transaction.on_commit(send)


@shared_task(ignore_result=True, acks_late=True)
def integrate_log() -> int:
    """Appends every pending event to the log, then publishes a checkpoint if one is due."""
    count = log_integrate()
    checkpoint_publish_if_due()
    return count


@shared_task(ignore_result=True, acks_late=True)
def publish_checkpoint() -> int | None:
    """Beat: integrates stragglers and signs a checkpoint when the tree has grown."""
    log_integrate()
    checkpoint = checkpoint_publish()
    return checkpoint.size if checkpoint else None
