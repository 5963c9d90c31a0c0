"""The supply formulas on their own: shares, HHI, import dependence, world concentration."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recycling import supply_math
from recycling.supply_math import UNDECLARED

COUNTRY = st.sampled_from(["CD", "AU", "CN", "ID", "RU", "CL", "AR", "DE", "FR"])
MASSES = st.dictionaries(COUNTRY, st.floats(min_value=0, max_value=1e6), max_size=9)
POSITIVE_MASSES = st.dictionaries(
    COUNTRY, st.floats(min_value=1e-3, max_value=1e6), min_size=1, max_size=9
)


@given(POSITIVE_MASSES, st.floats(min_value=0, max_value=1e6))
def test_hhi_lies_between_zero_and_ten_thousand(masses, undeclared):
    figures = supply_math.concentration(masses, undeclared)

    assert 0 <= figures.hhi <= 10_000 * (1 + 1e-9)


@given(st.integers(min_value=1, max_value=9), st.floats(min_value=1e-3, max_value=1e6))
def test_equal_shares_of_n_countries_give_ten_thousand_over_n(n, mass):
    countries = ["CD", "AU", "CN", "ID", "RU", "CL", "AR", "DE", "FR"][:n]

    figures = supply_math.concentration(dict.fromkeys(countries, mass))

    assert figures.hhi == pytest.approx(10_000 / n)


@given(MASSES, st.floats(min_value=0, max_value=1e6))
def test_shares_add_up_to_one_with_undeclared(masses, undeclared):
    figures = supply_math.concentration(masses, undeclared)

    if figures.total > 0:
        assert sum(figures.shares.values()) == pytest.approx(1)
        assert (UNDECLARED in figures.shares) == (undeclared > 0)
    else:
        assert set(figures.shares.values()) <= {0.0}


@given(MASSES, st.floats(min_value=0, max_value=1e6), st.lists(COUNTRY, max_size=4))
def test_inside_outside_and_undeclared_make_up_the_market(masses, undeclared, group):
    split = supply_math.import_dependence(masses, "DE", group, undeclared)

    assert split.inside + split.outside + split.undeclared == pytest.approx(split.total)
    if split.total > 0:
        assert 0 <= split.dependence <= 1 + 1e-9


def test_hand_computed_concentration_counts_undeclared_but_not_in_the_hhi():
    figures = supply_math.concentration({"CD": 6.0, "AU": 2.0}, undeclared=2.0)

    assert figures.shares == {"CD": 0.6, "AU": 0.2, UNDECLARED: 0.2}
    assert figures.declared_shares == {"CD": 0.75, "AU": 0.25}
    assert figures.hhi == pytest.approx(75**2 + 25**2)  # 6250
    assert (figures.top_country, figures.top_share) == ("CD", 0.75)
    assert figures.declared_share == pytest.approx(0.8)


def test_nothing_declared_has_no_hhi():
    figures = supply_math.concentration({}, undeclared=3.0)

    assert figures.hhi is None and figures.top_country is None
    assert figures.shares == {UNDECLARED: 1.0}


def test_import_dependence_counts_the_group_as_home():
    masses = {"DE": 1.0, "FR": 2.0, "CN": 3.0, "CD": 2.0}

    alone = supply_math.import_dependence(masses, "DE", (), undeclared=2.0)
    in_eu = supply_math.import_dependence(masses, "DE", ("DE", "FR"), undeclared=2.0)

    assert alone.dependence == pytest.approx(0.7)  # FR, CN, CD: 7 of 10
    assert in_eu.dependence == pytest.approx(0.5)  # CN, CD: 5 of 10
    assert in_eu.dependence_of_declared == pytest.approx(5 / 8)


def test_recycled_share_leaves_the_rest_primary():
    figures = supply_math.RecycledShare(total=10.0, pre_consumer=0.5, post_consumer=1.5)

    assert figures.share(figures.primary) == pytest.approx(0.8)


def test_world_concentration_bounds_the_unlisted_producers():
    world = supply_math.world_concentration({"A": 60.0, "B": 20.0}, world_total=100.0)

    assert world.shares == {"A": 0.6, "B": 0.2}
    assert world.other == pytest.approx(0.2)
    assert world.hhi == pytest.approx(3600 + 400)
    # The unlisted 20 % at most as one producer of 20 %: 400 more.
    assert world.hhi_max == pytest.approx(4400)
    assert (world.top_country, world.top_share) == ("A", 0.6)


def test_world_concentration_uses_the_listed_output_when_it_exceeds_a_rounded_total():
    world = supply_math.world_concentration({"A": 60.0, "B": 45.0}, world_total=100.0)

    assert sum(world.shares.values()) == pytest.approx(1)
    assert world.other == pytest.approx(0)
