"""Building a realistic instance A to archive, and rewriting archives the way an attacker would."""

import base64
import hashlib
import io
import json
import zipfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command

from lifecycle import note
from lifecycle.archive.format import signed_text
from lifecycle.services.log import checkpoint_publish, log_integrate, log_vkey
from tests.factories import declaration

WHEN = "2026-06-01T10:00:00Z"


def post_event(client, passport_id: str, event_type: str, payload: dict):
    response = client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {"type": event_type, "occurred_at": WHEN, "payload": payload},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def populate(manufacturer, repairer) -> list[str]:
    """Two batteries with chains of several links, by two actors, across a key rotation."""
    ids = []
    for serial in ("BAT-000001", "BAT-000002"):
        created = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial=serial), format="json"
        )
        assert created.status_code == 201, created.json()
        ids.append(created.json()["id"])
    first = ids[0]
    post_event(manufacturer.client, first, "placed_on_market", {"country": "DE"})
    rotated = manufacturer.client.post(
        f"/api/v1/organisations/{manufacturer.organisation.pk}/rotate-key/"
    )
    assert rotated.status_code == 200
    post_event(manufacturer.client, first, "health_reported", {"state_of_health_pct": "97"})
    post_event(repairer.client, first, "health_reported", {"state_of_health_pct": "95"})
    log_integrate()
    checkpoint_publish()
    return ids


def export(organisation, path) -> bytes:
    call_command("export_passports", "--org", str(organisation.pk), "--output", str(path))
    return path.read_bytes()


def origin_vkey() -> str:
    return log_vkey()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rewrite_bundle(data: bytes, passport_id: str, change) -> bytes:
    """The archive with one passport's bundle changed by change(bundle) and nothing re-signed."""
    members = members_of(data)
    name = f"passports/{passport_id}.json"
    bundle = json.loads(members[name])
    change(bundle)
    members[name] = json.dumps(bundle).encode()
    return zipped(members)


def flip_payload_byte(seq: int):
    """Changes one byte inside the payload of event `seq`'s signed envelope."""

    def change(bundle: dict) -> None:
        entry = bundle["events"][seq]
        envelope = base64.b64decode(entry["envelope"])
        at = envelope.index(b'"payload":') + len(b'"payload":{"') + 2
        changed = envelope[:at] + bytes([envelope[at] ^ 0x01]) + envelope[at + 1 :]
        entry["envelope"] = base64.b64encode(changed).decode("ascii")

    return change


def remove_event(seq: int):
    def change(bundle: dict) -> None:
        del bundle["events"][seq]

    return change


def break_checkpoint_signature(data: bytes) -> bytes:
    """Every copy of the checkpoint note with one bit of the log's signature flipped."""
    members = members_of(data)
    note = members["checkpoint.txt"].decode()
    body, _, lines = note.partition("\n\n")
    name, signature = lines.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 0x01
    broken = f"{body}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n"
    members["checkpoint.txt"] = broken.encode()
    for member in [m for m in members if m.startswith("passports/")]:
        bundle = json.loads(members[member])
        bundle["checkpoint"] = broken
        members[member] = json.dumps(bundle).encode()
    return zipped(members)


def forge_record(data: bytes, passport_id: str, change) -> tuple[bytes, str]:
    """The archive with one record changed by change(record), every digest recomputed and the
    manifest and checkpoint re-signed with a fresh log key; returns it and that key's vkey.

    What an attacker without the origin's key can make: self-consistent, signed by a key that
    is not the origin's.
    """
    members = members_of(data)
    name = f"records/{passport_id}.json"
    record = json.loads(members[name])
    change(record)
    members[name] = json.dumps(record).encode()
    private = Ed25519PrivateKey.generate()
    body = members["checkpoint.txt"].decode().partition("\n\n")[0] + "\n"
    origin = body.splitlines()[0]
    checkpoint = note.sign_note(body, origin, private)
    members["checkpoint.txt"] = checkpoint.encode()
    for member in [m for m in members if m.startswith("passports/")]:
        bundle = json.loads(members[member])
        bundle["checkpoint"] = checkpoint
        members[member] = json.dumps(bundle).encode()
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    forged_vkey = note.vkey(origin, raw)
    manifest = json.loads(members["manifest.json"])
    manifest["origin"]["log_vkey"] = forged_vkey
    manifest["members"] = {
        member: hashlib.sha256(content).hexdigest()
        for member, content in members.items()
        if member not in ("manifest.json", "manifest.sig")
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    text = signed_text(
        host=manifest["origin"]["host"],
        organisation_id=manifest["organisation"],
        manifest_sha256=hashlib.sha256(members["manifest.json"]).hexdigest(),
    )
    members["manifest.sig"] = note.sign_note(text, origin, private).encode()
    return zipped(members), forged_vkey
