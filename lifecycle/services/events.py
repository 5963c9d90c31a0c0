"""Recording lifecycle events: role and status checks, idempotency, the signed append."""

import datetime as dt
import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from lifecycle.canonical import canonical_bytes, prepare, rfc3339, sha256_hex
from lifecycle.errors import EventRefused
from lifecycle.models import Event
from lifecycle.models import EventType as E
from lifecycle.rules import (
    BATCH_SIGNED,
    MAY_POST,
    TERMINAL,
    TRANSFER_RECIPIENTS,
    TRANSITIONS,
    allowed_for,
    may_post,
    next_events,
    relations,
)
from lifecycle.services.chain import event_insert_moving_head, event_sign
from lifecycle.services.head_lock import passport_locked
from lifecycle.services.successors import successor_register
from lifecycle.tasks import enqueue_on_commit, integrate_log
from passports.declaration import normalise_tree
from passports.models import Organisation, Passport, SigningKey
from passports.registry.services import registration_queue
from passports.registry.tasks import deliver_registration
from passports.scan_cache import public_answer_refresh_on_commit
from passports.services.keys import signer_cached

CLOCK_SKEW = dt.timedelta(minutes=5)


def request_digest(*, passport_id: uuid.UUID, body: dict) -> str:
    """Identifies a request body for idempotent retries (same key, same body, same event)."""
    return sha256_hex(canonical_bytes({"passport": str(passport_id), "body": body}))


def event_record(
    *,
    passport_id: uuid.UUID,
    actor: Organisation,
    event_type: str,
    occurred_at: dt.datetime,
    payload: dict,
    idempotency_key: str | None = None,
    digest: str = "",
    closing_batch: bool = False,
) -> tuple[Event, bool]:
    """Checks and appends one event; returns (event, created). Raises EventRefused.

    `closing_batch` is set only by the service that closes a treatment batch, the one place
    that signs `recycled` (for the batch's recycler, which must hold the product).
    """
    return _recorded(
        passport_id, actor, lambda _: (event_type, occurred_at, payload),
        idempotency_key, digest, closing_batch,
    )  # fmt: skip


def event_post(
    *,
    passport_id: uuid.UUID,
    actor: Organisation,
    validate: Callable[[Passport], tuple[str, dt.datetime, dict]],
    idempotency_key: str | None,
    digest: str,
) -> tuple[Event, bool]:
    """A client's event: `validate` sees the locked passport first and returns (type, time,
    payload) or raises (not found, a malformed body); then as event_record.

    Validating against the locked row spares the API a read of the passport of its own.
    """
    return _recorded(passport_id, actor, validate, idempotency_key, digest, False)


def _recorded(
    passport_id: uuid.UUID,
    actor: Organisation,
    validate: Callable[[Passport], tuple[str, dt.datetime, dict]],
    idempotency_key: str | None,
    digest: str,
    closing_batch: bool,
) -> tuple[Event, bool]:
    try:
        with transaction.atomic():
            passport = passport_locked(passport_id=passport_id, actor_id=actor.pk)
            event_type, occurred_at, payload = validate(passport)
            if idempotency_key:
                earlier = Event.objects.filter(actor=actor, idempotency_key=idempotency_key).first()
                if earlier is not None:
                    return _replayed(earlier, digest), False
            _check_allowed(passport, actor, event_type, occurred_at, closing_batch)
            signed_payload = _effects_before(passport, actor, event_type, occurred_at, payload)
            event = _append(passport, actor, event_type, signed_payload, idempotency_key, digest)
            _effects_after(passport, event, event_type, occurred_at, signed_payload)
            delivery = registry_queue_if_placed(
                passport, actor, event_type, signed_payload, occurred_at
            )
    except IntegrityError:
        # A concurrent retry with the same key committed first: answer with its event.
        earlier = Event.objects.filter(actor=actor, idempotency_key=idempotency_key).first()
        if idempotency_key and earlier is not None:
            return _replayed(earlier, digest), False
        raise
    enqueue_on_commit(integrate_log)
    public_answer_refresh_on_commit(passport_ids=[passport_id])  # a new head: new public answer
    if delivery is not None:
        enqueue_on_commit(deliver_registration, str(delivery.pk))
    return event, True


