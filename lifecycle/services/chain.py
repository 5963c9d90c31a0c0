"""Building, signing and appending events to a passport's hash chain (DESIGN.md section 4)."""

import datetime as dt
import uuid

from django.db import connection, transaction
from django.utils import timezone

from lifecycle.canonical import canonical_bytes, rfc3339, sha256_hex
from lifecycle.errors import EventRefused
from lifecycle.models import Event
from passports.models import Organisation, Passport
from passports.scan_cache import public_answer_refresh_on_commit
from passports.services.keys import Signer, signer_for

ENVELOPE_VERSION = 1


def envelope_build(
    *,
    passport_id: uuid.UUID,
    seq: int,
    prev: str | None,
    event_type: str,
    time: dt.datetime,
    actor_id: uuid.UUID,
    kid: str,
    payload: dict,
) -> dict:
    """The envelope every event signs: {v, passport, seq, prev, type, time, actor, kid, payload}."""
    return {
        "v": ENVELOPE_VERSION,
        "passport": str(passport_id),
        "seq": seq,
        "prev": prev,
        "type": event_type,
        "time": rfc3339(time),
        "actor": str(actor_id),
        "kid": kid,
        "payload": payload,
    }


def event_sign(
    *,
    passport_id: uuid.UUID,
    seq: int,
    prev: str | None,
    event_type: str,
    actor: Organisation,
    signer: Signer,
    payload: dict,
    time: dt.datetime | None = None,
) -> Event:
    """An unsaved event whose canonical envelope bytes are signed by the actor's active key."""
    time = time or timezone.now()
    envelope = canonical_bytes(
        envelope_build(
            passport_id=passport_id,
            seq=seq,
            prev=prev,
            event_type=event_type,
            time=time,
            actor_id=actor.id,
            kid=signer.kid,
            payload=payload,
        )
    )
    return Event(
        passport_id=passport_id,
        seq=seq,
        prev=prev,
        hash=sha256_hex(envelope),
        type=event_type,
        time=time,
        actor=actor,
        kid_id=signer.kid,
        envelope=envelope,
        signature=signer.sign(envelope),
    )


def event_append(
    *, passport: Passport, event_type: str, actor: Organisation, payload: dict
) -> Event:
    """Appends a signed event after the passport's head, holding the passport row lock."""
    with transaction.atomic():
        locked = Passport.objects.select_for_update().get(pk=passport.pk)
        if locked.archived_from:
            raise EventRefused.archived(locked.archived_from)
        head = locked.events.order_by("-seq").only("seq", "hash").first()
        event = event_sign(
            passport_id=locked.id,
            seq=head.seq + 1 if head else 0,
            prev=head.hash if head else None,
            event_type=event_type,
            actor=actor,
            signer=signer_for(organisation=actor),
            payload=payload,
        )
        event.save(force_insert=True)
        Passport.objects.filter(pk=locked.pk).update(head_hash=event.hash)
        public_answer_refresh_on_commit(passport_ids=[locked.pk])
    return event


def event_insert_moving_head(*, event: Event, expected_head: str, changes: dict) -> int:
    """Inserts the event and applies `changes` to its passport if the head is still
    `expected_head`; returns the number of passports updated (1, or 0 if the head moved).

    On PostgreSQL both go in one statement (the insert as a data-modifying WITH clause), one
    round trip instead of two, and neither goes through the ORM's save machinery.
    """
    if connection.vendor != "postgresql":
        event.save(force_insert=True)
        return Passport.objects.filter(pk=event.passport_id, head_hash=expected_head).update(
            **changes
        )
    quote = connection.ops.quote_name
    event_fields = [f for f in Event._meta.concrete_fields if not f.generated]
    moved = [Passport._meta.get_field(name) for name in changes]
    pk = Passport._meta.pk
    head = Passport._meta.get_field("head_hash")
    sql = (
        f"WITH e AS (INSERT INTO {quote(Event._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in event_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(event_fields))})) "
        f"UPDATE {quote(Passport._meta.db_table)} "
        f"SET {', '.join(f'{quote(f.column)} = %s' for f in moved)} "
        f"WHERE {quote(pk.column)} = %s AND {quote(head.column)} = %s"
    )
    params = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in event_fields]
    params += [
        f.get_db_prep_save(value, connection)
        for f, value in zip(moved, changes.values(), strict=True)
    ]
    params += [pk.get_db_prep_save(event.passport_id, connection), expected_head]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    event._state.adding = False  # stored, as save() would have marked it
    return updated
