"""Statistical disclosure control: which published figures describe too few to stay anonymous.

A figure (an inventory cell, a statistic, a forecast) is shown to a non-regulator only when at
least `min_products` products of at least `min_manufacturers` manufacturers stand behind it,
the threshold rule statistical offices apply to business statistics. A suppressed figure keeps
its place and says why; its value is folded, with the other suppressed figures of its group,
into an "other" figure, so group totals stay right.

One suppressed figure in a group would still be readable as the group's total minus the shown
figures, so the smallest shown figures are suppressed with it (complementary suppression) until
what is folded together passes the rule, or everything in the group is folded.

Pure computation: counts and identifiers in, decisions out.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Population:
    """The products and manufacturers behind a figure.

    `shared` names a set of products that several figures describe together (the expected end
    of life of one cohort, spread over years): combining such figures counts those products
    once. Figures with different (or no) `shared` keys describe disjoint sets of products.
    """

    products: int
    manufacturers: frozenset[str] = field(default_factory=frozenset)
    shared: Hashable | None = None


@dataclass(frozen=True)
class Rule:
    """The thresholds: at least this many products of at least this many manufacturers."""

    min_products: int
    min_manufacturers: int

    def reason(self, population: Population) -> str | None:
        """Why a figure with this population may not be shown, or None if it may."""
        if population.products < self.min_products:
            return (
                f"Describes fewer than {self.min_products} products; "
                "shown only to regulators and folded into the other row."
            )
        if len(population.manufacturers) < self.min_manufacturers:
            return (
                f"Describes products of fewer than {self.min_manufacturers} manufacturers; "
                "shown only to regulators and folded into the other row."
            )
        return None


def combined(populations: Iterable[Population]) -> Population:
    """The population behind a sum of figures."""
    products = 0
    shared: dict[Hashable, int] = {}
    manufacturers: set[str] = set()
    for population in populations:
        manufacturers |= population.manufacturers
        if population.shared is None:
            products += population.products
        else:
            shared[population.shared] = max(shared.get(population.shared, 0), population.products)
    return Population(products + sum(shared.values()), frozenset(manufacturers))


def suppressed(populations: Sequence[Population], rule: Rule) -> dict[int, str]:
    """Positions to suppress in one group of figures that add up to a total, with reasons.

    Primary suppression takes every figure that fails the rule; complementary suppression then
    adds the smallest remaining figures until the suppressed ones together pass the rule (or
    none is left), so the folded "other" figure neither reveals one of them nor lets a reader
    subtract its way to one.
    """
    reasons: dict[int, str] = {}
    for index, population in enumerate(populations):
        reason = rule.reason(population)
        if reason is not None:
            reasons[index] = reason
    if not reasons:
        return reasons
    shown = sorted(
        (i for i in range(len(populations)) if i not in reasons),
        key=lambda i: (populations[i].products, len(populations[i].manufacturers), i),
    )
    while shown and rule.reason(combined(populations[i] for i in reasons)) is not None:
        reasons[shown.pop(0)] = (
            "Suppressed with a smaller figure of its group, which the group total would "
            "otherwise reveal; folded into the other row."
        )
    return reasons
