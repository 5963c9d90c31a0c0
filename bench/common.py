"""What every workload shares: figures beside their limits, percentiles, the table."""

import os
from dataclasses import asdict, dataclass, field

from bench.paired import Paired, Spread


@dataclass
class Figure:
    """One measured figure beside the limit measured in the same run, and its goal.

    With `paired` (rounds alternating workload and limit) the ratio is the median of the
    per-round ratios, not the ratio of two medians, and a workload that beats a true limit
    (`limit_kind` "limit") beyond noise makes the figure INVALID. A "peer" (pymerkle, flodym)
    is another implementation of the same task: beating it is the point, not an error.
    """

    workload: str
    name: str
    value: float
    unit: str
    limit: float | None = None  # the same work with no framework, in the same unit
    limit_name: str = ""
    goal: str = ""
    passed: bool | None = None
    higher_is_better: bool = True
    paired: Paired | None = None
    limit_kind: str = "limit"

    @property
    def ratio(self) -> float | None:
        """value / limit for rates, limit / value for times: 1.0 means at the limit."""
        if self.paired is not None and self.paired.workload:
            return self.paired.wall.median
        if not self.limit or not self.value:
            return None
        return self.value / self.limit if self.higher_is_better else self.limit / self.value

    @property
    def invalid(self) -> bool:
        """The workload beat a true limit beyond noise: the run measured something else."""
        return self.limit_kind == "limit" and self.paired is not None and self.paired.invalid()

    def as_dict(self) -> dict:
        figure = {k: v for k, v in asdict(self).items() if k != "paired"}
        paired = self.paired.as_dict() if self.paired is not None else None
        return {**figure, "ratio": self.ratio, "paired": paired, "invalid": self.invalid}


@dataclass
class Outcome:
    """A workload's figures, the notes that explain them, and extra details for the JSON."""

    workload: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, name: str, value: float, unit: str, **kwargs) -> Figure:
        figure = Figure(self.workload, name, value, unit, **kwargs)
        self.figures.append(figure)
        return figure


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation, as numpy's default."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _spread(spread: Spread | None) -> str:
    if spread is None or not spread.count:
        return "-"
    return f"{spread.q1:.2f}-{spread.q3:.2f} ({spread.low:.2f}-{spread.high:.2f}, n={spread.count})"


def table(outcomes: list[Outcome]) -> str:
    """The printed table: one row per figure, its limit, the paired ratios and pass/fail."""
    header = (
        "id",
        "figure",
        "value",
        "unit",
        "limit (same run)",
        "ratio",
        "IQR (min-max, rounds)",
        "CPU ratio",
        "goal",
        "ok",
    )
    rows = [header]
    for outcome in outcomes:
        for f in outcome.figures:
            limit = f"{_number(f.limit)} {f.limit_name}".strip() if f.limit else "-"
            ok = "-" if f.passed is None else ("PASS" if f.passed else "FAIL")
            if f.invalid:
                ok = "INVALID"
            ratio = "-" if f.ratio is None else f"{f.ratio:.2f}"
            paired = f.paired
            cpu = paired.cpu if paired is not None else None
            cpu_ratio = f"{cpu.median:.2f}" if cpu is not None and cpu.count else "-"
            rows.append(
                (
                    f.workload,
                    f.name,
                    _number(f.value),
                    f.unit,
                    limit,
                    ratio,
                    _spread(paired.wall if paired is not None else None),
                    cpu_ratio,
                    f.goal,
                    ok,
                )
            )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def invalid_banner(outcomes: list[Outcome]) -> str:
    """A loud paragraph naming every figure that beat its limit, or "" when none did."""
    beaten = [f for o in outcomes for f in o.figures if f.invalid]
    if not beaten:
        return ""
    bar = "!" * 78
    lines = [bar, "INVALID RUN: a workload beat the limit it is a superset of.", bar]
    for f in beaten:
        wall, cpu = f.paired.wall, f.paired.cpu
        lines.append(
            f"  {f.workload} {f.name}: wall ratio {wall.median:.2f} (lower quartile "
            f"{wall.q1:.2f}), CPU ratio {cpu.median:.2f} (lower quartile {cpu.q1:.2f}) "
            f"against {f.limit_name}"
        )
    lines += [
        "  The limit does less than the workload only if it is not the same work; fix the",
        "  limit (or the workload's accounting) before reading any figure of this run.",
        bar,
    ]
    return "\n".join(lines)


def cpu_note(what: str, paired: Paired) -> str:
    """Where the CPU of one unit of work went, by process, for the workload and its limit."""

    def parts(side: str) -> str:
        used = paired.cpu_per_unit(side)
        return ", ".join(
            f"{part} {seconds * 1000:.2f}" for part, seconds in used.items() if seconds
        )

    return f"CPU ms per {what}: {parts('workload')}; limit: {parts('limit')}"


def django_on_own_database() -> None:
    """Sets Django up with the bench settings on DATABASE_URL and migrates it, for the
    workloads run by hand in one process; refuses the `test` and `postgres` databases."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["NAME"] in ("test", "postgres"):
        raise SystemExit("use a database of its own")
    call_command("migrate", verbosity=0)
