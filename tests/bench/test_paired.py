"""The benchmark harness pairs each workload with its limit and flags runs where it beats it."""

import itertools

import pytest

from bench.common import Figure, Outcome, cpu_note, invalid_banner, table
from bench.paired import Paired, Sample, alternate, quantile, ratio, spread
from bench.report import markdown, merged


def sample(units: float, wall: float, cpu: float | None = None) -> Sample:
    return Sample(units=units, wall=wall, cpu=wall if cpu is None else cpu)


def paired(pairs: list[tuple[float, float]]) -> Paired:
    """Rounds where the workload took `w` seconds and the limit `x` for the same 100 units."""
    result = Paired()
    for w, x in pairs:
        result.workload.append(sample(100, w))
        result.limit.append(sample(100, x))
    return result


def test_the_ratio_is_the_limits_cost_per_unit_over_the_workloads() -> None:
    # 1,000 events in 2 s against the limit's 1,000 in 1 s: half the limit's speed.
    assert ratio(sample(1000, 2.0), sample(1000, 1.0)) == pytest.approx(0.5)
    # Rates compare per unit, so blocks of different lengths pair fairly.
    assert ratio(sample(500, 1.0), sample(2000, 2.0)) == pytest.approx(0.5)


def test_the_cpu_ratio_uses_cpu_seconds_not_wall_seconds() -> None:
    workload, limit = sample(100, wall=1.0, cpu=0.4), sample(100, wall=1.0, cpu=0.3)
    assert ratio(workload, limit) == pytest.approx(1.0)
    assert ratio(workload, limit, cpu=True) == pytest.approx(0.75)


def test_a_block_that_did_no_work_has_ratio_zero() -> None:
    assert ratio(sample(0, 1.0), sample(100, 1.0)) == 0.0


def test_the_figure_is_the_median_of_paired_ratios_not_the_ratio_of_medians() -> None:
    # Round ratios 0.5, 0.25 and 1.0: median 0.5. Ratio of median times would be 2/3.
    result = paired([(2.0, 1.0), (4.0, 1.0), (3.0, 3.0)])
    assert result.wall.median == pytest.approx(0.5)
    assert (result.wall.low, result.wall.high) == (pytest.approx(0.25), pytest.approx(1.0))
    assert result.wall.count == 3


def test_quartiles_interpolate_between_order_statistics() -> None:
    values = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert quantile(values, 0.25) == 2.0
    assert quantile(values, 0.75) == 4.0
    assert quantile([1.0, 2.0], 0.25) == pytest.approx(1.25)
    assert spread([]).count == 0


def test_a_workload_beating_its_limit_in_most_rounds_makes_the_run_invalid() -> None:
    # The workload took 0.8 s where its limit took 1 s, in every round.
    assert paired([(0.8, 1.0)] * 5).invalid()


def test_one_lucky_round_above_the_limit_is_noise_not_invalid() -> None:
    rounds = [(1.25, 1.0), (1.4, 1.0), (0.7, 1.0), (1.3, 1.0), (1.5, 1.0)]
    result = paired(rounds)
    assert result.wall.high > 1
    assert not result.invalid()


def test_a_workload_at_its_limit_within_tolerance_is_not_invalid() -> None:
    assert not paired([(1.0, 1.01), (1.0, 1.0), (1.0, 1.015), (1.0, 0.99)]).invalid()


def test_beating_the_limit_on_cpu_alone_is_also_invalid() -> None:
    result = Paired(
        workload=[sample(100, wall=2.0, cpu=0.5)] * 4,
        limit=[sample(100, wall=1.0, cpu=1.0)] * 4,
    )
    assert result.wall.median == pytest.approx(0.5)
    assert result.invalid()


def test_rounds_without_cpu_figures_leave_the_cpu_ratio_out() -> None:
    result = Paired(workload=[sample(100, 1.0, cpu=0.0)], limit=[sample(100, 1.0)])
    assert result.cpu.count == 0
    assert not result.invalid()


