"""Lifecycle events as EPCIS 2.0 JSON-LD events, and the documents that carry them.

Each signed event becomes one EPCIS event (MAPPING in vocabulary.py). The passport is its EPC,
written as its GS1 Digital Link URI; the signed envelope, its signature and its place in the
transparency log travel beside it in our own namespace, so a reader can verify the EPCIS event
against the chain it was rendered from.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from lifecycle.canonical import rfc3339
from lifecycle.models import Event
from lifecycle.models import EventType as E
from passports.declaration import decimal_text
from passports.identifiers import digital_link
from passports.models import Organisation, OrganisationKind, Passport
from recycling.epcis import vocabulary as v
from recycling.models import Batch, BatchOutput


@dataclass
class RenderContext:
    """What rendering a page of events needs beyond the events: batches, the log's extent."""

    reader: Organisation | None
    checkpoint_size: int = 0
    batches: dict = field(default_factory=dict)
    successors: dict = field(default_factory=dict)


def render_context(
    events: list[Event], *, reader: Organisation | None, checkpoint_size: int
) -> RenderContext:
    """Loads, in one query each, the batches that `recycled` events name and the successor
    passports that repurposing and remanufacturing registered."""
    batch_ids = {_payload(event).get("batch") for event in events if event.type == E.RECYCLED}
    batch_ids.discard(None)
    outputs = Prefetch("outputs", queryset=BatchOutput.objects.prefetch_related("elements"))
    batches = Batch.objects.filter(pk__in=batch_ids).prefetch_related(outputs)
    successor_ids = {
        _payload(event)["successor"]["passport"] for event in events if event.type in v.SUCCESSIONS
    }
    return RenderContext(
        reader=reader,
        checkpoint_size=checkpoint_size,
        batches={str(batch.pk): batch for batch in batches},
        successors={str(p.pk): p for p in Passport.objects.filter(pk__in=successor_ids)},
    )


def _payload(event: Event) -> dict:
    # Parsed once per event: the query's time window and the rendering both read it.
    cached = getattr(event, "_epcis_payload", None)
    if cached is None:
        cached = json.loads(bytes(event.envelope))["payload"]
        event._epcis_payload = cached
    return cached


def passport_epc(passport: Passport) -> str:
    return digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk)


def event_time(event: Event) -> dt.datetime:
    """When it happened: the signed `occurred_at`, or the signing time for a registration."""
    occurred = _payload(event).get("occurred_at")
    return dt.datetime.fromisoformat(occurred) if occurred else event.time


def event_render(event: Event, context: RenderContext) -> dict:
    """One event as an EPCIS 2.0 ObjectEvent or TransformationEvent (JSON-LD, compact)."""
    kind, action, step, disposition = v.MAPPING[event.type]
    payload = _payload(event)
    passport = event.passport
    rendered: dict = {
        "type": kind,
        "eventID": f"urn:uuid:{event.pk}",
        "eventTime": rfc3339(event_time(event)),
        "recordTime": rfc3339(event.time),
        "eventTimeZoneOffset": "+00:00",
    }
    if kind == "TransformationEvent":
        rendered["inputEPCList"] = [passport_epc(passport)]
        rendered.update(_treatment(payload, context))
        successor = context.successors.get((payload.get("successor") or {}).get("passport"))
        if successor is not None:
            rendered["outputEPCList"] = [passport_epc(successor)]
    else:
        rendered["epcList"] = [passport_epc(passport)]
        rendered["action"] = action
    rendered["bizStep"] = v.own_step(step) if step in v.OWN_STEPS else step
    if disposition:
        rendered["disposition"] = disposition
    where = _read_point(event, payload, context)
    if where:
        rendered["readPoint"] = {"id": v.place_uri(where)}
    located = _located_at(event, payload, context)
    rendered["bizLocation"] = {"id": v.organisation_uri(located)}
    if event.type == E.OWNERSHIP_TRANSFERRED:
        rendered["sourceList"] = _parties("source", event.actor_id)
        rendered["destinationList"] = _parties("destination", payload["to"])
    rendered.update(_proof(event, payload, context))
    return rendered


