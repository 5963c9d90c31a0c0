"""Recording lifecycle events: role and status checks, idempotency, the signed append."""

import datetime as dt
import json
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from lifecycle.canonical import canonical_bytes, prepare, rfc3339, sha256_hex
from lifecycle.errors import EventRefused
from lifecycle.models import Event
from lifecycle.models import EventType as E
from lifecycle.rules import TERMINAL, TRANSITIONS, allowed_for, next_events
from lifecycle.services.chain import event_sign
from lifecycle.services.registration import (
    RegistrationConflict,
    passports_register,
)
from lifecycle.tasks import enqueue_on_commit, integrate_log
from passports.api.errors import flatten_errors
from passports.declaration import PassportDeclaration, normalise_tree
from passports.models import Organisation, Passport
from passports.services.keys import signer_for

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
) -> tuple[Event, bool]:
    """Checks and appends one event; returns (event, created). Raises EventRefused."""
    try:
        with transaction.atomic():
            # The successor (if any) comes in the same query; only the passport row is locked.
            passport = (
                Passport.objects.select_for_update(of=("self",))
                .select_related("successor")
                .get(pk=passport_id)
            )
            if idempotency_key:
                earlier = Event.objects.filter(actor=actor, idempotency_key=idempotency_key).first()
                if earlier is not None:
                    return _replayed(earlier, digest), False
            _check_allowed(passport, actor, event_type, occurred_at)
            signed_payload = _effects_before(passport, actor, event_type, occurred_at, payload)
            event = _append(passport, actor, event_type, signed_payload, idempotency_key, digest)
            _effects_after(passport, event, event_type, occurred_at, signed_payload)
    except IntegrityError:
        # A concurrent retry with the same key committed first: answer with its event.
        earlier = Event.objects.filter(actor=actor, idempotency_key=idempotency_key).first()
        if idempotency_key and earlier is not None:
            return _replayed(earlier, digest), False
        raise
    enqueue_on_commit(integrate_log)
    return event, True


def _replayed(earlier: Event, digest: str) -> Event:
    if earlier.request_digest != digest:
        raise EventRefused.one(
            409,
            "Idempotency-Key",
            "This key was already used with a different request body.",
        )
    return earlier


def _check_allowed(
    passport: Passport, actor: Organisation, event_type: str, occurred_at: dt.datetime
) -> None:
    allowed = allowed_for(
        organisation_id=actor.pk,
        organisation_kind=actor.kind,
        manufacturer_id=passport.manufacturer_id,
        holder_id=passport.holder_id,
    )
    if event_type not in allowed:
        names = ", ".join(sorted(allowed)) or "none"
        raise EventRefused.one(
            403, "type", f"A {actor.kind} may not post {event_type} here (may post: {names})."
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
        if not Organisation.objects.filter(pk=payload["to"]).exists():
            raise EventRefused.one(400, "payload.to", "No organisation has this id.")
        signed["to"] = str(payload["to"])
    if event_type == E.COLLECTED:
        collector = payload.get("collector") or actor.pk
        if not Organisation.objects.filter(pk=collector).exists():
            raise EventRefused.one(400, "payload.collector", "No organisation has this id.")
        signed["collector"] = str(collector)
    if event_type in (E.REPURPOSED, E.REMANUFACTURED):
        successor = _successor_register(passport, actor, occurred_at, payload["successor"])
        signed["successor"] = {**signed["successor"], "passport": str(successor.pk)}
    return signed


def _successor_register(
    passport: Passport, actor: Organisation, occurred_at: dt.datetime, identity: dict
) -> Passport:
    """Registers the successor passport: the predecessor's declaration under a new identity."""
    declaration = json.loads(bytes(passport.declaration))
    declaration.update(
        gtin=identity.get("gtin"),
        serial=identity.get("serial"),
        gbt_code=None,
        model=identity["model"],
        manufactured_at=occurred_at.date().isoformat(),
        manufacturing_place={
            "country": actor.country or declaration["manufacturing_place"]["country"]
        },
        predecessor=str(passport.pk),
    )
    for item in declaration["composition"]:
        item.pop("critical", None)
    checked = PassportDeclaration(
        data=declaration, context={"gs1_company_prefix": actor.gs1_company_prefix}
    )
    if not checked.is_valid():
        errors = flatten_errors(checked.errors, "payload.successor")
        raise EventRefused(400, errors)
    try:
        (successor,) = passports_register(organisation=actor, declarations=[checked.validated_data])
    except RegistrationConflict as conflict:
        raise EventRefused(
            409,
            [{"field": "payload.successor." + f, "message": m} for _, f, m in conflict.conflicts],
        ) from conflict
    return successor


def _append(
    passport: Passport,
    actor: Organisation,
    event_type: str,
    payload: dict,
    idempotency_key: str | None,
    digest: str,
) -> Event:
    head = passport.events.order_by("-seq").only("seq", "hash").first()
    event = event_sign(
        passport_id=passport.pk,
        seq=head.seq + 1,
        prev=head.hash,
        event_type=event_type,
        actor=actor,
        signer=signer_for(organisation=actor),
        payload=payload,
    )
    event.idempotency_key = idempotency_key
    event.request_digest = digest
    event.save(force_insert=True)
    return event


def _effects_after(
    passport: Passport, event: Event, event_type: str, occurred_at: dt.datetime, payload: dict
) -> None:
    """Moves the passport's head, status, holder and latest health, compare-and-set."""
    changes: dict = {"head_hash": event.hash}
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
    updated = Passport.objects.filter(pk=passport.pk, head_hash=passport.head_hash).update(
        **changes
    )
    if updated != 1:  # the row lock makes this unreachable unless the lock is bypassed
        raise IntegrityError("The passport's chain head moved during the append.")
    if event_type in (E.REPURPOSED, E.REMANUFACTURED):
        Passport.objects.filter(pk=payload["successor"]["passport"]).update(status=new_status)


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
