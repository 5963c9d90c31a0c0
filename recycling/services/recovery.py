"""Recovery statistics per treatment chain, summed per recycler, category and year.

A chain starts at a closed batch that took products in (its first step) and follows the
intermediates it sent on to the batches that treated them (`recycling.chains`). Each chain's
figures are stored (`ChainRecovery`); a statistic row is the sum of the chains of one group (the
first step's recycler, chemistry category and closing year). A batch close marks the chains it
belongs to, found by a recursive query upstream of it (`StaleChain`), so a refresh recomputes
those chains, read by a recursive query downstream of their first steps, and re-sums their
groups: never the whole product type. `recovery_statistics` computes the same rows from the
records alone, which is what `rebuild_aggregates --check` compares the stored rows with.

The sums stay in Python on exact decimals: SQLite sums decimals as floats, and every figure must
be the same on both backends and the same as before chains were stored.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from passports.bulk import rows_insert
from recycling.bounds import denominator_bounded
from recycling.chains import BatchFlows, Flow, Recovered, first_step_share, follow
from recycling.digests import records_digest
from recycling.models import (
    Batch,
    BatchInput,
    BatchOutput,
    BatchStatus,
    ChainRecovery,
    InputElement,
    OutputElement,
    StaleChain,
    Statistic,
)
from recycling.services.batch_totals import as_uuid, batch_totals, closures, products_behind
from recycling.services.inventory import Population, batch_populations

ZERO = Decimal(0)
# Beyond this many chains to recompute (a fleet written in bulk, a first refresh after the
# chains were introduced), reading every batch of the product type once is cheaper than a
# recursive query per chain.
CHAINS_ONE_BY_ONE = 50

_BATCH = Batch._meta.db_table
_INPUT = BatchInput._meta.db_table
_OUTPUT = BatchOutput._meta.db_table
_CHAIN = ChainRecovery._meta.db_table


@dataclass(frozen=True)
class BatchFacts:
    """What a recovery statistic needs of a batch beside its flows."""

    pk: object
    recycler_id: object
    category: str
    closed_at: object
    bases: frozenset


def _db_ids(ids: Iterable) -> list:
    """Ids as the backend stores them (SQLite keeps UUIDs as hex text)."""
    field = Batch._meta.pk
    return [field.get_db_prep_value(as_uuid(i), connection) for i in ids]


def _query(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _marks(sql: str, count: int) -> str:
    return sql.replace("%(ids)s", ", ".join(["%s"] * count))


def chains_upstream(batch_id, product_type: str) -> list[UUID]:
    """The first steps (batches that took products in) whose chains pass through a batch.

    The batch itself and every batch of its product type that sent it an intermediate, step by
    step; a chain's recovery changes when any of its steps closes.
    """
    rows = _query(
        f"""WITH RECURSIVE chain_batch(id) AS (
                SELECT id FROM {_BATCH} WHERE id = %s
                UNION
                SELECT o.batch_id FROM chain_batch c
                JOIN {_INPUT} i ON i.batch_id = c.id
                JOIN {_OUTPUT} o ON o.id = i.source_output_id
                JOIN {_BATCH} s ON s.id = o.batch_id AND s.product_type = %s
            )
            SELECT c.id FROM chain_batch c WHERE EXISTS (
                SELECT 1 FROM {_INPUT} i WHERE i.batch_id = c.id AND i.passport_id IS NOT NULL
            )""",
        [*_db_ids([batch_id]), product_type],
    )
    return [as_uuid(row[0]) for row in rows]


def _chains_downstream(first_steps: list, product_type: str) -> list[UUID]:
    """Every batch of the first steps' chains: the steps that took their intermediates, on."""
    rows = _query(
        _marks(
            f"""WITH RECURSIVE chain_batch(id) AS (
                    SELECT id FROM {_BATCH} WHERE id IN (%(ids)s)
                    UNION
                    SELECT i.batch_id FROM chain_batch c
                    JOIN {_OUTPUT} o ON o.batch_id = c.id
                    JOIN {_INPUT} i ON i.source_output_id = o.id
                    JOIN {_BATCH} d ON d.id = i.batch_id AND d.product_type = %s
                )
                SELECT id FROM chain_batch""",
            len(first_steps),
        ),
        [*_db_ids(first_steps), product_type],
    )
    return [as_uuid(row[0]) for row in rows]


