"""The dynamic stock model against ODYM's published results, and its invariants as properties."""

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recycling.stock_model import (
    Fixed,
    Lifetime,
    LifetimeError,
    LogNormal,
    Normal,
    Weibull,
    dsm_inflow_driven,
    dsm_stock_driven,
    lifetime_from_dict,
    survival_matrix,
)

CONFORMANCE = (
    Path(__file__).resolve().parents[3] / "shared" / "conformance" / "odym-stock-model.json"
)
SERIES = ("stock", "outflow", "stock_change", "stock_by_cohort", "outflow_by_cohort")


@pytest.fixture(scope="module")
def odym() -> dict:
    if not CONFORMANCE.exists():
        pytest.skip(f"ODYM conformance data not found at {CONFORMANCE} (kept outside the project)")
    return json.loads(CONFORMANCE.read_text())


def assert_matches(actual: np.ndarray, expected: list, decimals: int) -> None:
    np.testing.assert_array_almost_equal(actual, np.array(expected, dtype=float), decimals)


@pytest.mark.parametrize("case", ["fixed5", "normal5_1.5", "weibull1.2_1"])
def test_inflow_driven_model_reproduces_odym_for_inflow_one_to_ten(odym, case):
    expected = odym[case]
    result = dsm_inflow_driven(
        np.array(odym["inflow_1_10"], dtype=float), lifetime_from_dict(expected["lifetime"])
    )
    compared = [name for name in SERIES if name in expected]
    assert "stock" in compared and "outflow" in compared
    for name in compared:
        assert_matches(getattr(result, name), expected[name], expected["decimals"])


def test_fixed_lifetime_reproduces_odym_exactly(odym):
    result = dsm_inflow_driven(np.array(odym["inflow_1_10"], dtype=float), Fixed(5))
    for name in SERIES:
        assert getattr(result, name).tolist() == odym["fixed5"][name]


def test_lognormal_stock_at_year_sixty_reproduces_odym(odym):
    case = odym["lognormal20_20"]
    inflow = np.zeros(case["years"])
    inflow[: len(case["inflow_first_20"])] = case["inflow_first_20"]
    result = dsm_inflow_driven(inflow, lifetime_from_dict(case["lifetime"]))
    assert_matches(result.stock[60], case["stock_at_60"], case["decimals"])


def test_stock_driven_model_recovers_odym_inflow(odym):
    case = odym["stock_driven_normal5_1.5"]
    result = dsm_stock_driven(np.array(case["stock"]), lifetime_from_dict(case["lifetime"]))
    assert_matches(result.inflow, case["expected_inflow"], case["decimals"])
    assert_matches(result.stock, case["stock"], case["decimals"])
    reference = odym["normal5_1.5"]
    assert_matches(result.outflow, reference["outflow"], reference["decimals"])


def test_survival_is_zero_before_the_inflow_year_and_s_of_age_after():
    sf = survival_matrix(Weibull(1.2, 1), 4)
    ages = scipy.stats.weibull_min.sf(np.arange(4), c=1.2, scale=1)
    for t in range(4):
        for c in range(4):
            assert sf[t, c] == (ages[t - c] if t >= c else 0.0)


def test_fixed_lifetime_survives_while_age_is_below_the_mean():
    assert survival_matrix(Fixed(3.5), 6)[:, 0].tolist() == [1, 1, 1, 1, 0, 0]
    assert survival_matrix(Fixed(3), 6)[:, 0].tolist() == [1, 1, 1, 0, 0, 0]


def test_normal_lifetime_is_not_truncated_so_its_negative_ages_leave_in_the_first_year():
    result = dsm_inflow_driven(np.array([1.0, 0.0]), Normal(1, 1))
    assert result.outflow_by_cohort[0, 0] == pytest.approx(scipy.stats.norm.cdf(0, 1, 1))
    assert result.stock[0] == pytest.approx(scipy.stats.norm.sf(0, 1, 1))


@pytest.mark.parametrize("kind", [Normal, LogNormal])
def test_a_zero_standard_deviation_is_the_fixed_lifetime(kind):
    assert np.array_equal(survival_matrix(kind(4, 0), 10), survival_matrix(Fixed(4), 10))


