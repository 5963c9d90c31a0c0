"""The global transparency log: integrating events as leaves, proofs, signed checkpoints.

Complete-subtree hashes are stored (LogNode), so an append writes O(log n) rows and a proof or
a root reads O(log n) rows; the tree is never rebuilt to answer a request.
"""

import datetime as dt
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from lifecycle import merkle, note
from lifecycle.models import (
    ArchivedProof,
    Checkpoint,
    Event,
    LogKey,
    LogLeaf,
    LogNode,
    PendingEvent,
)
from lifecycle.services.tiles import checkpoint_file_write, log_tiles_write
from lifecycle.verify import VerificationError, leaf_data, leaf_hash, verify_consistency
from passports.bulk import rows_insert
from passports.services.keys import private_key_seal, private_key_unseal, raw_public_key

logger = logging.getLogger(__name__)


class LogInconsistent(Exception):
    """The stored tree does not extend the last signed checkpoint; nothing will be signed."""


def _keys_oldest_first():
    """The log's keys, its own first: the one order both naming and locking the log follow."""
    return LogKey.objects.order_by("created_at", "name")


def log_origin() -> str:
    """The log's name: fixed by its first key, since a log that renamed itself is another log."""
    return _keys_oldest_first().values_list("name", flat=True).first() or settings.LOG_ORIGIN


def log_key_record() -> LogKey:
    """The log's key row, created (sealed under the KEK like organisations' keys) on first use."""
    name = log_origin()
    key = LogKey.objects.filter(pk=name).first()
    if key is None:
        private = Ed25519PrivateKey.generate()
        nonce, sealed = private_key_seal(private, bound_to=name)
        key, _ = LogKey.objects.get_or_create(
            pk=name,
            defaults={
                "public_key": raw_public_key(private),
                "encrypted_private_key": sealed,
                "nonce": nonce,
            },
        )
    return key


def log_key() -> tuple[LogKey, Ed25519PrivateKey]:
    """The log's key row and its unsealed private key, for signing."""
    key = log_key_record()
    private = private_key_unseal(
        bytes(key.nonce), bytes(key.encrypted_private_key), bound_to=key.name
    )
    return key, private


def log_vkey() -> str:
    key = log_key_record()
    return note.vkey(key.name, bytes(key.public_key))


def log_size() -> int:
    last = LogLeaf.objects.aggregate(last=Max("index"))["last"]
    return 0 if last is None else last + 1


def fetch_nodes(wanted) -> dict[tuple[int, int], bytes]:
    """Reads the listed complete-subtree hashes in one query."""
    wanted = set(wanted)
    if not wanted:
        return {}
    if connection.vendor == "postgresql":
        # Two arrays joined to the primary key: one plan whatever the number of nodes, where
        # an IN list of row values is planned afresh each time (as long as the query takes).
        levels, indexes = zip(*sorted(wanted), strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.level, n.index, n.hash FROM unnest(%s::smallint[], %s::bigint[]) "
                "AS w(level, index) JOIN lifecycle_lognode n "
                "ON n.level = w.level AND n.index = w.index",
                [list(levels), list(indexes)],
            )
            rows = cursor.fetchall()
    else:
        rows = LogNode.objects.filter(pk__in=sorted(wanted)).values_list("level", "index", "hash")
    found = {(level, index): bytes(digest) for level, index, digest in rows}
    missing = wanted - set(found)
    if missing:
        raise LogInconsistent(f"stored tree is missing nodes {sorted(missing)[:5]}")
    return found


def _lock_log() -> None:
    """Serialises writers of the log (integration and signing) on the log key's row.

    The log's key row is its first (see log_origin), so once it exists one statement finds and
    locks it; this runs at every integration.
    """
    if not _keys_oldest_first().select_for_update().values_list("pk")[:1]:
        LogKey.objects.select_for_update().filter(pk=log_key_record().pk).first()


LEAF_SOURCE_FIELDS = ("id", "envelope", "signature")