def registry_queue_if_placed(
    passport: Passport, actor: Organisation, event_type: str, signed_payload: dict, occurred_at
):
    """The registry outbox row an event calls for (placing on the market), else None.

    Called inside the event's transaction, so the row commits or rolls back with the event.
    """
    if event_type != E.PLACED_ON_MARKET:
        return None
    return registration_queue(
        passport=passport, operator=actor, country=signed_payload["country"],
        placed_on=occurred_at.date(),
    )  # fmt: skip


def _replayed(earlier: Event, digest: str) -> Event:
    if earlier.request_digest != digest:
        raise EventRefused.one(
            409,
            "Idempotency-Key",
            "This key was already used with a different request body.",
        )
    return earlier


def _check_allowed(
    passport: Passport,
    actor: Organisation,
    event_type: str,
    occurred_at: dt.datetime,
    closing_batch: bool,
) -> None:
    if passport.archived_from:
        # Before the role checks: whoever asks, the answer is that nobody here can sign.
        raise EventRefused.archived(passport.archived_from)
    if event_type in BATCH_SIGNED and not closing_batch:
        raise EventRefused.one(
            400,
            "type",
            f"{event_type} is signed only by closing the treatment batch that took the product "
            "in (POST /api/v1/batches/{id}/close/), never posted directly.",
        )
    held = relations(
        organisation_id=actor.pk,
        manufacturer_id=passport.manufacturer_id,
        holder_id=passport.holder_id,
    )
    rules = BATCH_SIGNED if closing_batch else MAY_POST
    if not may_post(event_type, kind=actor.kind, relations_held=held, rules=rules):
        allowed = allowed_for(
            organisation_id=actor.pk,
            organisation_kind=actor.kind,
            manufacturer_id=passport.manufacturer_id,
            holder_id=passport.holder_id,
        )
        names = ", ".join(sorted(allowed)) or "none"
        holding = "holds" if passport.holder_id == actor.pk else "does not hold"
        raise EventRefused.one(
            403,
            "type",
            f"A {actor.kind} that {holding} this product may not post {event_type} "
            f"(may post: {names}).",
        )
    if hasattr(passport, "successor"):
        raise EventRefused.one(
            409,
            "type",
            f"This passport was superseded by {passport.successor.pk}; post events there.",
            status=passport.status,
            allowed=[],
        )
    sources, _ = TRANSITIONS[event_type]
    if passport.status not in sources:
        allowed_next = next_events(passport.status)
        ending = (
            "it has ended" if passport.status in TERMINAL else "allowed: " + ", ".join(allowed_next)
        )
        raise EventRefused.one(
            409,
            "type",
            f"{event_type} is not allowed while the passport is {passport.status} ({ending}).",
            status=passport.status,
            allowed=allowed_next,
        )
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise EventRefused.one(400, "occurred_at", "The event cannot be in the future.")
    if occurred_at.date() < passport.manufactured_at:
        raise EventRefused.one(
            400, "occurred_at", "The event cannot precede the product's manufacture."
        )


def _effects_before(
    passport: Passport, actor: Organisation, event_type: str, occurred_at, payload: dict
) -> dict:
    """Resolves references in the payload and creates successors; returns what is signed."""
    signed = {"occurred_at": rfc3339(occurred_at), **prepare(normalise_tree(payload))}
    if event_type == E.OWNERSHIP_TRANSFERRED:
        signed["to"] = str(_transfer_recipient(passport, actor, payload["to"]).pk)
    if event_type == E.COLLECTED:
        collector = payload.get("collector") or actor.pk
        if collector != actor.pk:
            # Naming another organisation would make it the holder without its consent.
            raise EventRefused.one(
                400,
                "payload.collector",
                "A collection names its poster as the collector; the collecting organisation "
                "records it with its own credentials.",
            )
        signed["collector"] = str(collector)
    if event_type in (E.REPURPOSED, E.REMANUFACTURED):
        successor = successor_register(
            predecessor=passport, operator=actor, occurred_at=occurred_at,
            identity=payload["successor"],
        )  # fmt: skip
        signed["successor"] = {**signed["successor"], "passport": str(successor.pk)}
    return signed