def _group_population(product_type: str, chains: list[ChainRecovery]) -> tuple[int, set]:
    """How many products, and which makers, stand behind a group's complete chains.

    A first step's products, and those of every step upstream of it that sent it an
    intermediate (a batch can take products and an intermediate both), each counted once, as
    `batch_populations` has them; added up from the batches' stored totals, not read.
    """
    first_steps = {c.batch_id: BatchStatus.CLOSED for c in chains if c.complete}
    totals = batch_totals(product_type, first_steps)
    upstream = closures(product_type, totals)
    behind = set().union(*(upstream[as_uuid(batch)] for batch in first_steps))
    return products_behind(behind, totals)


def _flows(product_type: str, batch_ids=None) -> tuple[dict[str, BatchFlows], dict]:
    """Batches of a product type as flows (all, or the given ones), read as plain rows."""
    scope = {"batch__product_type": product_type}
    if batch_ids is not None:
        scope["batch_id__in"] = list(batch_ids)
    nested = {f"input__{k}": v for k, v in scope.items()}
    in_elements: dict = defaultdict(dict)
    for input_id, element, mass in InputElement.objects.filter(**nested).values_list(
        "input_id", "element", "mass_kg"
    ):
        in_elements[input_id][element] = mass
    out_elements: dict = defaultdict(dict)
    for output_id, element, mass in OutputElement.objects.filter(
        **{f"output__{k}": v for k, v in scope.items()}
    ).values_list("output_id", "element", "mass_kg"):
        out_elements[output_id][element] = mass
    inputs: dict = defaultdict(list)
    bases: dict = defaultdict(set)
    for pk, batch_id, mass, passport_id, source_output_id, basis in BatchInput.objects.filter(
        **scope
    ).values_list("pk", "batch_id", "mass_kg", "passport_id", "source_output_id", "basis"):
        inputs[batch_id].append(
            Flow(
                id=str(pk),
                mass=mass,
                elements=in_elements[pk],
                from_passport=passport_id is not None,
                source_output=str(source_output_id) if source_output_id else None,
            )
        )
        if passport_id:
            bases[batch_id].add(basis)
    outputs: dict = defaultdict(list)
    for pk, batch_id, mass, counts_as, origin_mass in BatchOutput.objects.filter(
        **scope
    ).values_list("pk", "batch_id", "mass_kg", "counts_as", "origin_mass_kg"):
        outputs[batch_id].append(
            Flow(
                id=str(pk),
                mass=mass,
                elements=out_elements[pk],
                counts_as=counts_as,
                origin_mass=origin_mass,
            )
        )
    batches = Batch.objects.filter(product_type=product_type)
    if batch_ids is not None:
        batches = batches.filter(pk__in=list(batch_ids))
    flows, facts = {}, {}
    # In the batches' own order (latest start first), which is the order their chains are
    # summed in, stored or not.
    for pk, status, recycler_id, category, closed_at in batches.values_list(
        "pk", "status", "recycler_id", "chemistry_category", "closed_at"
    ):
        flows[str(pk)] = BatchFlows(
            id=str(pk),
            closed=status == BatchStatus.CLOSED,
            inputs=inputs[pk],
            outputs=outputs[pk],
        )
        facts[str(pk)] = BatchFacts(pk, recycler_id, category, closed_at, frozenset(bases[pk]))
    return flows, facts


def _figures(flow: BatchFlows, facts: BatchFacts, recovered: Recovered) -> dict:
    """One chain's contribution to its group, as exact decimal text."""
    if not recovered.complete:
        return {}
    share, element_shares = first_step_share(flow)
    element_in: dict = defaultdict(Decimal)
    for f in flow.inputs:
        if f.from_passport:
            for element, mass in f.elements.items():
                element_in[element] += mass
    return {
        "recycled": str(recovered.recycled_mass * share),
        "input": str(sum((f.mass for f in flow.inputs if f.from_passport), ZERO)),
        "element_in": {e: str(m) for e, m in sorted(element_in.items())},
        "element_out": {
            e: str(m * element_shares.get(e, ZERO)) for e, m in sorted(recovered.elements.items())
        },
        "bases": sorted(facts.bases),
        "batches": sorted(recovered.batches),
    }


