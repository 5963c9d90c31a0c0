"""Small cells: figures describing too few products or manufacturers reach only regulators.

Inventory, recovery statistics and the urban-mine forecast are suppressed cell by cell for
everyone else, decided over the whole group so no two answers differ by a suppressed figure.
"""

from decimal import Decimal

import pytest

from lifecycle.services.log import log_integrate
from recycling.bounds import basis_family
from recycling.models import InventoryCell
from recycling.services.aggregation import aggregates_differences, buckets_refresh
from tests.factories import declaration, place

CO_PER_BATTERY = Decimal("5.7")


def register(manufacturer, serial: str, country: str, made: str = "2026-03-14") -> str:
    body = declaration(serial=serial, manufacturing_place=place(country), manufactured_at=made)
    response = manufacturer.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def aggregated() -> None:
    log_integrate()
    buckets_refresh()


@pytest.fixture
def icelandic_battery(manufacturer) -> str:
    """The only battery in Iceland: its cells are one product's exact composition."""
    passport = register(manufacturer, "IS-1", "IS")
    aggregated()
    return passport


@pytest.fixture
def three_countries(manufacturer, settings):
    """Three batteries in Germany, two in France, one in Iceland; two products make a cell."""
    settings.DISCLOSURE_MIN_PRODUCTS = 2
    settings.DISCLOSURE_MIN_MANUFACTURERS = 1
    for country, count in (("DE", 3), ("FR", 2), ("IS", 1)):
        for i in range(count):
            register(manufacturer, f"{country}-{i}", country)
    aggregated()


def inventory(actor, query: str = "") -> dict:
    response = actor.client.get(f"/api/v1/inventory?stage=in_use&element=Co{query}")
    assert response.status_code == 200, response.json()
    return response.json()


# --- inventory --------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["other_manufacturer", "recycler"])
def test_one_icelandic_battery_is_suppressed_for_other_organisations(
    request, reader, icelandic_battery
):
    body = inventory(request.getfixturevalue(reader), "&region=IS")

    (cell,) = body["cells"]
    assert cell["suppressed"] is True
    assert (cell["mass_kg"], cell["grade_kg_per_t"], cell["population"]) == (None, None, None)
    assert "fewer than 10 products" in cell["reason"]
    (total,) = body["totals"]
    assert (total["suppressed"], total["mass_kg"]) == (True, None)


def test_no_element_of_the_icelandic_battery_leaks_to_another_organisation(
    other_manufacturer, icelandic_battery
):
    body = other_manufacturer.client.get("/api/v1/inventory?region=IS").json()

    assert body["cells"]
    assert all(c["mass_kg"] is None for c in body["cells"])
    assert all(t["mass_kg"] is None for t in body["totals"])


def test_regulator_sees_the_icelandic_battery_and_its_population(regulator, icelandic_battery):
    body = inventory(regulator, "&region=IS")

    (cell,) = body["cells"]
    assert Decimal(cell["mass_kg"]) == CO_PER_BATTERY
    assert cell["population"] == {"products": 1, "manufacturers": 1}
    assert cell["suppressed"] is False


def test_anonymous_inventory_is_401(anonymous, icelandic_battery):
    assert anonymous.get("/api/v1/inventory").status_code == 401


def test_small_cells_fold_into_the_total_with_the_smallest_other_cell(
    other_manufacturer, regulator, three_countries
):
    body = inventory(other_manufacturer)
    cells = {c["region"]: c for c in body["cells"]}

    assert Decimal(cells["DE"]["mass_kg"]) == 3 * CO_PER_BATTERY
    assert cells["DE"]["population"] == {"products": 3, "manufacturers": 1}
    assert cells["IS"]["suppressed"] and "fewer than 2 products" in cells["IS"]["reason"]
    # France alone would pass, but the total minus Germany would then be Iceland.
    assert cells["FR"]["suppressed"] and "group total" in cells["FR"]["reason"]
    (total,) = body["totals"]
    assert Decimal(total["mass_kg"]) == 6 * CO_PER_BATTERY
    assert Decimal(total["other_kg"]) == 3 * CO_PER_BATTERY
    assert total["suppressed_cells"] == 2
    assert total["mass_kg"] == inventory(regulator)["totals"][0]["mass_kg"]


def test_a_narrower_query_cannot_subtract_its_way_to_a_suppressed_cell(
    other_manufacturer, three_countries
):
    france = inventory(other_manufacturer, "&region=FR")
    germany = inventory(other_manufacturer, "&region=DE")

    assert france["cells"][0]["suppressed"] is True
    assert france["totals"][0]["suppressed"] is True
    (total,) = germany["totals"]
    assert Decimal(total["mass_kg"]) == 3 * CO_PER_BATTERY
    assert total["other_kg"] is None


def test_products_of_too_few_manufacturers_are_suppressed(other_manufacturer, manufacturer,
                                                          settings):  # fmt: skip
    settings.DISCLOSURE_MIN_PRODUCTS = 1
    settings.DISCLOSURE_MIN_MANUFACTURERS = 2
    register(manufacturer, "DE-0", "DE")
    register(manufacturer, "DE-1", "DE")
    aggregated()

    (cell,) = inventory(other_manufacturer, "&region=DE")["cells"]

    assert cell["suppressed"] and "fewer than 2 manufacturers" in cell["reason"]


