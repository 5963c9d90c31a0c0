"""GET /api/v1/forecasts/self-sufficiency over batteries placed on the market last year.

Two batteries of 6.9 kg Li each are placed on the German market in the base year (last year,
the last full one), so history is 13.8 kg in that year. With growth 0, a one-year base,
collection 0.5 and recovery 0.8, demand is 13.8 kg every year from then on and secondary
supply is 0.4 x the stock model's outflow of that demand (Normal(15, 4), the battery default).
"""

import csv
import datetime as dt
import io

import numpy as np
import pytest
from django.utils import timezone

from lifecycle.services.events import event_record
from recycling.stock_model import Normal, dsm_inflow_driven
from tests.factories import declaration

URL = "/api/v1/forecasts/self-sufficiency"
BASE_YEAR = timezone.localdate().year - 1
FIXED = {"element": "Li", "market": "DE", "until": "2050", "demand_growth_pct": "0",
         "demand_base_years": "1", "collection_rate": "0.5", "recovery_rate": "0.8"}  # fmt: skip


def placed_battery(actor, serial: str, *, market: str = "DE", year: int = BASE_YEAR) -> str:
    body = declaration(serial=serial, manufactured_at=f"{year}-02-01")
    response = actor.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 201, response.json()
    event_record(
        passport_id=response.json()["id"], actor=actor.organisation, event_type="placed_on_market",
        occurred_at=dt.datetime(year, 6, 1, 8, tzinfo=dt.UTC), payload={"country": market},
    )  # fmt: skip
    return response.json()["id"]


@pytest.fixture
def two_batteries(manufacturer):
    placed_battery(manufacturer, "SSR-1")
    placed_battery(manufacturer, "SSR-2")


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_regulator_gets_the_hand_computed_series(regulator, two_batteries):
    response = regulator.client.get(URL, FIXED)
    assert response.status_code == 200, response.json()
    body = response.json()
    years = list(range(BASE_YEAR, 2051))
    assert body["years"] == years
    assert body["base_year"] == BASE_YEAR
    assert body["demand_kg"] == pytest.approx([13.8] * len(years))
    outflow = dsm_inflow_driven(np.full(len(years), 13.8), Normal(15, 4)).outflow
    assert body["arisings_kg"] == pytest.approx(outflow.tolist())
    assert body["secondary_supply_kg"] == pytest.approx((outflow * 0.4).tolist())
    assert body["ssr"] == pytest.approx((outflow * 0.4 / 13.8).tolist())
    first = next(y for y, r in zip(years, body["ssr"], strict=True) if r >= 0.2)
    assert body["first_year_reaching_threshold"] == first
    assert body["scenario"]["key"] == "observed"
    assert body["scenario"]["changed"] == [
        "collection_rate",
        "demand_base_years",
        "demand_growth_pct_per_year",
        "recovery_rate",
    ]
    (stream,) = body["streams"]
    assert (stream["product_type"], stream["category"]) == ("battery", "ev")
    assert body["population"] == {"products": 2, "manufacturers": 1}
    assert body["suppressed"] is False


def test_arisings_of_the_history_alone_are_the_urban_mine_forecast(regulator, two_batteries):
    # Demand falling to nothing after the base year leaves only the passports' own products.
    response = regulator.client.get(URL, {**FIXED, "demand_growth_pct": "-100"})
    urban = regulator.client.get(
        "/api/v1/forecasts/urban-mine", {"element": "Li", "product_type": "battery", "until": 2050}
    )
    assert urban.status_code == 200
    assert response.json()["years"] == urban.json()["years"]
    assert response.json()["arisings_kg"] == pytest.approx(urban.json()["expected_eol_kg"],
                                                           abs=1e-9)  # fmt: skip