def _chains(product_type: str, flows: dict, facts: dict, first_steps=None) -> list[ChainRecovery]:
    """Unsaved chain rows of the closed first steps among the flows (or the given ones)."""
    ends = follow(flows)
    now = timezone.now()
    rows = []
    for batch_id, recovered in ends.items():
        flow, fact = flows[batch_id], facts[batch_id]
        if not any(f.from_passport for f in flow.inputs):
            continue  # a downstream step: counted through the chain it belongs to
        if first_steps is not None and fact.pk not in first_steps:
            continue
        rows.append(
            ChainRecovery(
                batch_id=fact.pk,
                product_type=product_type,
                recycler_id=fact.recycler_id,
                category=fact.category,
                year=fact.closed_at.year,
                complete=recovered.complete,
                figures=_figures(flow, fact, recovered),
                computed_at=now,
            )
        )
    return rows


def _group_rows(
    product_type: str, group: tuple, chains: list[ChainRecovery], population: tuple[int, set]
) -> list[Statistic]:
    """Recycling efficiency and material recovery of one group, summed over its chains."""
    recycler, category, year = group
    num, den, pending = ZERO, ZERO, 0
    el_num: dict = defaultdict(Decimal)
    el_den: dict = defaultdict(Decimal)
    records: list = []
    bases: set = set()
    for chain in chains:
        if not chain.complete:
            pending += 1
            continue
        figures = chain.figures
        num += Decimal(figures["recycled"])
        den += Decimal(figures["input"])
        for element, mass in figures["element_in"].items():
            el_den[element] += Decimal(mass)
        for element, mass in figures["element_out"].items():
            el_num[element] += Decimal(mass)
        bases |= set(figures["bases"])
        records.extend(figures["batches"])
    basis = next(iter(bases)) if len(bases) == 1 else ("mixed" if bases else "")
    common = {
        "bucket": f"recovery|{product_type}",
        "product_type": product_type,
        "year": year,
        "recycler_id": recycler,
        "category": category,
        "basis": basis,
        "digest": records_digest(records),
        "product_count": population[0],
        "manufacturers": sorted(str(m) for m in population[1]),
        "computed_at": timezone.now(),
        "detail": {"chains_pending": pending, "batches": sorted(set(records))},
    }
    rows = []
    if den:
        rows.append(_bounded("recycling_efficiency", "", num, den, common))
    for element, denominator in sorted(el_den.items()):
        if denominator:
            rows.append(
                _bounded("material_recovery", element, el_num[element], denominator, common)
            )
    return rows


def _bounded(metric: str, element: str, numerator, input_kg, common: dict) -> Statistic:
    """A recovery row whose rate stays within 100 %.

    Mass balance admits outputs up to MASS_BALANCE_TOLERANCE above the input (weighing
    error); what left a process was in it, so the denominator is then the output, and the
    row keeps the weighed input beside it.
    """
    numerator = numerator.quantize(Decimal("0.000001"))
    denominator = denominator_bounded(expected=input_kg, observed=numerator)
    detail = dict(common["detail"])
    if denominator.observed:
        detail["input_kg"] = str(input_kg)
        detail["denominator"] = "output_within_mass_balance_tolerance"
    return Statistic(
        metric=metric,
        element=element,
        numerator_kg=numerator,
        denominator_kg=denominator.kg,
        **{**common, "detail": detail},
    )


def _by_group(chains: Iterable[ChainRecovery]) -> dict[tuple, list[ChainRecovery]]:
    groups: dict = defaultdict(list)
    for chain in chains:
        groups[(chain.recycler_id, chain.category, chain.year)].append(chain)
    return groups


def chains_fresh(product_type: str) -> list[ChainRecovery]:
    """Every chain of a product type, computed from the records (nothing stored is read)."""
    return _chains(product_type, *_flows(product_type))


