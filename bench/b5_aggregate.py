"""B5: full aggregation rebuild, and the incremental refresh after one batch closes.

Runs on its own database holding a fleet of about 10^6 element rows (composition elements of
every passport plus the element rows of batch inputs and outputs). Limit: raw SQL GROUP BYs
over the same rows, summing what the rebuild sums (element mass per product type, region,
category, year and stage; element mass in and out per recycler, category and year), with no
Python in the loop. The incremental refresh is what a worker does after one batch of ten
collected products closes: it recomputes the buckets the close marked dirty.

A rebuild takes minutes at full size, so it cannot alternate with its limit in short rounds;
instead the limit is timed just before and just after it (after a warm-up run of the limit),
giving two paired ratios whose spread shows how much the machine changed meanwhile.
"""

import datetime as dt
import time
from decimal import Decimal
from unittest import mock

from django.db import connection
from django.utils import timezone

from bench.accounting import measured
from bench.common import Outcome, percentile
from bench.paired import Paired, Sample
from lifecycle.models import EventType
from lifecycle.services.events import event_record
from passports.models import Passport, PassportStatus
from recycling.categories import category_of
from recycling.fleet import fleet_organisations
from recycling.models import Batch, CountsAs, DirtyBucket
from recycling.services.aggregation import aggregates_rebuild, buckets_refresh
from recycling.services.batches import (
    batch_close,
    batch_input_add,
    batch_open,
    batch_output_add,
)

GOAL_REBUILD = 2.0
GOAL_INCREMENTAL_MS = 100
LIMIT_SQL = (
    # In use and collected, by product type, region, status, year and element.
    """SELECT p.product_type, COALESCE(NULLIF(p.market_country, ''), p.manufacturing_country),
              p.status, p.attributes->>'chemistry', EXTRACT(YEAR FROM COALESCE(
              p.placed_on_market_on, p.manufactured_at)), c.substance,
              SUM(c.mass_kg), SUM(p.mass_kg), COUNT(*)
       FROM passports_compositionentry c JOIN passports_passport p ON p.id = c.passport_id
       GROUP BY 1, 2, 3, 4, 5, 6""",
    # Element mass into batches, by recycler, product type, category, year and element.
    """SELECT b.recycler_id, b.product_type, b.chemistry_category,
              EXTRACT(YEAR FROM b.closed_at), e.element, SUM(e.mass_kg), COUNT(*)
       FROM recycling_inputelement e JOIN recycling_batchinput i ON i.id = e.input_id
       JOIN recycling_batch b ON b.id = i.batch_id GROUP BY 1, 2, 3, 4, 5""",
    # Element mass out of batches, by the same keys and what the output counts as.
    """SELECT b.recycler_id, b.product_type, b.chemistry_category,
              EXTRACT(YEAR FROM b.closed_at), o.counts_as, e.element, SUM(e.mass_kg), COUNT(*)
       FROM recycling_outputelement e JOIN recycling_batchoutput o ON o.id = e.output_id
       JOIN recycling_batch b ON b.id = o.batch_id GROUP BY 1, 2, 3, 4, 5, 6""",
)


def element_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM passports_compositionentry c "
            "        WHERE c.substance ~ '^[A-Z][a-z]?$') "
            "     + (SELECT COUNT(*) FROM recycling_inputelement) "
            "     + (SELECT COUNT(*) FROM recycling_outputelement)"
        )
        return cursor.fetchone()[0]


def _limit() -> Sample:
    def queries() -> int:
        with connection.cursor() as cursor:
            for sql in LIMIT_SQL:
                cursor.execute(sql)
                cursor.fetchall()
        return 1

    return measured(queries)


