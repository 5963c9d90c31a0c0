"""Following treatment chains to their final outputs (pure: no Django).

A chain is one process in the sense of Delegated Regulation (EU) 2025/606: what entered the
first step is the input fraction, what left the last steps are the outputs. Intermediates (black
mass) are followed into the batches that consumed them; a downstream batch's outputs are
shared among its inputs in proportion to their mass (for totals) or their element mass (for
each element). A chain whose intermediate has not yet been treated is incomplete.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

ZERO = Decimal(0)


@dataclass(frozen=True)
class Flow:
    """An input or output of a batch with its total mass and element masses."""

    id: str
    mass: Decimal
    elements: dict[str, Decimal]
    counts_as: str = ""  # outputs only
    origin_mass: Decimal = ZERO  # outputs only: mass that originates from the input
    from_passport: bool = False  # inputs only
    source_output: str | None = None  # inputs only


@dataclass(frozen=True)
class BatchFlows:
    id: str
    inputs: list[Flow]
    outputs: list[Flow]
    closed: bool


@dataclass
class Recovered:
    """What a batch's share of input ends up as, followed to the ends of its chain."""

    recycled_mass: Decimal = ZERO
    elements: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    complete: bool = True
    batches: set[str] = field(default_factory=set)


def follow(batches: dict[str, BatchFlows]) -> dict[str, Recovered]:
    """For every closed batch: recycling output mass and element mass at the chain's ends."""
    consumer = {
        flow.source_output: batch.id
        for batch in batches.values()
        if batch.closed
        for flow in batch.inputs
        if flow.source_output
    }

    @cache
    def ends(batch_id: str) -> Recovered:
        batch = batches[batch_id]
        result = Recovered(batches={batch_id})
        for output in batch.outputs:
            if output.counts_as == "recycling":
                result.recycled_mass += output.origin_mass
                for element, mass in output.elements.items():
                    result.elements[element] += mass
            elif output.counts_as == "intermediate":
                downstream_id = consumer.get(output.id)
                if downstream_id is None:
                    result.complete = False
                    continue
                downstream = batches[downstream_id]
                further = ends(downstream_id)
                result.complete &= further.complete
                result.batches |= further.batches
                total_in = sum((f.mass for f in downstream.inputs), ZERO)
                if total_in:
                    result.recycled_mass += further.recycled_mass * output.mass / total_in
                for element, mass in further.elements.items():
                    element_in = sum(
                        (f.elements.get(element, ZERO) for f in downstream.inputs), ZERO
                    )
                    if element_in:
                        share = output.elements.get(element, ZERO) / element_in
                        result.elements[element] += mass * share
        return result

    return {batch_id: ends(batch_id) for batch_id, batch in batches.items() if batch.closed}


def first_step_share(batch: BatchFlows) -> tuple[Decimal, dict[str, Decimal]]:
    """The share of a batch's input (by mass and per element) that came in as products."""
    total = sum((f.mass for f in batch.inputs), ZERO)
    products = sum((f.mass for f in batch.inputs if f.from_passport), ZERO)
    element_total: dict[str, Decimal] = defaultdict(Decimal)
    element_products: dict[str, Decimal] = defaultdict(Decimal)
    for flow in batch.inputs:
        for element, mass in flow.elements.items():
            element_total[element] += mass
            if flow.from_passport:
                element_products[element] += mass
    shares = {
        element: element_products[element] / element_total[element]
        for element in element_total
        if element_total[element]
    }
    return (products / total if total else ZERO), shares
