"""Capture retries: a document re-sent after a lost answer is answered, not recorded twice.

The retry key is each event's EPCIS `eventID`, per capturing organisation. An event without
one has no key: capturing it again records it again (where the lifecycle rules allow it at all,
which for a collection or a treatment they do not). We do not derive CBV 2.0's event hash ID
for such events: it is a fixed order of some twenty-five properties with their own rules
(timestamps to milliseconds, CBV URNs to web URIs, EPCs to constrained id.gs1.org Digital
Links, extensions sorted), so an approximation would give keys that silently differ from the
sender's, and a passport without a GTIN (`/p/{id}`) has no Digital Link to constrain.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import rfc8785

from passports.models import Organisation
from recycling.epcis.reading import CaptureRefused
from recycling.models import CapturedEvent

EVENT_ID_LIMIT = CapturedEvent._meta.get_field("event_id").max_length


def event_digest(event: dict) -> str:
    """SHA-256 of the event's RFC 8785 bytes: what the event says, not how it was spelt.

    The parser has already refused what RFC 8785 cannot write (integers beyond 2**53, lone
    surrogates), so every captured event has these bytes.
    """
    # recordTime is the capturing system's to set; a sender's value is not the event's content.
    content = {key: value for key, value in event.items() if key != "recordTime"}
    return hashlib.sha256(rfc8785.dumps(_exact(content))).hexdigest()


def _exact(value):
    """The parser reads JSON numbers with a fraction as Decimal, which RFC 8785 has no form
    for; a tagged text of the number keeps 51.6 and 51.60 one value and "51.6" another."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, Decimal):
        return f"decimal:{value.normalize()}"
    return value


def retry_keys(events: list[dict]) -> list[str | None]:
    """Each event's eventID (None without one); one document names an eventID once."""
    keys, first, errors = [], {}, []
    for index, event in enumerate(events):
        key = event.get("eventID")
        where = f"epcisBody.eventList[{index}].eventID"
        if isinstance(key, str) and len(key) > EVENT_ID_LIMIT:
            errors.append({"field": where, "message": f"At most {EVENT_ID_LIMIT} characters."})
        elif isinstance(key, str) and key in first:
            errors.append(
                {"field": where, "message": f"Also the eventID of eventList[{first[key]}]."}
            )
        elif isinstance(key, str):
            first[key] = index
        keys.append(key if isinstance(key, str) else None)
    if errors:
        raise CaptureRefused(400, errors)
    return keys


def replay_of(
    *, organisation: Organisation, events: list[dict], keys: list[str | None]
) -> list[dict] | None:
    """The records of a document already captured in full, None for one not captured at all;
    anything in between is refused, naming each event that was already recorded."""
    stored = {
        row.event_id: row
        for row in CapturedEvent.objects.filter(
            organisation=organisation, event_id__in=[key for key in keys if key]
        )
    }
    if not stored:
        return None
    errors = []
    for index, (event, key) in enumerate(zip(events, keys, strict=True)):
        row = stored.get(key) if key else None
        where = f"epcisBody.eventList[{index}].eventID"
        if row is not None and row.digest != event_digest(event):
            errors.append(
                {
                    "field": where,
                    "message": "This eventID was captured for a different event; an eventID "
                    "names one event, so give this one its own.",
                }
            )
    if not errors and all(key in stored for key in keys if key) and all(keys):
        return [stored[key].record for key in keys]
    for index, key in enumerate(keys):
        where = f"epcisBody.eventList[{index}].eventID"
        if key in stored and not any(error["field"] == where for error in errors):
            errors.append(
                {
                    "field": where,
                    "message": "Already captured, with events this document adds to it: resend "
                    "the earlier document unchanged, or leave the captured events out.",
                }
            )
    raise CaptureRefused(409, sorted(errors, key=lambda error: _index(error["field"])))


def _index(field: str) -> int:
    return int(field.split("[", 2)[1].split("]", 1)[0])


def keys_reserve(*, organisation: Organisation, events: list[dict], keys: list[str | None]):
    """Claims the keys before anything is recorded, inside the capture's transaction.

    A concurrent retry of the same document then waits on the unique index instead of
    recording in parallel, and fails on it once this transaction commits.
    """
    return {
        key: CapturedEvent.objects.create(
            organisation=organisation, event_id=key, digest=event_digest(event)
        )
        for event, key in zip(events, keys, strict=True)
        if key
    }


def keys_complete(*, reserved: dict, keys: list[str | None], records: list[dict]) -> None:
    """Stores what each keyed event became, so a retry answers with the same records."""
    rows = []
    for key, record in zip(keys, records, strict=True):
        if key:
            reserved[key].record = record
            rows.append(reserved[key])
    CapturedEvent.objects.bulk_update(rows, ["record"])
