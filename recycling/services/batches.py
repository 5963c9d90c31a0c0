"""Treatment batches: open, add inputs and outputs, close with a mass balance.

Closing writes a signed `recycled` event for every passport that went in; a closed batch and its
records are append-only (on PostgreSQL a trigger enforces it).
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lifecycle.errors import EventRefused
from lifecycle.models import EventType
from lifecycle.services.events import event_record
from passports.declaration import decimal_text as _kg
from passports.models import Organisation, Passport, PassportStatus
from passports.substances import is_element
from recycling.categories import category_of
from recycling.models import (
    Basis,
    Batch,
    BatchInput,
    BatchOutput,
    BatchStatus,
    CountsAs,
    InputElement,
    OutputElement,
)
from recycling.services.balance import SIX_PLACES, batch_balance
from recycling.services.dirty import batch_buckets, buckets_mark, chains_mark, collected_buckets


def refuse(status: int, field: str, message: str) -> EventRefused:
    return EventRefused.one(status, field, message)


def _locked_open_batch(batch_id) -> Batch:
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if batch.status != BatchStatus.OPEN:
        raise refuse(409, "batch", "The batch is closed; its records can no longer change.")
    return batch


def batch_input_add(
    *,
    batch_id,
    passport: Passport | None = None,
    source_output: BatchOutput | None = None,
    mass_kg: Decimal,
    assay: dict[str, Decimal] | None = None,
) -> BatchInput:
    """Adds a waste product or an upstream intermediate, with its element masses."""
    with transaction.atomic():
        batch = _locked_open_batch(batch_id)
        if passport is not None:
            # Status and holder are read under the lock, never from the caller's copy.
            passport = Passport.objects.select_for_update(of=("self",)).get(pk=passport.pk)
            elements, basis = _passport_input_elements(batch, passport, mass_kg, assay)
        else:
            elements, basis = _intermediate_input_elements(batch, source_output, mass_kg)
        try:
            with transaction.atomic():
                row = BatchInput.objects.create(
                    batch=batch,
                    passport=passport,
                    source_output=source_output,
                    mass_kg=mass_kg,
                    basis=basis,
                )
        except IntegrityError as exc:
            field = "passport" if passport is not None else "source_output"
            raise refuse(409, field, "This is already an input of a batch.") from exc
        InputElement.objects.bulk_create(
            InputElement(input=row, element=element, mass_kg=mass)
            for element, mass in sorted(elements.items())
        )
        # The product leaves the collected stock of its home country as it enters treatment.
        home = collected_buckets([passport.pk]) if passport is not None else []
        buckets_mark(batch_buckets(batch) + home)
    return row


def _passport_input_elements(batch: Batch, passport: Passport, mass_kg, assay):
    if passport.status != PassportStatus.WASTE:
        raise refuse(
            409, "passport", f"Only waste can be treated; this product is {passport.status}."
        )
    if passport.holder_id != batch.recycler_id:
        # Only the holder of the waste treats it: a collector hands it over first.
        raise refuse(
            409,
            "passport",
            "This product is held by another organisation; its holder hands it over to you "
            "(ownership_transferred) before you can treat it.",
        )
    if passport.product_type != batch.product_type:
        raise refuse(400, "passport", f"This batch treats {batch.product_type}, not this product.")
    category = category_of(passport.product_type, passport.attributes)
    if category != batch.chemistry_category:
        raise refuse(
            400,
            "passport",
            f"The product is {category}; this batch treats {batch.chemistry_category}.",
        )
    # The declared composition scaled to the weighed mass stands in where no assay was made;
    # an assay wins for every element it measured.
    scale = mass_kg / passport.mass_kg
    elements = {
        entry.substance: (entry.mass_kg * scale).quantize(SIX_PLACES)
        for entry in passport.composition.all()
        if is_element(entry.substance)
    }
    elements.update(assay or {})
    return elements, Basis.ASSAY if assay else Basis.COMPOSITION


def _intermediate_input_elements(batch: Batch, source: BatchOutput, mass_kg):
    # Intermediates recorded before destinations were named stay with their producer.
    destination = source.destination_recycler_id or source.batch.recycler_id
    if destination != batch.recycler_id:
        raise refuse(404, "source_output", "No such output.")
    if source.counts_as != CountsAs.INTERMEDIATE:
        raise refuse(400, "source_output", "Only intermediate fractions feed another batch.")
    if source.batch.status != BatchStatus.CLOSED:
        raise refuse(409, "source_output", "The upstream batch must be closed first.")
    if source.batch.product_type != batch.product_type:
        raise refuse(400, "source_output", "The intermediate comes from another product type.")
    if mass_kg != source.mass_kg:
        raise refuse(
            400,
            "mass_kg",
            f"An intermediate enters whole: {source.mass_kg} kg, not {mass_kg} kg.",
        )
    upstream_basis = {i.basis for i in source.batch.inputs.all()}
    basis = Basis.ASSAY if upstream_basis == {Basis.ASSAY} else Basis.COMPOSITION
    return {e.element: e.mass_kg for e in source.elements.all()}, basis


def batch_output_add(
    *,
    batch_id,
    fraction: str,
    counts_as: str,
    mass_kg: Decimal,
    origin_mass_kg: Decimal | None,
    elements: dict[str, Decimal],
    destination: str = "",
    destination_recycler: Organisation | None = None,
) -> BatchOutput:
    """Records an output fraction and the element masses recovered in it.

    An intermediate names the recycler it goes to (by default the batch's own), and only that
    recycler may take it into a batch.
    """
    with transaction.atomic():
        batch = _locked_open_batch(batch_id)
        origin = mass_kg if origin_mass_kg is None else origin_mass_kg
        if origin > mass_kg:
            raise refuse(400, "origin_mass_kg", "The mass from the input exceeds the fraction.")
        if counts_as != CountsAs.INTERMEDIATE and destination_recycler is not None:
            raise refuse(
                400,
                "destination_recycler",
                "Only an intermediate fraction goes on to another recycler.",
            )
        if counts_as == CountsAs.INTERMEDIATE:
            destination_recycler = destination_recycler or batch.recycler
        output = BatchOutput.objects.create(
            batch=batch,
            fraction=fraction,
            counts_as=counts_as,
            mass_kg=mass_kg,
            origin_mass_kg=origin,
            destination=destination,
            destination_recycler=destination_recycler,
        )
        OutputElement.objects.bulk_create(
            OutputElement(output=output, element=element, mass_kg=mass)
            for element, mass in sorted(elements.items())
        )
        buckets_mark(batch_buckets(batch))
    return output


def batch_output_record(*, batch_id, data: dict) -> BatchOutput:
    """batch_output_add for an output as OutputIn validated it (the API, the intake form and
    EPCIS capture all take outputs in that shape); what the body leaves out takes its default."""
    return batch_output_add(
        batch_id=batch_id,
        fraction=data["fraction"],
        counts_as=data["counts_as"],
        mass_kg=data["mass_kg"],
        origin_mass_kg=data.get("origin_mass_kg"),
        elements=data.get("elements") or {},
        destination=data.get("destination", ""),
        destination_recycler=data.get("destination_recycler"),
    )


def mass_balance_problems(batch: Batch) -> list[dict[str, str]]:
    """What prevents closing: missing records, or more out than in (beyond the tolerance)."""
    balance = batch_balance(batch)
    problems = []
    if not balance.has_inputs:
        problems.append({"field": "inputs", "message": "A batch needs at least one input."})
    if not balance.has_outputs:
        problems.append({"field": "outputs", "message": "A batch needs at least one output."})
    if not balance.mass_within:
        tolerance = settings.MASS_BALANCE_TOLERANCE
        problems.append(
            {
                "field": "outputs",
                "message": f"Outputs from the input ({_kg(balance.accounted)} kg, with declared "
                f"losses) exceed the inputs ({_kg(balance.mass_in)} kg) by more than "
                f"{tolerance:%}.",
            }
        )
    for row in balance.elements:
        if row.mass_out and not row.within:
            problems.append(
                {
                    "field": f"outputs.elements.{row.element}",
                    "message": f"{row.element}: {_kg(row.mass_out)} kg out but only "
                    f"{_kg(row.mass_in)} kg in.",
                }
            )
    return problems


def batch_close(*, batch_id, actor: Organisation, closed_at: dt.datetime | None = None) -> Batch:
    """Checks the balance, signs `recycled` for every input product and closes the batch."""
    closed_at = closed_at or timezone.now()
    with transaction.atomic():
        batch = _locked_open_batch(batch_id)
        if batch.recycler_id != actor.pk:
            raise refuse(404, "batch", "No such batch.")
        problems = mass_balance_problems(batch)
        if problems:
            raise EventRefused(400, problems)
        passport_inputs = batch.inputs.filter(passport__isnull=False).order_by("created_at")
        for index, row in enumerate(passport_inputs):
            try:
                event_record(
                    passport_id=row.passport_id,
                    actor=actor,
                    event_type=EventType.RECYCLED,
                    occurred_at=closed_at,
                    payload={"batch": batch.pk, "process_route": batch.process_route},
                    closing_batch=True,
                )
            except EventRefused as refused:
                message = refused.errors[0]["message"]
                raise refuse(refused.status, f"inputs[{index}]", message) from refused
        closed = Batch.objects.filter(pk=batch.pk, status=BatchStatus.OPEN).update(
            status=BatchStatus.CLOSED, closed_at=closed_at
        )
        if closed != 1:
            raise refuse(409, "batch", "The batch was closed by someone else.")
        buckets_mark(batch_buckets(batch))
        chains_mark(batch)
        batch.refresh_from_db()
    return batch


def batch_open(*, recycler: Organisation, **fields) -> Batch:
    """Opens a treatment batch at one of the recycler's sites."""
    with transaction.atomic():
        return Batch.objects.create(recycler=recycler, **fields)