@pytest.mark.parametrize(("mean", "sd"), [(20, 20), (15, 4), (3, 1), (10, 30)])
def test_lognormal_lifetime_has_the_mean_and_standard_deviation_it_is_given(mean, sd):
    lifetime = LogNormal(mean, sd)
    distribution = scipy.stats.lognorm(s=lifetime.sigma, scale=math.exp(lifetime.mu))
    assert distribution.mean() == pytest.approx(mean, rel=1e-12)
    assert distribution.std() == pytest.approx(sd, rel=1e-12)


def test_stock_driven_model_keeps_negative_inflows_when_the_stock_falls_too_fast():
    result = dsm_stock_driven(np.array([10.0, 10.0, 0.0]), Fixed(10))
    assert result.inflow.tolist() == [10.0, 0.0, -10.0]
    assert np.allclose(result.balance(), 0)


def test_result_keeps_a_single_series_one_dimensional():
    result = dsm_inflow_driven([1, 2, 3], Fixed(2))
    assert result.stock.shape == (3,)
    assert result.stock_by_cohort.shape == (3, 3)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"type": "Gamma", "mean": 5}, "type", "not a lifetime type"),
        ({"mean": 5}, "type", "required"),
        ({"type": 5, "mean": 5}, "type", "not a lifetime type"),
        ({"type": "Normal", "mean": 5}, "sd", "required"),
        ({"type": "Normal", "mean": 5, "sd": -1}, "sd", "must not be negative"),
        ({"type": "Normal", "mean": 0, "sd": 1}, "mean", "greater than zero"),
        ({"type": "Fixed", "mean": -2}, "mean", "greater than zero"),
        ({"type": "Fixed", "mean": float("nan")}, "mean", "finite"),
        ({"type": "Fixed", "mean": float("inf")}, "mean", "finite"),
        ({"type": "Fixed", "mean": "5"}, "mean", "must be a number"),
        ({"type": "Fixed", "mean": True}, "mean", "must be a number"),
        ({"type": "Fixed", "mean": None}, "mean", "required"),
        ({"type": "Weibull", "shape": 0, "scale": 1}, "shape", "greater than zero"),
        ({"type": "Weibull", "shape": 1.2, "scale": -1}, "scale", "greater than zero"),
        ({"type": "Weibull", "scale": 1}, "shape", "required"),
        ({"type": "LogNormal", "mean": 1, "sd": 1e300}, "sd", "too large"),
        ({"type": "LogNormal", "mean": Decimal("1E+400"), "sd": 1}, "mean", "finite"),
    ],
)
def test_lifetime_from_dict_names_the_bad_field(data, field, words):
    with pytest.raises(LifetimeError) as raised:
        lifetime_from_dict(data)
    assert raised.value.field == field
    assert words in raised.value.message
    assert isinstance(raised.value, ValueError)


def test_lifetimes_built_directly_check_their_parameters_too():
    with pytest.raises(LifetimeError, match="finite"):
        Fixed(10**400)
    with pytest.raises(LifetimeError, match="greater than zero"):
        Weibull(1.2, 0)


def test_lifetime_from_dict_refuses_what_is_not_an_object():
    with pytest.raises(ValueError, match="must be an object"):
        lifetime_from_dict(["Fixed", 5])


def test_lifetime_from_dict_reads_decimals_and_ignores_descriptive_keys():
    lifetime = lifetime_from_dict(
        {"type": "Weibull", "shape": Decimal("5.3759"), "scale": 30, "source": "IRENA 2016"}
    )
    assert lifetime == Weibull(5.3759, 30)
    assert lifetime_from_dict(lifetime.as_dict()) == lifetime


def test_lifetime_from_dict_reads_every_project_default():
    reference = Path(__file__).resolve().parents[2] / "reference" / "lifetimes.json"
    table = json.loads(reference.read_text())
    for entry in [*table["defaults"].values(), *table["alternatives"].values()]:
        assert isinstance(lifetime_from_dict(entry), Lifetime)


