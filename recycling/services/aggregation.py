"""Recomputing aggregate buckets from their records, and the sweeper that drains them.

Every refresh recomputes a bucket whole from the source records and replaces its rows: it never
increments, so running it twice, concurrently or after a crash gives the same state as a full
rebuild.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from passports.models import Passport, ProductType
from recycling.bounds import denominator_bounded
from recycling.chains import BatchFlows, Flow, first_step_share, follow
from recycling.digests import records_digest
from recycling.models import (
    Batch,
    BatchInput,
    BatchOutput,
    BatchStatus,
    DirtyBucket,
    InputElement,
    InventoryCell,
    OutputElement,
    Statistic,
)
from recycling.services.collection_stats import collection_statistics
from recycling.services.dirty import feed_read
from recycling.services.inventory import (
    BATCH_STAGES,
    Population,
    batch_populations,
    inventory_cells,
    inventory_fine_cells,
)

ZERO = Decimal(0)
# Parts of a country's inventory that a batch, or a product entering or leaving treatment,
# changes: one category and year of them is recomputed, not the country with its forecasts.
FINE_PARTS = {"inventory_batch": "batch", "inventory_collected": "collected"}


@dataclass(frozen=True)
class BatchFacts:
    """What a recovery statistic needs of a batch beside its flows."""

    pk: object
    recycler_id: object
    category: str
    closed_at: object
    bases: frozenset


def _flows(product_type: str) -> tuple[dict[str, BatchFlows], dict[str, BatchFacts]]:
    """Every batch of a product type as flows, read as plain rows rather than model objects."""
    in_elements: dict = defaultdict(dict)
    for input_id, element, mass in InputElement.objects.filter(
        input__batch__product_type=product_type
    ).values_list("input_id", "element", "mass_kg"):
        in_elements[input_id][element] = mass
    out_elements: dict = defaultdict(dict)
    for output_id, element, mass in OutputElement.objects.filter(
        output__batch__product_type=product_type
    ).values_list("output_id", "element", "mass_kg"):
        out_elements[output_id][element] = mass
    inputs: dict = defaultdict(list)
    bases: dict = defaultdict(set)
    for pk, batch_id, mass, passport_id, source_output_id, basis in BatchInput.objects.filter(
        batch__product_type=product_type
    ).values_list("pk", "batch_id", "mass_kg", "passport_id", "source_output_id", "basis"):
        inputs[batch_id].append(
            Flow(
                id=str(pk),
                mass=mass,
                elements=in_elements[pk],
                from_passport=passport_id is not None,
                source_output=str(source_output_id) if source_output_id else None,
            )
        )
        if passport_id:
            bases[batch_id].add(basis)
    outputs: dict = defaultdict(list)
    for pk, batch_id, mass, counts_as, origin_mass in BatchOutput.objects.filter(
        batch__product_type=product_type
    ).values_list("pk", "batch_id", "mass_kg", "counts_as", "origin_mass_kg"):
        outputs[batch_id].append(
            Flow(
                id=str(pk),
                mass=mass,
                elements=out_elements[pk],
                counts_as=counts_as,
                origin_mass=origin_mass,
            )
        )
    flows, facts = {}, {}
    for pk, status, recycler_id, category, closed_at in Batch.objects.filter(
        product_type=product_type
    ).values_list("pk", "status", "recycler_id", "chemistry_category", "closed_at"):
        flows[str(pk)] = BatchFlows(
            id=str(pk),
            closed=status == BatchStatus.CLOSED,
            inputs=inputs[pk],
            outputs=outputs[pk],
        )
        facts[str(pk)] = BatchFacts(pk, recycler_id, category, closed_at, frozenset(bases[pk]))
    return flows, facts


def recovery_statistics(product_type: str) -> list[Statistic]:
    """Recycling efficiency and material recovery per recycler, category and year."""
    flows, batches = _flows(product_type)
    ends = follow(flows)
    populations = batch_populations(product_type)
    groups: dict[tuple, dict] = defaultdict(
        lambda: {"num": ZERO, "den": ZERO, "el_num": defaultdict(Decimal),
                 "el_den": defaultdict(Decimal), "records": [], "bases": set(), "pending": 0,
                 "population": Population()}
    )  # fmt: skip
    for batch_id, recovered in ends.items():
        batch, flow = batches[batch_id], flows[batch_id]
        if not any(f.from_passport for f in flow.inputs):
            continue  # a downstream step: counted through the chain it belongs to
        key = (batch.recycler_id, batch.category, batch.closed_at.year)
        group = groups[key]
        if not recovered.complete:
            group["pending"] += 1
            continue
        share, element_shares = first_step_share(flow)
        group["num"] += recovered.recycled_mass * share
        group["den"] += sum((f.mass for f in flow.inputs if f.from_passport), ZERO)
        for f in flow.inputs:
            if f.from_passport:
                for element, mass in f.elements.items():
                    group["el_den"][element] += mass
        for element, mass in recovered.elements.items():
            group["el_num"][element] += mass * element_shares.get(element, ZERO)
        group["bases"] |= batch.bases
        group["population"] |= populations.get(batch.pk, Population())
        group["records"].extend(sorted(recovered.batches))
    now = timezone.now()
    rows = []
    for (recycler, category, year), group in groups.items():
        bases = group["bases"]
        basis = next(iter(bases)) if len(bases) == 1 else ("mixed" if bases else "")
        common = {
            "bucket": f"recovery|{product_type}",
            "product_type": product_type,
            "year": year,
            "recycler_id": recycler,
            "category": category,
            "basis": basis,
            "digest": records_digest(group["records"]),
            "product_count": len(group["population"].products),
            "manufacturers": sorted(str(m) for m in group["population"].manufacturers),
            "computed_at": now,
            "detail": {
                "chains_pending": group["pending"],
                "batches": sorted(set(group["records"])),
            },
        }
        if group["den"]:
            rows.append(_bounded("recycling_efficiency", "", group["num"], group["den"], common))
        for element, denominator in sorted(group["el_den"].items()):
            if denominator:
                numerator = group["el_num"][element]
                rows.append(_bounded("material_recovery", element, numerator, denominator, common))
    return rows


def _bounded(metric: str, element: str, numerator, input_kg, common: dict) -> Statistic:
    """A recovery row whose rate stays within 100 %.

    Mass balance admits outputs up to MASS_BALANCE_TOLERANCE above the input (weighing
    error); what left a process was in it, so the denominator is then the output, and the
    row keeps the weighed input beside it.
    """
    numerator = numerator.quantize(Decimal("0.000001"))
    denominator = denominator_bounded(expected=input_kg, observed=numerator)
    detail = dict(common["detail"])
    if denominator.observed:
        detail["input_kg"] = str(input_kg)
        detail["denominator"] = "output_within_mass_balance_tolerance"
    return Statistic(
        metric=metric,
        element=element,
        numerator_kg=numerator,
        denominator_kg=denominator.kg,
        **{**common, "detail": detail},
    )


def bucket_recompute(kind: str, key: str) -> None:
    """Replaces the rows of one bucket with a fresh computation from the records."""
    bucket = f"{kind}|{key}"
    if kind == "recovery":
        Statistic.objects.filter(bucket=bucket).delete()
        Statistic.objects.bulk_create(recovery_statistics(key))
    elif kind == "collection":
        Statistic.objects.filter(bucket=bucket).delete()
        Statistic.objects.bulk_create(collection_statistics(key))
    elif kind == "inventory":
        product_type, region = key.split("|")
        InventoryCell.objects.filter(bucket=bucket).delete()
        InventoryCell.objects.bulk_create(inventory_cells(product_type, region))
    elif kind in FINE_PARTS:
        product_type, region, category, year = key.split("|")
        part = FINE_PARTS[kind]
        InventoryCell.objects.filter(
            bucket=f"inventory|{product_type}|{region}",
            category=category,
            year=int(year),
            stage__in=BATCH_STAGES if part == "batch" else ("collected",),
        ).delete()
        InventoryCell.objects.bulk_create(
            inventory_fine_cells(product_type, region, part, category, int(year))
        )


def buckets_refresh() -> int:
    """Drains dirty buckets one at a time; concurrent workers take different buckets."""
    refreshed = 0
    with transaction.atomic():
        while feed_read():
            pass
    while True:
        with transaction.atomic():
            dirty = (
                DirtyBucket.objects.select_for_update(skip_locked=True)
                .order_by("marked_at")
                .first()
            )
            if dirty is None:
                return refreshed
            bucket_recompute(dirty.kind, dirty.key)
            dirty.delete()
        refreshed += 1


def all_buckets() -> list[tuple[str, str]]:
    """Every bucket the records can contribute to, for a full rebuild."""
    buckets = [(kind, pt) for pt in ProductType.values for kind in ("recovery", "collection")]
    places = set(
        Passport.objects.values_list("product_type", "market_country", "manufacturing_country")
    )
    regions = {(pt, market or made) for pt, market, made in places}
    regions |= set(Batch.objects.values_list("product_type", "site_country"))
    buckets += [("inventory", f"{pt}|{region}") for pt, region in sorted(regions)]
    return buckets


def _comparable(kind: str, rows) -> set[tuple]:
    if kind == "inventory":
        return {
            (r.bucket, r.region, r.product_type, r.category, r.year, r.stage, r.element,
             r.mass_kg, r.product_mass_kg, r.unfc, r.product_count, tuple(r.manufacturers))
            for r in rows
        }  # fmt: skip
    return {
        (r.bucket, r.metric, r.product_type, r.year, r.recycler_id, r.category, r.element,
         r.region, r.numerator_kg, r.denominator_kg, r.basis, r.digest, r.product_count,
         tuple(r.manufacturers))
        for r in rows
    }  # fmt: skip


def aggregates_differences() -> list[str]:
    """Buckets whose stored rows differ from a recomputation from the records."""
    differences = []
    dirty = {f"{kind}|{key}" for kind, key in DirtyBucket.objects.values_list("kind", "key")}
    for kind, key in all_buckets():
        bucket = f"{kind}|{key}"
        if kind == "inventory":
            stored = InventoryCell.objects.filter(bucket=bucket)
            fresh = inventory_cells(*key.split("|"))
        else:
            stored = Statistic.objects.filter(bucket=bucket)
            fresh = recovery_statistics(key) if kind == "recovery" else collection_statistics(key)
        # Fresh rows come back with unsaved decimals; normalise both sides the same way.
        left = {tuple(_norm(v) for v in row) for row in _comparable(kind, stored)}
        right = {tuple(_norm(v) for v in row) for row in _comparable(kind, fresh)}
        # Named by the bucket whose refresh would mend them: the country's when it is marked,
        # else the finest part, so that a stale part can be matched with its dirty mark.
        names = {row: _finest(kind, key, row, bucket in dirty) for row in left ^ right}
        for name in sorted(set(names.values())):
            extra = sum(1 for row in left - right if names[row] == name)
            missing = sum(1 for row in right - left if names[row] == name)
            differences.append(
                f"{name}: {extra} stored rows not recomputed, {missing} recomputed rows not stored"
            )
    return differences


def _finest(kind: str, key: str, row: tuple, whole_marked: bool) -> str:
    if kind == "inventory" and not whole_marked:
        category, year, stage = row[3], row[4], row[5]
        for fine, part in FINE_PARTS.items():
            if stage in (BATCH_STAGES if part == "batch" else ("collected",)):
                return f"{fine}|{key}|{category}|{year}"
    return f"{kind}|{key}"


def _norm(value):
    return value.normalize() if isinstance(value, Decimal) else value


def aggregates_rebuild() -> int:
    """Recomputes every bucket from the records; returns how many were rebuilt."""
    buckets = all_buckets()
    with transaction.atomic():
        while feed_read():
            pass
        for kind, key in buckets:
            bucket_recompute(kind, key)
        DirtyBucket.objects.filter(
            kind__in=[k for k, _ in buckets], key__in=[key for _, key in buckets]
        ).delete()
    return len(buckets)
