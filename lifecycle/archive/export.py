"""Writing an organisation's signed backup archive of its passports (layout in format.py)."""

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from lifecycle import note
from lifecycle.archive.format import (
    ARCHIVE_FORMAT,
    CHECKPOINT,
    KEYS,
    MANIFEST,
    SIGNATURE,
    bundle_member,
    record_member,
    signed_text,
)
from lifecycle.canonical import rfc3339
from lifecycle.models import Checkpoint
from lifecycle.services.bundle import bundle_at, checkpoint_covering
from lifecycle.services.log import checkpoint_note, log_key, log_vkey
from passports.models import Organisation, OrganisationKind, Passport, SigningKey
from passports.representation import passport_full, with_related
from passports.services.keys import public_jwk

# Fixed member times make the same content give the same bytes (and digest) every time.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class ArchiveRefused(Exception):
    """An archive that cannot be written; field and message say why."""

    field: str
    message: str


def origin_host() -> str:
    """The host this instance's Digital Links point to: the resolver base URL's."""
    return urlsplit(settings.RESOLVER_BASE_URL).netloc


def archive_export(*, organisation: Organisation) -> bytes:
    """A signed zip of the organisation's passports, chains, proofs, checkpoint and keys."""
    if organisation.kind == OrganisationKind.ARCHIVED_OPERATOR:
        raise ArchiveRefused(
            "organisation",
            "This organisation's passports are an archived copy; export them from their origin.",
        )
    passports = list(
        with_related(Passport.objects.filter(manufacturer=organisation))
        .select_related("holder")
        .order_by("created_at", "id")
    )
    if not passports:
        raise ArchiveRefused("organisation", f"{organisation.name} has no passports to archive.")
    checkpoint = checkpoint_covering(passports=passports)
    host = origin_host()
    members: dict[str, bytes] = {CHECKPOINT: checkpoint_note(checkpoint).encode()}
    named = {organisation.pk: organisation}
    for passport in passports:
        bundle = bundle_at(
            passport=passport, representation=passport_full(passport), checkpoint=checkpoint
        )
        members[bundle_member(str(passport.pk))] = _json(bundle)
        events = list(
            passport.events.filter(leaf__index__lt=checkpoint.size)
            .select_related("actor")
            .order_by("seq")
        )
        members[record_member(str(passport.pk))] = _json(_record(passport, events))
        if passport.holder is not None:
            named.setdefault(passport.holder_id, passport.holder)
        for event in events:
            named.setdefault(event.actor_id, event.actor)
    keys = SigningKey.objects.filter(organisation__in=named).select_related("organisation")
    members[KEYS] = _json([public_jwk(key) for key in keys.order_by("organisation", "valid_from")])
    manifest = _json(_manifest(organisation, passports, named.values(), checkpoint, host, members))
    key, private = log_key()
    text = signed_text(
        host=host,
        organisation_id=str(organisation.pk),
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
    )
    members[MANIFEST] = manifest
    members[SIGNATURE] = note.sign_note(text, key.name, private).encode()
    return _zip(members)


def _manifest(organisation, passports, organisations, checkpoint: Checkpoint, host, members):
    return {
        "format": ARCHIVE_FORMAT,
        "created": rfc3339(timezone.now()),
        "origin": {
            "host": host,
            "resolver_base_url": settings.RESOLVER_BASE_URL,
            "log_vkey": log_vkey(),
        },
        "organisation": str(organisation.pk),
        "organisations": sorted(
            (
                {
                    "id": str(org.pk),
                    "name": org.name,
                    "kind": org.kind,
                    "country": org.country,
                    "gs1_company_prefix": org.gs1_company_prefix,
                }
                for org in organisations
            ),
            key=lambda org: org["id"],
        ),
        "checkpoint": {"size": checkpoint.size, "root": bytes(checkpoint.root).hex()},
        "passports": [str(passport.pk) for passport in passports],
        "members": {
            name: hashlib.sha256(data).hexdigest() for name, data in sorted(members.items())
        },
    }


def _record(passport: Passport, events: list) -> dict:
    """The stored row and its children; what an importer needs beyond the signed chain."""
    return {
        "id": str(passport.pk),
        "manufacturer": str(passport.manufacturer_id),
        "holder": str(passport.holder_id) if passport.holder_id else None,
        "product_type": passport.product_type,
        "gtin": passport.gtin,
        "serial": passport.serial,
        "gbt_code": passport.gbt_code,
        "model": passport.model,
        "batch": passport.batch,
        "manufactured_at": passport.manufactured_at.isoformat(),
        "manufacturing_country": passport.manufacturing_country,
        "manufacturing_facility": passport.manufacturing_facility,
        "mass_kg": str(passport.mass_kg),
        "attributes": passport.attributes,
        "carbon_footprint": passport.carbon_footprint,
        "documents": passport.documents,
        "predecessor": str(passport.predecessor_id) if passport.predecessor_id else None,
        "status": passport.status,
        "market_country": passport.market_country,
        "placed_on_market_on": (
            passport.placed_on_market_on.isoformat() if passport.placed_on_market_on else None
        ),
        "health": passport.health,
        "declaration": base64.b64encode(bytes(passport.declaration)).decode("ascii"),
        # The head of the archived chain: events appended after the checkpoint wait for the
        # next archive, so the record and the bundle always describe the same chain.
        "head_hash": events[-1].hash,
        "event_ids": [str(event.pk) for event in events],
        "composition": [
            {
                "substance": entry.substance,
                "cas": entry.cas,
                "mass_kg": str(entry.mass_kg),
                "recycled_share_pre_consumer": str(entry.recycled_share_pre_consumer),
                "recycled_share_post_consumer": str(entry.recycled_share_post_consumer),
                "critical": entry.critical,
            }
            for entry in passport.composition.all()
        ],
        "origin": [
            {
                "substance": share.substance,
                "country": share.country,
                "supplier": share.supplier,
                "facility": share.facility,
                "share": str(share.share),
            }
            for share in passport.origin.all()
        ],
    }


def _json(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), members[name], zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