def _queued(limit: int) -> tuple[list[Event], list]:
    """The first `limit` queued events not yet logged, and the ids of every queue row read.

    Read in steps that each follow an index from the queue's few rows, never one join: with
    the leaf table in the same statement, PostgreSQL may hash the whole of it to find the few
    without a leaf. A row whose event already has a leaf (logged by code from before the queue,
    or restored through loaddata) or belongs to another instance's log (imported) is read and
    dropped but not logged: logging it would fail on the leaf's unique event at every run, or
    put another log's event in ours.
    """
    taken = list(
        PendingEvent.objects.order_by("time", "event_id").values_list("event_id", flat=True)[:limit]
    )
    if not taken:
        return [], taken
    done = set(LogLeaf.objects.filter(event_id__in=taken).values_list("event_id", flat=True))
    done.update(ArchivedProof.objects.filter(event_id__in=taken).values_list("event_id", flat=True))
    wanted = [event_id for event_id in taken if event_id not in done]
    found = Event.objects.only(*LEAF_SOURCE_FIELDS).in_bulk(wanted)
    return [found[event_id] for event_id in wanted if event_id in found], taken


def _unlogged(limit: int) -> tuple[list[Event], list]:
    """The first `limit` events of all without a leaf, queued or not, in (time, id) order.

    For the hourly sweep and audits, in case an event ever reached the table without its queue
    row. Events imported from another instance's archive belong to that instance's log; their
    proofs lead to its checkpoint (ArchivedProof), never to ours.
    """
    batch = list(
        Event.objects.filter(leaf__isnull=True, archived_proof__isnull=True)
        .order_by("time", "id")
        .only(*LEAF_SOURCE_FIELDS)[:limit]
    )
    return batch, [event.id for event in batch]


def log_integrate(*, limit: int = 2000, everything: bool = False) -> int:
    """Appends pending events as leaves in (time, id) order; returns how many were added.

    `everything` searches all events rather than the queue (for audits and repairs).
    """
    added = 0
    while True:
        with transaction.atomic():
            _lock_log()
            batch, taken = _unlogged(limit) if everything else _queued(limit)
            if not taken:
                return added
            if batch:  # else every row read was stale, and only dropping them is left
                _leaves_append(batch)
            _dequeue(taken)
            added += len(batch)
        # A short batch emptied what was committed when it was read; whatever commits later
        # wakes another run (a queued task, a notification, the sequencer's poll).
        if len(taken) < limit:
            return added


def log_append_events(events: list[Event]) -> None:
    """Appends these just-inserted events as leaves, in the given order, in this transaction.

    For bulk loaders that write events and their leaves together: holding the log lock, so a
    concurrent log_integrate either ran before (and did not see these events) or waits.
    """
    if events:
        _lock_log()
        _leaves_append(events)
        _dequeue([event.id for event in events])


def _dequeue(event_ids: list) -> None:
    """Takes these events off the queue of pending events, in the transaction logging them."""
    PendingEvent.objects.filter(event_id__in=event_ids).delete()


def _leaves_append(batch: list[Event]) -> None:
    """Writes leaves and completed subtree nodes for events; the caller holds the log lock."""
    start = log_size()
    indexes = range(start, start + len(batch))
    plans = {pos for index in indexes for pos in merkle.append_plan(index)}
    # Siblings wholly before this batch are stored; the others are made in this batch, and one
    # mapping grows as they are (a merged copy per leaf would make a batch quadratic).
    known = fetch_nodes({(lv, i) for lv, i in plans if (i + 1) * 2**lv <= start})
    leaves, nodes = [], []
    for index, event in zip(indexes, batch, strict=True):
        data = leaf_data(bytes(event.envelope), bytes(event.signature))
        digest = leaf_hash(data)
        leaves.append(LogLeaf(index=index, event_id=event.id, data=data, hash=digest))
        for level, position, value in merkle.append_nodes(index, digest, known):
            known[(level, position)] = value
            nodes.append(LogNode(level=level, index=position, hash=value))
    rows_insert(LogLeaf, leaves)
    rows_insert(LogNode, nodes)


def log_root(size: int) -> bytes:
    return merkle.root(size, fetch_nodes(merkle.root_plan(size)))


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, size, fetch_nodes(merkle.inclusion_plan(index, size)))


def consistency_proof(first: int, second: int) -> list[bytes]:
    nodes = fetch_nodes(merkle.consistency_plan(first, second))
    return merkle.consistency_proof(first, second, nodes)