def _parties(role: str, organisation_id) -> list[dict]:
    uri = v.organisation_uri(organisation_id)
    return [{"type": kind, role: uri} for kind in ("owning_party", "possessing_party")]


def _read_point(event: Event, payload: dict, context: RenderContext) -> str | None:
    """The ISO 3166 code of where the event was recorded, from the most precise record."""
    if event.type == E.REGISTERED:
        return event.passport.manufacturing_country
    if event.type == E.PLACED_ON_MARKET:
        return payload["country"]
    if event.type == E.COLLECTED:
        return payload["region"]
    batch = context.batches.get(payload.get("batch"))
    if batch is not None:
        return batch.site_region or batch.site_country
    return event.actor.country or None


def _located_at(event: Event, payload: dict, context: RenderContext):
    batch = context.batches.get(payload.get("batch"))
    return batch.recycler_id if batch is not None else event.actor_id


def sees_batch(reader: Organisation | None, batch: Batch) -> bool:
    """Batch records are the recycler's and the regulators' (as GET /api/v1/batches/)."""
    if reader is None:
        return False
    return reader.pk == batch.recycler_id or reader.kind == OrganisationKind.REGULATOR


def _treatment(payload: dict, context: RenderContext) -> dict:
    """The batch's output fractions as quantities of classes; the batch joins the events."""
    batch = context.batches.get(payload.get("batch"))
    if batch is None:
        return {}
    found = {"transformationID": v.batch_uri(batch.pk)}
    if not sees_batch(context.reader, batch):
        # Another recycler's fractions and element masses are its business records.
        found[f"{v.PREFIX}:withheld"] = ["outputQuantityList", f"{v.PREFIX}:outputs"]
        return found
    outputs = list(batch.outputs.all())
    found["outputQuantityList"] = [
        {
            "epcClass": v.fraction_class(row.counts_as, row.fraction),
            "quantity": float(row.mass_kg),
            "uom": "KGM",
        }
        for row in outputs
    ]
    found[f"{v.PREFIX}:outputs"] = [
        {
            "epcClass": v.fraction_class(row.counts_as, row.fraction),
            "massKg": decimal_text(row.mass_kg),
            "originMassKg": decimal_text(row.origin_mass_kg),
            "elements": {e.element: decimal_text(e.mass_kg) for e in row.elements.all()},
        }
        for row in outputs
    ]
    found[f"{v.PREFIX}:processRoute"] = batch.process_route
    return found


def _proof(event: Event, payload: dict, context: RenderContext) -> dict:
    """The chain link and log inclusion, in our namespace: what makes the event verifiable."""
    leaf = getattr(event, "leaf", None)
    index = leaf.index if leaf is not None else None
    if index is None:
        inclusion = "pending"
    else:
        inclusion = "checkpointed" if index < context.checkpoint_size else "integrated"
    p = v.PREFIX
    proof = {}
    if inclusion == "checkpointed":
        # Where to fetch the RFC 9162 proof against the latest signed checkpoint.
        query = urlencode({"index": index, "size": context.checkpoint_size})
        proof[f"{p}:inclusionProof"] = (
            f"{settings.RESOLVER_BASE_URL}{reverse('log-inclusion')}?{query}"
        )
    return {
        f"{p}:passport": str(event.passport_id),
        f"{p}:eventType": event.type,
        f"{p}:seq": event.seq,
        f"{p}:prev": event.prev,
        f"{p}:hash": event.hash,
        f"{p}:actor": v.organisation_uri(event.actor_id),
        f"{p}:kid": event.kid_id,
        f"{p}:payload": payload,
        f"{p}:envelope": base64.b64encode(bytes(event.envelope)).decode("ascii"),
        f"{p}:signature": base64.b64encode(bytes(event.signature)).decode("ascii"),
        f"{p}:logIndex": index,
        f"{p}:inclusion": inclusion,
        **proof,
    }


def query_document(events: list[dict], *, created: dt.datetime, query_name: str) -> dict:
    """An EPCISQueryDocument answering a query with these rendered events."""
    return {
        "@context": v.context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": v.SCHEMA_VERSION,
        "creationDate": rfc3339(created),
        "epcisBody": {
            "queryResults": {"queryName": query_name, "resultsBody": {"eventList": events}}
        },
    }
