"""Self-sufficiency arithmetic against a case worked by hand, the stock model and properties.

Hand-worked case: 100 kg placed on the market in 2020 (the base year), growing 10 % a year;
every product lasts exactly two years (Fixed(2): S(0) = S(1) = 1, S(2) = 0), so what is placed
in year c leaves in c + 2; collection 0.5, recovery 0.8.

    year   demand   arisings   collected   secondary   SSR
    2020   100      0          0           0           0
    2021   110      0          0           0           0
    2022   121      100        50          40          40 / 121   = 0.330579
    2023   133.1    110        55          44          44 / 133.1 = 0.330579
    2024   146.41   121        60.5        48.4        48.4 / 146.41 = 0.330579

In the steady state SSR = 0.5 x 0.8 / 1.1^2: demand grew twice while the products were in use.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recycling.self_sufficiency import (
    SCENARIOS,
    Scenario,
    ScenarioError,
    Stream,
    demand_projected,
    self_sufficiency,
)
from recycling.stock_model import Fixed, Normal, Weibull, dsm_inflow_driven

STEADY = Scenario(name="steady growth", demand_growth_pct_per_year=10, demand_base_years=1,
                  collection_rate=0.5, recovery_rate=0.8, threshold=0.2)  # fmt: skip


TWO_YEARS = Fixed(2)


def stream(history, lifetime=TWO_YEARS, collection=0.5, recovery=0.8) -> Stream:
    return Stream(label="battery", history=history, lifetime=lifetime,
                  collection_rate=collection, recovery_rate=recovery)  # fmt: skip


def test_hand_worked_case_gives_the_exact_series():
    total, (only,) = self_sufficiency([stream({2020: 100.0})], scenario=STEADY, base_year=2020,
                                      until=2024)  # fmt: skip
    assert total.years == [2020, 2021, 2022, 2023, 2024]
    assert total.demand.tolist() == pytest.approx([100, 110, 121, 133.1, 146.41])
    assert total.arisings.tolist() == pytest.approx([0, 0, 100, 110, 121])
    assert total.collected.tolist() == pytest.approx([0, 0, 50, 55, 60.5])
    assert total.secondary_supply.tolist() == pytest.approx([0, 0, 40, 44, 48.4])
    assert total.ssr == pytest.approx([0, 0, 40 / 121, 44 / 133.1, 48.4 / 146.41])
    assert total.ssr[-1] == pytest.approx(0.4 / 1.21)
    assert total.first_year_reaching(0.2) == 2022
    assert total.first_year_reaching(0.34) is None
    assert total.collection_rate == [None, None, 0.5, 0.5, 0.5]
    assert total.recovery_rate[2:] == pytest.approx([0.8, 0.8, 0.8])
    assert only.demand.tolist() == total.demand.tolist()


def test_growth_starts_from_the_mean_of_the_last_base_years():
    history = {2018: 60.0, 2019: 90.0, 2020: 150.0}
    demand = demand_projected(history, years=range(2018, 2023), base_year=2020, growth_pct=10,
                              base_years=3)  # fmt: skip
    assert demand.tolist() == pytest.approx([60, 90, 150, 110, 121])


def test_years_without_placements_count_as_zero_in_the_base():
    demand = demand_projected({2020: 90.0}, years=[2020, 2021], base_year=2020, growth_pct=0,
                              base_years=3)  # fmt: skip
    assert demand.tolist() == pytest.approx([90, 30])


@pytest.mark.parametrize("lifetime", [Fixed(3), Normal(8, 3), Weibull(2.5, 10)])
def test_arisings_are_the_stock_models_outflow_of_the_demand(lifetime):
    history = {2010: 5.0, 2011: 0.0, 2012: 12.0, 2013: 20.0}
    total, _ = self_sufficiency([stream(history, lifetime)], scenario=STEADY, base_year=2013,
                                until=2040)  # fmt: skip
    expected = dsm_inflow_driven(total.demand, lifetime).outflow
    assert total.arisings == pytest.approx(np.maximum(expected, 0), abs=1e-9)
    # Whatever was placed on the market either leaves or is still in use.
    stock = dsm_inflow_driven(total.demand, lifetime).stock[-1]
    assert total.arisings.sum() + stock == pytest.approx(total.demand.sum())


def test_streams_add_up_and_the_ratio_is_taken_of_the_sums():
    ev = stream({2020: 100.0}, Fixed(2), collection=0.5, recovery=0.8)
    magnets = stream({2020: 300.0}, Fixed(1), collection=1.0, recovery=0.1)
    scenario = Scenario(name="flat", demand_growth_pct_per_year=0, demand_base_years=1)
    total, (a, b) = self_sufficiency([ev, magnets], scenario=scenario, base_year=2020,
                                     until=2023)  # fmt: skip
    assert total.demand.tolist() == pytest.approx([400, 400, 400, 400])
    # 2022: ev 100 x 0.5 x 0.8 = 40, magnets 300 x 1 x 0.1 = 30.
    assert total.secondary_supply.tolist() == pytest.approx([0, 30, 70, 70])
    assert total.ssr == pytest.approx([0, 30 / 400, 70 / 400, 70 / 400])
    # Weighted by the arisings: (50 + 300) / 400 collected of what arose in 2022.
    assert total.collection_rate[2] == pytest.approx(350 / 400)
    assert (a.secondary_supply + b.secondary_supply).tolist() == pytest.approx(
        total.secondary_supply.tolist()
    )


def test_rates_may_change_from_year_to_year():
    yearly = {2020: 0.0, 2021: 0.0, 2022: 0.5, 2023: 1.0, 2024: 1.0}
    total, _ = self_sufficiency([stream({2020: 100.0}, collection=yearly, recovery=1.0)],
                                scenario=STEADY, base_year=2020, until=2024)  # fmt: skip
    assert total.secondary_supply.tolist() == pytest.approx([0, 0, 50, 110, 121])


def test_no_demand_gives_no_ratio_rather_than_a_division_by_zero():
    total, _ = self_sufficiency([], scenario=STEADY, base_year=2020, until=2022)
    assert total.ssr == [None, None, None]
    assert total.first_year_reaching(0.0) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("collection_rate", 1.5), ("recovery_rate", -0.1), ("threshold", 2.0),
     ("demand_growth_pct_per_year", 150.0), ("demand_base_years", 0)],
)  # fmt: skip
def test_out_of_range_parameters_are_refused_by_name(field, value):
    with pytest.raises(ScenarioError) as caught:
        STEADY.with_overrides(**{field: value})
    assert caught.value.field in (field, "demand_growth_pct")


def test_named_scenarios_are_valid_and_overrides_keep_the_rest():
    assert {"observed", "eu-targets", "high-growth"} <= set(SCENARIOS)
    changed = SCENARIOS["observed"].with_overrides(threshold=0.5, collection_rate=None)
    assert changed.threshold == 0.5
    assert changed.demand_growth_pct_per_year == SCENARIOS["observed"].demand_growth_pct_per_year
    assert changed.collection_rate is None


def test_a_forecast_ending_before_the_base_year_is_refused():
    with pytest.raises(ScenarioError):
        self_sufficiency([stream({2020: 1.0})], scenario=STEADY, base_year=2020, until=2019)


history_strategy = st.dictionaries(
    st.integers(2000, 2025), st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=10
)
share = st.floats(0, 1)


@settings(max_examples=60, deadline=None)
@given(
    history=history_strategy, collection=share, recovery=share,
    growth=st.floats(-100, 100), mean=st.floats(0.5, 30),
)  # fmt: skip
def test_ssr_is_never_negative_and_secondary_supply_never_exceeds_arisings(
    history, collection, recovery, growth, mean
):
    scenario = Scenario(name="any", demand_growth_pct_per_year=growth)
    total, _ = self_sufficiency([stream(history, Fixed(mean), collection, recovery)],
                                scenario=scenario, base_year=2025, until=2050)  # fmt: skip
    assert np.all(total.secondary_supply >= 0)
    assert np.all(total.secondary_supply <= total.collected + 1e-9)
    assert np.all(total.collected <= total.arisings + 1e-9)
    assert all(ratio is None or ratio >= 0 for ratio in total.ssr)


@settings(max_examples=30, deadline=None)
@given(history=history_strategy, recovery=share, growth=st.floats(-50, 50))
def test_zero_collection_gives_zero_secondary_supply(history, recovery, growth):
    scenario = Scenario(name="none collected", demand_growth_pct_per_year=growth)
    total, _ = self_sufficiency([stream(history, Normal(10, 3), 0.0, recovery)],
                                scenario=scenario, base_year=2025, until=2050)  # fmt: skip
    assert not total.secondary_supply.any()
    assert all(ratio in (None, 0.0) for ratio in total.ssr)
    assert total.first_year_reaching(0.01) is None
