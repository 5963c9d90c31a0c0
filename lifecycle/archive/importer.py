"""Serving another instance's passports from its verified backup archive, read-only.

Each organisation the archive names becomes (or already is) a placeholder of kind
`archived_operator` with its public keys only, so nothing here can sign on its behalf. The
passports keep their ids and stored declaration, and every other column is rebuilt from the
signed declaration and events (replay.py), never taken from the archive's record; their events
keep their signed bytes, and each event's origin inclusion proof is kept beside it
(ArchivedProof), so the events API and the bundle serve exactly what the origin signed.
"""

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q

from lifecycle.archive.replay import RecordDisagrees, passport_replay, successor_statuses
from lifecycle.archive.verify import Archive, ArchiveRejected, archive_verify
from lifecycle.models import ArchivedCheckpoint, ArchivedProof, Event, PendingEvent
from lifecycle.verify import loads_strict, parse_checkpoint, parse_note
from passports.bulk import rows_insert
from passports.models import (
    CompositionEntry,
    Organisation,
    OrganisationKind,
    OriginShare,
    Passport,
    PassportHead,
    SigningKey,
)


@dataclass
class ImportOutcome:
    """What an import added: how many passports and events, from which host."""

    host: str
    organisation: Organisation
    passports: int
    events: int


def archive_import(
    *, data: bytes, host: str, log_vkey: str | None = None, trust_archive_key: bool = False
) -> ImportOutcome:
    """Verifies the archive whole, then writes it in one transaction; raises ArchiveRejected.

    `log_vkey` is the origin log's key obtained independently of the archive. Without it the
    archive is refused unless `trust_archive_key` says to accept the key the archive names:
    anyone can sign an archive with a key of their own, so that proves nothing of its origin.
    """
    archive = archive_verify(data, log_vkey=log_vkey)
    if log_vkey is None and not trust_archive_key:
        raise ArchiveRejected(
            [
                f"archive: its log key {archive.log_vkey} is not pinned; pass the origin's key "
                "obtained independently (--log-vkey), or accept the archive's own key "
                "explicitly (--trust-archive-key)"
            ]
        )
    if archive.host.lower() != host.lower():
        raise ArchiveRejected([f"archive: it comes from {archive.host}, not from {host}"])
    try:
        with transaction.atomic():
            _check_free(archive)
            organisations = _organisations(archive)
            _keys(archive)
            checkpoint = ArchivedCheckpoint.objects.create(
                origin_host=archive.host,
                note=archive.checkpoint,
                log_vkey=archive.log_vkey,
                size=parse_checkpoint(parse_note(archive.checkpoint).body).size,
                archive_sha256=hashlib.sha256(data).hexdigest(),
            )
            events = _passports(archive, checkpoint, organisations)
    except (DatabaseError, ValidationError, ValueError, KeyError, TypeError) as error:
        # Signed by its origin yet not storable (a value out of range, a malformed field):
        # the transaction is rolled back, and the reason is named rather than a traceback.
        raise ArchiveRejected([f"archive: verified but cannot be stored here: {error}"]) from error
    return ImportOutcome(
        host=archive.host,
        organisation=organisations[archive.manifest["organisation"]],
        passports=len(archive.records),
        events=events,
    )


def _check_free(archive: Archive) -> None:
    """Refuses an archive whose passports or organisations are already here, naming them."""
    problems = []
    ids = list(archive.records)
    pairs = Q(pk__in=ids)
    for record in archive.records.values():
        if record["gtin"]:
            pairs |= Q(gtin=record["gtin"], serial=record["serial"])
        if record["gbt_code"]:
            pairs |= Q(gbt_code=record["gbt_code"])
    for pk, gtin, serial in Passport.objects.filter(pairs).values_list("pk", "gtin", "serial"):
        named = f" (GTIN {gtin} serial {serial})" if gtin else ""
        problems.append(f"passport {pk}{named}: already served by this instance")
    wanted = [org["id"] for org in archive.manifest["organisations"]]
    live = Organisation.objects.filter(pk__in=wanted).exclude(
        kind=OrganisationKind.ARCHIVED_OPERATOR
    )
    problems.extend(
        f"organisation {org.pk}: a live organisation here; only operators this instance does "
        "not run are imported"
        for org in live
    )
    if problems:
        raise ArchiveRejected(problems)


