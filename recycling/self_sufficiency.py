"""How much of future demand the urban mine can meet: secondary supply over demand, per year.

For each stream of products holding the element (a product type and category, with its own
lifetime and rates) and each year t of the forecast:

    demand[t]      element mass placed on the market: the passports' history up to the base
                   year b, then D_b * (1 + g)^(t - b), D_b the mean of the last `base_years`
                   years of history and g the scenario's growth per year
    arisings[t]    the dynamic stock model's outflow of that demand (ODYM conventions,
                   recycling/stock_model.py): o[t] = sum_c i[c] * (sf[t-1, c] - sf[t, c])
    collected[t]   arisings[t] * collection_rate[t]
    secondary[t]   collected[t] * recovery_rate[t]

Streams add up; then SSR[t] = secondary[t] / demand[t] (none where there is no demand), and the
first year whose SSR reaches the scenario's threshold. SSR is UNEP's end-of-life recycling
rate (EOL-RR = collection x recovery) applied to the arisings, set against all demand rather
than against the arisings. Rates are shares in [0, 1].

Pure computation: no Django.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from recycling.stock_model import Lifetime, dsm_inflow_driven

MAX_GROWTH_PCT = 100.0


class ScenarioError(ValueError):
    """An invalid scenario parameter; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Scenario:
    """A named set of assumptions a regulator can change, parameter by parameter.

    `rates` says where collection and recovery rates come from when the scenario does not fix
    them: "observed" (the recorded statistics) or "targets" (the legal target in force in each
    year, observed where no target applies). A fixed collection_rate or recovery_rate wins.
    """

    name: str
    demand_growth_pct_per_year: float
    demand_base_years: int = 3
    collection_rate: float | None = None
    recovery_rate: float | None = None
    rates: str = "observed"
    threshold: float = 0.2

    def __post_init__(self) -> None:
        growth = self.demand_growth_pct_per_year
        if not math.isfinite(growth) or not -100 <= growth <= MAX_GROWTH_PCT:
            raise ScenarioError(
                "demand_growth_pct", f"must be between -100 and {MAX_GROWTH_PCT:g} per cent."
            )
        if not 1 <= self.demand_base_years <= 20:
            raise ScenarioError("demand_base_years", "must be between 1 and 20 years.")
        for name in ("collection_rate", "recovery_rate", "threshold"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0 <= value <= 1):
                raise ScenarioError(name, "must be a share between 0 and 1.")
        if self.rates not in ("observed", "targets"):
            raise ScenarioError("rates", "must be observed or targets.")

    def with_overrides(self, **overrides: float | int | None) -> "Scenario":
        """The scenario with the parameters given (not None) replaced, validated again."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict:
        """The parameters as published beside the forecast."""
        return asdict(self)


# Named scenarios. Growth rates are scenario values, not forecasts: 5 % a year is a steady
# market, 10 % the fast growth of traction batteries in the 2020s.
SCENARIOS: dict[str, Scenario] = {
    "observed": Scenario(name="Observed rates", demand_growth_pct_per_year=5),
    "eu-targets": Scenario(name="EU targets", demand_growth_pct_per_year=5, rates="targets"),
    "high-growth": Scenario(name="High growth", demand_growth_pct_per_year=10),
}
DEFAULT_SCENARIO = "observed"


@dataclass(frozen=True)
class Stream:
    """Products of one kind holding the element: their demand history, lifetime and rates.

    `history` maps years up to the base year to element mass placed on the market (kg);
    `collection_rate` and `recovery_rate` map every forecast year to a share in [0, 1] (or give
    one share for all years).
    """

    label: str
    history: Mapping[int, float]
    lifetime: Lifetime
    collection_rate: Mapping[int, float] | float
    recovery_rate: Mapping[int, float] | float
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Forecast:
    """Yearly series of one stream or of several added up; arrays align with `years`."""

    years: list[int]
    demand: np.ndarray
    arisings: np.ndarray
    collected: np.ndarray
    secondary_supply: np.ndarray

    @property
    def collection_rate(self) -> list[float | None]:
        """Collected over arisings: the streams' rates weighted by their arisings."""
        return _ratio(self.collected, self.arisings)

    @property
    def recovery_rate(self) -> list[float | None]:
        """Secondary supply over collected: the streams' rates weighted by what they collect."""
        return _ratio(self.secondary_supply, self.collected)

    @property
    def ssr(self) -> list[float | None]:
        """Self-sufficiency ratio: secondary supply over demand; none without demand."""
        return _ratio(self.secondary_supply, self.demand)

    def first_year_reaching(self, threshold: float) -> int | None:
        """The first year whose SSR is at least the threshold, or None."""
        for year, ratio in zip(self.years, self.ssr, strict=True):
            if ratio is not None and ratio >= threshold:
                return year
        return None


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> list[float | None]:
    return [
        float(n / d) if d > 0 else None
        for n, d in zip(numerator.tolist(), denominator.tolist(), strict=True)
    ]


