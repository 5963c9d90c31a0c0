"""A passport's lifecycle as the page shows it: each event checked against its signer's key and
placed against the latest checkpoint, plus the health reports the events carry.

Two queries whatever the chain's length: the events with their leaf, actor and key joined, and
the latest checkpoint size. Signatures are checked here, on the stored bytes, rather than trusted
from a flag, so a row altered in the database shows as not verifying.
"""

import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lifecycle.canonical import sha256_hex
from lifecycle.models import Event, EventType
from lifecycle.services.log import latest_checkpoint_size
from passports.models import Passport


@dataclass
class TimelineEntry:
    """One event on the page: what happened, who signed it and whether that still holds."""

    seq: int
    type: str
    time: str
    actor: str
    payload: dict
    hash: str
    signature_valid: bool
    chain_linked: bool
    log_index: int | None
    in_checkpoint: bool


@dataclass
class Timeline:
    """The events in chain order, the checkpoint they were judged against and health reports."""

    entries: list[TimelineEntry] = field(default_factory=list)
    checkpoint_size: int = 0
    health_reports: list[dict] = field(default_factory=list)

    @property
    def all_verified(self) -> bool:
        return all(e.signature_valid and e.chain_linked for e in self.entries)


def signature_valid(public_key: bytes, signature: bytes, envelope: bytes) -> bool:
    """Whether the Ed25519 signature over the stored envelope bytes verifies with the key."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, envelope)
    except (InvalidSignature, ValueError):
        return False
    return True


def _envelope_fields(envelope: bytes) -> dict:
    # A tampered row may no longer be JSON; the page still lists it, as not verifying.
    try:
        fields = json.loads(envelope)
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def passport_timeline(passport: Passport) -> Timeline:
    """Every event of the passport, verified, with its inclusion in the latest checkpoint."""
    events = (
        Event.objects.filter(passport=passport)
        .select_related("leaf", "actor", "kid")
        .order_by("seq")
    )
    timeline = Timeline(checkpoint_size=latest_checkpoint_size())
    previous_envelope: bytes | None = None
    for event in events:
        envelope = bytes(event.envelope)
        fields = _envelope_fields(envelope)
        payload = fields.get("payload") if isinstance(fields.get("payload"), dict) else {}
        expected_prev = sha256_hex(previous_envelope) if previous_envelope is not None else None
        leaf = getattr(event, "leaf", None)
        log_index = leaf.index if leaf is not None else None
        timeline.entries.append(
            TimelineEntry(
                seq=event.seq,
                type=event.type,
                time=payload.get("occurred_at") or fields.get("time") or event.time.isoformat(),
                actor=event.actor.name,
                payload={k: v for k, v in payload.items() if k != "occurred_at"},
                hash=event.hash,
                signature_valid=signature_valid(
                    bytes(event.kid.public_key), bytes(event.signature), envelope
                ),
                chain_linked=sha256_hex(envelope) == event.hash
                and fields.get("prev") == expected_prev
                and fields.get("seq") == event.seq,
                log_index=log_index,
                in_checkpoint=log_index is not None and log_index < timeline.checkpoint_size,
            )
        )
        previous_envelope = envelope
        if event.type == EventType.HEALTH_REPORTED:
            timeline.health_reports.append(
                {
                    "seq": event.seq,
                    "occurred_at": payload.get("occurred_at", ""),
                    "values": timeline.entries[-1].payload,
                }
            )
    return timeline
