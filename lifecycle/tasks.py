"""Celery tasks of the transparency log: integrate pending events, publish checkpoints.

Where `manage.py run_sequencer` runs (LOG_SEQUENCER), it integrates instead and these tasks are
the fallback of the beat; both take the log lock, so they never integrate at the same time.
"""

import functools
import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from lifecycle.services.log import (
    checkpoint_publish,
    checkpoint_publish_if_due,
    log_integrate,
)

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Sends a task once the current transaction commits; a broker outage is only logged.

    The database is the truth and a message only a hint: the beat sweeper picks up whatever a
    lost message would have done, so a write never fails because the broker is away.
    """

    connection = transaction.get_connection()
    if task is integrate_log and settings.LOG_SEQUENCER:
        _sequencer_wake(connection)
        return
    key = (task.name, args)
    if any(getattr(entry[1], "task_key", None) == key for entry in connection.run_on_commit):
        return  # one message per transaction is enough: tasks re-read the database

    def send() -> None:
        task_send(task, *args)

    send.task_key = key
    transaction.on_commit(send)


def task_send(task, *args) -> None:
    """Sends a task for a write already committed: a draining task only if no run is queued.

    enqueue_on_commit calls this at commit; a broker outage is only logged.
    """
    if not args and not task.app.conf.task_always_eager and not _claimed(task.name):
        return  # a run is queued and has not started: it will see this write
    try:
        task.delay(*args)
    except OperationalError as exc:
        logger.warning("broker unavailable, %s left to the sweeper: %s", task.name, exc)
    except Exception:  # noqa: BLE001 - eager runs happen here; the write already committed
        logger.exception("%s failed after commit; the sweeper will retry", task.name)


def log_integrated_at_commit() -> bool:
    """Whether the commit just made in this thread may have put its events in the log already.

    Only where integration runs in the committing thread (tasks run eagerly: no broker and no
    sequencer), once the outermost transaction has committed. Elsewhere a worker or the
    sequencer integrates later, so an event is still pending when its commit returns.
    """
    if settings.LOG_SEQUENCER or not integrate_log.app.conf.task_always_eager:
        return False
    return not transaction.get_connection().in_atomic_block


def _sequencer_wake(connection) -> None:
    """Tells a waiting sequencer there is work; it also polls, so SQLite needs no signal.

    NOTIFY is delivered when the transaction commits and identical ones in a transaction are
    sent once, so the sequencer never wakes before the event is visible.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("NOTIFY log_pending")


# One queued run of a draining task (no arguments: it re-reads everything pending) serves every
# write that committed before it starts. Without this, a thousand appends a second would queue
# a thousand integrations, each finding almost nothing to do. A run releases the claim when it
# starts, so a write committed after that queues the next run; the claim expires on its own,
# and the beat sweeper runs the same tasks, in case a claimed message is ever lost.
CLAIM_SECONDS = 5


def _claimed(name: str) -> bool:
    """True if this process may queue a run of the task (no run is queued already)."""
    client = _redis()
    if client is None:
        return True
    try:
        return bool(client.set(f"queued:{name}", 1, nx=True, ex=CLAIM_SECONDS))
    except Exception:  # noqa: BLE001 - without Redis, queue anyway and let the send fail or not
        return True


def claim_release(name: str) -> None:
    """Called as a draining task starts: writes from now on queue another run."""
    client = _redis()
    if client is not None:
        try:
            client.delete(f"queued:{name}")
        except Exception:  # noqa: BLE001 - the claim expires by itself
            logger.warning("could not release the queue claim of %s", name)


@functools.cache
def _redis_for(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _redis():
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    return _redis_for(url)


# A run waits this long before it takes the queue, holding the claim so that the writes of that
# moment send no message of their own and are all taken by this run. Started at once, runs
# followed each other as fast as they finished: each took a few events and paid its fixed share
# (lock, queue read, checkpoint check, the task itself) again, so the worker spent more CPU the
# faster it was. The sequencer paces its rounds the same way (run_sequencer --interval). A
# countdown on the message would do the same without holding the worker, but a worker holding
# a message with an ETA does not survive losing the broker.
INTEGRATION_GATHER_SECONDS = 0.1


@shared_task(ignore_result=True, acks_late=True)
def integrate_log() -> int:
    """Appends every pending event to the log, then publishes a checkpoint if one is due.

    Tiles are written with the checkpoint, up to its size: readers only ever fetch the tiles of
    a checkpointed size, and writing them after every run rewrote the same partial tiles and
    entry bundles (up to 256 entries each) for the few events a run adds.
    """
    if not (integrate_log.request.is_eager or integrate_log.request.called_directly):
        time.sleep(INTEGRATION_GATHER_SECONDS)
    claim_release(integrate_log.name)
    count = log_integrate()
    checkpoint_publish_if_due()
    return count


@shared_task(ignore_result=True, acks_late=True)
def integrate_stragglers() -> int:
    """Beat, hourly: appends any event without a leaf, queued or not (the queue's safety net)."""
    return log_integrate(everything=True)


@shared_task(ignore_result=True, acks_late=True)
def publish_checkpoint() -> int | None:
    """Beat: integrates stragglers and signs a checkpoint when the tree has grown."""
    log_integrate()
    checkpoint = checkpoint_publish()
    return checkpoint.size if checkpoint else None
