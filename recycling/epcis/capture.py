"""EPCIS 2.0 capture: documents from a collector's or recycler's system, recorded through the
same serializers and services as our own API, all or nothing per document.

Two kinds of event are recorded:

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
from django.db import transaction
from rest_framework import serializers

from lifecycle.errors import EventRefused
from lifecycle.models import Event, EventType
from passports.api.errors import flatten_errors
from passports.models import Organisation, OrganisationKind
from recycling.api.records import (
    BatchIn,
    CollectionIn,
    InputIn,
    OutputIn,
    passports_by_reference,
)
from recycling.categories import category_of
from recycling.epcis import vocabulary as v
from recycling.models import Batch, Collection
from recycling.services.batches import (
    batch_close,
    batch_input_add,
    batch_open,
    batch_output_add,
)
from recycling.services.collections import collection_record

P = v.PREFIX
COLLECTORS = (OrganisationKind.COLLECTOR, OrganisationKind.RECYCLER)


class CaptureRefused(Exception):
    """A document that cannot be recorded; nothing of it was written."""

    def __init__(self, status: int, errors: list[dict[str, str]]):
        super().__init__(errors)
        self.status = status
        self.errors = errors


def _refuse(path: str, message: str, status: int = 400) -> CaptureRefused:
    return CaptureRefused(status, [{"field": path, "message": message}])


def document_capture(*, organisation: Organisation, document) -> list[dict]:
    """Records every event of an EPCISDocument or none; returns what each became."""
    events = _event_list(document)
    refs = _references(events)
    if len(refs) > settings.BULK_MAX_ITEMS:
        # As for a bulk registration: one document signs at most this many events.
        raise _refuse(
            "epcisBody.eventList", f"At most {settings.BULK_MAX_ITEMS} products in one document."
        )
    passports = passports_by_reference(refs)
    recorded = []
    with transaction.atomic():
        for index, event in enumerate(events):
            where = f"epcisBody.eventList[{index}]"
            if event.get("type") == "ObjectEvent":
                recorded.append(_collection(organisation, event, where, passports))
            else:
                recorded.append(_treatment(organisation, event, where, passports))
    return recorded


def _event_list(document) -> list[dict]:
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise _refuse("type", "An EPCISDocument is expected.")
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list) or not events:
        raise _refuse("epcisBody.eventList", "A non-empty list of events.")
    if len(events) > settings.BULK_MAX_ITEMS:
        raise _refuse("epcisBody.eventList", f"At most {settings.BULK_MAX_ITEMS} events.")
    errors = []
    for index, event in enumerate(events):
        where = f"epcisBody.eventList[{index}]"
        if not isinstance(event, dict):
            errors.append({"field": where, "message": "An event object."})
        elif event.get("type") not in ("ObjectEvent", "TransformationEvent"):
            errors.append(
                {
                    "field": f"{where}.type",
                    "message": f"{event.get('type')!s} is not recorded here: capture takes "
                    "ObjectEvent (bizStep receiving: a collection) and TransformationEvent "
                    "(a treatment batch).",
                }
            )
        elif event["type"] == "ObjectEvent" and _step(event) != "receiving":
            errors.append(
                {
                    "field": f"{where}.bizStep",
                    "message": f"ObjectEvent with bizStep {event.get('bizStep')!s} is not "
                    "recorded here; only receiving (a collection) is.",
                }
            )
    if errors:
        raise CaptureRefused(400, errors)
    return events


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


def _epcs(event: dict, key: str, where: str) -> list[str]:
    values = event.get(key)
    if not isinstance(values, list) or not values:
        raise _refuse(f"{where}.{key}", "A non-empty list of GS1 Digital Link URIs.")
    return values


def _mapping(event: dict, key: str, where: str) -> dict:
    value = event.get(key, {})
    if not isinstance(value, dict):
        raise _refuse(f"{where}.{key}", "An object.")
    return value


def _event_time(event: dict, where: str) -> str:
    value = event.get("eventTime")
    if not isinstance(value, str):
        raise _refuse(f"{where}.eventTime", "An RFC 3339 date-time is required.")
    return value


def _place(event: dict, where: str, keys: tuple[str, ...]) -> tuple[str | None, str]:
    """An ISO 3166 code from the first of the event's locations that is one of our places."""
    for key in keys:
        location = event.get(key)
        uri = location.get("id") if isinstance(location, dict) else None
        code = v.place_code(uri) if isinstance(uri, str) else None
        if code:
            return code, f"{where}.{key}.id"
    return None, f"{where}.{keys[0]}.id"