def test_alternate_drops_warm_up_rounds_and_rotates_the_order() -> None:
    order: list[str] = []
    # Each block reports a wall time from a counter, never the clock.
    ticks = itertools.count(1)

    def block(name: str):
        def run() -> Sample:
            order.append(name)
            return sample(10, float(next(ticks)))

        return run

    results = alternate(block("L"), {"A": block("A"), "B": block("B")}, rounds=3, warmup=1)
    assert order == ["L", "A", "B", "A", "B", "L", "B", "L", "A", "L", "A", "B"]
    # Warm-up blocks (ticks 1-3) are dropped; each workload pairs with its own round's limit.
    assert [s.wall for s in results["A"].workload] == [4.0, 9.0, 11.0]
    assert [s.wall for s in results["A"].limit] == [6.0, 8.0, 10.0]
    assert [s.wall for s in results["B"].limit] == [6.0, 8.0, 10.0]


def test_an_invalid_figure_is_marked_in_the_table_and_named_in_a_banner() -> None:
    outcome = Outcome("B9", "a workload")
    outcome.add("ops/s", 120, "ops/s", limit=100, limit_name="raw", paired=paired([(0.8, 1.0)] * 4))
    outcome.add("other", 50, "ops/s", limit=100, limit_name="raw", paired=paired([(2.0, 1.0)] * 4))
    printed = table([outcome])
    assert "INVALID" in printed.splitlines()[2]
    assert "INVALID" not in printed.splitlines()[3]
    banner = invalid_banner([outcome])
    assert "INVALID RUN" in banner
    assert "B9 ops/s" in banner and "other" not in banner


def test_beating_a_peer_implementation_is_not_invalid() -> None:
    figure = Figure("B7", "model run", 2.0, "ms", limit=20.0, paired=paired([(0.1, 1.0)] * 4))
    figure.limit_kind = "peer"
    assert figure.ratio == pytest.approx(10.0)
    assert not figure.invalid
    assert invalid_banner([Outcome("B7", "x", figures=[figure])]) == ""
    assert figure.as_dict()["paired"]["wall_ratio"]["rounds"] == 4


def test_the_readme_table_shows_the_spread_the_cpu_ratio_and_an_invalid_figure() -> None:
    outcome = Outcome("B6", "verification")
    outcome.add(
        "events/s", 900, "events/s", limit=1000, limit_name="raw", paired=paired([(0.8, 1.0)] * 4)
    )
    record = {
        "started": "2026-12-05T06:58:00",
        "machine": {
            "cpu_model": "cpu",
            "cores": 2,
            "memory_gib": 1,
            "load_average_at_start": [1.0, 1.0, 1.0],
            "python": "3.12",
            "postgresql": "15.20 (Debian)",
            "redis": "7",
        },
        "workloads": [
            {"id": "B6", "figures": [f.as_dict() for f in outcome.figures]},
        ],
    }
    row = markdown(merged([record])).splitlines()[-1]
    assert "| 1.25 (1.25-1.25, n=4) | 1.25 |" in row
    assert row.endswith("| **INVALID** |")


def test_cpu_per_unit_is_split_by_process_over_all_rounds() -> None:
    result = Paired(
        workload=[
            Sample(10, 1.0, 0.3, parts={"server": 0.2, "postgresql": 0.1}),
            Sample(30, 1.0, 0.5, parts={"server": 0.4, "postgresql": 0.1}),
        ],
        limit=[Sample(100, 1.0, 0.1, parts={"this process": 0.1})] * 2,
    )
    assert result.cpu_per_unit() == {
        "server": pytest.approx(0.6 / 40),
        "postgresql": pytest.approx(0.2 / 40),
    }
    assert result.cpu_per_unit("limit") == {"this process": pytest.approx(0.001)}
    assert "server 15.00, postgresql 5.00; limit: this process 1.00" in cpu_note("append", result)
