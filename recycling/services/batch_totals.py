"""Per-batch element sums and products, read from the records or, once a batch is closed, stored.

A batch cell of the inventory and a recovery group are sums over many batches. Summing them
from the records means reading every input, element and passport of every batch of the cell
or group, which grows with the data. A closed batch's records are final, so its sums are
computed once (`BatchTotals`) and later refreshes add up those rows; an open batch, whose
records still change, is summed from them each time.

Who stands behind a batch's figures is its own products and, through the intermediates it
took, those of every step upstream of it, as `batch_populations` has them. Each product goes
into one batch only, so the products behind a set of batches are counted exactly by adding
the own products of every batch in their upstream closure, each batch once.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.db import transaction
from django.db.models import Count

from recycling.models import (
    Batch,
    BatchInput,
    BatchStatus,
    BatchTotals,
    CountsAs,
    InputElement,
    OutputElement,
)
from recycling.services.exact import micro_sum

# Batch ids go into the query as parameters: SQLite takes at most 32,766.
BATCHES_PER_QUERY = 5_000


@dataclass
class Totals:
    """One batch's sums in whole milligrams, its own products and the steps it took from."""

    mass_in: int = 0
    elements_in: dict[str, int] = field(default_factory=dict)
    elements_out: dict[str, int] = field(default_factory=dict)
    recovered: list[tuple[str, int, int]] = field(default_factory=list)
    product_count: int = 0
    manufacturers: frozenset = frozenset()
    sources: frozenset = frozenset()


def as_uuid(value) -> UUID:
    """A batch id as read from the database: a UUID on PostgreSQL, its text on SQLite."""
    return value if isinstance(value, UUID) else UUID(str(value))


def totals_from_records(product_type: str, batch_ids: Iterable) -> dict[UUID, Totals]:
    """The totals of the given batches of a product type, summed from their records."""
    totals: dict[UUID, Totals] = {}
    for ids in itertools.batched(sorted(set(batch_ids), key=str), BATCHES_PER_QUERY):
        totals |= _summed(product_type, list(ids))
    return totals


def _summed(product_type: str, ids: list) -> dict[UUID, Totals]:
    totals: dict = defaultdict(Totals)
    for batch, element, mass in (
        InputElement.objects.filter(input__batch_id__in=ids)
        .order_by()
        .values_list("input__batch_id", "element")
        .annotate(kg=micro_sum("mass_kg"))
    ):
        totals[as_uuid(batch)].elements_in[element] = mass or 0
    for batch, mass in (
        BatchInput.objects.filter(batch_id__in=ids)
        .order_by()
        .values_list("batch_id")
        .annotate(kg=micro_sum("mass_kg"))
    ):
        totals[as_uuid(batch)].mass_in = mass or 0
    # Grouped by what the outputs count as, as the full computation groups them: an output's
    # mass counts once for each element it holds.
    for batch, counts_as, element, mass, product in (
        OutputElement.objects.filter(output__batch_id__in=ids)
        .order_by()
        .values_list("output__batch_id", "output__counts_as", "element")
        .annotate(kg=micro_sum("mass_kg"), product_kg=micro_sum("output__mass_kg"))
    ):
        found = totals[as_uuid(batch)]
        found.elements_out[element] = found.elements_out.get(element, 0) + (mass or 0)
        if counts_as == CountsAs.RECYCLING:
            found.recovered.append((element, mass or 0, product or 0))
    owners: dict = defaultdict(lambda: [0, set()])
    # Each product is one input, so counting inputs per maker counts products.
    for batch, maker, count in (
        BatchInput.objects.filter(batch_id__in=ids, passport__isnull=False)
        .order_by()
        .values_list("batch_id", "passport__manufacturer_id")
        .annotate(n=Count("id"))
    ):
        owners[as_uuid(batch)][0] += count
        owners[as_uuid(batch)][1].add(str(maker))
    sources: dict = defaultdict(set)
    # Only steps of the same product type: a chain is followed within its product type.
    for batch, source in BatchInput.objects.filter(
        batch_id__in=ids, source_output__batch__product_type=product_type
    ).values_list("batch_id", "source_output__batch_id"):
        sources[as_uuid(batch)].add(as_uuid(source))
    result = {}
    for batch in map(as_uuid, ids):
        found = totals.get(batch, Totals())
        found.recovered.sort()
        count, makers = owners.get(batch, (0, set()))
        found.product_count, found.manufacturers = count, frozenset(makers)
        found.sources = frozenset(sources.get(batch, ()))
        result[batch] = found
    return result