def test_observed_rates_come_from_the_statistics_and_none_observed_is_zero(
    regulator, two_batteries
):
    response = regulator.client.get(URL, {"element": "Li", "market": "DE"})
    body = response.json()
    assert body["scenario"]["demand_growth_pct_per_year"] == 5
    stream = body["streams"][0]
    assert stream["observed_collection_rate"]["scope"] == "none observed"
    assert body["secondary_supply_kg"] == [0.0] * len(body["years"])
    assert body["first_year_reaching_threshold"] is None


def test_eu_targets_scenario_uses_the_material_recovery_targets_in_force(regulator, two_batteries):
    body = regulator.client.get(
        URL, {"element": "Li", "scenario": "eu-targets", "collection_rate": "1"}
    ).json()
    rates = dict(zip(body["years"], body["recovery_rate"], strict=True))
    # Regulation (EU) 2023/1542 Annex XII Part C: Li 50 % by end of 2027, 80 % by end of 2031.
    assert rates[2030] == pytest.approx(0.5)
    assert rates[2040] == pytest.approx(0.8)
    sources = [t["source"] for t in body["streams"][0]["recovery_targets"]]
    assert sources == ["2023/1542 Annex XII Part C"] * 2


def test_other_markets_are_left_out(regulator, two_batteries, manufacturer):
    placed_battery(manufacturer, "SSR-FR", market="FR")
    body = regulator.client.get(URL, {**FIXED, "market": "FR"}).json()
    assert body["demand_kg"][-1] == pytest.approx(6.9)


def test_csv_has_a_row_per_year_with_the_parameters(regulator, two_batteries):
    response = regulator.client.get(URL, {**FIXED, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [int(r["year"]) for r in rows] == list(range(BASE_YEAR, 2051))
    assert rows[0]["forecast"] == "False" and rows[1]["forecast"] == "True"
    assert float(rows[-1]["demand_kg"]) == pytest.approx(13.8)
    assert {r["scenario"] for r in rows} == {"observed"}
    assert {float(r["collection_rate"]) for r in rows} == {0.5}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"element": "Xx"}, "element"), ({"collection_rate": "1.5"}, "collection_rate"),
     ({"until": "1990"}, "until"), ({"scenario": "utopia"}, "scenario"),
     ({"market": "ZZ"}, "market"), ({"demand_growth_pct": "500"}, "demand_growth_pct")],
)  # fmt: skip
def test_invalid_parameters_are_named(regulator, params, field):
    response = regulator.client.get(URL, {**FIXED, **params})
    assert response.status_code == 400
    assert field in errors(response)


def test_anonymous_is_refused(anonymous):
    assert anonymous.get(URL, FIXED).status_code == 401


def test_non_regulators_do_not_see_a_forecast_of_too_few_products(manufacturer, two_batteries):
    body = manufacturer.client.get(URL, FIXED).json()
    assert body["suppressed"] is True
    assert "fewer than" in body["reason"]
    assert body["ssr"] is None and body["demand_kg"] is None and body["streams"] is None
    assert body["scenario"]["key"] == "observed"  # the parameters stay visible


def test_non_regulators_see_a_forecast_above_the_thresholds(manufacturer, two_batteries, settings):
    settings.DISCLOSURE_MIN_PRODUCTS = 2
    settings.DISCLOSURE_MIN_MANUFACTURERS = 1
    body = manufacturer.client.get(URL, FIXED).json()
    assert body["suppressed"] is False
    assert body["demand_kg"][-1] == pytest.approx(13.8)


def test_a_year_of_history_resting_on_too_few_products_withholds_the_forecast(
    manufacturer, two_batteries, settings
):
    settings.DISCLOSURE_MIN_PRODUCTS = 2
    settings.DISCLOSURE_MIN_MANUFACTURERS = 1
    placed_battery(manufacturer, "SSR-OLD", year=BASE_YEAR - 3)  # alone in its year

    body = manufacturer.client.get(URL, FIXED).json()

    assert body["suppressed"] is True
    assert body["demand_kg"] is None and body["streams"] is None