def _bounded(value: float, name: str) -> float:
    """A rate as a share in [0, 1]; statistics rounding past the bounds are clipped."""
    if not math.isfinite(value):
        raise ScenarioError(name, "must be a finite share.")
    return min(max(float(value), 0.0), 1.0)


def _rates(rates: Mapping[int, float] | float, years: Sequence[int], name: str) -> np.ndarray:
    if isinstance(rates, Mapping):
        return np.array([_bounded(rates.get(year, 0.0), name) for year in years])
    return np.full(len(years), _bounded(rates, name))


def demand_projected(
    history: Mapping[int, float], *, years: Sequence[int], base_year: int, growth_pct: float,
    base_years: int = 1,
) -> np.ndarray:  # fmt: skip
    """Demand per year: history up to base_year, then its recent mean growing geometrically.

    The base D_b is the mean of the `base_years` years ending at base_year (years without
    placements count as 0), so one unusual year does not set the whole forecast.
    """
    window = [history.get(year, 0.0) for year in range(base_year - base_years + 1, base_year + 1)]
    base = sum(window) / len(window)
    growth = 1 + growth_pct / 100
    projected = [
        float(history.get(year, 0.0)) if year <= base_year else base * growth ** (year - base_year)
        for year in years
    ]
    return np.array(projected)


def stream_forecast(
    stream: Stream, *, years: Sequence[int], base_year: int, scenario: Scenario
) -> Forecast:
    """Demand, arisings, collected and secondary supply of one stream over the years."""
    demand = demand_projected(
        stream.history, years=years, base_year=base_year,
        growth_pct=scenario.demand_growth_pct_per_year, base_years=scenario.demand_base_years,
    )  # fmt: skip
    # Growth compounding over centuries can overflow; the result is then not finite and refused.
    with np.errstate(over="ignore", invalid="ignore"):
        arisings = dsm_inflow_driven(demand, stream.lifetime).outflow
    # The stock model's sums can leave -1e-13 where nothing leaves; mass is never negative.
    arisings = np.maximum(arisings, 0.0)
    collected = arisings * _rates(stream.collection_rate, years, "collection_rate")
    secondary = collected * _rates(stream.recovery_rate, years, "recovery_rate")
    return Forecast(list(years), demand, arisings, collected, secondary)


def added(forecasts: Sequence[Forecast], years: Sequence[int]) -> Forecast:
    """The streams' series added up year by year."""
    zero = np.zeros(len(years))

    def total(name: str) -> np.ndarray:
        return sum((getattr(f, name) for f in forecasts), zero)

    return Forecast(list(years), total("demand"), total("arisings"), total("collected"),
                    total("secondary_supply"))  # fmt: skip


def self_sufficiency(
    streams: Sequence[Stream], *, scenario: Scenario, base_year: int, until: int
) -> tuple[Forecast, list[Forecast]]:
    """The total forecast and each stream's, from the first year of history to `until`."""
    if until < base_year:
        raise ScenarioError("until", f"must be {base_year} or later.")
    first = min((year for s in streams for year in s.history), default=base_year)
    years = list(range(min(first, base_year), until + 1))
    each = [stream_forecast(s, years=years, base_year=base_year, scenario=scenario)
            for s in streams]  # fmt: skip
    total = added(each, years)
    if not all(np.all(np.isfinite(getattr(total, name)))
               for name in ("demand", "arisings", "secondary_supply")):  # fmt: skip
        raise ScenarioError("demand_growth_pct", "makes demand too large to forecast.")
    return total, each