def _close_one_batch() -> None:
    """Opens, fills and closes a batch of ten collected products, as a recycler would."""
    _, collector, recycler = fleet_organisations()
    waste = list(
        Passport.objects.filter(status=PassportStatus.WASTE, product_type="battery")
        .exclude(
            pk__in=Batch.objects.values("inputs__passport_id").exclude(inputs__passport_id=None)
        )
        .prefetch_related("composition")[:40]
    )
    if not waste:
        raise RuntimeError("no collected battery is left untreated")
    category = category_of("battery", waste[0].attributes)
    members = [p for p in waste if category_of("battery", p.attributes) == category][:10]
    # Only the holder of waste treats it: the collector hands it over first, as in the fleet.
    handed = timezone.now() - dt.timedelta(minutes=2)
    for passport in members:
        event_record(
            passport_id=passport.pk,
            actor=collector,
            event_type=EventType.OWNERSHIP_TRANSFERRED,
            occurred_at=handed,
            payload={"to": recycler.pk},
        )
    batch = batch_open(
        recycler=recycler,
        process_route="hydrometallurgical",
        product_type="battery",
        chemistry_category=category,
        site_country="DE",
        site_region="DE-BY",
        started_at=timezone.now() - dt.timedelta(minutes=1),
    )
    elements: dict[str, Decimal] = {}
    total = Decimal(0)
    for passport in members:
        row = batch_input_add(batch_id=batch.pk, passport=passport, mass_kg=passport.mass_kg)
        total += row.mass_kg
        for element in row.elements.all():
            elements[element.element] = elements.get(element.element, Decimal(0)) + element.mass_kg
    batch_output_add(
        batch_id=batch.pk,
        fraction="recovered metals",
        counts_as=CountsAs.RECYCLING,
        mass_kg=(total * Decimal("0.9")).quantize(Decimal("0.000001")),
        origin_mass_kg=(total * Decimal("0.9")).quantize(Decimal("0.000001")),
        elements={
            e: (m * Decimal("0.9")).quantize(Decimal("0.000001")) for e, m in elements.items()
        },
        destination="",
    )
    batch_close(batch_id=batch.pk, actor=recycler)


def run(closes: int = 5) -> Outcome:
    outcome = Outcome("B5", "aggregation: full rebuild and incremental refresh")
    rows = element_rows()
    outcome.details["element_rows"] = rows
    _limit()  # warm-up: the rows into the buffers, for the rebuild as much as the limit
    before = _limit()
    buckets = {}

    def rebuild_all() -> int:
        buckets.update(count=aggregates_rebuild())
        return 1

    rebuilt = measured(rebuild_all)
    after = _limit()
    paired = Paired(workload=[rebuilt, rebuilt], limit=[before, after])
    rebuild, limit = rebuilt.wall, (before.wall + after.wall) / 2
    outcome.add(
        f"full rebuild ({rows:,} element rows)",
        rebuild,
        "s",
        limit=limit,
        limit_name="s SQL GROUP BY",
        goal=f"<= {GOAL_REBUILD} x limit",
        passed=paired.wall.median >= 1 / GOAL_REBUILD and not paired.invalid(),
        higher_is_better=False,
        paired=paired,
    )
    timings, refreshed = [], []
    for _ in range(closes):
        # The close marks its buckets dirty in its transaction; the refresh it would enqueue
        # is held back so that the refresh is timed here, as the worker would run it.
        with mock.patch("recycling.services.dirty.enqueue_on_commit"):
            _close_one_batch()
        dirty = DirtyBucket.objects.count()
        started = time.perf_counter()
        buckets_refresh()
        timings.append(time.perf_counter() - started)
        refreshed.append(dirty)
    p50 = percentile(timings, 50) * 1000
    outcome.add(
        "incremental refresh p50",
        p50,
        "ms",
        goal=f"< {GOAL_INCREMENTAL_MS} ms",
        passed=p50 < GOAL_INCREMENTAL_MS,
        higher_is_better=False,
    )
    outcome.details.update(
        rebuild_seconds=rebuild,
        limit_seconds=limit,
        buckets=buckets["count"],
        incremental_ms=[t * 1000 for t in timings],
        dirty_buckets=refreshed,
    )
    return outcome
