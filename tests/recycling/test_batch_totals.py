"""Batch cells and recovery groups summed from per-batch totals equal a sum of the records.

A closed batch's totals are stored once; a batch cell refreshed from them (and from the
records of its open batches) must hold what the country's full recomputation gives it, and a
recovery group must count the products behind its chains once, however the chains share them.
"""

import datetime as dt
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passports.models import Passport
from recycling.models import BatchStatus, BatchTotals, InputElement, OutputElement, Statistic
from recycling.services.aggregation import (
    aggregates_differences,
    aggregates_rebuild,
    buckets_refresh,
)
from recycling.services.batch_totals import batch_totals, totals_from_records, totals_stale
from recycling.services.batches import batch_close
from recycling.services.inventory import (
    BATCH_STAGES,
    inventory_cells,
    inventory_fine_cells,
)
from recycling.services.recovery import recovery_statistics
from tests.conftest import uses_postgresql
from tests.recycling.conftest import draw_inputs, fill_batch, open_battery_batch

# Open batches are in treatment in the year they started; the products are handed over to the
# recycler in September 2026, so every batch closes after that.
STARTED = {
    year: dt.datetime(year, 3, 1, 8, tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")
    for year in (2025, 2026)
}
CLOSED = dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)


def batch_cells(cells, year: int) -> dict:
    return {
        (c.stage, c.element): (
            c.mass_kg, c.product_mass_kg, c.product_count, c.manufacturers, c.unfc
        )
        for c in cells
        if c.stage in BATCH_STAGES and (c.category, c.year) == ("lithium", year)
    }  # fmt: skip


def assert_fine_cells_equal_the_full_recomputation() -> None:
    full = inventory_cells("battery", "DE")
    for year in STARTED:
        expected = batch_cells(full, year)
        # The first refresh may sum closed batches from their records; the second reads them.
        for _ in range(2):
            fine = inventory_fine_cells("battery", "DE", "batch", "lithium", year)
            assert batch_cells(fine, year) == expected, year


def _counts(statistics) -> dict:
    return {
        (s.recycler_id, s.category, s.year, s.metric, s.element): (
            s.product_count, s.manufacturers
        )
        for s in statistics
    }  # fmt: skip


def group_counts() -> dict:
    return _counts(Statistic.objects.filter(bucket="recovery|battery"))


def fresh_group_counts() -> dict:
    """The same from the records alone, as `rebuild_aggregates --check` has them."""
    return _counts(recovery_statistics("battery"))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_batch_cells_from_totals_equal_the_full_recomputation_after_every_step(
    waste, recycler, data
):
    organisation = recycler.organisation
    with transaction.atomic():
        pool = list(waste)
        intermediates: list = []
        open_batches: list = []
        for _ in range(data.draw(st.integers(2, 5), label="batches")):
            drawn = draw_inputs(data, pool, intermediates, st.booleans())
            if drawn is None:
                break
            upstream, passports = drawn
            started = data.draw(st.sampled_from(sorted(STARTED)), label="starting year")
            batch = open_battery_batch(organisation, STARTED[started])
            sends_on = data.draw(st.booleans(), label="sends an intermediate on")
            open_batches.append(
                (batch, fill_batch(organisation, batch, passports, upstream, sends_on))
            )
            assert_fine_cells_equal_the_full_recomputation()
            # Closing some now leaves others open, in treatment, beside closed steps.
            while open_batches and data.draw(st.booleans(), label="closes one"):
                batch, intermediate = open_batches.pop(
                    data.draw(st.integers(0, len(open_batches) - 1))
                )
                batch_close(batch_id=batch.pk, actor=organisation, closed_at=CLOSED)
                if intermediate is not None:
                    intermediates.append(intermediate)
                assert_fine_cells_equal_the_full_recomputation()
        buckets_refresh()
        assert aggregates_differences() == []
        transaction.set_rollback(True)


def _shredder_then_refinery(organisation, waste) -> tuple:
    """A shredder of two products, closed, whose black mass a refinery takes with a third."""
    shredder = open_battery_batch(organisation)
    black_mass = fill_batch(organisation, shredder, waste[:2], None, True)
    batch_close(batch_id=shredder.pk, actor=organisation)
    refinery = open_battery_batch(organisation)
    fill_batch(organisation, refinery, waste[2:3], black_mass, False)
    batch_close(batch_id=refinery.pk, actor=organisation)
    return shredder, refinery


def test_a_group_counts_products_its_chains_share_once(waste, recycler):
    """A refiner that takes products and a shredder's black mass: both first steps, one group."""
    organisation = recycler.organisation
    shredder, refinery = _shredder_then_refinery(organisation, waste)

    buckets_refresh()

    counts = group_counts()
    assert counts
    # Five by chain (two in the shredder's, three in the refiner's), three products in all.
    assert {count for count, _ in counts.values()} == {3}
    assert counts == fresh_group_counts()
    assert aggregates_differences() == []


