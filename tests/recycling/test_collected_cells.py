"""A collected cell refreshed on its own holds what the country's full recomputation gives it.

The fine refresh finds the cell's products by passport (country, declared chemistry, year of
collection) instead of reading the country's whole waste; every way a product can fall in or
out of a cell is covered here.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passports.models import Passport, PassportStatus
from recycling.categories import category_choices
from recycling.models import DirtyBucket, InventoryCell
from recycling.services import inventory
from recycling.services.aggregation import (
    aggregates_differences,
    aggregates_rebuild,
    bucket_recompute,
    buckets_refresh,
    collected_cells_recompute,
)
from recycling.services.batches import batch_input_add
from recycling.services.inventory import (
    inventory_cells,
    inventory_collected_cells,
    inventory_fine_cells,
    waste_in_marked_years,
)
from tests.conftest import uses_postgresql
from tests.recycling.conftest import collected_in_two_years, hand_over, open_batch
from tests.recycling.test_fine_buckets import dirty_after_feed

REGIONS = ("DE", "FR", "PL")
YEARS = (2024, 2025, 2026, timezone.now().year)


def collected(cells) -> dict:
    return {
        (c.category, c.year, c.element): (
            c.mass_kg, c.product_mass_kg, c.product_count, c.manufacturers, c.unfc
        )
        for c in cells
        if c.stage == "collected"
    }  # fmt: skip


def _waste(manufacturer, collector, recycler) -> list[Passport]:
    """Batteries collected in two years, some left uncollected, declared in every way."""
    ids = collected_in_two_years(manufacturer, collector, "CELL", 10, (slice(0, 3), slice(3, 7)))
    # Waste without a collection counts in this year's cell.
    Passport.objects.filter(pk__in=ids[7:]).update(status=PassportStatus.WASTE)
    hand_over(collector, recycler, ids[6:7])
    return list(Passport.objects.filter(pk__in=ids).order_by("serial"))


def _declare(passport: Passport, chemistry: str | None, **place) -> None:
    attributes = dict(passport.attributes)
    attributes.pop("chemistry")
    if chemistry is not None:
        attributes["chemistry"] = chemistry
    Passport.objects.filter(pk=passport.pk).update(attributes=attributes, **place)


def test_every_collected_cell_refreshed_alone_equals_the_full_recomputation(
    manufacturer, collector, recycler
):
    passports = _waste(manufacturer, collector, recycler)
    _declare(passports[0], "LFP")
    _declare(passports[1], "NiMH")  # named, and counted as "other"
    _declare(passports[2], None)  # undeclared: "other"
    _declare(passports[3], "zinc_air")  # unknown to the categories: "other"
    _declare(passports[4], "lead_acid", market_country="FR")
    _declare(passports[5], "NMC811", market_country="", manufacturing_country="PL")
    _declare(passports[7], "NiCd", market_country="DE", manufacturing_country="PL")
    _declare(passports[8], None, market_country="PL")
    # A product in a batch has left the collected stock.
    batch = open_batch(recycler, "mechanical")
    batch_input_add(batch_id=batch, passport=passports[6], mass_kg=passports[6].mass_kg)

    seen = set()
    for region in REGIONS:
        full = collected(inventory_cells("battery", region))
        for category in category_choices("battery"):
            for year in YEARS:
                fine = collected(
                    inventory_fine_cells("battery", region, "collected", category, year)
                )
                expected = {k: v for k, v in full.items() if k[:2] == (category, year)}
                assert fine == expected, (region, category, year)
                seen |= {(region, category, year) for _ in expected}
    # Each way into a cell is exercised: a chemistry, "other" by name, by absence and by an
    # unknown value; a market and a manufacturing country; a collection year and none.
    assert {
        ("DE", "lithium", 2024), ("DE", "other", 2024), ("DE", "other", 2026),
        ("FR", "lead_acid", 2026), ("PL", "lithium", 2026), ("DE", "nickel_cadmium", 2026),
        ("PL", "other", timezone.now().year),
    } <= seen  # fmt: skip
    other_2024 = collected(inventory_fine_cells("battery", "DE", "collected", "other", 2024))
    assert {count for _, _, count, _, _ in other_2024.values()} == {2}


def _spread(passports: list[Passport]) -> None:
    """Cells in three countries, some of one country side by side, some left empty."""
    _declare(passports[0], "LFP")
    _declare(passports[1], "NiMH")
    _declare(passports[3], "lead_acid", market_country="FR")
    _declare(passports[4], "NMC811", market_country="", manufacturing_country="PL")
    _declare(passports[7], "NiCd", market_country="DE", manufacturing_country="PL")
    _declare(passports[8], None, market_country="PL")


def test_cells_of_several_countries_refreshed_together_equal_the_full_recomputation(
    manufacturer, collector, recycler
):
    _spread(_waste(manufacturer, collector, recycler))
    full = {}
    for region in REGIONS:
        full |= {
            (region, *key): value
            for key, value in collected(inventory_cells("battery", region)).items()
        }
    every = {(r, c, y) for r in REGIONS for c in category_choices("battery") for y in YEARS}
    # Two cells of one country, one of another and one that holds nothing; then all of them.
    some = {("DE", "lithium", 2024), ("DE", "other", 2024), ("PL", "lithium", 2026),
            ("FR", "other", 2025)}  # fmt: skip
    for wanted in (some, every):
        with CaptureQueriesContext(connection) as queries:
            cells = inventory_collected_cells("battery", wanted)
        assert len(queries.captured_queries) == 2
        together = {
            (c.region, c.category, c.year, c.element): (
                c.mass_kg, c.product_mass_kg, c.product_count, c.manufacturers, c.unfc
            )
            for c in cells
        }  # fmt: skip
        assert together == {k: v for k, v in full.items() if k[:3] in wanted}
        assert all(c.bucket == f"inventory|battery|{c.region}" for c in cells)
    assert {k[:3] for k in together} >= some - {("FR", "other", 2025)}


def test_only_the_marked_years_of_each_country_are_read_on(manufacturer, collector, recycler):
    """A country's waste of other years is not read on to its attributes; the cells still equal
    the full recomputation, categories being sorted out after the read."""
    passports = _waste(manufacturer, collector, recycler)  # DE: 0-2 in 2024, 3-6 in 2026
    _declare(passports[1], "LFP", market_country="PL")  # collected in 2024
    _declare(passports[4], "NMC811", market_country="FR")  # collected in 2026
    _declare(passports[8], None, market_country="PL")  # not collected: this year
    batch = open_batch(recycler, "mechanical")
    batch_input_add(batch_id=batch, passport=passports[6], mass_kg=passports[6].mass_kg)
    # DE and PL want the same year, FR two others; FR's lithium product is read, not counted.
    wanted = {("DE", "lithium", 2024), ("PL", "lithium", 2024), ("FR", "other", 2026),
              ("FR", "lithium", 2025)}  # fmt: skip

    read = {row[0] for row in waste_in_marked_years("battery", wanted)}

    assert read == {passports[n].pk for n in (0, 1, 2, 4)}
    full = {
        (region, *key): value
        for region in REGIONS
        for key, value in collected(inventory_cells("battery", region)).items()
        if (region, *key[:2]) in wanted
    }
    cells = inventory_collected_cells("battery", wanted)
    together = {
        (c.region, c.category, c.year, c.element): (
            c.mass_kg, c.product_mass_kg, c.product_count, c.manufacturers, c.unfc
        )
        for c in cells
    }  # fmt: skip
    assert together == full
    assert {key[:3] for key in together} == {("DE", "lithium", 2024), ("PL", "lithium", 2024)}


def test_a_refresh_takes_every_marked_collected_cell_and_empties_those_left(
    manufacturer, collector, recycler
):
    passports = _waste(manufacturer, collector, recycler)
    _declare(passports[2], "NiMH")
    aggregates_rebuild()
    stored = InventoryCell.objects.filter(region="DE", stage="collected")
    assert stored.filter(category="lithium", year=2024).exists()
    # Every product of DE's lithium 2024 cell and one of its 2026 cell enter treatment.
    hand_over(collector, recycler, [passports[0].pk, passports[1].pk, passports[3].pk])
    batch = open_batch(recycler, "mechanical")
    for passport in (passports[0], passports[1], passports[3]):
        batch_input_add(batch_id=batch, passport=passport, mass_kg=passport.mass_kg)
    marked = dirty_after_feed()
    assert {("inventory_collected", "battery|DE|lithium|2024"),
            ("inventory_collected", "battery|DE|lithium|2026")} <= marked  # fmt: skip
    lithium_2026 = {c.pk for c in stored.filter(category="lithium", year=2026)}

    buckets_refresh()

    assert not stored.filter(category="lithium", year=2024).exists()
    refreshed = {c.pk for c in stored.filter(category="lithium", year=2026)}
    assert refreshed and not refreshed & lithium_2026
    assert aggregates_differences() == []
    assert not DirtyBucket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_collected_cell_another_refresher_holds_is_left_to_it_and_stays_marked(
    manufacturer, collector, recycler, monkeypatch
):
    if not uses_postgresql():
        pytest.skip("row locks need PostgreSQL")
    # Marks stay for the refreshes below: none runs when the records commit.
    monkeypatch.setattr("recycling.services.dirty.enqueue_on_commit", lambda *args: None)
    passports = _waste(manufacturer, collector, recycler)
    aggregates_rebuild()
    hand_over(collector, recycler, [passports[0].pk, passports[3].pk])
    batch = open_batch(recycler, "mechanical")
    for passport in (passports[0], passports[3]):
        batch_input_add(batch_id=batch, passport=passport, mass_kg=passport.mass_kg)
    held, free = "battery|DE|lithium|2024", "battery|DE|lithium|2026"
    assert {("inventory_collected", held), ("inventory_collected", free)} <= dirty_after_feed()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                DirtyBucket.objects.select_for_update().get(kind="inventory_collected", key=held)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        buckets_refresh()
    finally:
        release.set()
        holder.join()

    # The held cell is neither refreshed nor cleared; the next refresh takes it.
    assert set(DirtyBucket.objects.values_list("kind", "key")) == {("inventory_collected", held)}
    assert [d.split(":")[0] for d in aggregates_differences()] == [f"inventory_collected|{held}"]
    buckets_refresh()
    assert aggregates_differences() == []
    assert not DirtyBucket.objects.exists()


def test_a_collected_cell_is_read_in_two_queries_whatever_the_waste(
    manufacturer, collector, recycler
):
    _waste(manufacturer, collector, recycler)
    with CaptureQueriesContext(connection) as queries:
        cells = inventory_fine_cells("battery", "DE", "collected", "lithium", 2026)
    assert cells
    assert len(queries.captured_queries) == 2


def test_a_cell_of_many_products_is_read_in_slices_with_the_same_sums(
    manufacturer, collector, recycler, monkeypatch
):
    # SQLite takes a bounded number of parameters per statement; a big cell is read in slices.
    _waste(manufacturer, collector, recycler)
    whole = collected(inventory_fine_cells("battery", "DE", "collected", "lithium", 2026))
    monkeypatch.setattr(inventory, "PASSPORTS_PER_QUERY", 1)
    with CaptureQueriesContext(connection) as queries:
        sliced = collected(inventory_fine_cells("battery", "DE", "collected", "lithium", 2026))
    assert sliced == whole != {}
    assert len(queries.captured_queries) > 2


@pytest.mark.django_db(transaction=True)
def test_a_country_refreshed_whole_while_its_collected_cell_is_refreshed_counts_each_once(
    manufacturer, collector, recycler
):
    """The whole country's refresh waits for the cell's to commit, then replaces its rows too.

    Without waiting, its delete missed the rows the cell's refresh inserted, and both stayed.
    """
    if not uses_postgresql():
        pytest.skip("concurrent writers need PostgreSQL")
    _waste(manufacturer, collector, recycler)
    aggregates_rebuild()
    key = min(
        f"battery|{cell.region}|{cell.category}|{cell.year}"
        for cell in InventoryCell.objects.filter(stage="collected", region="DE")
    )
    cell_written, whole_started = threading.Event(), threading.Event()
    failures: list = []

    def refresh_cell() -> None:
        try:
            with transaction.atomic():
                collected_cells_recompute([key])
                cell_written.set()
                # Commits only once the whole country's refresh has had time to reach its delete.
                assert whole_started.wait(timeout=30)
                time.sleep(0.5)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    def refresh_whole() -> None:
        try:
            assert cell_written.wait(timeout=30)
            whole_started.set()
            with transaction.atomic():
                bucket_recompute("inventory", "battery|DE")
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_cell), threading.Thread(target=refresh_whole)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    rows = list(
        InventoryCell.objects.filter(region="DE").values_list(
            "category", "year", "stage", "element"
        )
    )
    assert len(rows) == len(set(rows))
    assert aggregates_differences() == []
