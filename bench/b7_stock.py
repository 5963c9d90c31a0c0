"""B7: the dynamic stock model, 100 years x 100 cohorts x 30 elements, against flodym.

flodym is run with ODYM's timing convention (inflow at the end of its year, so sf[t, c] is
S(t - c) at integer ages, with the inflow's own first-year loss), on identical inputs, and the
stock, outflow and cohort tables must agree to 1e-9 relative. flodym's set-up (dimensions,
lifetime model, arrays) is timed on its own; the comparison is against its `compute()` alone,
alternating with ours over short rounds after warm-up. flodym is a peer, not a limit: being
faster than it is the goal, not a sign of a broken measurement.
"""

import numpy as np

from bench.common import Outcome
from bench.paired import Sample, alternate, in_process
from recycling.stock_model import Normal, dsm_inflow_driven

YEARS, ELEMENTS = 100, 30
MEAN, SD = 15.0, 4.0
ROUNDS, WARMUP = 12, 2
OURS_PER_BLOCK, FLODYM_PER_BLOCK = 20, 3


def _inflow() -> np.ndarray:
    rng = np.random.default_rng(7)
    growth = np.linspace(1.0, 8.0, YEARS)[:, None]
    return growth * rng.uniform(0.5, 2.0, size=(YEARS, ELEMENTS))


def _flodym_model(inflow: np.ndarray):
    """flodym's model set up with the inflow, not yet computed."""
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
    return model


def _flodym(inflow: np.ndarray):
    model = _flodym_model(inflow)
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

    def ours_block() -> Sample:
        def runs() -> None:
            for _ in range(OURS_PER_BLOCK):
                dsm_inflow_driven(inflow, Normal(mean=MEAN, sd=SD))

        return in_process(runs, OURS_PER_BLOCK)

    def flodym_block() -> Sample:
        models = [_flodym_model(inflow) for _ in range(FLODYM_PER_BLOCK)]

        def runs() -> None:
            for model in models:
                model.compute()

        return in_process(runs, FLODYM_PER_BLOCK)

    def setup_block() -> Sample:
        return in_process(
            lambda: [_flodym_model(inflow) for _ in range(FLODYM_PER_BLOCK)], FLODYM_PER_BLOCK
        )

    rounds = alternate(
        flodym_block,
        {"ours": ours_block, "set-up": setup_block},
        rounds=ROUNDS,
        warmup=WARMUP,
    )
    paired, setup = rounds["ours"], rounds["set-up"]
    ours_ms = 1000 / paired.units_per_second()
    peer_ms = 1000 / paired.units_per_second("limit")
    setup_ms = 1000 / setup.units_per_second()
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
        ours_ms,
        "ms",
        limit=peer_ms,
        limit_name="ms flodym compute()",
        goal="faster than flodym",
        passed=paired.wall.median > 1,
        higher_is_better=False,
        paired=paired,
        limit_kind="peer",
    )
    outcome.add("flodym set-up (not in its run)", setup_ms, "ms", higher_is_better=False)
    outcome.details.update(
        differences=differences,
        ours_ms=ours_ms,
        flodym_compute_ms=peer_ms,
        flodym_setup_ms=setup_ms,
    )
    return outcome
