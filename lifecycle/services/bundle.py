"""The offline bundle: a passport, its signed events, the keys, a checkpoint and proofs."""

import base64

from django.db.models import Max

from lifecycle.models import Checkpoint
from lifecycle.services.log import (
    checkpoint_note,
    checkpoint_publish,
    inclusion_proof,
    log_integrate,
    log_vkey,
)
from passports.models import Passport, SigningKey
from passports.services.keys import public_jwk

BUNDLE_FORMAT = "passport-bundle/v1"


def passport_bundle(*, passport: Passport, representation: dict) -> dict:
    """Builds the bundle, first making sure a signed checkpoint covers every event."""
    newest_leaf = passport.events.aggregate(index=Max("leaf__index"))["index"]
    if newest_leaf is None or passport.events.filter(leaf__isnull=True).exists():
        log_integrate()
        newest_leaf = passport.events.aggregate(index=Max("leaf__index"))["index"]
    checkpoint = Checkpoint.objects.order_by("-size").first()
    if checkpoint is None or checkpoint.size <= newest_leaf:
        checkpoint = checkpoint_publish() or Checkpoint.objects.order_by("-size").first()
    events = list(passport.events.select_related("leaf").order_by("seq"))
    kids = {event.kid_id for event in events}
    keys = SigningKey.objects.filter(kid__in=kids).select_related("organisation")
    return {
        "format": BUNDLE_FORMAT,
        "passport": representation,
        "keys": [public_jwk(key) for key in keys],
        "events": [
            {
                "seq": event.seq,
                "envelope": base64.b64encode(bytes(event.envelope)).decode("ascii"),
                "signature": base64.b64encode(bytes(event.signature)).decode("ascii"),
                "kid": event.kid_id,
                "log_index": event.leaf.index,
                "inclusion_proof": [
                    node.hex() for node in inclusion_proof(event.leaf.index, checkpoint.size)
                ],
            }
            for event in events
        ],
        "checkpoint": checkpoint_note(checkpoint),
        "log_vkey": log_vkey(),
    }
