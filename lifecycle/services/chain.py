"""Building, signing and appending events to a passport's hash chain (DESIGN.md section 4)."""

import datetime as dt
import uuid

from django.db import connection
from django.utils import timezone

from lifecycle.canonical import canonical_bytes, rfc3339, sha256_hex
from lifecycle.models import Event
from passports.models import Organisation, Passport, PassportHead
from passports.services.keys import Signer

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


def event_insert_moving_head(*, event: Event, expected_head: str, changes: dict) -> int:
    """Inserts the event and moves its passport's head row to it if the head is still
    `expected_head`; returns the number of heads moved (1, or 0 if the head moved).

    `changes` (see passport_changes) go where they are kept: `health` into the narrow head row
    with the head, anything else (status, holder, market) into the wide passport row, which a
    health report therefore leaves untouched. On PostgreSQL it is all one statement (the
    insert and any passport update as data-modifying WITH clauses), one round trip, and none
    of it goes through the ORM's save machinery.
    """
    moves = {"seq": event.seq, "hash": event.hash}
    if "health" in changes:
        moves["health"] = changes["health"]
    wide = {name: value for name, value in changes.items() if name != "health"}
    if connection.vendor != "postgresql":
        event.save(force_insert=True)
        if wide:
            Passport.objects.filter(pk=event.passport_id).update(**wide)
        return PassportHead.objects.filter(pk=event.passport_id, hash=expected_head).update(**moves)
    quote = connection.ops.quote_name
    event_fields = [f for f in Event._meta.concrete_fields if not f.generated]
    sql = (
        f"WITH e AS (INSERT INTO {quote(Event._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in event_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(event_fields))})) "
    )
    params = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in event_fields]
    if wide:
        assignments, values = _assignments(Passport, wide)
        sql += (
            f", p AS (UPDATE {quote(Passport._meta.db_table)} SET {assignments} "
            f"WHERE {quote(Passport._meta.pk.column)} = %s) "
        )
        params += [*values, event.passport_id]
    assignments, values = _assignments(PassportHead, moves)
    sql += (
        f"UPDATE {quote(PassportHead._meta.db_table)} SET {assignments} "
        f"WHERE {quote(PassportHead._meta.pk.column)} = %s AND {quote('hash')} = %s"
    )
    params += [*values, event.passport_id, expected_head]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    event._state.adding = False  # stored, as save() would have marked it
    return updated


def _assignments(model, changes: dict) -> tuple[str, list]:
    """`col = %s, ...` for the named fields of `model`, and their values prepared for saving."""
    fields = [model._meta.get_field(name) for name in changes]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    values = [
        f.get_db_prep_save(value, connection)
        for f, value in zip(fields, changes.values(), strict=True)
    ]
    return assignments, values
