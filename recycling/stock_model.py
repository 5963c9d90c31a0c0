"""Dynamic stock model (inflow- and stock-driven) with the conventions of ODYM's DynamicStockModel.

Time runs over model years t = 0..T-1 and an inflow in year c forms age-cohort c. Stocks are
measured at the end of a year and an inflow arrives during it, so a cohort's survival in year t is
the lifetime's survival function at the integer age t - c: `sf[t, c] = S(t - c)` for t >= c and 0
before. What does not survive to the end of its own year, `i[c] * (1 - S(0))`, leaves in that year.

Lifetimes are Fixed, Normal, Weibull and LogNormal. LogNormal takes the mean and standard deviation
of the lifetime itself. ODYM converts them to the underlying normal with mean^2/sd^2 where the
moments need sd^2/mean^2; both agree only when mean == sd. The conversion here is the standard one
(as in flodym), so the lifetime really has the mean and standard deviation it is given.

Every array may carry a trailing axis of elements (T, E): one survival matrix serves all elements.
"""

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import scipy.stats


class LifetimeError(ValueError):
    """An invalid lifetime description; `field` names the offending key ("" for the whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def _check_parameter(field: str, value: float, *, allow_zero: bool = False) -> None:
    """Raises LifetimeError unless value is a finite number above zero (or zero, if allowed)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise LifetimeError(field, "must be a number.")
    try:
        finite = math.isfinite(value)
    except OverflowError:
        # An int too large for a float (10**400) is as unusable here as infinity.
        finite = False
    if not finite:
        raise LifetimeError(field, "must be a finite number.")
    if allow_zero and value < 0:
        raise LifetimeError(field, "must not be negative.")
    if not allow_zero and value <= 0:
        raise LifetimeError(field, "must be greater than zero.")


def _step(ages: np.ndarray, mean: float) -> np.ndarray:
    """Survival of a lifetime of exactly `mean` years: present while the age is below it."""
    return (ages < mean).astype(float)


class Lifetime(ABC):
    """A product lifetime distribution, evaluated as a survival function at integer ages."""

    type_name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]

    @abstractmethod
    def survival(self, ages: np.ndarray) -> np.ndarray:
        """Share of a cohort still in use at each age (whole years after its inflow year)."""

    def as_dict(self) -> dict[str, Any]:
        """The lifetime in the form lifetime_from_dict reads."""
        return {"type": self.type_name, **{name: getattr(self, name) for name in self.fields}}


@dataclass(frozen=True)
class Fixed(Lifetime):
    """Every item leaves when its age reaches `mean`: a 3.5-year lifetime survives ages 0 to 3."""

    mean: float

    type_name: ClassVar[str] = "Fixed"
    fields: ClassVar[tuple[str, ...]] = ("mean",)

    def __post_init__(self) -> None:
        _check_parameter("mean", self.mean)

    def survival(self, ages: np.ndarray) -> np.ndarray:
        """1 while the age is below the mean, then 0."""
        return _step(ages, self.mean)


@dataclass(frozen=True)
class Normal(Lifetime):
    """Normal lifetime, not truncated: the share it puts below age 0 leaves in the inflow year."""

    mean: float
    sd: float

    type_name: ClassVar[str] = "Normal"
    fields: ClassVar[tuple[str, ...]] = ("mean", "sd")

    def __post_init__(self) -> None:
        _check_parameter("mean", self.mean)
        _check_parameter("sd", self.sd, allow_zero=True)

    def survival(self, ages: np.ndarray) -> np.ndarray:
        """scipy's norm.sf at each age, as ODYM; sd 0 is the limit, the Fixed lifetime."""
        if self.sd == 0:
            return _step(ages, self.mean)
        return scipy.stats.norm.sf(ages, loc=self.mean, scale=self.sd)


@dataclass(frozen=True)
class Weibull(Lifetime):
    """Weibull lifetime with the usual shape k and scale lambda: S(a) = exp(-(a / lambda)^k)."""

    shape: float
    scale: float

    type_name: ClassVar[str] = "Weibull"
    fields: ClassVar[tuple[str, ...]] = ("shape", "scale")

    def __post_init__(self) -> None:
        _check_parameter("shape", self.shape)
        _check_parameter("scale", self.scale)

    def survival(self, ages: np.ndarray) -> np.ndarray:
        """scipy's weibull_min.sf at each age."""
        return scipy.stats.weibull_min.sf(ages, c=self.shape, loc=0, scale=self.scale)