def test_a_group_counts_the_products_of_steps_upstream_in_another_group(waste, recycler):
    """A refinery of another category takes a product and a lithium shredder's black mass."""
    organisation = recycler.organisation
    Passport.objects.filter(pk=waste[5].pk).update(
        attributes={**waste[5].attributes, "chemistry": "NiMH"}
    )
    shredder = open_battery_batch(organisation)
    black_mass = fill_batch(organisation, shredder, waste[:2], None, True)
    batch_close(batch_id=shredder.pk, actor=organisation)
    refinery = open_battery_batch(organisation, category="other")
    fill_batch(organisation, refinery, [Passport.objects.get(pk=waste[5].pk)], black_mass, False)
    batch_close(batch_id=refinery.pk, actor=organisation)

    buckets_refresh()

    counts = group_counts()
    by_category = {key[1]: count for key, (count, _) in counts.items()}
    # The shredder's own two products; the refinery's one and the shredder's two behind it.
    assert by_category == {"lithium": 2, "other": 3}
    assert counts == fresh_group_counts()
    assert aggregates_differences() == []


def test_a_batch_cell_holding_a_step_and_the_step_upstream_counts_their_products_once(
    waste, recycler
):
    """The shredder and the refinery taking its black mass close in one cell: the cell adds up
    both steps' losses and stands on the shredder's two products and the refinery's one."""
    organisation = recycler.organisation
    shredder, refinery = _shredder_then_refinery(organisation, waste)
    for batch in (shredder, refinery):
        batch.refresh_from_db()
    year = refinery.closed_at.year
    assert shredder.closed_at.year == year

    fine = inventory_fine_cells("battery", "DE", "batch", "lithium", year)

    assert batch_cells(fine, year) == batch_cells(inventory_cells("battery", "DE"), year)
    lost = {c.element: c for c in fine if c.stage == "lost"}
    assert lost and {c.product_count for c in lost.values()} == {3}
    expected: dict = defaultdict(Decimal)
    for batch in (shredder, refinery):
        into = _element_sums(InputElement.objects.filter(input__batch=batch))
        out = _element_sums(OutputElement.objects.filter(output__batch=batch))
        for element, mass in into.items():
            expected[element] += max(mass - out.get(element, Decimal(0)), Decimal(0))
    assert {e: c.mass_kg for e, c in lost.items()} == {e: m for e, m in expected.items() if m}


def _element_sums(rows) -> dict:
    sums: dict = defaultdict(Decimal)
    for element, mass in rows.values_list("element", "mass_kg"):
        sums[element] += mass
    return sums


def test_a_batch_cell_refreshed_again_reads_no_input_element_or_passport(
    waste, recycler, django_capture_on_commit_callbacks
):
    organisation = recycler.organisation
    for passports in (waste[:2], waste[2:4]):
        batch = open_battery_batch(organisation, STARTED[2026])
        fill_batch(organisation, batch, passports, None, False)
        batch_close(batch_id=batch.pk, actor=organisation, closed_at=CLOSED)
    with django_capture_on_commit_callbacks(execute=True):  # totals are stored at commit
        first = inventory_fine_cells("battery", "DE", "batch", "lithium", 2026)

    with CaptureQueriesContext(connection) as queries:
        again = inventory_fine_cells("battery", "DE", "batch", "lithium", 2026)

    assert batch_cells(again, 2026) == batch_cells(first, 2026) != {}
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("recycling_inputelement", "recycling_outputelement", "passports_passport"):
        assert table not in read


def test_stored_totals_equal_their_records_and_a_rebuild_mends_a_wrong_one(
    waste, recycler, django_capture_on_commit_callbacks
):
    organisation = recycler.organisation
    batch = open_battery_batch(organisation)
    fill_batch(organisation, batch, waste[:3], None, False)
    batch_close(batch_id=batch.pk, actor=organisation)
    with django_capture_on_commit_callbacks(execute=True):  # totals are stored at commit
        buckets_refresh()
    stored = BatchTotals.objects.get(batch=batch)
    fresh = totals_from_records("battery", [batch.pk])[batch.pk]
    assert stored.product_count == fresh.product_count == 3
    assert stored.mass_in_mg == fresh.mass_in > 0
    assert totals_stale() == []

    BatchTotals.objects.filter(batch=batch).update(product_count=7)

    assert f"batch_totals|{batch.pk}: stored totals differ from the batch's records" in (
        aggregates_differences()
    )
    with django_capture_on_commit_callbacks(execute=True):
        aggregates_rebuild()
    assert BatchTotals.objects.get(batch=batch).product_count == 3
    assert aggregates_differences() == []


@pytest.mark.django_db(transaction=True)
def test_two_refreshers_storing_each_others_totals_in_reverse_order_both_finish(waste, recycler):
    """One refresh stores its cell's batch, then the step upstream of it; another the reverse.

    Inserted inside the refreshes, each waited for the other's uncommitted row: a deadlock.
    """
    if not uses_postgresql():
        pytest.skip("row locks need PostgreSQL")
    organisation = recycler.organisation
    shredder, refinery = _shredder_then_refinery(organisation, waste)
    BatchTotals.objects.all().delete()
    both_summed_one = threading.Barrier(2, timeout=30)
    failures: list = []

    def refresh(first, then) -> None:
        try:
            with transaction.atomic():
                batch_totals("battery", {first.pk: BatchStatus.CLOSED})
                both_summed_one.wait()
                batch_totals("battery", {then.pk: BatchStatus.CLOSED})
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's name
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=refresh, args=(shredder, refinery)),
        threading.Thread(target=refresh, args=(refinery, shredder)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert set(BatchTotals.objects.values_list("batch_id", flat=True)) == {shredder.pk, refinery.pk}
    assert totals_stale() == []
