"""EPCIS 2.0 capture: documents from a collector's or recycler's system, recorded through the
same serializers and services as our own API, all or nothing per document.

Two kinds of event are recorded (the treatment in treatment.py):

- an ObjectEvent with bizStep `receiving` is a collection (POST /api/v1/collections/): its
  `epcList` the products, `eventTime` the collection time, the region from `cmp:region` or
  from a `readPoint` / `bizLocation` that is one of our place URIs for an ISO 3166-2 code,
  weighed masses (optional) in `cmp:massKg` as {EPC: "kg"};
- a TransformationEvent is a treatment batch, opened, filled and closed (POST
  /api/v1/batches/ and its actions): `inputEPCList` the waste products (masses in
  `cmp:inputMassKg`, else the declared product mass), `outputQuantityList` the fractions as
  quantities in KGM of our fraction classes (`{base}/epcis/fractions/{counts_as}/{name}`),
  recovered element masses and origin masses in `cmp:outputs` (as we render them),
  `cmp:processRoute`, the site from `readPoint` (a place URI), `eventTime` the closing time.

Every refusal names its place in the document, e.g. `epcisBody.eventList[2].epcList[0]`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from lifecycle.models import EventType
from passports.models import Organisation, OrganisationKind
from recycling.api.records import CollectionIn, passports_by_reference
from recycling.epcis import vocabulary as v
from recycling.epcis.reading import (
    CaptureRefused,
    P,
    checked,
    epcs_of,
    event_time_of,
    mapping_of,
    number_text,
    refuse,
    service_call,
)
from recycling.epcis.recordable import place_forms, region_of, unrecordable
from recycling.epcis.retries import keys_complete, keys_reserve, replay_of, retry_keys
from recycling.epcis.schema import schema_violations
from recycling.epcis.treatment import treatment_capture
from recycling.models import Collection
from recycling.services.collections import collection_record

COLLECTORS = (OrganisationKind.COLLECTOR, OrganisationKind.RECYCLER)
TREATMENT = v.MAPPING[EventType.RECYCLED][2]


def document_capture(*, organisation: Organisation, document) -> tuple[list[dict], bool]:
    """Records every event of an EPCISDocument or none; returns what each became, and whether
    it was recorded now (False: a retry of a document captured before, answered again)."""
    events = _event_list(document)
    keys = retry_keys(events)
    replayed = replay_of(organisation=organisation, events=events, keys=keys)
    if replayed is not None:
        return replayed, False
    refs = _references(events)
    if len(refs) > settings.BULK_MAX_ITEMS:
        # As for a bulk registration: one document signs at most this many events.
        raise refuse(
            "epcisBody.eventList", f"At most {settings.BULK_MAX_ITEMS} products in one document."
        )
    passports = passports_by_reference(refs)
    try:
        return _record(organisation, events, keys, passports), True
    except IntegrityError:
        # A concurrent send of the same document won the keys while this one waited on them.
        replayed = replay_of(organisation=organisation, events=events, keys=keys)
        if replayed is None:
            raise
        return replayed, False


def _record(organisation, events: list[dict], keys: list, passports: dict) -> list[dict]:
    recorded = []
    with transaction.atomic():
        reserved = keys_reserve(organisation=organisation, events=events, keys=keys)
        for index, event in enumerate(events):
            where = f"epcisBody.eventList[{index}]"
            if event.get("type") == "ObjectEvent":
                recorded.append(_collection(organisation, event, where, passports))
            else:
                recorded.append(
                    treatment_capture(
                        organisation=organisation, event=event, where=where, passports=passports
                    )
                )
        keys_complete(reserved=reserved, keys=keys, records=recorded)
    return recorded


def _event_list(document) -> list[dict]:
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise refuse("type", "An EPCISDocument is expected.")
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list) or not events:
        raise refuse("epcisBody.eventList", "A non-empty list of events.")
    if len(events) > settings.BULK_MAX_ITEMS:
        raise refuse("epcisBody.eventList", f"At most {settings.BULK_MAX_ITEMS} events.")
    violations = schema_violations(document)
    if violations:
        raise CaptureRefused(400, [_with_place_forms(found) for found in violations])
    errors = []
    for index, event in enumerate(events):
        where = f"epcisBody.eventList[{index}]"
        if not isinstance(event, dict):
            errors.append({"field": where, "message": "An event object."})
        elif event.get("type") not in ("ObjectEvent", "TransformationEvent"):
            errors.append(
                {
                    "field": f"{where}.type",
                    "message": f"{str(event.get('type'))[:100]} is not recorded here: capture "
                    "takes ObjectEvent (bizStep receiving: a collection) and TransformationEvent "
                    "(a treatment batch).",
                }
            )
        elif event["type"] == "ObjectEvent" and _step(event) != "receiving":
            errors.append(
                {
                    "field": f"{where}.bizStep",
                    "message": f"ObjectEvent with bizStep {str(event.get('bizStep'))[:100]} is "
                    "not recorded here; only receiving (a collection) is.",
                }
            )
        elif event["type"] == "ObjectEvent" and event.get("action") not in ("OBSERVE", "ADD"):
            errors.append(
                {
                    "field": f"{where}.action",
                    "message": "A collection observes the products: OBSERVE (or ADD).",
                }
            )
        elif event["type"] == "TransformationEvent" and _step(event) in v.OWN_STEPS:
            errors.append(
                {
                    "field": f"{where}.bizStep",
                    "message": f"{_step(event)} is recorded by posting that event on the "
                    "passport (/api/v1/passports/{id}/events/), which registers the successor "
                    "passport; a captured TransformationEvent is a treatment batch.",
                }
            )
        elif event["type"] == "TransformationEvent" and _step(event) not in (None, TREATMENT):
            errors.append(
                {
                    "field": f"{where}.bizStep",
                    "message": f"A captured TransformationEvent is a treatment batch, recorded "
                    f"with bizStep {TREATMENT}; {str(event.get('bizStep'))[:100]} would not be "
                    "rendered back.",
                }
            )
        else:
            errors.extend(unrecordable(event, where))
    if errors:
        raise CaptureRefused(400, errors)
    return events


def _with_place_forms(violation: dict) -> dict:
    """The schema's verdict on a location, with the forms of it that we record."""
    parts = violation["field"].split(".")
    key = parts[-2] if parts[-1] == "id" and len(parts) > 1 else parts[-1]
    if key not in ("readPoint", "bizLocation"):
        return violation
    return {**violation, "message": f"{violation['message']}; {place_forms(key)}."}