def checkpoint_publish() -> Checkpoint | None:
    """Signs a checkpoint of the current tree after proving it extends the last one."""
    # The tiles of a checkpointed size must be servable before the checkpoint is. Most are
    # written first, outside the log lock; under it, only those of leaves integrated since.
    # Not inside a caller's transaction: the tiles' lock would then be held on into the log
    # lock's, the one order (tiles, then log) the locks must never be taken in.
    if not transaction.get_connection().in_atomic_block:
        log_tiles_catch_up()
    with transaction.atomic():
        _lock_log()
        size = log_size()
        last = Checkpoint.objects.order_by("-size").first()
        if size == 0 or (last is not None and last.size >= size):
            return None
        root = log_root(size)
        if last is not None:
            try:
                verify_consistency(
                    last.size, size, consistency_proof(last.size, size), bytes(last.root), root
                )
            except (VerificationError, LogInconsistent) as exc:
                raise LogInconsistent(
                    f"the tree of size {size} does not extend checkpoint {last.size}: {exc}"
                ) from exc
        log_tiles_write(size=size)
        key, private = log_key()
        body = note.checkpoint_body(key.name, size, root)
        signed = note.sign_note(body, key.name, private)
        checkpoint = Checkpoint.objects.create(
            size=size, root=root, body=body, signature_line=signed[len(body) + 1 :].rstrip("\n")
        )
        checkpoint_file_write(signed)
        return checkpoint


def log_tiles_catch_up() -> int:
    """Writes the tiles of every leaf integrated so far; files written.

    Holds the tiles' lock only, so integration goes on meanwhile (see log_tiles_write).
    """
    return log_tiles_write(size=log_size())


def checkpoint_publish_if_due() -> Checkpoint | None:
    """Publishes unless the latest checkpoint is younger than CHECKPOINT_INTERVAL_SECONDS."""
    last = Checkpoint.objects.order_by("-size").only("created_at").first()
    interval = dt.timedelta(seconds=settings.CHECKPOINT_INTERVAL_SECONDS)
    if last is not None and timezone.now() - last.created_at < interval:
        return None
    return checkpoint_publish()


def checkpoint_publish_if_behind() -> Checkpoint | None:
    """Publishes when the latest checkpoint is due and the integrated log has grown past it.

    For the reader's side on a deployment without a beat: there, only a write publishes, so
    the last events of a burst would stay uncovered until the next write. Readers racing here
    are harmless: the log lock serialises them where the database has row locks, and on SQLite
    the loser's write fails, is rolled back, and it serves what the winner signed.
    """
    last = Checkpoint.objects.order_by("-size").only("size", "created_at").first()
    interval = dt.timedelta(seconds=settings.CHECKPOINT_INTERVAL_SECONDS)
    if last is not None and timezone.now() - last.created_at < interval:
        return None
    if log_size() <= (last.size if last is not None else 0):
        return None
    try:
        return checkpoint_publish()
    except DatabaseError as exc:
        logger.info("another reader is publishing the checkpoint: %s", exc)
    except LogInconsistent:
        # The last signed checkpoint is still true; the alarm is raised, the read is served.
        logger.exception("checkpoint not published on read")
    return None


def checkpoint_note(checkpoint: Checkpoint) -> str:
    """The served signed note: body, blank line, the log's line, then witness lines."""
    lines = [checkpoint.signature_line] + [c.line for c in checkpoint.cosignatures.all()]
    return checkpoint.body + "\n" + "\n".join(lines) + "\n"


def latest_checkpoint_size() -> int:
    return Checkpoint.objects.aggregate(size=Max("size"))["size"] or 0


def event_inclusion(*, event_id) -> tuple[int | None, int]:
    """(the event's log index or None if pending, the latest checkpoint's size): one query."""
    leaf = LogLeaf._meta
    event_column = leaf.get_field("event").get_db_prep_value(event_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT {connection.ops.quote_name('index')} FROM {leaf.db_table} "
            "WHERE event_id = %s), "
            f"(SELECT MAX(size) FROM {Checkpoint._meta.db_table})",
            [event_column],
        )
        index, size = cursor.fetchone()
    return index, size or 0