def _transfer_recipient(passport: Passport, actor: Organisation, recipient_id) -> Organisation:
    """The organisation a product is handed to, if it may hold the product in its status."""
    recipient = Organisation.objects.filter(pk=recipient_id).first()
    if recipient is None:
        raise EventRefused.one(400, "payload.to", "No organisation has this id.")
    if recipient.pk == actor.pk:
        raise EventRefused.one(400, "payload.to", "The product is already yours.")
    kinds = TRANSFER_RECIPIENTS.get(passport.status, frozenset())
    if recipient.kind not in kinds:
        names = " or ".join(sorted(kinds))
        raise EventRefused.one(
            400,
            "payload.to",
            f"While the product is {passport.status}, it can be handed only to a {names}, "
            f"not to a {recipient.kind}.",
        )
    return recipient


def _append(
    passport: Passport,
    actor: Organisation,
    event_type: str,
    payload: dict,
    idempotency_key: str | None,
    digest: str,
) -> Event:
    if passport.actor_kid is None:
        raise SigningKey.DoesNotExist(f"{actor} has no active signing key.")
    event = event_sign(
        passport_id=passport.pk,
        seq=passport.head.seq + 1,
        prev=passport.head.hash,
        event_type=event_type,
        actor=actor,
        signer=signer_cached(kid=passport.actor_kid),
        payload=payload,
    )
    event.idempotency_key = idempotency_key
    event.request_digest = digest
    return event  # written with the passport's changes by _effects_after


def _effects_after(
    passport: Passport, event: Event, event_type: str, occurred_at: dt.datetime, payload: dict
) -> None:
    """Moves the passport's head and latest health, and its status, holder or market if the
    event changes them; compare-and-set on the head."""
    changes = passport_changes(
        passport=passport, event=event, occurred_at=occurred_at, payload=payload
    )
    updated = event_insert_moving_head(
        event=event, expected_head=passport.head.hash, changes=changes
    )
    if updated != 1:  # the row lock makes this unreachable unless the lock is bypassed
        raise IntegrityError("The passport's chain head moved during the append.")
    if event_type in (E.REPURPOSED, E.REMANUFACTURED):
        _, new_status = TRANSITIONS[event_type]
        Passport.objects.filter(pk=payload["successor"]["passport"]).update(status=new_status)


def passport_changes(
    *, passport: Passport, event: Event, occurred_at: dt.datetime, payload: dict
) -> dict:
    """What an appended event moves besides the head: status, holder, market (passport
    fields) and `health` (kept in the head row)."""
    event_type = event.type
    changes: dict = {}
    _, new_status = TRANSITIONS[event_type]
    if new_status:
        changes["status"] = new_status
    if event_type == E.OWNERSHIP_TRANSFERRED:
        changes["holder_id"] = payload["to"]
    if event_type == E.COLLECTED:
        changes["holder_id"] = payload["collector"]
    if event_type == E.PLACED_ON_MARKET:
        changes["market_country"] = payload["country"]
        changes["placed_on_market_on"] = occurred_at.date()
    if event_type == E.HEALTH_REPORTED:
        changes["health"] = _latest_health(passport.health, event, occurred_at, payload)
    return changes


def changes_apply(passport: Passport, event: Event, changes: dict) -> None:
    """Carries an appended event and its changes onto the in-memory passport and head."""
    head = passport.head
    head.seq, head.hash = event.seq, event.hash
    for name, value in changes.items():
        if name == "health":
            head.health = value
        else:
            setattr(passport, name, uuid.UUID(value) if name == "holder_id" else value)


def _latest_health(current: dict, event: Event, occurred_at: dt.datetime, payload: dict) -> dict:
    latest = dict(current)
    at = rfc3339(occurred_at)
    for name, value in payload.items():
        if name == "occurred_at":
            continue
        if name in latest and latest[name]["at"] > at:
            continue  # a late report of older readings does not replace newer ones
        latest[name] = {"value": value, "at": at, "seq": event.seq}
    return latest
