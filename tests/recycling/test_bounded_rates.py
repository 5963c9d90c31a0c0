"""Rates their definition bounds stay within [0, 100] %; the one the law lets exceed it is
flagged; a cross-border collection is visible; incremental aggregation equals a rebuild."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recycling.bounds import BOUNDED_METRICS, denominator_bounded, is_bounded
from recycling.fleet import fleet_generate
from recycling.services.aggregation import aggregates_differences, buckets_refresh
from recycling.services.reporting import render, statistics_rows
from tests.factories import declaration

masses = st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False)
metrics = st.sampled_from(sorted(BOUNDED_METRICS | {"collection_rate"}))
bases = st.sampled_from(
    ["composition", "assay", "available_for_collection", "placed_on_market_3y_average",
     "stock_model_outflow", "passport_declaration"]
)  # fmt: skip


@given(expected=masses, observed=masses)
def test_a_bounded_denominator_is_never_below_what_was_observed(expected, observed):
    denominator = denominator_bounded(expected=expected, observed=observed)

    assert denominator.kg == max(expected, observed)
    assert denominator.observed == (observed > expected)


@given(metric=metrics, basis=bases, numerator=masses, denominator=masses)
def test_no_published_bounded_rate_exceeds_100(metric, basis, numerator, denominator):
    row = {"metric": metric, "product_type": "battery", "year": 2026, "basis": basis,
           "numerator_kg": numerator, "denominator_kg": denominator, "digest": "0" * 64,
           "product_count": 12, "manufacturers": ["a"]}  # fmt: skip

    rendered = render(row, "EU")

    if rendered["rate_pct"] is not None and is_bounded(metric, rendered["basis"]):
        assert Decimal(0) <= Decimal(rendered["rate_pct"]) <= 100
    if rendered["rate_pct"] is not None and Decimal(rendered["rate_pct"]) > 100:
        assert rendered["basis"] == "placed_on_market_3y_average"
        assert "above_100" in rendered["flags"]


def assert_published_rates_credible(regulator) -> None:
    rows = statistics_rows({}, regulator.organisation)
    assert rows
    for row in rows:
        if row["rate_pct"] is None:
            continue
        rate = Decimal(row["rate_pct"])
        assert rate >= 0, row
        if row["bounded"]:
            assert rate <= 100, row
        else:
            assert ("above_100" in row["flags"]) == (rate > 100), row
        assert row["population"] is not None, row
        detail = row["detail"]
        if row["metric"] == "eol_rr" and detail["treated_kg"] == detail["collected_kg"]:
            # Everything collected was treated: EOL-RR = collection rate x recovery rate.
            product = (
                Decimal(detail["collection_rate_pct"]) * Decimal(detail["recovery_rate_pct"]) / 100
            )
            assert abs(product - rate) <= Decimal("0.02"), row


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=1, max_value=10_000), size=st.integers(min_value=20, max_value=90)
)
def test_generated_fleets_publish_only_credible_rates(make_actor, seed, size):  # fmt: skip
    regulator = make_actor("regulator", f"Surveillance {seed}-{size}", country="DE")
    fleet_generate(passports=size, seed=seed)

    assert_published_rates_credible(regulator)
    assert aggregates_differences() == []


def test_a_battery_placed_in_germany_and_collected_in_sweden_counts_in_sweden(
    manufacturer, make_actor, regulator
):
    collector = make_actor("collector", "Insamling AB", country="SE")
    ids = []
    for serial, market in [("X-1", "DE"), ("X-2", "SE"), ("X-3", "SE")]:
        created = manufacturer.client.post(
            "/api/v1/passports/",
            declaration(serial=serial, manufactured_at="2022-06-01"),
            format="json",
        ).json()
        manufacturer.client.post(
            f"/api/v1/passports/{created['id']}/events/",
            {"type": "placed_on_market", "occurred_at": "2023-02-01T00:00:00Z",
             "payload": {"country": market}},
            format="json",
        )  # fmt: skip
        ids.append(created["id"])
    response = collector.client.post(
        "/api/v1/collections/",
        {"region": "SE-AB", "collected_at": "2026-09-01T08:00:00Z",
         "items": [{"passport": ids[0], "mass_kg": "440"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    buckets_refresh()

    rows = regulator.client.get("/api/v1/statistics/recovery?metric=collection_rate").json()
    by_basis = {(r["scope"]["region"], r["basis"]): r for r in rows["results"]}
    sweden = by_basis[("SE", "placed_on_market_3y_average")]

    # Collected in Sweden: Sweden's numerator, the whole of it placed on Germany's market.
    assert sweden["numerator_kg"] == sweden["cross_border_kg"] == "440"
    assert sweden["detail"]["cross_border_from"] == {"DE": "440"}
    assert "cross_border" in sweden["flags"]
    # The average over 2023-2025 holds the two batteries placed in Sweden (900 kg / 3).
    assert sweden["denominator_kg"] == "300"
    assert sweden["rate_pct"] == "146.67" and "above_100" in sweden["flags"]
    assert sweden["bounded"] is False
    available = [r for (region, _), r in by_basis.items() if r["bounded"]]
    assert all(Decimal(r["rate_pct"]) <= 100 for r in available)
    assert not any(region == "DE" for region, _ in by_basis)  # nothing collected in Germany