@dataclass(frozen=True)
class LogNormal(Lifetime):
    """Log-normal lifetime given by the mean and standard deviation of the lifetime itself."""

    mean: float
    sd: float

    type_name: ClassVar[str] = "LogNormal"
    fields: ClassVar[tuple[str, ...]] = ("mean", "sd")

    def __post_init__(self) -> None:
        _check_parameter("mean", self.mean)
        _check_parameter("sd", self.sd, allow_zero=True)
        if not math.isfinite(self.sigma):
            raise LifetimeError(
                "sd", "is too large relative to the mean for a log-normal lifetime."
            )
        if math.exp(self.mu) == 0:
            raise LifetimeError("mean", "is out of range for a log-normal lifetime.")

    @property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal: sqrt(ln(1 + sd^2 / mean^2))."""
        # The ratio is squared by multiplication: float ** would raise on overflow, not give inf.
        ratio = self.sd / self.mean
        return math.sqrt(math.log1p(ratio * ratio))

    @property
    def mu(self) -> float:
        """Mean of the underlying normal: ln(mean) - sigma^2 / 2."""
        return math.log(self.mean) - self.sigma**2 / 2

    def survival(self, ages: np.ndarray) -> np.ndarray:
        """scipy's lognorm.sf at each age; an sd too small to register is the Fixed lifetime."""
        if self.sigma == 0:
            return _step(ages, self.mean)
        return scipy.stats.lognorm.sf(ages, s=self.sigma, loc=0, scale=math.exp(self.mu))


LIFETIME_TYPES: dict[str, type[Lifetime]] = {
    kind.type_name: kind for kind in (Fixed, Normal, Weibull, LogNormal)
}


def _number(field: str, value: Any) -> float:
    """A float from a JSON-ish number (int, float or Decimal), refusing strings and booleans."""
    if isinstance(value, bool) or not isinstance(
        value, int | float | Decimal | np.integer | np.floating
    ):
        raise LifetimeError(field, "must be a number.")
    try:
        number = float(value)
    except OverflowError as exc:
        raise LifetimeError(field, "must be a finite number.") from exc
    if not math.isfinite(number):
        raise LifetimeError(field, "must be a finite number.")
    return number


def lifetime_from_dict(data: Any) -> Lifetime:
    """Builds a lifetime from {"type": ..., parameters}, raising LifetimeError (a ValueError).

    Keys other than the type's parameters (a name or source, as in reference/lifetimes.json) are
    ignored; a misspelt parameter still fails, as that parameter is then missing.
    """
    if not isinstance(data, dict):
        raise LifetimeError("", "must be an object with a type and its parameters.")
    allowed = ", ".join(LIFETIME_TYPES)
    if "type" not in data:
        raise LifetimeError("type", f"is required; one of {allowed}.")
    kind = LIFETIME_TYPES.get(data["type"]) if isinstance(data["type"], str) else None
    if kind is None:
        raise LifetimeError(
            "type", f"{data['type']!r} is not a lifetime type; use one of {allowed}."
        )
    parameters = {}
    for field in kind.fields:
        if field not in data or data[field] is None:
            raise LifetimeError(field, f"is required for a {kind.type_name} lifetime.")
        parameters[field] = _number(field, data[field])
    return kind(**parameters)


def survival_by_age(lifetime: Lifetime, years: int) -> np.ndarray:
    """S(a) for the integer ages a = 0..years-1."""
    # Extreme parameters (an sd of 1e-310) push standardised ages to +-inf, where scipy gives the
    # exact survival of 0 or 1; the overflow on the way there is expected, not worth a warning.
    with np.errstate(over="ignore", under="ignore"):
        survival = np.asarray(lifetime.survival(np.arange(years, dtype=float)), dtype=float)
    if not np.all(np.isfinite(survival)):
        raise LifetimeError("", "gives a survival curve that is not finite.")
    return survival


def survival_matrix(lifetime: Lifetime, years: int) -> np.ndarray:
    """ODYM's sf table, years x cohorts: sf[t, c] = S(t - c) for t >= c, else 0."""
    by_age = survival_by_age(lifetime, years)
    ages = np.arange(years)[:, None] - np.arange(years)[None, :]
    # One lifetime for every cohort, so the table is S at each age gathered, not T^2 evaluations.
    return np.where(ages >= 0, by_age[np.maximum(ages, 0)], 0.0)


@dataclass(frozen=True)
class Result:
    """Series (T[, E]) and cohort tables (T, T[, E], indexed [year, cohort]) of a stock model."""

    inflow: np.ndarray
    stock: np.ndarray
    outflow: np.ndarray
    stock_change: np.ndarray
    stock_by_cohort: np.ndarray
    outflow_by_cohort: np.ndarray

    def balance(self) -> np.ndarray:
        """inflow - outflow - stock_change per year, zero up to rounding (ODYM's stock balance)."""
        return self.inflow - self.outflow - self.stock_change


