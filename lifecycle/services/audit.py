"""Auditing the whole log from its rows: leaves, nodes, checkpoints, signatures, chains.

Nothing stored is trusted: leaf data is recomputed from each event's envelope and signature,
the tree is rebuilt in memory, and every stored node and checkpoint is compared with it.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lifecycle.canonical import sha256_hex
from lifecycle.merkle import MemoryTree
from lifecycle.models import Checkpoint, Event, LogLeaf, LogNode
from lifecycle.services.log import checkpoint_note, log_vkey
from lifecycle.verify import VerificationError, leaf_data, leaf_hash, verify_checkpoint
from passports.models import SigningKey

CHUNK = 5000


@dataclass(frozen=True)
class Finding:
    """One mismatch between what is stored and what it must be."""

    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


def log_audit() -> tuple[list[Finding], dict]:
    """Every mismatch found, and counts of what was checked."""
    findings: list[Finding] = []
    tree = MemoryTree()
    counts = {"leaves": 0, "events": 0, "checkpoints": 0, "nodes": 0}
    findings += _leaves(tree, counts)
    findings += _nodes(tree, counts)
    findings += _checkpoints(tree, counts)
    findings += _events(counts)
    return findings, counts


def _event_name(event: Event) -> str:
    return f"event {event.passport_id}#{event.seq}"


def _leaves(tree: MemoryTree, counts: dict) -> Iterator[Finding]:
    leaves = LogLeaf.objects.select_related("event").order_by("index").iterator(CHUNK)
    for leaf in leaves:
        if leaf.index != tree.size:
            yield Finding(f"leaf {leaf.index}", f"expected index {tree.size}; the log has a gap")
            return
        expected = leaf_data(bytes(leaf.event.envelope), bytes(leaf.event.signature))
        name = f"leaf {leaf.index} ({_event_name(leaf.event)})"
        if bytes(leaf.data) != expected:
            yield Finding(name, "stored leaf data differs from the event's signed bytes")
        if bytes(leaf.hash) != leaf_hash(bytes(leaf.data)):
            yield Finding(name, "stored leaf hash is not SHA-256(0x00 || data)")
        # The rebuilt tree hashes the event as it is stored now, so an altered event shows up
        # against every checkpoint signed before the alteration.
        tree.append(expected)
        counts["leaves"] += 1


def _nodes(tree: MemoryTree, counts: dict) -> Iterator[Finding]:
    for node in LogNode.objects.order_by("level", "index").iterator(CHUNK):
        rebuilt = tree.nodes.get((node.level, node.index))
        if rebuilt != bytes(node.hash):
            yield Finding(f"node {node.level}/{node.index}", "differs from the rebuilt tree")
        counts["nodes"] += 1


def _checkpoints(tree: MemoryTree, counts: dict) -> Iterator[Finding]:
    vkey = log_vkey()
    for checkpoint in Checkpoint.objects.order_by("size").prefetch_related("cosignatures"):
        name = f"checkpoint {checkpoint.size}"
        counts["checkpoints"] += 1
        try:
            verify_checkpoint(checkpoint_note(checkpoint), vkey)
        except VerificationError as exc:
            yield Finding(name, f"signature does not verify: {exc}")
        if checkpoint.size > tree.size:
            yield Finding(name, f"covers {checkpoint.size} leaves but the log has {tree.size}")
        elif tree.root(checkpoint.size) != bytes(checkpoint.root):
            yield Finding(name, "root differs from the tree rebuilt from the events")


def _events(counts: dict) -> Iterator[Finding]:
    keys = {key.kid: bytes(key.public_key) for key in SigningKey.objects.all()}
    passport, head = None, None
    events = Event.objects.order_by("passport_id", "seq").iterator(CHUNK)
    for event in events:
        counts["events"] += 1
        envelope = bytes(event.envelope)
        name = _event_name(event)
        if sha256_hex(envelope) != event.hash:
            yield Finding(name, "stored hash is not the SHA-256 of its envelope")
        try:
            Ed25519PublicKey.from_public_bytes(keys[event.kid_id]).verify(
                bytes(event.signature), envelope
            )
        except (KeyError, InvalidSignature):
            yield Finding(name, "signature does not verify with its key")
        if event.passport_id != passport:
            passport, head = event.passport_id, None
        fields = json.loads(envelope)
        expected_prev = sha256_hex(head) if head is not None else None
        if fields.get("prev") != expected_prev or fields.get("seq") != event.seq:
            yield Finding(name, "chain link broken: prev is not the hash of the event before")
        head = envelope