def recovery_statistics(product_type: str, chains: list | None = None) -> list[Statistic]:
    """Recycling efficiency and material recovery per recycler, category and year.

    From the records alone (or from `chains_fresh` computed from them), in one pass over the
    product type's batches; the stored rows, summed from stored chains, must equal these.
    """
    chains = chains_fresh(product_type) if chains is None else chains
    populations = batch_populations(product_type)
    rows = []
    for group, members in _by_group(chains).items():
        population = Population()
        for chain in members:
            if chain.complete:
                population |= populations.get(chain.batch_id, Population())
        counted = (len(population.products), population.manufacturers)
        rows += _group_rows(product_type, group, members, counted)
    return rows


def _group_store(product_type: str, group: tuple) -> None:
    """Replaces one group's statistic rows with the sum of its stored chains."""
    recycler, category, year = group
    members = list(
        ChainRecovery.objects.filter(
            product_type=product_type, recycler_id=recycler, category=category, year=year
        ).order_by("-batch__started_at", "batch_id")
    )
    Statistic.objects.filter(
        bucket=f"recovery|{product_type}", recycler_id=recycler, category=category, year=year
    ).delete()
    if members:
        population = _group_population(product_type, members)
        rows_insert(Statistic, _group_rows(product_type, group, members, population))


def recovery_rebuild(product_type: str) -> None:
    """Recomputes every chain and statistic of a product type from the records."""
    chains = chains_fresh(product_type)
    StaleChain.objects.filter(batch__product_type=product_type).delete()
    ChainRecovery.objects.filter(product_type=product_type).delete()
    ChainRecovery.objects.bulk_create(chains)
    Statistic.objects.filter(bucket=f"recovery|{product_type}").delete()
    for group in _by_group(chains):
        _group_store(product_type, group)


def _missing(product_type: str):
    """Closed first steps without a chain row (written in bulk, or before chains were kept)."""
    return (
        Batch.objects.filter(product_type=product_type, status=BatchStatus.CLOSED)
        .filter(Exists(BatchInput.objects.filter(batch=OuterRef("pk"), passport__isnull=False)))
        .exclude(Exists(ChainRecovery.objects.filter(batch=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )


def recovery_refresh(product_type: str) -> None:
    """Recomputes the marked chains of a product type and re-sums the groups they are in.

    Runs under the lock of the product type's `recovery` bucket, which a close marks before
    its chains, so no close marks a chain of this product type while it runs.
    """
    marks = dict(
        StaleChain.objects.filter(batch__product_type=product_type).values_list(
            "batch_id", "marked_at"
        )
    )
    todo = set(marks) | set(_missing(product_type))
    if len(todo) > CHAINS_ONE_BY_ONE:
        recovery_rebuild(product_type)
        return
    if todo:
        _chains_replace(product_type, todo)
    for batch_id, marked_at in marks.items():
        StaleChain.objects.filter(batch_id=batch_id, marked_at=marked_at).delete()


def _chains_replace(product_type: str, first_steps: set) -> None:
    flows, facts = _flows(product_type, _chains_downstream(sorted(first_steps), product_type))
    fresh = {c.batch_id: c for c in _chains(product_type, flows, facts, first_steps)}
    stored = {c.batch_id: c for c in ChainRecovery.objects.filter(batch_id__in=first_steps)}
    groups = set()
    for batch_id in first_steps:
        old, new = stored.get(batch_id), fresh.get(batch_id)
        if old is not None and new is not None and chain_key(old) == chain_key(new):
            continue
        for chain in (old, new):
            if chain is not None:
                groups.add((chain.recycler_id, chain.category, chain.year))
        if old is not None:
            old.delete()
        if new is not None:
            new.save(force_insert=True)
    for group in sorted(groups, key=str):
        _group_store(product_type, group)


def chain_key(chain: ChainRecovery) -> tuple:
    """What a stored chain row says, comparable with a fresh computation."""
    return (
        str(chain.batch_id), chain.product_type, str(chain.recycler_id), chain.category,
        chain.year, chain.complete, json.dumps(chain.figures, sort_keys=True),
    )  # fmt: skip