def _organisations(archive: Archive) -> dict[str, Organisation]:
    found = {}
    for org in archive.manifest["organisations"]:
        found[org["id"]], _ = Organisation.objects.get_or_create(
            pk=uuid.UUID(org["id"]),
            defaults={
                "name": org["name"],
                "kind": OrganisationKind.ARCHIVED_OPERATOR,
                "country": org["country"],
                "gs1_company_prefix": org["gs1_company_prefix"],
            },
        )
    return found


def _keys(archive: Archive) -> None:
    """Public halves only: an empty sealed private key can never be unsealed to sign."""
    existing = set(SigningKey.objects.filter(kid__in=[k["kid"] for k in archive.keys]).values_list(
        "kid", flat=True))  # fmt: skip
    rows = [
        SigningKey(
            kid=jwk["kid"],
            organisation_id=uuid.UUID(jwk["owner"]["id"]),
            public_key=_b64url(jwk["x"]),
            encrypted_private_key=b"",
            nonce=b"",
            valid_from=_time(jwk["valid_from"]),
            valid_until=_time(jwk["valid_until"]) if jwk["valid_until"] else None,
        )
        for jwk in archive.keys
        if jwk["kid"] not in existing
    ]
    rows_insert(SigningKey, rows)


def _passports(
    archive: Archive, checkpoint: ArchivedCheckpoint, organisations: dict[str, Organisation]
) -> int:
    """Rebuilds every passport from its chain; refuses the archive naming each disagreeing
    record, before a row of them is written."""
    passports, composition, origin, events, proofs, problems = [], [], [], [], [], []
    known = set(archive.records) | set(
        str(pk)
        for pk in Passport.objects.filter(
            pk__in=[r["predecessor"] for r in archive.records.values() if r["predecessor"]]
        ).values_list("pk", flat=True)
    )
    successors = successor_statuses(archive.bundles)
    for passport_id in archive.manifest["passports"]:
        record = archive.records[passport_id]
        bundled = archive.bundles[passport_id]["events"]
        chain = [_event(event_id, entry) for event_id, entry in
                 zip(record["event_ids"], bundled, strict=True)]  # fmt: skip
        try:
            rows = passport_replay(
                record=record,
                events=chain,
                organisations=organisations,
                predecessor_known=record["predecessor"] in known,
                successor_status=successors.get(passport_id),
            )
        except RecordDisagrees as error:
            problems.append(f"passport {passport_id} record: {error}")
            continue
        rows.passport.archived_from = archive.host
        passports.append(rows.passport)
        composition.extend(rows.composition)
        origin.extend(rows.origin)
        events.extend(chain)
        proofs.extend(
            ArchivedProof(
                event_id=event.pk,
                checkpoint=checkpoint,
                log_index=entry["log_index"],
                inclusion_proof=entry["inclusion_proof"],
            )
            for event, entry in zip(chain, bundled, strict=True)
        )
    if problems:
        raise ArchiveRejected(problems)
    rows_insert(Passport, passports)
    rows_insert(PassportHead, [p.head for p in passports])
    rows_insert(CompositionEntry, composition)
    rows_insert(OriginShare, origin)
    rows_insert(Event, events)
    rows_insert(ArchivedProof, proofs)
    # Inserting them queued them for our log (see PendingEvent); they are in their origin's.
    PendingEvent.objects.filter(event__archived_proof__checkpoint=checkpoint).delete()
    return len(events)


def _event(event_id: str, entry: dict) -> Event:
    """The archived event with its signed bytes exactly as they were signed."""
    envelope = base64.b64decode(entry["envelope"])
    body = loads_strict(envelope)
    return Event(
        id=uuid.UUID(event_id),
        passport_id=uuid.UUID(body["passport"]),
        seq=body["seq"],
        prev=body["prev"],
        hash=hashlib.sha256(envelope).hexdigest(),
        type=body["type"],
        time=_time(body["time"]),
        actor_id=uuid.UUID(body["actor"]),
        kid_id=body["kid"],
        envelope=envelope,
        signature=base64.b64decode(entry["signature"]),
    )


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
