"""Recomputing aggregate buckets from their records, and the sweeper that drains them.

Every refresh recomputes a bucket (or a fine part of one, or a treatment chain) whole from the
source records and replaces its rows: it never increments, so running it twice, concurrently or
after a crash gives the same state as a full rebuild. The new rows are written with
`rows_insert` (COPY on PostgreSQL): building an INSERT's parameters field by field took a
quarter of a refresh's Python time after a batch close.
"""

from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Q

from passports.bulk import rows_insert
from passports.models import Passport, ProductType
from recycling.models import (
    Batch,
    BatchTotals,
    ChainRecovery,
    DirtyBucket,
    InventoryCell,
    Statistic,
)
from recycling.services.batch_totals import totals_stale
from recycling.services.collection_stats import collection_statistics
from recycling.services.dirty import feed_read
from recycling.services.inventory import (
    BATCH_STAGES,
    inventory_cells,
    inventory_collected_cells,
    inventory_fine_cells,
)
from recycling.services.recovery import (
    chain_key,
    chains_fresh,
    recovery_rebuild,
    recovery_refresh,
    recovery_statistics,
)

# Parts of a country's inventory that a batch, or a product entering or leaving treatment,
# changes: one category and year of them is recomputed, not the country with its forecasts.
FINE_PARTS = {"inventory_batch": "batch", "inventory_collected": "collected"}


def bucket_recompute(kind: str, key: str, whole: bool = False) -> None:
    """Replaces the rows of one bucket with a fresh computation from the records.

    A product type's recovery is refreshed chain by chain (those its closes marked) unless
    `whole` asks for every chain, as a rebuild does.
    """
    bucket = f"{kind}|{key}"
    if kind == "recovery":
        (recovery_rebuild if whole else recovery_refresh)(key)
    elif kind == "collection":
        Statistic.objects.filter(bucket=bucket).delete()
        Statistic.objects.bulk_create(collection_statistics(key))
    elif kind == "inventory":
        product_type, region = key.split("|")
        _cells_locked(product_type, [region])
        InventoryCell.objects.filter(bucket=bucket).delete()
        rows_insert(InventoryCell, inventory_cells(product_type, region))
    elif kind == "inventory_collected":
        collected_cells_recompute([key])
    elif kind == "inventory_batch":
        product_type, region, category, year = key.split("|")
        _cells_locked(product_type, [region])
        InventoryCell.objects.filter(
            bucket=f"inventory|{product_type}|{region}",
            category=category,
            year=int(year),
            stage__in=BATCH_STAGES,
        ).delete()
        rows_insert(
            InventoryCell, inventory_fine_cells(product_type, region, "batch", category, int(year))
        )


def collected_cells_recompute(keys: list[str]) -> None:
    """Replaces the rows of collected cells ("type|country|category|year") of one product type.

    The cells are recomputed together, in one read of their countries' waste.
    """
    wanted = set()
    for key in keys:
        product_type, region, category, year = key.split("|")
        wanted.add((region, category, int(year)))
    _cells_locked(product_type, {region for region, _, _ in wanted})
    InventoryCell.objects.filter(
        reduce(
            or_,
            (
                Q(bucket=f"inventory|{product_type}|{region}", category=category, year=year)
                for region, category, year in sorted(wanted)
            ),
        ),
        stage="collected",
    ).delete()
    rows_insert(InventoryCell, inventory_collected_cells(product_type, wanted))


def _cells_locked(product_type: str, regions) -> None:
    """Waits for any other refresh writing these countries' inventory cells to commit.

    A country's whole bucket and its fine cells replace rows of one table by deleting them
    first. On PostgreSQL a delete waiting for another's deleted rows does not see the rows that
    one then inserts, so both refreshes' rows would stay and a cell would count twice. Each
    writer therefore holds a lock per country until it commits, taken in one order (by name),
    so two writers of several countries cannot wait for each other. SQLite runs one writer at
    a time.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for region in sorted(regions):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"inventory|{product_type}|{region}"]
            )


def _claimed(dirty: DirtyBucket) -> list[DirtyBucket]:
    """The bucket taken, with the other collected cells of its product type no one holds.

    A close marks a collected cell for each place its products came from; these are refreshed
    together. Like the first, they are taken with SKIP LOCKED, so a refresher never waits for
    a mark or another refresher, and a mark made meanwhile waits for this transaction.
    """
    if dirty.kind != "inventory_collected":
        return [dirty]
    product_type = dirty.key.split("|")[0]
    return [dirty] + list(
        DirtyBucket.objects.select_for_update(skip_locked=True)
        .filter(kind=dirty.kind, key__startswith=f"{product_type}|")
        .exclude(pk=dirty.pk)
        .order_by("key")
    )


def buckets_refresh() -> int:
    """Drains dirty buckets one at a time; concurrent workers take different buckets.

    A product type's marked collected cells are taken and refreshed together.
    """
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
            claimed = _claimed(dirty)
            if dirty.kind == "inventory_collected":
                collected_cells_recompute([bucket.key for bucket in claimed])
            else:
                bucket_recompute(dirty.kind, dirty.key)
            DirtyBucket.objects.filter(pk__in=[bucket.pk for bucket in claimed]).delete()
        refreshed += len(claimed)


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
    differences = [
        f"batch_totals|{batch}: stored totals differ from the batch's records"
        for batch in totals_stale()
    ]
    dirty = {f"{kind}|{key}" for kind, key in DirtyBucket.objects.values_list("kind", "key")}
    for kind, key in all_buckets():
        bucket = f"{kind}|{key}"
        if kind == "inventory":
            stored = InventoryCell.objects.filter(bucket=bucket)
            fresh = inventory_cells(*key.split("|"))
        elif kind == "recovery":
            chains = chains_fresh(key)
            differences += _chain_differences(key, chains, bucket in dirty)
            stored = Statistic.objects.filter(bucket=bucket)
            fresh = recovery_statistics(key, chains)
        else:
            stored = Statistic.objects.filter(bucket=bucket)
            fresh = collection_statistics(key)
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


def _chain_differences(product_type: str, fresh: list, whole_marked: bool) -> list[str]:
    """Stored chains that differ from a recomputation, named by the bucket that mends them."""
    stored = {chain_key(c) for c in ChainRecovery.objects.filter(product_type=product_type)}
    recomputed = {chain_key(c) for c in fresh}
    names = {
        row: f"recovery|{product_type}" if whole_marked else f"recovery_chain|{row[0]}"
        for row in stored ^ recomputed
    }
    return [
        f"{name}: {sum(1 for row in stored - recomputed if names[row] == name)} stored chains "
        f"not recomputed, {sum(1 for row in recomputed - stored if names[row] == name)} "
        "recomputed chains not stored"
        for name in sorted(set(names.values()))
    ]


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
        # Stored batch totals are re-summed from the records too, so a rebuild mends them.
        BatchTotals.objects.all().delete()
        for kind, key in buckets:
            bucket_recompute(kind, key, whole=True)
        DirtyBucket.objects.filter(
            kind__in=[k for k, _ in buckets], key__in=[key for _, key in buckets]
        ).delete()
    return len(buckets)