@pytest.mark.parametrize("bad", [[], [[[1.0]]], [1.0, float("nan")], [math.inf]])
def test_models_refuse_empty_or_non_finite_series(bad):
    with pytest.raises(ValueError):
        dsm_inflow_driven(bad, Fixed(5))
    with pytest.raises(ValueError):
        dsm_stock_driven(bad, Fixed(5))


positive = st.floats(min_value=0.5, max_value=60, allow_nan=False, allow_infinity=False)
lifetimes = st.one_of(
    st.builds(Fixed, positive),
    st.builds(Normal, positive, st.floats(min_value=0, max_value=30)),
    st.builds(Weibull, st.floats(min_value=0.3, max_value=10), positive),
    st.builds(LogNormal, positive, st.floats(min_value=0, max_value=60)),
)
amount = st.floats(min_value=0, max_value=1e6, allow_subnormal=False)
series = st.integers(min_value=1, max_value=60).flatmap(
    lambda years: arrays(np.float64, years, elements=amount)
)
element_series = st.tuples(
    st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=5)
).flatmap(lambda shape: arrays(np.float64, shape, elements=amount))


@settings(max_examples=150, deadline=None)
@given(inflow=series, lifetime=lifetimes)
def test_cumulative_inflow_equals_stock_plus_cumulative_outflow(inflow, lifetime):
    result = dsm_inflow_driven(inflow, lifetime)
    cumulative = np.cumsum(inflow)
    np.testing.assert_allclose(
        result.stock + np.cumsum(result.outflow), cumulative, rtol=1e-9, atol=1e-9 * cumulative[-1]
    )
    np.testing.assert_allclose(result.balance(), 0, atol=1e-9 * cumulative[-1])


@settings(max_examples=150, deadline=None)
@given(inflow=series, lifetime=lifetimes)
def test_outflows_are_never_negative_for_non_negative_inflows(inflow, lifetime):
    result = dsm_inflow_driven(inflow, lifetime)
    assert (result.outflow_by_cohort >= 0).all()
    assert (result.outflow >= 0).all()
    assert (result.stock_by_cohort >= 0).all()


@settings(max_examples=150, deadline=None)
@given(stock=series, lifetime=lifetimes)
def test_inflow_driven_model_on_the_solved_inflow_reproduces_the_stock(stock, lifetime):
    solved = dsm_stock_driven(stock, lifetime)
    rerun = dsm_inflow_driven(solved.inflow, lifetime)
    scale = max(np.abs(stock).max(), np.abs(solved.inflow).max(), 1e-300)
    np.testing.assert_allclose(rerun.stock, stock, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(rerun.outflow, solved.outflow, rtol=0, atol=1e-9 * scale)


@settings(max_examples=150, deadline=None)
@given(inflow=series, lifetime=lifetimes)
def test_stock_driven_model_recovers_the_inflow_that_made_the_stock(inflow, lifetime):
    stock = dsm_inflow_driven(inflow, lifetime).stock
    solved = dsm_stock_driven(stock, lifetime)
    np.testing.assert_allclose(solved.inflow, inflow, rtol=0, atol=1e-6 * max(inflow.max(), 1))


@settings(max_examples=100, deadline=None)
@given(inflow=element_series, lifetime=lifetimes)
def test_element_axis_gives_the_same_numbers_as_one_run_per_element(inflow, lifetime):
    together = dsm_inflow_driven(inflow, lifetime)
    solved = dsm_stock_driven(together.stock, lifetime)
    for element in range(inflow.shape[1]):
        alone = dsm_inflow_driven(inflow[:, element], lifetime)
        alone_solved = dsm_stock_driven(together.stock[:, element], lifetime)
        for joint, single in ((together, alone), (solved, alone_solved)):
            # Sums over cohorts may add in another order along a strided axis: rounding only.
            scale = max(np.abs(single.inflow).sum(), 1)
            for name in ("inflow", *SERIES):
                np.testing.assert_allclose(
                    getattr(joint, name)[..., element],
                    getattr(single, name),
                    rtol=1e-12,
                    atol=1e-12 * scale,
                )
