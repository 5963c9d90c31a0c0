"""B7: the dynamic stock model, 100 years x 100 cohorts x 30 elements, against flodym.

flodym is run with ODYM's timing convention (inflow at the end of its year, so sf[t, c] is
S(t - c) at integer ages, with the inflow's own first-year loss), on identical inputs, and the
stock, outflow and cohort tables must agree to 1e-9 relative.
"""

import numpy as np

from bench.common import Outcome, best_of
from recycling.stock_model import Normal, dsm_inflow_driven

YEARS, ELEMENTS = 100, 30
MEAN, SD = 15.0, 4.0


def _inflow() -> np.ndarray:
    rng = np.random.default_rng(7)
    growth = np.linspace(1.0, 8.0, YEARS)[:, None]
    return growth * rng.uniform(0.5, 2.0, size=(YEARS, ELEMENTS))


def _flodym(inflow: np.ndarray):
    import flodym

    dims = flodym.DimensionSet(
        dim_list=[
            flodym.Dimension(name="Time", letter="t", items=list(range(2000, 2000 + YEARS))),
            flodym.Dimension(name="Element", letter="e", items=[f"E{i}" for i in range(ELEMENTS)]),
        ]
    )
    lifetime = flodym.NormalLifetime(dims=dims, mean=MEAN, std=SD, inflow_at="end")
    model = flodym.InflowDrivenDSM(dims=dims, lifetime_model=lifetime)
    model.inflow.values[...] = inflow
    model.compute()
    return model


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmax(np.where(scale > 1e-300, np.abs(a - b) / scale, 0.0)))


def run(repeat: int = 5) -> Outcome:
    outcome = Outcome("B7", "stock model, 100 years x 100 cohorts x 30 elements")
    inflow = _inflow()
    ours = dsm_inflow_driven(inflow, Normal(mean=MEAN, sd=SD))
    peer = _flodym(inflow)
    differences = {
        "stock": _relative(ours.stock, peer.stock.values),
        "outflow": _relative(ours.outflow, peer.outflow.values),
        "stock_by_cohort": _relative(ours.stock_by_cohort, peer.get_stock_by_cohort()),
        "outflow_by_cohort": _relative(ours.outflow_by_cohort, peer.get_outflow_by_cohort()),
    }
    worst = max(differences.values())
    ours_s = best_of(lambda: dsm_inflow_driven(inflow, Normal(mean=MEAN, sd=SD)), repeat)
    peer_s = best_of(lambda: _flodym(inflow), repeat)
    outcome.add(
        "max relative difference",
        worst,
        "",
        goal="<= 1e-9",
        passed=worst <= 1e-9,
        higher_is_better=False,
    )
    outcome.add(
        "model run",
        ours_s * 1000,
        "ms",
        limit=peer_s * 1000,
        limit_name="ms flodym",
        goal="faster than flodym",
        passed=ours_s < peer_s,
        higher_is_better=False,
    )
    outcome.details.update(differences=differences, ours_seconds=ours_s, flodym_seconds=peer_s)
    return outcome