def _refused_at(errors: list[dict], paths: dict[str, str], where: str) -> list[dict]:
    """Rewrites API field paths ("items[1].passport") as paths in the EPCIS document."""
    rewritten = []
    for error in errors:
        field = error["field"]
        target = next(
            (paths[prefix] for prefix in sorted(paths, key=len, reverse=True)
             if field == prefix or field.startswith((prefix + ".", prefix + "["))),
            where,
        )  # fmt: skip
        rewritten.append({"field": target, "message": error["message"]})
    return rewritten


def _checked(serializer_class, data: dict, paths: dict, where: str, **kwargs) -> dict:
    checked = serializer_class(data=data, **kwargs)
    if not checked.is_valid():
        raise CaptureRefused(400, _refused_at(flatten_errors(checked.errors), paths, where))
    return checked.validated_data


def _service(paths: dict, where: str, call):
    try:
        return call()
    except EventRefused as refused:
        raise CaptureRefused(refused.status, _refused_at(refused.errors, paths, where)) from None


def _collection(organisation, event: dict, where: str, passports: dict) -> dict:
    """A receiving ObjectEvent, validated and recorded as POST /api/v1/collections/ does."""
    if organisation.kind not in COLLECTORS:
        raise _refuse(f"{where}.bizStep", "Only collectors and recyclers record collections.", 403)
    epcs = _epcs(event, "epcList", where)
    masses = _mapping(event, f"{P}:massKg", where)
    region = event.get(f"{P}:region")
    region_path = f"{where}.{P}:region"
    if region is None:
        region, region_path = _place(event, where, ("readPoint", "bizLocation"))
    unknown = sorted(set(masses) - set(epcs))
    if unknown:
        raise _refuse(f"{where}.{P}:massKg.{unknown[0]}", "Not an EPC of this event's epcList.")
    items = []
    paths = {
        "region": region_path,
        "collected_at": f"{where}.eventTime",
        "items": f"{where}.epcList",
    }
    for index, epc in enumerate(epcs):
        item = {"passport": epc}
        if epc in masses:
            item["mass_kg"] = _number(masses[epc])
            paths[f"items[{index}].mass_kg"] = f"{where}.{P}:massKg.{epc}"
        paths[f"items[{index}]"] = f"{where}.epcList[{index}]"
        items.append(item)
    body = {"region": region, "collected_at": _event_time(event, where), "items": items}
    data = _checked(CollectionIn, body, paths, where, context={"passports": passports})
    collection = _service(
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


def _number(value):
    """EPCIS quantities are JSON numbers; ours are exact decimals, so read them as text."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _treatment(organisation, event: dict, where: str, passports: dict) -> dict:
    """A TransformationEvent, recorded as a batch opened, filled and closed through the API's
    serializers and services."""
    if organisation.kind != OrganisationKind.RECYCLER:
        raise _refuse(f"{where}.type", "Only recyclers run treatment batches.", 403)
    epcs = _epcs(event, "inputEPCList", where)
    inputs = [passports.get(epc) for epc in epcs]
    for index, passport in enumerate(inputs):
        if passport is None:
            raise _refuse(f"{where}.inputEPCList[{index}]", "No passport has this identifier.")
    when = _event_time(event, where)
    site, site_path = _place(event, where, ("readPoint", "bizLocation"))
    head = inputs[0]
    paths = {
        "process_route": f"{where}.{P}:processRoute",
        "started_at": f"{where}.eventTime",
        "declared_loss_kg": f"{where}.{P}:declaredLossKg",
        "site": site_path,
        "chemistry_category": f"{where}.inputEPCList[0]",
        "product_type": f"{where}.inputEPCList[0]",
    }
    body = {
        "process_route": event.get(f"{P}:processRoute"),
        "product_type": head.product_type,
        "chemistry_category": category_of(head.product_type, head.attributes),
        "site": _site(site),
        "started_at": when,
    }
    if f"{P}:declaredLossKg" in event:
        body["declared_loss_kg"] = _number(event[f"{P}:declaredLossKg"])
    opened = _checked(BatchIn, body, paths, where)
    batch = batch_open(recycler=organisation, **opened)
    _inputs(batch, event, where, epcs, inputs)
    _outputs(batch, event, where)
    closed_at = serializers.DateTimeField().to_internal_value(when)
    _service(
        {"inputs": f"{where}.inputEPCList", "outputs": f"{where}.outputQuantityList"},
        where,
        lambda: batch_close(batch_id=batch.pk, actor=organisation, closed_at=closed_at),
    )
    return _batch_read(batch)


def _site(code: str | None) -> dict | None:
    if code is None:
        return None
    return {"country": code[:2], "region": code} if "-" in code else {"country": code}


def _inputs(batch: Batch, event: dict, where: str, epcs: list[str], inputs: list) -> None:
    masses = _mapping(event, f"{P}:inputMassKg", where)
    for index, (epc, passport) in enumerate(zip(epcs, inputs, strict=True)):
        at = f"{where}.inputEPCList[{index}]"
        mass = masses.get(epc, passport.mass_kg)
        paths = {"passport": at, "mass_kg": f"{where}.{P}:inputMassKg.{epc}"}
        body = {"passport": epc, "mass_kg": _number(mass) if epc in masses else str(mass)}
        data = _checked(InputIn, body, paths, at, context={"passports": {epc: passport}})
        _service(
            {"passport": at, "mass_kg": paths["mass_kg"], "batch": at},
            at,
            lambda data=data: batch_input_add(
                batch_id=batch.pk, passport=data["passport"], mass_kg=data["mass_kg"]
            ),
        )


def _outputs(batch: Batch, event: dict, where: str) -> None:
    quantities = event.get("outputQuantityList")
    if not isinstance(quantities, list) or not quantities:
        raise _refuse(f"{where}.outputQuantityList", "A non-empty list of output fractions.")
    details = event.get(f"{P}:outputs", [])
    if not isinstance(details, list) or not all(isinstance(d, dict) for d in details):
        raise _refuse(f"{where}.{P}:outputs", "A list of objects.")
    by_class = {d.get("epcClass"): (i, d) for i, d in enumerate(details)}
    for index, quantity in enumerate(quantities):
        at = f"{where}.outputQuantityList[{index}]"
        if not isinstance(quantity, dict):
            raise _refuse(at, "A quantity element.")
        fraction = v.fraction_of(quantity.get("epcClass") or "")
        if fraction is None:
            raise _refuse(
                f"{at}.epcClass",
                f"One of our fraction classes: {v.base()}/fractions/{{counts_as}}/{{name}}.",
            )
        if quantity.get("uom") != "KGM":
            raise _refuse(f"{at}.uom", "Output fractions are weighed in kilograms (KGM).")
        detail_index, detail = by_class.get(quantity["epcClass"], (None, {}))
        detail_at = f"{where}.{P}:outputs[{detail_index}]"
        body = {
            "fraction": fraction[1],
            "counts_as": fraction[0],
            "mass_kg": _number(quantity.get("quantity")),
            "elements": {k: _number(m) for k, m in (detail.get("elements") or {}).items()}
            if isinstance(detail.get("elements") or {}, dict)
            else detail.get("elements"),
        }
        if detail.get("originMassKg") is not None:
            body["origin_mass_kg"] = _number(detail["originMassKg"])
        paths = {
            "fraction": f"{at}.epcClass",
            "counts_as": f"{at}.epcClass",
            "mass_kg": f"{at}.quantity",
            "elements": f"{detail_at}.elements",
            "origin_mass_kg": f"{detail_at}.originMassKg",
        }
        data = _checked(OutputIn, body, paths, at)
        _service(
            paths,
            at,
            lambda data=data: batch_output_add(
                batch_id=batch.pk,
                fraction=data["fraction"],
                counts_as=data["counts_as"],
                mass_kg=data["mass_kg"],
                origin_mass_kg=data.get("origin_mass_kg"),
                elements=data.get("elements") or {},
            ),
        )


def _batch_read(batch: Batch) -> dict:
    rows = list(batch.inputs.order_by("created_at"))
    signed = dict(
        Event.objects.filter(
            type=EventType.RECYCLED, passport_id__in=[row.passport_id for row in rows]
        ).values_list("passport_id", "id")
    )
    events = [str(signed[row.passport_id]) for row in rows]
    return {"type": "batch", "id": str(batch.pk), "events": events}
