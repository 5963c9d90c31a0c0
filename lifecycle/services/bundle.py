"""The offline bundle: a passport, its signed events, the keys, a checkpoint and proofs."""

import base64

from django.db.models import Max

from lifecycle import merkle
from lifecycle.models import ArchivedCheckpoint, Checkpoint, Event
from lifecycle.services.log import (
    checkpoint_note,
    checkpoint_publish,
    fetch_nodes,
    log_integrate,
    log_vkey,
)
from passports.models import Passport, SigningKey
from passports.services.keys import public_jwk

BUNDLE_FORMAT = "passport-bundle/v1"


def passport_bundle(*, passport: Passport, representation: dict) -> dict:
    """Builds the bundle, first making sure a signed checkpoint covers every event."""
    if passport.archived_from:
        return archived_bundle(passport=passport, representation=representation)
    checkpoint = checkpoint_covering(passports=[passport])
    return bundle_at(passport=passport, representation=representation, checkpoint=checkpoint)


def checkpoint_covering(*, passports: list[Passport]) -> Checkpoint:
    """The latest signed checkpoint, integrating and signing first if some event is not covered."""
    events = Event.objects.filter(passport__in=passports)
    newest_leaf = events.aggregate(index=Max("leaf__index"))["index"]
    if newest_leaf is None or events.filter(leaf__isnull=True).exists():
        log_integrate()
        newest_leaf = events.aggregate(index=Max("leaf__index"))["index"]
    checkpoint = Checkpoint.objects.order_by("-size").first()
    if checkpoint is None or checkpoint.size <= newest_leaf:
        checkpoint = checkpoint_publish() or Checkpoint.objects.order_by("-size").first()
    return checkpoint


def bundle_at(*, passport: Passport, representation: dict, checkpoint: Checkpoint) -> dict:
    """The bundle of the events this checkpoint covers, with proofs to it."""
    events = list(
        passport.events.select_related("leaf")
        .filter(leaf__index__lt=checkpoint.size)
        .order_by("seq")
    )
    size = checkpoint.size
    # One read of every node the chain's proofs need, rather than one per event (an archive
    # builds a bundle for each of an operator's passports).
    nodes = fetch_nodes({n for e in events for n in merkle.inclusion_plan(e.leaf.index, size)})
    return {
        "format": BUNDLE_FORMAT,
        "passport": representation,
        "keys": _keys(events),
        "events": [
            _entry(event, event.leaf.index, merkle.inclusion_proof(event.leaf.index, size, nodes))
            for event in events
        ],
        "checkpoint": checkpoint_note(checkpoint),
        "log_vkey": log_vkey(),
    }


def archived_bundle(*, passport: Passport, representation: dict) -> dict:
    """An imported passport's bundle: its origin's proofs, checkpoint and log key, as archived."""
    events = list(passport.events.select_related("archived_proof").order_by("seq"))
    checkpoint = ArchivedCheckpoint.objects.get(proofs__event=events[0])
    return {
        "format": BUNDLE_FORMAT,
        "passport": representation,
        "keys": _keys(events),
        "events": [
            _entry(
                event,
                event.archived_proof.log_index,
                [bytes.fromhex(node) for node in event.archived_proof.inclusion_proof],
            )
            for event in events
        ],
        "checkpoint": checkpoint.note,
        "log_vkey": checkpoint.log_vkey,
    }


def _keys(events: list[Event]) -> list[dict]:
    kids = {event.kid_id for event in events}
    keys = SigningKey.objects.filter(kid__in=kids).select_related("organisation")
    return [public_jwk(key) for key in keys]


def _entry(event: Event, log_index: int, proof: list[bytes]) -> dict:
    return {
        "seq": event.seq,
        "envelope": base64.b64encode(bytes(event.envelope)).decode("ascii"),
        "signature": base64.b64encode(bytes(event.signature)).decode("ascii"),
        "kid": event.kid_id,
        "log_index": log_index,
        "inclusion_proof": [node.hex() for node in proof],
    }
