"""A captured TransformationEvent recorded as a treatment batch: opened, filled, closed."""

from __future__ import annotations

from lifecycle.models import Event, EventType
from passports.models import OrganisationKind
from recycling.api.records import BatchIn, InputIn, OutputIn
from recycling.categories import category_of
from recycling.epcis import vocabulary as v
from recycling.epcis.reading import (
    P,
    checked,
    epcs_of,
    event_time_of,
    mapping_of,
    number_text,
    refuse,
    service_call,
)
from recycling.epcis.recordable import place_of
from recycling.models import Batch
from recycling.services.batches import batch_close, batch_input_add, batch_open, batch_output_record


def treatment_capture(*, organisation, event: dict, where: str, passports: dict) -> dict:
    """A TransformationEvent, recorded as a batch opened, filled and closed through the API's
    serializers and services."""
    if organisation.kind != OrganisationKind.RECYCLER:
        raise refuse(f"{where}.type", "Only recyclers run treatment batches.", 403)
    epcs = epcs_of(event, "inputEPCList", where)
    inputs = [passports.get(epc) for epc in epcs]
    for index, passport in enumerate(inputs):
        if passport is None:
            raise refuse(f"{where}.inputEPCList[{index}]", "No passport has this identifier.")
    site, site_path = place_of(event, where, organisation)
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
        "started_at": event_time_of(event, where),
    }
    if f"{P}:declaredLossKg" in event:
        body["declared_loss_kg"] = number_text(event[f"{P}:declaredLossKg"])
    opened = checked(BatchIn, body, paths, where)
    batch = batch_open(recycler=organisation, **opened)
    _inputs(batch, event, where, epcs, inputs)
    _outputs(batch, event, where)
    # One EPCIS event has one time: the batch opens and closes at it.
    service_call(
        {"inputs": f"{where}.inputEPCList", "outputs": f"{where}.outputQuantityList"},
        where,
        lambda: batch_close(batch_id=batch.pk, actor=organisation, closed_at=opened["started_at"]),
    )
    return _batch_read(batch)


def _site(code: str | None) -> dict | None:
    if code is None:
        return None
    return {"country": code[:2], "region": code} if "-" in code else {"country": code}


def _inputs(batch: Batch, event: dict, where: str, epcs: list[str], inputs: list) -> None:
    masses = mapping_of(event, f"{P}:inputMassKg", where)
    for index, (epc, passport) in enumerate(zip(epcs, inputs, strict=True)):
        at = f"{where}.inputEPCList[{index}]"
        paths = {"passport": at, "mass_kg": f"{where}.{P}:inputMassKg.{epc}"}
        # Without a weighed mass the declared product mass stands in.
        mass = number_text(masses[epc]) if epc in masses else str(passport.mass_kg)
        body = {"passport": epc, "mass_kg": mass}
        data = checked(InputIn, body, paths, at, context={"passports": {epc: passport}})
        service_call(
            {"passport": at, "mass_kg": paths["mass_kg"], "batch": at},
            at,
            lambda data=data: batch_input_add(
                batch_id=batch.pk, passport=data["passport"], mass_kg=data["mass_kg"]
            ),
        )


def _outputs(batch: Batch, event: dict, where: str) -> None:
    quantities = event.get("outputQuantityList")
    if not isinstance(quantities, list) or not quantities:
        raise refuse(f"{where}.outputQuantityList", "A non-empty list of output fractions.")
    details = event.get(f"{P}:outputs", [])
    if not isinstance(details, list) or not all(isinstance(d, dict) for d in details):
        raise refuse(f"{where}.{P}:outputs", "A list of objects.")
    by_class = {d.get("epcClass"): (i, d) for i, d in enumerate(details)}
    listed = {q.get("epcClass") for q in quantities if isinstance(q, dict)}
    for index, detail in enumerate(details):
        if detail.get("epcClass") not in listed:
            # Element masses that match no output would otherwise be dropped unseen.
            raise refuse(
                f"{where}.{P}:outputs[{index}].epcClass",
                "Not the epcClass of an output in outputQuantityList.",
            )
    for index, quantity in enumerate(quantities):
        at = f"{where}.outputQuantityList[{index}]"
        if not isinstance(quantity, dict):
            raise refuse(at, "A quantity element.")
        fraction = v.fraction_of(quantity.get("epcClass") or "")
        if fraction is None:
            raise refuse(
                f"{at}.epcClass",
                f"One of our fraction classes: {v.base()}/fractions/{{counts_as}}/{{name}}.",
            )
        if quantity.get("uom") != "KGM":
            raise refuse(f"{at}.uom", "Output fractions are weighed in kilograms (KGM).")
        detail_index, detail = by_class.get(quantity["epcClass"], (None, {}))
        detail_at = f"{where}.{P}:outputs[{detail_index}]"
        body = {
            "fraction": fraction[1],
            "counts_as": fraction[0],
            "mass_kg": number_text(quantity.get("quantity")),
            "elements": _masses(detail.get("elements") or {}),
        }
        if detail.get("originMassKg") is not None:
            body["origin_mass_kg"] = number_text(detail["originMassKg"])
        paths = {
            "fraction": f"{at}.epcClass",
            "counts_as": f"{at}.epcClass",
            "mass_kg": f"{at}.quantity",
            "elements": f"{detail_at}.elements",
            "origin_mass_kg": f"{detail_at}.originMassKg",
        }
        data = checked(OutputIn, body, paths, at)
        service_call(
            paths,
            at,
            lambda data=data: batch_output_record(batch_id=batch.pk, data=data),
        )


def _masses(elements):
    """Element masses as text; anything but an object goes on for the serializer to refuse."""
    if not isinstance(elements, dict):
        return elements
    return {element: number_text(mass) for element, mass in elements.items()}


def _batch_read(batch: Batch) -> dict:
    rows = list(batch.inputs.order_by("created_at"))
    signed = dict(
        Event.objects.filter(
            type=EventType.RECYCLED, passport_id__in=[row.passport_id for row in rows]
        ).values_list("passport_id", "id")
    )
    events = [str(signed[row.passport_id]) for row in rows]
    return {"type": "batch", "id": str(batch.pk), "events": events}
