"""The log's sequencer: one long-running loop integrating pending events in batches.

Every write wakes it (NOTIFY log_pending on PostgreSQL) and it also polls, so on SQLite or
after a lost notification it still finds the work within one interval. A batch is integrated,
and a checkpoint signed with its tiles when one is due; integration and signing under the log
lock the Celery fallback takes too, so the two never integrate at once, and tile files under a
lock of their own (see log_tiles_write).
"""

import logging
from collections.abc import Callable

from django.db import connection

from lifecycle.services.log import (
    checkpoint_publish_if_due,
    latest_checkpoint_size,
    log_integrate,
    log_size,
    log_tiles_catch_up,
)

logger = logging.getLogger(__name__)

CHANNEL = "log_pending"


def sequencer_step(*, catch_up: bool = False) -> int:
    """One round: integrate what is pending, sign if due (with its tiles); returns leaves added.

    Tiles are written with each checkpoint, up to its size (see checkpoint_publish): readers
    only fetch the tiles of a checkpointed size. `catch_up` writes them up to the log's size
    at once: a first round, after leaves came in by another path or from before tiles existed.
    """
    added = log_integrate()
    if catch_up:
        log_tiles_catch_up()
    # Checked every round, not only after work: the tail of a burst is signed once it is due.
    if latest_checkpoint_size() < log_size():
        checkpoint_publish_if_due()
    return added


class _Listener:
    """A dedicated autocommit connection LISTENing on the channel (PostgreSQL only)."""

    def __init__(self) -> None:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self._conn = psycopg.connect(**params, autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        """Blocks until a notification or the timeout; True if woken by a write."""
        woken = False
        for _ in self._conn.notifies(timeout=timeout, stop_after=1):
            woken = True
        return woken

    def close(self) -> None:
        self._conn.close()


def sequencer_run(*, interval: float, stopping: Callable[[], bool]) -> None:
    """Runs steps until `stopping()` is true, one per `interval` at most while writes flow."""
    import time

    listener = _Listener() if connection.vendor == "postgresql" else None
    first = True
    try:
        while not stopping():
            started = time.monotonic()
            try:
                added = sequencer_step(catch_up=first)
                first = False
            except Exception:
                # A failed round (database restart, lock timeout) is retried on the next one.
                logger.exception("sequencer round failed")
                connection.close()
                added = 0
            if added:
                logger.info("integrated %s events", added)
                # Writes are flowing: gather them for the rest of the interval rather than run
                # a round per write, each paying its fixed share again for a few events.
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
                continue
            if listener is not None:
                listener.wait(interval)
            else:
                time.sleep(interval)
    finally:
        if listener is not None:
            listener.close()
