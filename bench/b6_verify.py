"""B6: offline verification of a bundle of 1,000 events with the standalone verifier.

Limit: the cryptography the verifier cannot skip, with nothing around it: 1,000 Ed25519
verifications of the same envelopes with a key loaded once, the SHA-256 of each envelope for
the chain, and each leaf hash folded up its inclusion proof. The verifier does strictly more
(it also decodes, parses and checks every field), so its ratio is at most 1. Both run in this
process, alternating over many short rounds after warm-up; CPU is this process's.
"""

import base64
import datetime as dt
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction

from bench import fixtures
from bench.common import Outcome
from bench.paired import alternate, in_process
from lifecycle.services.bundle import passport_bundle
from lifecycle.services.chain import event_sign
from lifecycle.services.log import checkpoint_publish, log_append_events, log_vkey
from lifecycle.services.registration import registration_rows
from lifecycle.verify import leaf_data, verify_bundle
from passports.bulk import rows_insert
from passports.models import CompositionEntry, OriginShare, Passport, PassportHead
from passports.representation import passport_full
from passports.services.keys import signer_for

GOAL = 0.7
ROUNDS, WARMUP = 15, 3


def _passport_with_events(count: int) -> Passport:
    """A passport whose chain holds `count` events (genesis and health reports), all logged."""
    organisation, _ = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    signer = signer_for(organisation=organisation)
    (item,) = fixtures.declarations(1, f"V{dt.datetime.now():%H%M%S%f}"[:14])
    rows = registration_rows(organisation=organisation, signer=signer, declaration=item)
    events, head = [rows.genesis], rows.genesis
    start = dt.datetime.combine(item["manufactured_at"], dt.time(12), dt.UTC)
    for seq in range(1, count):
        occurred = start + dt.timedelta(hours=seq)
        head = event_sign(
            passport_id=rows.passport.id,
            seq=seq,
            prev=head.hash,
            event_type="health_reported",
            actor=organisation,
            signer=signer,
            payload={
                "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "state_of_health_pct": f"{100 - seq / 100:.2f}",
            },
        )
        events.append(head)
    rows.passport.head.seq, rows.passport.head.hash = head.seq, head.hash
    with transaction.atomic():
        rows_insert(Passport, [rows.passport])
        rows_insert(PassportHead, [rows.passport.head])
        rows_insert(CompositionEntry, rows.composition)
        rows_insert(OriginShare, rows.origin)
        rows_insert(type(head), events)
        log_append_events(events)
    checkpoint_publish()
    return rows.passport


def _limit(bundle: dict):
    """The raw checks over the bundle's events, inputs decoded beforehand."""
    public = Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(bundle["keys"][0]["x"] + "==")
    )
    items = []
    for event in bundle["events"]:
        envelope = base64.b64decode(event["envelope"])
        signature = base64.b64decode(event["signature"])
        proof = [bytes.fromhex(h) for h in event["inclusion_proof"]]
        items.append((envelope, signature, leaf_data(envelope, signature), proof))

    def checks() -> None:
        sha256 = hashlib.sha256
        for envelope, signature, leaf, proof in items:
            public.verify(signature, envelope)
            sha256(envelope).digest()
            node = sha256(b"\x00" + leaf).digest()
            for sibling in proof:
                node = sha256(b"\x01" + sibling + node).digest()

    return checks


def run(events: int = 1000) -> Outcome:
    outcome = Outcome("B6", "offline verification of a 1,000-event bundle")
    passport = _passport_with_events(events)
    bundle = json.loads(
        json.dumps(passport_bundle(passport=passport, representation=passport_full(passport)))
    )
    vkey = log_vkey()
    checks = verify_bundle(bundle, vkey, [])
    failed = [c for c in checks if not c.ok]
    limit = _limit(bundle)
    paired = alternate(
        lambda: in_process(limit, events),
        {"verify": lambda: in_process(lambda: verify_bundle(bundle, vkey, []), events)},
        rounds=ROUNDS,
        warmup=WARMUP,
    )["verify"]
    wall = paired.wall
    outcome.add(
        "events verified/s",
        paired.units_per_second(),
        "events/s",
        limit=paired.units_per_second("limit"),
        limit_name="raw Ed25519+SHA-256",
        goal=f">= {GOAL} x limit",
        passed=not failed and wall.median >= GOAL and not paired.invalid(),
        paired=paired,
    )
    outcome.notes.append(
        f"{wall.count} rounds after {WARMUP} warm-up: wall ratio {wall.median:.2f} "
        f"(IQR {wall.q1:.2f}-{wall.q3:.2f}), CPU ratio {paired.cpu.median:.2f}"
    )
    outcome.details.update(checks=len(checks), failed=[c.name for c in failed][:5])
    return outcome
