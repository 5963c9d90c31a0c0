"""A collected cell refreshed on its own holds what the country's full recomputation gives it.

The fine refresh finds the cell's products by passport (country, declared chemistry, year of
collection) instead of reading the country's whole waste; every way a product can fall in or
out of a cell is covered here.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passports.models import Passport, PassportStatus
from recycling.categories import category_choices
from recycling.services import inventory
from recycling.services.batches import batch_input_add
from recycling.services.inventory import inventory_cells, inventory_fine_cells
from tests.recycling.conftest import collected_in_two_years, hand_over, open_batch

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