COLUMNS = ("batch_id", "mass_in_mg", "product_count", "parts")


def _from_values(values: tuple) -> tuple[UUID, Totals]:
    batch, mass_in, count, parts = values
    return as_uuid(batch), Totals(
        mass_in, parts["in"], parts["out"], [tuple(r) for r in parts["recovered"]], count,
        frozenset(parts["makers"]), frozenset(map(as_uuid, parts["sources"])),
    )  # fmt: skip


def _row(batch: UUID, totals: Totals) -> BatchTotals:
    parts = {
        "in": totals.elements_in, "out": totals.elements_out,
        "recovered": [list(r) for r in totals.recovered],
        "makers": sorted(totals.manufacturers), "sources": sorted(map(str, totals.sources)),
    }  # fmt: skip
    return BatchTotals(
        batch_id=batch, mass_in_mg=totals.mass_in, product_count=totals.product_count, parts=parts
    )


def batch_totals(product_type: str, statuses: dict) -> dict[UUID, Totals]:
    """The totals of batches given as {id: status}: stored ones for closed batches, else summed.

    Closed batches summed here are stored for the next refresh, once the refresh commits
    (`_store_after_commit`).
    """
    closed = [as_uuid(b) for b, status in statuses.items() if status == BatchStatus.CLOSED]
    totals: dict[UUID, Totals] = {}
    for ids in itertools.batched(closed, BATCHES_PER_QUERY):
        totals |= dict(
            map(_from_values, BatchTotals.objects.filter(pk__in=ids).values_list(*COLUMNS))
        )
    summed = totals_from_records(product_type, {as_uuid(b) for b in statuses} - set(totals))
    closed_summed = set(closed) & set(summed)
    _store_after_commit([_row(batch, summed[batch]) for batch in sorted(closed_summed, key=str)])
    return totals | summed


def _store_after_commit(rows: list[BatchTotals]) -> None:
    """Stores closed batches' totals once the refresh that summed them has committed.

    A closed batch's totals are final, so when they are written does not matter, only that no
    refresh waits for another to write them. Inserted inside the refresh, two refreshers could
    deadlock: one refresh stores its cell's batches, then their upstream steps, and another,
    whose cell holds those steps, the reverse, each waiting for the other's uncommitted row.
    After the commit each insert is a statement of its own, in id order, holding nothing else;
    two that store the same batch store the same sums, so the second is dropped.
    """
    if rows:
        transaction.on_commit(lambda: BatchTotals.objects.bulk_create(rows, ignore_conflicts=True))


def closures(product_type: str, totals: dict[UUID, Totals]) -> dict[UUID, frozenset]:
    """Each batch with every step upstream of it; the totals of upstream steps are added.

    Upstream steps are closed (a batch takes only closed batches' outputs), so theirs are
    stored, or summed and stored now.
    """
    frontier = {s for t in totals.values() for s in t.sources} - set(totals)
    while frontier:
        found = batch_totals(product_type, dict.fromkeys(frontier, BatchStatus.CLOSED))
        totals.update(found)
        frontier = {s for t in found.values() for s in t.sources} - set(totals)
    resolved: dict[UUID, frozenset] = {}

    def closure(batch: UUID, seen: frozenset = frozenset()) -> frozenset:
        if batch not in resolved:
            upstream = {batch}
            for source in totals[batch].sources - seen:
                upstream |= closure(source, seen | {batch})
            resolved[batch] = frozenset(upstream)
        return resolved[batch]

    return {batch: closure(batch) for batch in list(totals)}


def products_behind(batches: Iterable[UUID], totals: dict[UUID, Totals]) -> tuple[int, set]:
    """How many products, and which makers, stand behind batches given with their closures."""
    count, makers = 0, set()
    for batch in set(batches):
        count += totals[batch].product_count
        makers |= totals[batch].manufacturers
    return count, makers


def totals_stale() -> list[UUID]:
    """Batches whose stored totals differ from a sum of their records, for the check."""
    stale = []
    stored = dict(map(_from_values, BatchTotals.objects.values_list(*COLUMNS)))
    types = Batch.objects.filter(pk__in=list(stored)).values_list("pk", "product_type")
    by_type: dict = defaultdict(list)
    for batch, product_type in types:
        by_type[product_type].append(as_uuid(batch))
    for product_type, ids in by_type.items():
        fresh = totals_from_records(product_type, ids)
        stale += [batch for batch in ids if fresh[batch] != stored[batch]]
    return sorted(stale, key=str)
