"""Rebuilding an archived passport's row from what its origin signed, never from the record.

The stored row of a passport is derived state: registration builds it from the declaration the
genesis event signs, and every later event moves it (head, status, holder, market, health).
An importer that copied the archive's record would serve whatever the record says, and the
record is vouched for only by the archive's own signature. So the row is rebuilt here with the
functions the live paths use (`passport_declared`, `passport_changes`), replaying the verified
events, and a record that says otherwise is refused, naming the field that differs.
"""

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from lifecycle.models import Event
from lifecycle.models import EventType as E
from lifecycle.rules import TRANSITIONS
from lifecycle.services.events import changes_apply, passport_changes
from lifecycle.services.registration import passport_declared
from lifecycle.verify import loads_strict
from passports.models import (
    CompositionEntry,
    Organisation,
    OriginShare,
    Passport,
    PassportHead,
    PassportStatus,
)

# The record's keys and the Passport fields they stand for; `id`, `declaration` (checked
# against the genesis digest) and `event_ids` (the rows' keys, not signed) are not derived.
RECORD_FIELDS = {
    "manufacturer": "manufacturer_id",
    "holder": "holder_id",
    "product_type": "product_type",
    "gtin": "gtin",
    "serial": "serial",
    "gbt_code": "gbt_code",
    "model": "model",
    "batch": "batch",
    "manufactured_at": "manufactured_at",
    "manufacturing_country": "manufacturing_country",
    "manufacturing_facility": "manufacturing_facility",
    "mass_kg": "mass_kg",
    "attributes": "attributes",
    "carbon_footprint": "carbon_footprint",
    "documents": "documents",
    "status": "status",
    "market_country": "market_country",
    "placed_on_market_on": "placed_on_market_on",
}
# Those an archived record carries from the narrow head row.
HEAD_RECORD_FIELDS = {"health": "health", "head_hash": "hash"}
SUCCESSOR_EVENTS = (E.REPURPOSED, E.REMANUFACTURED)


class RecordDisagrees(Exception):
    """An archived record says something its signed declaration and events do not."""


@dataclass
class Replayed:
    """An archived passport's rows as its signed declaration and events give them."""

    passport: Passport
    composition: list[CompositionEntry]
    origin: list[OriginShare]


def successor_statuses(bundles: dict[str, dict]) -> dict[str, str]:
    """Successor id -> the status its predecessor's signed event gave it, across the archive."""
    found = {}
    for bundle in bundles.values():
        for entry in bundle["events"]:
            body = loads_strict(base64.b64decode(entry["envelope"]))
            if body["type"] in SUCCESSOR_EVENTS:
                found[body["payload"]["successor"]["passport"]] = TRANSITIONS[body["type"]][1]
    return found


def passport_replay(
    *,
    record: dict,
    events: list[Event],
    organisations: dict[str, Organisation],
    predecessor_known: bool,
    successor_status: str | None,
) -> Replayed:
    """The passport's rows derived from its verified chain; raises RecordDisagrees naming a
    field of the record that differs from them."""
    genesis = loads_strict(bytes(events[0].envelope))
    # Its digest is the one the genesis event signs (checked by archive_verify).
    declaration_bytes = base64.b64decode(record["declaration"], validate=True)
    declaration = loads_strict(declaration_bytes)
    predecessor = declaration.get("predecessor")
    if predecessor is not None and successor_status is None:
        # The predecessor's chain (which set this successor's first status) is not in the
        # archive: the successor's own chain allows either of the two statuses a successor
        # starts in, and the record may pick only one of those.
        starts = [TRANSITIONS[event_type][1] for event_type in SUCCESSOR_EVENTS]
    else:
        starts = [successor_status or PassportStatus.ORIGINAL]
    replays = [
        _replayed(
            declaration=declaration,
            declaration_bytes=declaration_bytes,
            events=events,
            manufacturer=organisations[genesis["actor"]],
            predecessor_id=uuid.UUID(predecessor) if predecessor and predecessor_known else None,
            status=start,
        )
        for start in starts
    ]
    chosen = next((r for r in replays if r.passport.status == record["status"]), replays[0])
    _compare(record, chosen, predecessor)
    return chosen


def _replayed(
    *,
    declaration: dict,
    declaration_bytes: bytes,
    events: list[Event],
    manufacturer: Organisation,
    predecessor_id: uuid.UUID | None,
    status: str,
) -> Replayed:
    passport, composition, origin = passport_declared(
        passport_id=events[0].passport_id,
        organisation=manufacturer,
        declaration=declaration,
        declaration_bytes=declaration_bytes,
        predecessor_id=predecessor_id,
    )
    passport.status = status
    PassportHead(passport=passport, seq=events[0].seq, hash=events[0].hash)
    for event in events[1:]:
        payload = loads_strict(bytes(event.envelope))["payload"]
        # The API reads occurred_at in the current time zone; so does the replay, so that a
        # placing's date is the one the live append stored.
        occurred_at = timezone.localtime(dt.datetime.fromisoformat(payload["occurred_at"]))
        changes = passport_changes(
            passport=passport, event=event, occurred_at=occurred_at, payload=payload
        )
        changes_apply(passport, event, changes)
    for row in (passport, passport.head, *composition, *origin):
        _normalise(row)
    return Replayed(passport, composition, origin)


def _normalise(row: models.Model) -> None:
    """Column values as the database returns them (dates, decimals), for storing and comparing."""
    for field in row._meta.concrete_fields:
        if not isinstance(field, models.BinaryField):
            setattr(row, field.attname, field.to_python(getattr(row, field.attname)))


def _compare(record: dict, replayed: Replayed, predecessor: str | None) -> None:
    passport = replayed.passport
    for row, fields in ((passport, RECORD_FIELDS), (passport.head, HEAD_RECORD_FIELDS)):
        for key, attname in fields.items():
            field = row._meta.get_field(attname.removesuffix("_id"))
            if field.to_python(record[key]) != getattr(row, attname):
                raise RecordDisagrees(
                    f"{key} {record[key]!r} is not what its signed events give "
                    f"({_shown(getattr(row, attname))})"
                )
    if record["predecessor"] != predecessor:
        raise RecordDisagrees(
            f"predecessor {record['predecessor']!r} is not the one its signed declaration "
            f"names ({predecessor!r})"
        )
    for key, rows in (("composition", replayed.composition), ("origin", replayed.origin)):
        if [_row(row.__class__, item) for item, row in zip(record[key], rows, strict=False)] != [
            _row(row.__class__, row) for row in rows
        ] or len(rows) != len(record[key]):
            raise RecordDisagrees(f"{key} is not what its signed declaration gives")


def _row(model: type[models.Model], values) -> dict:
    """An entry's exported columns, as Python values, from a record item or a row."""
    names = [
        f.name for f in model._meta.concrete_fields if f.name not in ("id", "passport", "position")
    ]
    if isinstance(values, dict):
        if set(values) != set(names):
            return {"keys": sorted(values)}
        return {name: model._meta.get_field(name).to_python(values[name]) for name in names}
    return {name: getattr(values, name) for name in names}


def _shown(value) -> str:
    if isinstance(value, uuid.UUID | dt.date):
        return str(value)
    if isinstance(value, str):
        return repr(str(value))  # a status is a TextChoices member; show its value
    return repr(value)
