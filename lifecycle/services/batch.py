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
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction

from lifecycle.errors import EventRefused
from lifecycle.models import Event
from lifecycle.models import EventType as E
from lifecycle.rules import TRANSITIONS
from lifecycle.services.chain import event_sign
from lifecycle.services.events import (
    _check_allowed,
    _effects_before,
    _replayed,
    passport_changes,
    registry_queue_if_placed,
)
from lifecycle.tasks import enqueue_on_commit, integrate_log
from passports.bulk import rows_insert
from passports.models import Organisation, Passport
from passports.registry.tasks import deliver_registration
from passports.scan_cache import public_answer_refresh_on_commit
from passports.services.keys import signer_for

# The passport fields an event may move (see passport_changes); written once per passport.
MOVED_FIELDS = [
    "head_hash", "status", "holder", "market_country", "placed_on_market_on", "health",
]  # fmt: skip


# What the checks and effects of an append read; the wide row's declaration, attributes and
# documents stay unread (decoding them was a tenth of a batch's time). A rare event that needs
# more (a successor copies the declaration) loads it when it asks.
APPEND_FIELDS = [
    "id", "manufacturer", "holder", "product_type", "status", "manufactured_at",
    "market_country", "placed_on_market_on", "health", "head_hash", "archived_from",
]  # fmt: skip


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
    ids = sorted({item.passport_id for item in items})
    passports = {
        p.pk: p
        for p in Passport.objects.select_for_update(of=("self",))
        .select_related("successor")
        .only(*APPEND_FIELDS, "successor__id")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    earlier = _earlier_events(actor, items)
    # order_by(): the model's default ordering would join the passports to sort by them.
    heads = dict(
        Event.objects.filter(hash__in=[p.head_hash for p in passports.values()])
        .order_by()
        .values_list("passport_id", "seq")
    )
    signer = None
    errors: list[dict] = []
    results: list[tuple[Event, bool] | None] = []
    written: list[Event] = []
    placed: list[tuple] = []
    moved: dict[uuid.UUID, Passport] = {}
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
        seq = heads[passport.pk] + 1
        event = event_sign(
            passport_id=passport.pk,
            seq=seq,
            prev=passport.head_hash,
            event_type=item.event_type,
            actor=actor,
            signer=signer,
            payload=signed,
        )
        event.idempotency_key = item.idempotency_key
        event.request_digest = item.digest
        _move(passport, event, item.occurred_at, signed)
        placed.append((passport, item.event_type, signed, item.occurred_at))
        heads[passport.pk] = seq
        moved[passport.pk] = passport
        written.append(event)
        results.append((event, True))
    if errors:
        raise BatchRefused(errors)
    rows_insert(Event, written)
    _passports_update(list(moved.values()))
    for passport, event_type, signed, occurred_at in placed:
        delivery = registry_queue_if_placed(passport, actor, event_type, signed, occurred_at)
        if delivery is not None:
            enqueue_on_commit(deliver_registration, str(delivery.pk))
    if written:
        enqueue_on_commit(integrate_log)
        public_answer_refresh_on_commit(passport_ids=list(moved))  # new heads: new answers
    return results


def _passports_update(passports: list[Passport]) -> None:
    """Writes the moved fields of every passport in one statement.

    On PostgreSQL the values travel as one array per column joined to the primary key;
    bulk_update's CASE per column costs time quadratic in the number of passports (seconds
    for a thousand).
    """
    if not passports:
        return
    if connection.vendor != "postgresql":
        Passport.objects.bulk_update(passports, MOVED_FIELDS)
        return
    fields = [Passport._meta.pk] + [Passport._meta.get_field(name) for name in MOVED_FIELDS]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    # psycopg adapts these columns' Python values as Django would; JSON needs Django's adapter.
    values = [
        [f.get_db_prep_save(getattr(p, f.attname), connection) for p in passports]
        if isinstance(f, models.JSONField)
        else [getattr(p, f.attname) for p in passports]
        for f in fields
    ]
    key = columns[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Passport._meta.db_table)} AS p SET {assignments} "
            f"FROM unnest({arrays}) AS v({', '.join(columns)}) WHERE p.{key} = v.{key}",
            values,
        )


def _earlier_events(actor: Organisation, items: list[BatchItem]) -> dict[str, Event]:
    """Events this actor already stored under the items' idempotency keys, by key."""
    keys = [item.idempotency_key for item in items if item.idempotency_key]
    if not keys:
        return {}
    return {
        event.idempotency_key: event
        for event in Event.objects.filter(actor=actor, idempotency_key__in=keys).order_by()
    }


def _move(passport: Passport, event: Event, occurred_at: dt.datetime, signed: dict) -> None:
    """Carries an appended event's effects onto the in-memory passport for the next item."""
    changes = passport_changes(
        passport=passport, event=event, occurred_at=occurred_at, payload=signed
    )
    for name, value in changes.items():
        setattr(passport, name, uuid.UUID(value) if name == "holder_id" else value)
    if event.type in (E.REPURPOSED, E.REMANUFACTURED):
        successor = Passport.objects.get(pk=signed["successor"]["passport"])
        successor.status = TRANSITIONS[event.type][1]
        successor.save(update_fields=["status"])
        # Later items of this passport are refused as superseded, as a single event would be.
        passport.successor = successor


def _at(index: int, refused: EventRefused) -> list[dict]:
    """A refusal's errors under the item's path; a batch item carries its key in its body."""
    renamed = {"Idempotency-Key": "idempotency_key"}
    return [
        {"field": f"events[{index}].{renamed.get(e['field'], e['field'])}".rstrip("."),
         "message": e["message"], "status": refused.status}
        for e in refused.errors
    ]  # fmt: skip