def test_populations_are_filled_and_a_rebuild_equals_the_incremental_state(three_countries):
    cell = InventoryCell.objects.get(region="DE", stage="in_use", element="Co")

    assert cell.product_count == 3 and len(cell.manufacturers) == 1
    assert aggregates_differences() == []


# --- recovery statistics ----------------------------------------------------------------------


@pytest.fixture
def collected(manufacturer, collector):
    """Three batteries placed on the German market in 2023-2025, one collected in 2026."""
    ids = []
    for year in (2023, 2024, 2025):
        passport = register(manufacturer, f"P-{year}", "DE", made=f"{year - 1}-06-01")
        placed = manufacturer.client.post(
            f"/api/v1/passports/{passport}/events/",
            {"type": "placed_on_market", "occurred_at": f"{year}-02-01T00:00:00Z",
             "payload": {"country": "DE"}},
            format="json",
        )  # fmt: skip
        assert placed.status_code == 201, placed.json()
        ids.append(passport)
    response = collector.client.post(
        "/api/v1/collections/",
        {"region": "DE-BE", "collected_at": "2026-09-01T08:00:00Z",
         "items": [{"passport": ids[0], "mass_kg": "440"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    aggregated()


def collection_rates(actor, query: str = "") -> dict:
    response = actor.client.get(f"/api/v1/statistics/recovery?metric=collection_rate{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_small_collection_rate_is_suppressed_and_folded_for_a_recycler(recycler, collected):
    rows = collection_rates(recycler)["results"]

    regional = [r for r in rows if "other" not in r["scope"]]
    assert regional and all(r["suppressed"] for r in regional)
    assert all(r["numerator_kg"] is r["rate_pct"] is r["population"] is None for r in regional)
    other = [r for r in rows if r["scope"].get("other")]
    assert {r["basis"] for r in other} == {basis_family(r["basis"]) for r in regional}
    assert all(r["suppressed"] for r in other)  # one product is still too few


def test_regulator_sees_collection_rates_with_their_population(regulator, collected):
    rows = collection_rates(regulator)["results"]

    assert rows and not any(r["suppressed"] for r in rows)
    assert {r["numerator_kg"] for r in rows} == {"440"}
    assert {r["population"]["products"] for r in rows} == {1}


def test_a_collection_rate_of_enough_products_is_shown(other_manufacturer, collected, settings):
    settings.DISCLOSURE_MIN_PRODUCTS = settings.DISCLOSURE_MIN_MANUFACTURERS = 1

    rows = collection_rates(other_manufacturer)["results"]

    assert rows and not any(r["suppressed"] for r in rows)
    assert not any(r["scope"].get("other") for r in rows)


def test_a_recycler_sees_its_own_figures_and_others_names_for_regulators(
    recycler, regulator, chain
):
    own = recycler.client.get("/api/v1/statistics/recovery?metric=recycling_efficiency").json()
    seen = regulator.client.get("/api/v1/statistics/recovery?metric=recycling_efficiency").json()

    assert own["results"][0]["suppressed"] is False
    assert own["results"][0]["rate_pct"] == "18.80"
    scope = seen["results"][0]["scope"]
    assert scope["recycler"] == str(recycler.organisation.id)
    assert scope["recycler_name"] == "Recycle AG"


def test_statistics_come_in_pages(regulator, chain):
    first = regulator.client.get("/api/v1/statistics/recovery?limit=1").json()
    capped = regulator.client.get("/api/v1/statistics/recovery?limit=100000").json()

    assert first["count"] > 1 and len(first["results"]) == 1
    assert "offset=1" in first["next"]
    assert len(capped["results"]) == min(capped["count"], 1000)


def test_anonymous_statistics_are_401(anonymous):
    assert anonymous.get("/api/v1/statistics/recovery").status_code == 401


# --- urban-mine forecast ----------------------------------------------------------------------

FORECAST = "/api/v1/forecasts/urban-mine?element=Co&product_type=battery&until=2040"


def test_a_forecast_of_one_battery_is_withheld_from_another_organisation(
    other_manufacturer, icelandic_battery
):
    body = other_manufacturer.client.get(FORECAST + "&region=IS").json()

    assert body["suppressed"] is True
    assert "fewer than 10 products" in body["reason"]
    assert body["inflow_kg"] is body["stock_kg"] is body["expected_eol_kg"] is None


def test_regulator_sees_the_forecast_of_one_battery(regulator, icelandic_battery):
    body = regulator.client.get(FORECAST + "&region=IS").json()

    assert body["suppressed"] is False
    assert body["population"] == {"products": 1, "manufacturers": 1}
    assert sum(body["inflow_kg"]) == pytest.approx(float(CO_PER_BATTERY))


def test_a_forecast_of_enough_products_is_shown(other_manufacturer, three_countries):
    body = other_manufacturer.client.get(FORECAST).json()

    assert body["suppressed"] is False
    assert sum(body["inflow_kg"]) == pytest.approx(6 * float(CO_PER_BATTERY))


def test_anonymous_forecast_is_401(anonymous):
    assert anonymous.get(FORECAST).status_code == 401
