"""Workloads timed alternately with their limits, and the statistics of the paired ratios.

A limit timed in one block and its workload in another, on a machine others share, can see
different machines: the workload may then "beat" the work it is a superset of. So every
measurement here is a sequence of rounds, each timing the limit and the workloads back to back
(the order rotating from round to round, so neither side always runs first), after warm-up
rounds whose results are dropped. Each round gives one ratio per workload; the figure is the
median of those ratios, with their quartiles and range as its spread.

Pure computation and timing: no Django, so the statistics are tested on their own.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# How far a workload may seem to beat its limit before that is more than noise: a quarter of
# the rounds may, by chance; three quarters beating it by 2 % means the limit is not one.
TOLERANCE = 0.02


@dataclass(frozen=True)
class Sample:
    """One timed block: units of work done, wall seconds and CPU seconds spent on it."""

    units: float
    wall: float
    cpu: float
    parts: dict[str, float] | None = None  # CPU seconds by process, where they were read

    @property
    def wall_per_unit(self) -> float:
        return self.wall / self.units if self.units else float("inf")

    @property
    def cpu_per_unit(self) -> float:
        return self.cpu / self.units if self.units else float("inf")


@dataclass(frozen=True)
class Spread:
    """The median of paired ratios with their quartiles, range and count."""

    median: float
    q1: float
    q3: float
    low: float
    high: float
    count: int

    def beats_limit(self, tolerance: float = TOLERANCE) -> bool:
        """True when the workload is faster than its limit in more rounds than noise explains.

        A ratio above 1 means the workload did the work in less time than the limit, which
        does the same work minus the framework: impossible unless the limit is wrong or the
        two were measured on different machines. One round can be unlucky; the lower
        quartile above 1 + tolerance means three quarters of the rounds were.
        """
        return self.count > 0 and self.q1 > 1 + tolerance

    def as_dict(self) -> dict:
        return {
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "min": self.low,
            "max": self.high,
            "rounds": self.count,
        }


def quantile(values: list[float], p: float) -> float:
    """The p-quantile (0-1) by linear interpolation between order statistics."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(ratios: list[float]) -> Spread:
    """Median, quartiles and range of a list of paired ratios."""
    if not ratios:
        nan = float("nan")
        return Spread(nan, nan, nan, nan, nan, 0)
    return Spread(
        median=statistics.median(ratios),
        q1=quantile(ratios, 0.25),
        q3=quantile(ratios, 0.75),
        low=min(ratios),
        high=max(ratios),
        count=len(ratios),
    )


def ratio(workload: Sample, limit: Sample, *, cpu: bool = False) -> float:
    """The limit's cost per unit over the workload's: 1.0 is at the limit, above 1 beats it."""
    if cpu:
        mine, floor = workload.cpu_per_unit, limit.cpu_per_unit
    else:
        mine, floor = workload.wall_per_unit, limit.wall_per_unit
    if mine == float("inf"):
        return 0.0  # the workload did nothing in its block
    return floor / mine if mine else float("inf")


@dataclass
class Paired:
    """The samples of a workload and its limit from the same rounds, and their ratios."""

    workload: list[Sample] = field(default_factory=list)
    limit: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> Spread:
        return spread([ratio(w, x) for w, x in zip(self.workload, self.limit, strict=True)])

    @property
    def cpu(self) -> Spread:
        ratios = [
            ratio(w, x, cpu=True)
            for w, x in zip(self.workload, self.limit, strict=True)
            if w.cpu > 0 and x.cpu > 0
        ]
        return spread(ratios)

    def invalid(self, tolerance: float = TOLERANCE) -> bool:
        """The workload beat its limit on wall or CPU time beyond noise (see Spread)."""
        return self.wall.beats_limit(tolerance) or self.cpu.beats_limit(tolerance)

    def units_per_second(self, side: str = "workload") -> float:
        """Median rate over the rounds, units per wall second."""
        samples = self.workload if side == "workload" else self.limit
        return statistics.median(s.units / s.wall for s in samples) if samples else 0.0

    def cpu_per_unit(self, side: str = "workload") -> dict[str, float]:
        """CPU seconds per unit of work by process, over all rounds of one side."""
        samples = self.workload if side == "workload" else self.limit
        units = sum(s.units for s in samples)
        totals: dict[str, float] = {}
        for sample in samples:
            for part, seconds in (sample.parts or {}).items():
                totals[part] = totals.get(part, 0.0) + seconds
        return {part: seconds / units for part, seconds in totals.items()} if units else {}

    def as_dict(self) -> dict:
        return {
            "wall_ratio": self.wall.as_dict(),
            "cpu_ratio": self.cpu.as_dict(),
            "workload": [vars(s) for s in self.workload],
            "limit": [vars(s) for s in self.limit],
        }


def in_process(call: Callable[[], object], units: float = 1) -> Sample:
    """Times `units` of work done by a call in this process: wall (perf_counter) and the CPU
    of every thread of this process (process_time)."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return Sample(units=units, wall=time.perf_counter() - wall, cpu=time.process_time() - cpu)


def alternate(
    limit: Callable[[], Sample],
    workloads: dict[str, Callable[[], Sample]],
    *,
    rounds: int,
    warmup: int = 1,
) -> dict[str, Paired]:
    """Runs `warmup` dropped rounds, then `rounds` timed ones of the limit and every workload.

    Within a round the order rotates (limit, A, B; then A, B, limit; ...), so that drift in
    what else the machine does falls on both sides of every ratio.
    """
    sides: list[tuple[str, Callable[[], Sample]]] = [("", limit), *workloads.items()]
    results = {name: Paired() for name in workloads}
    for number in range(warmup + rounds):
        shift = number % len(sides)
        measured = {name: run() for name, run in sides[shift:] + sides[:shift]}
        if number < warmup:
            continue
        for name in workloads:
            results[name].workload.append(measured[name])
            results[name].limit.append(measured[""])
    return results
