"""Supply concentration, import dependence and recycled share: the formulas, on plain numbers.

- A country's share is its element mass over all the element mass in scope, the mass whose origin
  was not declared ("undeclared") included, so the shares add up to 1.
- The Herfindahl-Hirschman index (HHI) is the sum of the squared percentage shares of the
  countries, 0 to 10,000; it is taken over the declared mass (shares renormalised to it), since
  undeclared mass is unknown, not diversified. The top share is the largest country's share of
  the declared mass.
- Import dependence of a market is the share of the element mass in products placed on it whose
  declared origin lies outside the market and outside the group it belongs to (the EU, say).

Pure computation, no Django: an auditor can run it alone.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

UNDECLARED = "undeclared"


def shares(masses: Mapping[str, float]) -> dict[str, float]:
    """Each key's share of the total mass; all zero when there is no mass."""
    total = sum(masses.values())
    if total <= 0:
        return dict.fromkeys(masses, 0.0)
    return {key: mass / total for key, mass in masses.items()}


def hhi(fractions: Iterable[float]) -> float:
    """Sum of squared percentage shares: 10,000 for one supplier, 10,000/n for n equal ones."""
    return sum((100 * fraction) ** 2 for fraction in fractions)


@dataclass(frozen=True)
class Concentration:
    """Shares by country of one element's mass, and how concentrated the declared part is."""

    total: float
    shares: dict[str, float]  # of all mass, UNDECLARED included when there is any
    declared_shares: dict[str, float]  # of the declared mass only
    hhi: float | None  # None when nothing was declared
    top_country: str | None
    top_share: float | None  # of the declared mass
    declared_share: float


def concentration(by_country: Mapping[str, float], undeclared: float = 0.0) -> Concentration:
    """Shares, HHI and top share from element mass by country of origin and undeclared mass."""
    declared = sum(by_country.values())
    masses = dict(by_country)
    if undeclared > 0:
        masses[UNDECLARED] = undeclared
    total = declared + max(undeclared, 0.0)
    of_declared = shares(by_country) if declared > 0 else {}
    top = max(of_declared.items(), key=lambda item: (item[1], item[0]), default=None)
    return Concentration(
        total=total,
        shares=shares(masses),
        declared_shares=of_declared,
        hhi=hhi(of_declared.values()) if declared > 0 else None,
        top_country=top[0] if top else None,
        top_share=top[1] if top else None,
        declared_share=declared / total if total > 0 else 0.0,
    )


def share_from(fractions: Mapping[str, float], countries: Iterable[str]) -> float:
    """The share coming from any of the given countries."""
    wanted = set(countries)
    return sum(share for country, share in fractions.items() if country in wanted)


@dataclass(frozen=True)
class ImportDependence:
    """How much of a market's element mass comes from outside the market and its group."""

    total: float
    inside: float
    outside: float
    undeclared: float

    def share(self, part: float) -> float | None:
        return part / self.total if self.total > 0 else None

    @property
    def dependence(self) -> float | None:
        """Outside mass over all mass: the headline figure (undeclared mass stands beside it)."""
        return self.share(self.outside)

    @property
    def dependence_of_declared(self) -> float | None:
        """Outside mass over declared mass: the figure if undeclared mass came as declared did."""
        declared = self.inside + self.outside
        return self.outside / declared if declared > 0 else None


def import_dependence(
    by_country: Mapping[str, float], market: str, group: Iterable[str] = (), undeclared: float = 0.0
) -> ImportDependence:
    """Splits a market's element mass into from inside (the market or its group), outside and
    undeclared."""
    home = {market, *group}
    inside = sum(mass for country, mass in by_country.items() if country in home)
    outside = sum(mass for country, mass in by_country.items() if country not in home)
    undeclared = max(undeclared, 0.0)
    return ImportDependence(inside + outside + undeclared, inside, outside, undeclared)


@dataclass(frozen=True)
class RecycledShare:
    """Shares of an element's mass that are pre-consumer recycled, post-consumer and primary."""

    total: float
    pre_consumer: float
    post_consumer: float

    @property
    def primary(self) -> float:
        return max(self.total - self.pre_consumer - self.post_consumer, 0.0)

    def share(self, part: float) -> float | None:
        return part / self.total if self.total > 0 else None


@dataclass(frozen=True)
class WorldConcentration:
    """The world's production shares of one element at one stage (mining, refining).

    Sources list the leading producers and a world total; the rest is `other`. The HHI over the
    listed countries is a lower bound; `hhi_max` adds the most the unlisted could add if each
    were as large as the smallest listed producer, so the true index lies between the two.
    """

    shares: dict[str, float]
    other: float
    hhi: float
    hhi_max: float
    top_country: str | None
    top_share: float | None


def world_concentration(tonnes: Mapping[str, float], world_total: float) -> WorldConcentration:
    """World shares from the listed producers' output and the published world total.

    Published totals are rounded, so the listed output can exceed them by a little; the larger
    of the two is the denominator then.
    """
    listed = sum(tonnes.values())
    denominator = max(world_total, listed)
    fractions = {country: t / denominator for country, t in tonnes.items()} if denominator else {}
    other = 1 - sum(fractions.values()) if denominator else 0.0
    smallest = min(fractions.values(), default=0.0)
    unlisted_max = other * min(other, smallest) if smallest else other * other
    top = max(fractions.items(), key=lambda item: (item[1], item[0]), default=None)
    lower = hhi(fractions.values())
    return WorldConcentration(
        shares=fractions,
        other=other,
        hhi=lower,
        hhi_max=lower + 10_000 * unlisted_max,
        top_country=top[0] if top else None,
        top_share=top[1] if top else None,
    )
