"""A batch's mass balance: the one rule closing enforces and the pages show.

Per element: what went in, what the outputs recovered, what remains (in − out), and whether the
outputs stay within the tolerance. For the whole batch: input mass against the outputs' mass from
the input plus declared losses. The intake page renders this without JavaScript; its batch.js
recomputes the same numbers while an output is being typed.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from passports.declaration import decimal_text
from recycling.models import Batch

SIX_PLACES = Decimal("0.000001")  # the finest mass the records hold


@dataclass(frozen=True)
class ElementBalance:
    """One element's mass in and out of a batch."""

    element: str
    mass_in: Decimal
    mass_out: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.mass_in - self.mass_out

    @property
    def within(self) -> bool:
        tolerance = settings.MASS_BALANCE_TOLERANCE
        return self.mass_out <= self.mass_in * (1 + tolerance) + SIX_PLACES

    def texts(self) -> dict[str, str]:
        return {
            "in": decimal_text(self.mass_in),
            "out": decimal_text(self.mass_out),
            "remaining": decimal_text(self.remaining),
        }


@dataclass(frozen=True)
class Balance:
    """The whole batch: total masses and every element that went in or came out."""

    mass_in: Decimal
    mass_out: Decimal
    declared_loss: Decimal
    elements: list[ElementBalance]
    has_inputs: bool
    has_outputs: bool

    @property
    def accounted(self) -> Decimal:
        return self.mass_out + self.declared_loss

    @property
    def remaining(self) -> Decimal:
        return self.mass_in - self.accounted

    @property
    def mass_within(self) -> bool:
        tolerance = settings.MASS_BALANCE_TOLERANCE
        return not self.has_inputs or self.accounted <= self.mass_in * (1 + tolerance)

    @property
    def within(self) -> bool:
        return self.mass_within and all(row.within for row in self.elements)

    def texts(self) -> dict[str, str]:
        return {
            "in": decimal_text(self.mass_in),
            "out": decimal_text(self.accounted),
            "remaining": decimal_text(self.remaining),
        }

    def as_data(self) -> dict:
        """The numbers batch.js starts from, as decimal text so nothing is rounded on the way."""
        return {
            "tolerance": decimal_text(settings.MASS_BALANCE_TOLERANCE),
            "mass_in": decimal_text(self.mass_in),
            "mass_out": decimal_text(self.mass_out),
            "declared_loss": decimal_text(self.declared_loss),
            "has_inputs": self.has_inputs,
            "elements": {
                row.element: {"in": decimal_text(row.mass_in), "out": decimal_text(row.mass_out)}
                for row in self.elements
            },
        }


def batch_balance(batch: Batch) -> Balance:
    """Adds up a batch's inputs and outputs, overall and per element."""
    inputs = list(batch.inputs.prefetch_related("elements"))
    outputs = list(batch.outputs.prefetch_related("elements"))
    element_in: dict[str, Decimal] = defaultdict(Decimal)
    element_out: dict[str, Decimal] = defaultdict(Decimal)
    for row in inputs:
        for entry in row.elements.all():
            element_in[entry.element] += entry.mass_kg
    for row in outputs:
        for entry in row.elements.all():
            element_out[entry.element] += entry.mass_kg
    return Balance(
        mass_in=sum((row.mass_kg for row in inputs), Decimal(0)),
        mass_out=sum((row.origin_mass_kg for row in outputs), Decimal(0)),
        declared_loss=batch.declared_loss_kg,
        elements=[
            ElementBalance(element, element_in[element], element_out[element])
            for element in sorted(set(element_in) | set(element_out))
        ],
        has_inputs=bool(inputs),
        has_outputs=bool(outputs),
    )