def _as_series(values: Any, name: str) -> np.ndarray:
    """A float array of shape (T,) or (T, E) with T >= 1 and only finite values."""
    try:
        series = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers.") from exc
    if series.ndim not in (1, 2) or series.shape[0] == 0:
        raise ValueError(f"{name} must have shape (years,) or (years, elements), with years >= 1.")
    if not np.all(np.isfinite(series)):
        raise ValueError(f"{name} must contain only finite numbers.")
    return series


def _stock_change(stock: np.ndarray) -> np.ndarray:
    """stock[t] - stock[t-1], taking the stock before the first year as 0."""
    return np.diff(stock, axis=0, prepend=np.zeros_like(stock[:1]))


def _cohorts(inflow: np.ndarray, sf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stock and outflow by cohort, (T, T, E), for an inflow (T, E) and a survival table (T, T)."""
    stock_by_cohort = sf[:, :, None] * inflow[None, :, :]
    # As ODYM's compute_o_c_from_s_c: a cohort's outflow is the fall in its stock from the year
    # before, and in its inflow year the share that never reached the year-end stock.
    # Filled in place: np.zeros plus a temporary for the difference costs several times more.
    outflow_by_cohort = np.empty_like(stock_by_cohort)
    outflow_by_cohort[0] = 0.0
    np.subtract(stock_by_cohort[:-1], stock_by_cohort[1:], out=outflow_by_cohort[1:])
    diagonal = np.arange(sf.shape[0])
    outflow_by_cohort[diagonal, diagonal] = inflow - stock_by_cohort[diagonal, diagonal]
    return stock_by_cohort, outflow_by_cohort


def _squeezed(result: Result, one_dimensional: bool) -> Result:
    """Drops the element axis again when the caller gave a single series."""
    if not one_dimensional:
        return result
    return Result(
        inflow=result.inflow[:, 0],
        stock=result.stock[:, 0],
        outflow=result.outflow[:, 0],
        stock_change=result.stock_change[:, 0],
        stock_by_cohort=result.stock_by_cohort[:, :, 0],
        outflow_by_cohort=result.outflow_by_cohort[:, :, 0],
    )


def dsm_inflow_driven(inflow: np.ndarray, lifetime: Lifetime) -> Result:
    """Inflow-driven model: stock_by_cohort[t, c] = i[c] * sf[t, c], outflow by mass balance."""
    series = _as_series(inflow, "inflow")
    one_dimensional = series.ndim == 1
    flows = series.reshape(series.shape[0], -1)
    sf = survival_matrix(lifetime, flows.shape[0])
    stock_by_cohort, outflow_by_cohort = _cohorts(flows, sf)
    stock = stock_by_cohort.sum(axis=1)
    result = Result(
        inflow=flows,
        stock=stock,
        outflow=outflow_by_cohort.sum(axis=1),
        stock_change=_stock_change(stock),
        stock_by_cohort=stock_by_cohort,
        outflow_by_cohort=outflow_by_cohort,
    )
    return _squeezed(result, one_dimensional)


def dsm_stock_driven(stock: np.ndarray, lifetime: Lifetime) -> Result:
    """Stock-driven model (ODYM's compute_stock_driven_model): the inflow that yields the stock.

    Year by year, the inflow fills the gap between the stock and what earlier cohorts leave,
    scaled up by 1 / sf[t, t] for its own first-year loss. Where sf[t, t] is 0 the inflow would
    vanish within its year and cannot build stock, so, as ODYM does, it is set to 0 rather than
    divided by zero; no lifetime accepted here has S(0) = 0, as each keeps a share past age 0.
    A stock falling faster than the lifetime releases it gives negative inflows, which are
    returned as they are (ODYM without NegativeInflowCorrect): they flag a lifetime that
    contradicts the stock.
    """
    series = _as_series(stock, "stock")
    one_dimensional = series.ndim == 1
    target = series.reshape(series.shape[0], -1)
    years = target.shape[0]
    sf = survival_matrix(lifetime, years)
    inflow = np.zeros_like(target)
    for t in range(years):
        if sf[t, t] == 0:
            continue
        remaining = sf[t, :t] @ inflow[:t]
        inflow[t] = (target[t] - remaining) / sf[t, t]
    stock_by_cohort, outflow_by_cohort = _cohorts(inflow, sf)
    result = Result(
        inflow=inflow,
        stock=target,
        outflow=outflow_by_cohort.sum(axis=1),
        stock_change=_stock_change(target),
        stock_by_cohort=stock_by_cohort,
        outflow_by_cohort=outflow_by_cohort,
    )
    return _squeezed(result, one_dimensional)
