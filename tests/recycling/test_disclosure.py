"""The suppression rule on its own: thresholds, combined populations, complementary cells."""

from hypothesis import given
from hypothesis import strategies as st

from recycling.disclosure import Population, Rule, combined, suppressed

RULE = Rule(min_products=10, min_manufacturers=3)


def makers(*names: str) -> frozenset[str]:
    return frozenset(names)


def test_a_figure_of_too_few_products_is_refused_naming_the_threshold():
    reason = RULE.reason(Population(9, makers("a", "b", "c")))

    assert reason is not None and "fewer than 10 products" in reason


def test_a_figure_of_too_few_manufacturers_is_refused_naming_the_threshold():
    reason = RULE.reason(Population(500, makers("a", "b")))

    assert reason is not None and "fewer than 3 manufacturers" in reason


def test_a_figure_of_enough_products_and_manufacturers_is_shown():
    assert RULE.reason(Population(10, makers("a", "b", "c"))) is None


def test_combining_adds_products_and_unites_manufacturers():
    total = combined([Population(4, makers("a", "b")), Population(6, makers("b", "c"))])

    assert total == Population(10, makers("a", "b", "c"))


def test_figures_sharing_a_cohort_count_its_products_once():
    series = [Population(5, makers("a"), shared="DE-Co"), Population(5, makers("a"), "DE-Co")]

    assert combined([*series, Population(2, makers("b"))]).products == 7


def test_nothing_is_suppressed_when_every_figure_passes():
    assert suppressed([Population(10, makers("a", "b", "c"))] * 3, RULE) == {}


def test_one_small_figure_takes_the_smallest_other_with_it():
    wide = makers("a", "b", "c")
    group = [Population(50, wide), Population(1, makers("a")), Population(20, wide)]

    hidden = suppressed(group, RULE)

    assert sorted(hidden) == [1, 2]
    assert "fewer than 10 products" in hidden[1]
    assert "group total" in hidden[2]


def test_small_figures_that_pass_together_need_no_complement():
    group = [Population(50, makers("a", "b", "c")), Population(5, makers("a", "b")),
             Population(5, makers("c"))]  # fmt: skip

    assert sorted(suppressed(group, RULE)) == [1, 2]


@given(st.lists(st.tuples(st.integers(0, 30), st.sets(st.sampled_from("abcde"))), max_size=8))
def test_what_is_folded_passes_the_rule_unless_everything_is_folded(cells):
    group = [Population(n, frozenset(m)) for n, m in cells]

    hidden = suppressed(group, RULE)

    assert all(RULE.reason(group[i]) is None for i in range(len(group)) if i not in hidden)
    if hidden and len(hidden) < len(group):
        assert RULE.reason(combined(group[i] for i in hidden)) is None
