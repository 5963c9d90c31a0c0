"""Recording many lifecycle events in one transaction: all or nothing, idempotent per item.

A battery-management gateway buffers readings of many packs and sends them together; when an
answer is lost it sends the same batch again. So a batch is refused whole when any item is
refused (nothing is written, every problem is named by its index), and an item whose
idempotency key was already used with the same body is answered with the stored event
instead of being appended twice. Each item passes exactly the checks a single event passes
(lifecycle/services/events.py); the only difference is that the passports' state (head,
status, holder, health) is carried forward in memory from one item to the next.
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from lifecycle.canonical import prepared_bytes, sha256_hex
from lifecycle.errors import EventRefused
from lifecycle.models import Event
from lifecycle.models import EventType as E
from lifecycle.rules import TRANSITIONS
from lifecycle.services.batch_heads import heads_locked
from lifecycle.services.chain import envelope_build
from lifecycle.services.events import (
    _check_allowed,
    _effects_before,
    _replayed,
    changes_apply,
    passport_changes,
    registry_queue_if_placed,
)
from lifecycle.services.key_lists import key_list
from lifecycle.tasks import enqueue_on_commit, integrate_log
from passports.bulk import rows_insert
from passports.models import Organisation, Passport, PassportHead
from passports.registry.tasks import deliver_registration
from passports.scan_cache import public_answer_refresh_on_commit
from passports.services.keys import Signer, signer_for

# An event's columns in the model's order, the order Event.from_db takes values in.
EVENT_COLUMNS = [f.attname for f in Event._meta.concrete_fields]

# The fields an event may move (see passport_changes), written once per passport: every
# append moves the narrow head row; the wide passport row only when its own fields change.
HEAD_FIELDS = ["seq", "hash", "health"]
MOVED_FIELDS = ["status", "holder", "market_country", "placed_on_market_on"]


@dataclass
class BatchItem:
    """One validated item of a batch, with the digest that identifies its body for retries."""

    index: int
    passport_id: uuid.UUID
    event_type: str
    occurred_at: dt.datetime
    payload: dict
    idempotency_key: str | None
    digest: str


@dataclass
class BatchRefused(Exception):
    """Items the rules refuse; errors carry their `events[i].` path and their own status."""

    errors: list[dict]

    @property
    def status(self) -> int:
        """The status every refused item shares, or 400 when they differ."""
        statuses = {e["status"] for e in self.errors}
        return statuses.pop() if len(statuses) == 1 else 400


def events_record_batch(*, actor: Organisation, items: list[BatchItem]) -> list[tuple[Event, bool]]:
    """Checks, signs and appends every item, or none; returns (event, created) in item order.

    Passports are locked in id order, so two batches touching the same passports in any order
    wait for each other instead of deadlocking; events of one passport chain in item order.
    """
    try:
        with transaction.atomic():
            return _record(actor, items)
    except IntegrityError:
        # A concurrent retry of the same items committed first (the keys are unique per
        # actor): answering again from the stored events is what a retry expects.
        with transaction.atomic():
            return _record(actor, items)


def _record(actor: Organisation, items: list[BatchItem]) -> list[tuple[Event, bool]]:
    passports = heads_locked(passport_ids=sorted({item.passport_id for item in items}))
    earlier = _earlier_events(actor, items)
    signer = None
    errors: list[dict] = []
    results: list[tuple[Event, bool] | None] = []
    written: list[Event] = []
    placed: list[tuple] = []
    moved: dict[uuid.UUID, Passport] = {}
    widened: dict[uuid.UUID, Passport] = {}
    for item in items:
        passport = passports.get(item.passport_id)
        try:
            if passport is None:
                # Visibility was checked before; a passport gone since reads the same way.
                raise EventRefused.one(404, "passport", "No passport with this id is visible.")
            if item.idempotency_key in earlier:
                results.append((_replayed(earlier[item.idempotency_key], item.digest), False))
                continue
            _check_allowed(passport, actor, item.event_type, item.occurred_at, False)
            signed = _effects_before(passport, actor, item.event_type, item.occurred_at,
                                     item.payload)  # fmt: skip
        except EventRefused as refused:
            errors.extend(_at(item.index, refused))
            results.append(None)
            continue
        signer = signer or signer_for(organisation=actor)
        event = _event_signed(passport, item, actor.pk, signer, signed)
        if _move(passport, event, item.occurred_at, signed):
            widened[passport.pk] = passport
        placed.append((passport, item.event_type, signed, item.occurred_at))
        moved[passport.pk] = passport
        written.append(event)
        results.append((event, True))
    if errors:
        raise BatchRefused(errors)
    rows_insert(Event, written)
    _rows_update(PassportHead, [p.head for p in moved.values()], HEAD_FIELDS)
    _rows_update(Passport, list(widened.values()), MOVED_FIELDS)
    for passport, event_type, signed, occurred_at in placed:
        delivery = registry_queue_if_placed(passport, actor, event_type, signed, occurred_at)
        if delivery is not None:
            enqueue_on_commit(deliver_registration, str(delivery.pk))
    if written:
        enqueue_on_commit(integrate_log)
        public_answer_refresh_on_commit(passport_ids=list(moved))  # new heads: new answers
    return results


def _event_signed(
    passport: Passport, item: BatchItem, actor_id: uuid.UUID, signer: Signer, signed: dict
) -> Event:
    """The item's event, unsaved, chained onto the passport's head and signed (as event_sign).

    `signed` is already prepared (see _effects_before), so the envelope is encoded without
    walking the payload a second time; the event is built from its column values in order,
    about half the cost of the keyword constructor.
    """
    time = timezone.now()
    seq, prev = passport.head.seq + 1, passport.head.hash
    envelope = prepared_bytes(
        envelope_build(
            passport_id=passport.pk, seq=seq, prev=prev, event_type=item.event_type, time=time,
            actor_id=actor_id, kid=signer.kid, payload=signed,
        )
    )  # fmt: skip
    values = {
        "id": uuid.uuid4(), "passport_id": passport.pk, "seq": seq, "prev": prev,
        "hash": sha256_hex(envelope), "type": item.event_type, "time": time,
        "actor_id": actor_id, "kid_id": signer.kid, "envelope": envelope,
        "signature": signer.sign(envelope), "idempotency_key": item.idempotency_key,
        "request_digest": item.digest,
    }  # fmt: skip
    return Event.from_db(connection.alias, EVENT_COLUMNS, [values[n] for n in EVENT_COLUMNS])


def _rows_update(model: type[models.Model], rows: list[models.Model], names: list[str]) -> None:
    """Writes the named fields of every row in one statement.

    On PostgreSQL the rows travel as one JSON document joined to the primary key;
    bulk_update's CASE per column costs time quadratic in the number of rows (seconds for a
    thousand).
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, names)
        return
    fields = [model._meta.pk] + [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    key = quote(fields[0].column)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    types = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    # All rows as one JSON document that PostgreSQL reads back column by column with each
    # column's type: the driver quotes one string, not an array element per value (which
    # cost as much as the rest of the update for a thousand rows).
    document = json.dumps(
        [{f.column: getattr(row, f.attname) for f in fields} for row in rows], cls=DjangoJSONEncoder
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS p SET {assignments} "
            f"FROM jsonb_to_recordset(%s::jsonb) AS v({types}) WHERE p.{key} = v.{key}",
            [document],
        )


def _earlier_events(actor: Organisation, items: list[BatchItem]) -> dict[str, Event]:
    """Events this actor already stored under the items' idempotency keys, by key."""
    keys = [item.idempotency_key for item in items if item.idempotency_key]
    if not keys:
        return {}
    return {
        event.idempotency_key: event
        for event in Event.objects.filter(
            actor=actor,
            idempotency_key__in=key_list(keys, field=Event._meta.get_field("idempotency_key")),
        ).order_by()
    }


def _move(passport: Passport, event: Event, occurred_at: dt.datetime, signed: dict) -> bool:
    """Carries an appended event's effects onto the in-memory passport for the next item;
    True if they reach the wide passport row (status, holder, market), not only its head."""
    changes = passport_changes(
        passport=passport, event=event, occurred_at=occurred_at, payload=signed
    )
    changes_apply(passport, event, changes)
    if event.type in (E.REPURPOSED, E.REMANUFACTURED):
        successor = Passport.objects.get(pk=signed["successor"]["passport"])
        successor.status = TRANSITIONS[event.type][1]
        successor.save(update_fields=["status"])
        # Later items of this passport are refused as superseded, as a single event would be.
        passport.successor = successor
    return any(name != "health" for name in changes)


def _at(index: int, refused: EventRefused) -> list[dict]:
    """A refusal's errors under the item's path; a batch item carries its key in its body."""
    renamed = {"Idempotency-Key": "idempotency_key"}
    return [
        {"field": f"events[{index}].{renamed.get(e['field'], e['field'])}".rstrip("."),
         "message": e["message"], "status": refused.status}
        for e in refused.errors
    ]  # fmt: skip
