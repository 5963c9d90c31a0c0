"""Which rates their definition bounds to 100 %, and how a denominator keeps them there.

What was recovered, recycled or collected was, by definition, in the input, arising or
available: a recovery rate, a recycling efficiency, a recycled-content share, an old-scrap
ratio, an end-of-life recycling rate and a collection rate against what was available for
collection cannot exceed 100 %. Where a model's expectation (the stock model's outflow) falls
below what was observed, the observed mass is the denominator and the basis says so. Only the
collection rate against the average placed on the market in the three preceding years may
exceed 100 % in law (a shrinking market, a stored backlog); it is flagged, never capped.

Pure computation: no Django.
"""

from dataclasses import dataclass
from decimal import Decimal

BOUNDED_METRICS = frozenset(
    {"recycling_efficiency", "material_recovery", "recycled_content", "rc", "osr", "eol_rr"}
)
# The one rate the law lets exceed 100 %: it is flagged instead.
UNBOUNDED_BASES = frozenset({"placed_on_market_3y_average"})
# A modelled denominator's basis, and the basis once the observed mass replaced it.
OBSERVED_BASIS = {
    "available_for_collection": "available_for_collection_observed",
    "stock_model_outflow": "end_of_life_observed",
}
MODELLED_BASIS = {observed: modelled for modelled, observed in OBSERVED_BASIS.items()}


def is_bounded(metric: str, basis: str) -> bool:
    """Whether the definition of this rate keeps it within [0, 100] %."""
    if metric == "collection_rate":
        return basis not in UNBOUNDED_BASES
    return metric in BOUNDED_METRICS


@dataclass(frozen=True)
class Denominator:
    """The denominator used, and whether the observed mass replaced the expected one."""

    kg: Decimal
    observed: bool


def denominator_bounded(*, expected: Decimal, observed: Decimal) -> Denominator:
    """max(expected, observed): what was observed was, by definition, there to be observed."""
    if observed > expected:
        return Denominator(observed, True)
    return Denominator(expected, False)


def basis_family(basis: str) -> str:
    """The basis a row belongs with when rows add up, whichever denominator it took."""
    return MODELLED_BASIS.get(basis, basis)
