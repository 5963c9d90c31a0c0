"""Building, signing and appending events to a passport's hash chain (DESIGN.md section 4)."""

import datetime as dt
import uuid

from django.db import transaction
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
