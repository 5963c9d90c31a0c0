"""What a demo load went through, as `load_demo` prints it, and two example statistics."""

from dataclasses import dataclass, field
from decimal import Decimal

from passports.models import Organisation, Passport, PassportStatus
from recycling.demo.organisations import MANUFACTURERS, NORDIC_SPEC, RHEIN_SPEC, OrganisationSpec
from recycling.models import (
    Batch,
    BatchStatus,
    CollectionItem,
    CountsAs,
    Statistic,
)
from recycling.targets import applicable_target


@dataclass(frozen=True)
class StatisticLine:
    """One statistic as the summary shows it: the rate against the EU target of its year."""

    metric: str
    scope: str
    year: int
    rate_pct: Decimal
    target_pct: Decimal
    met: bool


@dataclass
class EndOfLifeSummary:
    """How far the demo products got: sold, collected, treated, and the statistics that follow."""

    recorded: bool
    placed: int = 0
    collected: int = 0
    recycled: int = 0
    one_step: int = 0
    two_step: int = 0
    open_batches: int = 0
    statistics: int = 0
    examples: list[StatisticLine] = field(default_factory=list)


def statistic_examples() -> list[StatisticLine]:
    """A statistic that meets its EU target and one that misses it, recycling efficiency first."""
    names = dict(Organisation.objects.values_list("pk", "name"))
    found: dict[bool, StatisticLine] = {}
    rows = Statistic.objects.filter(
        metric__in=["recycling_efficiency", "collection_rate"]
    ).order_by("-metric", "-year", "product_type", "category", "region", "recycler__name")
    for row in rows:
        target = applicable_target(
            regime="EU",
            metric=row.metric,
            product_type=row.product_type,
            year=row.year,
            category=row.category,
            element=row.element,
        )
        if target is None or not row.denominator_kg:
            continue
        rate = (100 * row.numerator_kg / row.denominator_kg).quantize(Decimal("0.01"))
        met = rate >= target["percent"]
        if met in found:
            continue
        scope = f"{row.product_type} {row.category}".strip()
        if row.recycler_id:
            scope += f", {names[row.recycler_id]}"
        if row.region:
            scope += f", {row.region} ({row.basis.replace('_', ' ')})"
        found[met] = StatisticLine(
            row.metric, scope, row.year, rate, Decimal(target["percent"]), met
        )
    return [found[met] for met in (True, False) if met in found]


def end_of_life_summary(
    organisations: dict[OrganisationSpec, Organisation], recorded: bool
) -> EndOfLifeSummary:
    """Counts what the demo products went through, whichever run recorded it."""
    makers = [organisations[m.organisation] for m in MANUFACTURERS]
    recyclers = [organisations[NORDIC_SPEC], organisations[RHEIN_SPEC]]
    passports = Passport.objects.filter(manufacturer__in=makers)
    batches = Batch.objects.filter(recycler__in=recyclers).prefetch_related("inputs", "outputs")
    summary = EndOfLifeSummary(
        recorded=recorded,
        placed=passports.exclude(placed_on_market_on=None).count(),
        collected=CollectionItem.objects.filter(passport__in=passports).count(),
        recycled=passports.filter(status=PassportStatus.RECYCLED).count(),
        statistics=Statistic.objects.count(),
        examples=statistic_examples(),
    )
    for batch in batches:
        if batch.status == BatchStatus.OPEN:
            summary.open_batches += 1
        elif any(row.source_output_id for row in batch.inputs.all()):
            summary.two_step += 1  # counted once, at the refining step that completes the chain
        elif not any(row.counts_as == CountsAs.INTERMEDIATE for row in batch.outputs.all()):
            summary.one_step += 1
    return summary
