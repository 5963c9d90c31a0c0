"""Treatment batches as a regulator reads them: what went in, what came out, and where an
element ended up (recycled, or lost to slag, backfill, disposal)."""

from collections import defaultdict
from decimal import Decimal

from passports.declaration import normalised
from recycling.models import Batch, CountsAs
from web.dashboard.labels import COUNTS_AS_LABELS, ROUTE_LABELS, label

ZERO = Decimal(0)


def batches_with_flows(batch_ids) -> list[Batch]:
    """The batches with inputs, outputs and their element masses in a few queries."""
    return list(
        Batch.objects.filter(pk__in=batch_ids)
        .select_related("recycler")
        .prefetch_related(
            "inputs__elements",
            "inputs__passport",
            "inputs__source_output__batch",
            "outputs__elements",
            "outputs__consumed_by__batch",
        )
        .order_by("started_at", "id")
    )


def _mass(elements: dict[str, Decimal], element: str, whole: Decimal) -> Decimal:
    return elements.get(element, ZERO) if element else whole


def _plain(value: Decimal | None) -> Decimal | None:
    """Drops the stored trailing zeros for reading: 450.000000 reads as 450."""
    return None if value is None else normalised(value)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


def batch_present(batch: Batch, element: str = "") -> dict:
    """One batch with its inputs and outputs; with an element, that element's mass in each."""
    inputs, outputs = [], []
    for row in batch.inputs.all():
        elements = {e.element: e.mass_kg for e in row.elements.all()}
        inputs.append(
            {
                "row": row,
                "passport": row.passport,
                "source_batch": row.source_output.batch if row.source_output_id else None,
                "source_fraction": row.source_output.fraction if row.source_output_id else "",
                "mass_kg": _plain(row.mass_kg),
                "element_kg": _plain(elements.get(element)) if element else None,
            }
        )
    for row in batch.outputs.all():
        elements = {e.element: e.mass_kg for e in row.elements.all()}
        consumer = getattr(row, "consumed_by", None)
        outputs.append(
            {
                "row": row,
                "counts_label": label(COUNTS_AS_LABELS, row.counts_as),
                "counts": row.counts_as == CountsAs.RECYCLING,
                "mass_kg": _plain(row.mass_kg),
                "origin_mass_kg": _plain(row.origin_mass_kg),
                "element_kg": _plain(elements.get(element)) if element else None,
                "consumer_batch": consumer.batch if consumer else None,
            }
        )
    element_in = sum((i["element_kg"] or ZERO for i in inputs), ZERO) if element else None
    recycled = [o for o in outputs if o["counts"]]
    element_recycled = sum((o["element_kg"] or ZERO for o in recycled), ZERO) if element else None
    return {
        "batch": batch,
        "route_label": label(ROUTE_LABELS, batch.process_route),
        "first_step": any(i["passport"] is not None for i in inputs),
        "inputs": inputs,
        "outputs": outputs,
        "mass_in": _plain(sum((i["row"].mass_kg for i in inputs), ZERO)),
        "mass_recycled": _plain(sum((o["row"].origin_mass_kg for o in recycled), ZERO)),
        "element_in": _plain(element_in),
        "element_recycled": _plain(element_recycled),
        "element_rate": _percent(element_recycled, element_in) if element else None,
    }


def element_fates(batches: list[Batch], element: str = "") -> dict:
    """Where the products' element (or, without one, their mass) ended up across the batches.

    Products enter the first steps; intermediates are followed into the later steps listed, and
    a later step's outputs are counted in the share of its input that came from these batches.
    """
    ids = {b.pk for b in batches}
    entered = ZERO
    fates: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for batch in batches:
        own = total = ZERO
        for row in batch.inputs.all():
            amount = _mass({e.element: e.mass_kg for e in row.elements.all()}, element, row.mass_kg)
            total += amount
            if row.passport_id is not None:
                entered += amount
                own += amount
            elif row.source_output.batch_id in ids:
                own += amount
        share = own / total if total else ZERO
        for row in batch.outputs.all():
            consumer = getattr(row, "consumed_by", None)
            if consumer is not None and consumer.batch_id in ids:
                continue  # an intermediate followed into the later step, counted there
            whole = row.origin_mass_kg
            amount = _mass({e.element: e.mass_kg for e in row.elements.all()}, element, whole)
            if amount:
                fates[(row.counts_as, row.fraction)] += amount * share
    rows = [
        {
            "counts_as": counts_as,
            "counts_label": label(COUNTS_AS_LABELS, counts_as),
            "fraction": fraction,
            "mass_kg": mass.quantize(Decimal("0.001")),
            "share_pct": _percent(mass, entered),
            "counts": counts_as == CountsAs.RECYCLING,
        }
        for (counts_as, fraction), mass in sorted(
            fates.items(), key=lambda item: (item[0][0] != CountsAs.RECYCLING, -item[1])
        )
    ]
    accounted = sum(fates.values(), ZERO)
    return {
        "entered_kg": entered.quantize(Decimal("0.001")),
        "rows": rows,
        "unaccounted_kg": (entered - accounted).quantize(Decimal("0.001")),
    }