def _step(event: dict) -> str | None:
    step = event.get("bizStep")
    return v.step_word(step) if isinstance(step, str) else None


def _references(events: list[dict]) -> list[str]:
    found = []
    for event in events:
        for key in ("epcList", "inputEPCList"):
            values = event.get(key)
            if isinstance(values, list):
                found.extend(value for value in values if isinstance(value, str))
    return found


def _collection(organisation, event: dict, where: str, passports: dict) -> dict:
    """A receiving ObjectEvent, validated and recorded as POST /api/v1/collections/ does."""
    if organisation.kind not in COLLECTORS:
        raise refuse(f"{where}.bizStep", "Only collectors and recyclers record collections.", 403)
    epcs = epcs_of(event, "epcList", where)
    masses = mapping_of(event, f"{P}:massKg", where)
    region, region_path = region_of(event, where, organisation)
    unknown = sorted(set(masses) - set(epcs))
    if unknown:
        raise refuse(f"{where}.{P}:massKg.{unknown[0]}", "Not an EPC of this event's epcList.")
    items = []
    paths = {
        "region": region_path,
        "collected_at": f"{where}.eventTime",
        "items": f"{where}.epcList",
    }
    for index, epc in enumerate(epcs):
        item = {"passport": epc}
        if epc in masses:
            item["mass_kg"] = number_text(masses[epc])
            paths[f"items[{index}].mass_kg"] = f"{where}.{P}:massKg.{epc}"
        paths[f"items[{index}]"] = f"{where}.epcList[{index}]"
        items.append(item)
    body = {"region": region, "collected_at": event_time_of(event, where), "items": items}
    data = checked(CollectionIn, body, paths, where, context={"passports": passports})
    collection = service_call(
        paths,
        where,
        lambda: collection_record(
            collector=organisation,
            region=data["region"],
            collected_at=data["collected_at"],
            items=[(item["passport"], item.get("mass_kg")) for item in data["items"]],
        ),
    )
    return _collection_read(collection)


def _collection_read(collection: Collection) -> dict:
    return {
        "type": "collection",
        "id": str(collection.pk),
        "events": [str(item.event_id) for item in collection.items.order_by("id")],
    }
