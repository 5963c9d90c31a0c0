"""The secondary-resource inventory: element mass by stage, with a UNFC-style class and grade.

Stages follow a product from use to recovery. The classes are an approximation of the United
Nations Framework Classification for Resources applied to anthropogenic resources: E for
environmental-socio-economic viability, F for technical feasibility, G for the confidence in
the estimate. Passport-declared masses are known (G1); forecasts are less certain (G3).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Q
from django.utils import timezone

from passports.models import Passport, PassportStatus
from passports.substances import is_element
from recycling.categories import category_of
from recycling.models import (
    Batch,
    BatchInput,
    BatchStatus,
    CollectionItem,
    CountsAs,
    InventoryCell,
)
from recycling.services.collection_stats import default_lifetime
from recycling.stock_model import dsm_inflow_driven, lifetime_from_dict

UNFC = {
    "in_use": "E3 F3 G1",
    "expected_eol": "E2 F2 G3",
    "collected": "E2 F2 G1",
    "in_treatment": "E1 F2 G1",
    "recovered": "E1 F1 G1",
    "lost": "E3 F4 G1",
}
IN_USE = {
    PassportStatus.ORIGINAL, PassportStatus.REUSED,
    PassportStatus.REPURPOSED, PassportStatus.REMANUFACTURED,
}  # fmt: skip
ZERO = Decimal(0)
FORECAST_YEARS = 15


@dataclass
class Population:
    """Passport ids and their manufacturers' ids."""

    products: set = field(default_factory=set)
    manufacturers: set = field(default_factory=set)

    def __ior__(self, other: "Population") -> "Population":
        self.products |= other.products
        self.manufacturers |= other.manufacturers
        return self


class Cells:
    """Accumulates element and product masses per (category, year, stage, element).

    Beside the masses, each cell keeps the products and manufacturers behind it: whether a
    non-regulator may see the cell depends on how many there are.
    """

    def __init__(self) -> None:
        self.mass: dict[tuple, Decimal] = defaultdict(Decimal)
        self.product: dict[tuple, Decimal] = defaultdict(Decimal)
        self.products: dict[tuple, set] = defaultdict(set)
        self.manufacturers: dict[tuple, set] = defaultdict(set)

    def add(
        self, category, year, stage, elements: dict[str, Decimal], product_mass,
        population: Population,
    ) -> None:  # fmt: skip
        for element, mass in elements.items():
            key = (category, year, stage, element)
            self.mass[key] += mass
            self.product[key] += product_mass
            self.products[key] |= population.products
            self.manufacturers[key] |= population.manufacturers


def batch_populations(product_type: str) -> dict:
    """The passports each batch of a product type treats, through every step of its chain.

    A downstream step takes outputs of an earlier step, not passports: it describes the
    passports that went into the chain's first step.
    """
    direct: dict = defaultdict(Population)
    upstream: dict = defaultdict(set)
    rows = BatchInput.objects.filter(batch__product_type=product_type).values_list(
        "batch_id", "passport_id", "passport__manufacturer_id", "source_output__batch_id"
    )
    for batch, passport, manufacturer, source_batch in rows:
        population = direct[batch]
        if passport is not None:
            population.products.add(passport)
            population.manufacturers.add(manufacturer)
        if source_batch is not None:
            upstream[batch].add(source_batch)
    resolved: dict = {}

    def resolve(batch, seen: frozenset = frozenset()) -> Population:
        if batch not in resolved:
            population = Population(set(direct[batch].products), set(direct[batch].manufacturers))
            for source in upstream[batch] - seen:
                population |= resolve(source, seen | {batch})
            resolved[batch] = population
        return resolved[batch]

    return {batch: resolve(batch) for batch in list(direct)}


def _passport_elements(passport: Passport) -> dict[str, Decimal]:
    return {e.substance: e.mass_kg for e in passport.composition.all() if is_element(e.substance)}


def _expected_end_of_life(cells: Cells, in_use: Cells, product_type: str) -> None:
    """What of today's stock in use will reach end of life in each of the coming years.

    Each placement year's cohort is run through the stock model with the product type's
    reference lifetime; the outflow from this year on is the expected end of life.
    """
    this_year = timezone.now().year
    lifetime = lifetime_from_dict(default_lifetime(product_type))
    series: dict[tuple, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    # Every year of a series' forecast is computed from all of its cohorts, so each describes
    # every product of the series.
    cohorts: dict[tuple, Population] = defaultdict(Population)
    for (category, year, _, element), mass in in_use.mass.items():
        key = (category, year, "in_use", element)
        series[(category, element)][year] = (mass, in_use.product[key])
        cohorts[(category, element)] |= Population(in_use.products[key], in_use.manufacturers[key])
    for (category, element), by_year in series.items():
        first = min(by_year)
        years = list(range(first, this_year + FORECAST_YEARS + 1))
        element_inflow = np.array([float(by_year.get(y, (ZERO, ZERO))[0]) for y in years])
        product_inflow = np.array([float(by_year.get(y, (ZERO, ZERO))[1]) for y in years])
        # Only what is still in use counts: the cohorts' past outflow is history, not stock.
        element_out = dsm_inflow_driven(element_inflow, lifetime).outflow
        product_out = dsm_inflow_driven(product_inflow, lifetime).outflow
        for index, year in enumerate(years):
            if year < this_year or not element_out[index]:
                continue
            cells.add(
                category,
                year,
                "expected_eol",
                {element: Decimal(str(round(float(element_out[index]), 6)))},
                Decimal(str(round(float(product_out[index]), 6))),
                cohorts[(category, element)],
            )


def inventory_cells(product_type: str, region: str) -> list[InventoryCell]:
    """Recomputes every cell of one product type in one country."""
    cells = Cells()
    treated = set(
        Batch.objects.filter(product_type=product_type)
        .values_list("inputs__passport_id", flat=True)
        .exclude(inputs__passport_id=None)
    )
    collected_year = dict(
        CollectionItem.objects.filter(passport__product_type=product_type).values_list(
            "passport_id", "collection__collected_at__year"
        )
    )
    # A product counts where it was placed on the market, else where it was made.
    located = Q(market_country=region) | Q(market_country="", manufacturing_country=region)
    passports = (
        Passport.objects.filter(located, product_type=product_type, archived_from="")
        .filter(status__in=IN_USE | {PassportStatus.WASTE})
        .prefetch_related("composition")
    )
    in_use = Cells()
    for passport in passports:
        category = category_of(product_type, passport.attributes)
        elements = _passport_elements(passport)
        one = Population({passport.pk}, {passport.manufacturer_id})
        if passport.status in IN_USE:
            placed = passport.placed_on_market_on or passport.manufactured_at
            cells.add(category, placed.year, "in_use", elements, passport.mass_kg, one)
            in_use.add(category, placed.year, "in_use", elements, passport.mass_kg, one)
        elif passport.pk not in treated:
            year = collected_year.get(passport.pk, timezone.now().year)
            cells.add(category, year, "collected", elements, passport.mass_kg, one)
    batches = Batch.objects.filter(product_type=product_type, site_country=region)
    populations = batch_populations(product_type)
    for batch in batches.prefetch_related("inputs__elements", "outputs__elements"):
        population = populations.get(batch.pk, Population())
        inputs = {}
        for row in batch.inputs.all():
            for e in row.elements.all():
                inputs[e.element] = inputs.get(e.element, ZERO) + e.mass_kg
        input_mass = sum((row.mass_kg for row in batch.inputs.all()), ZERO)
        if batch.status == BatchStatus.OPEN:
            cells.add(batch.chemistry_category, batch.started_at.year, "in_treatment", inputs,
                      input_mass, population)  # fmt: skip
            continue
        year = batch.closed_at.year
        out_total: dict[str, Decimal] = defaultdict(Decimal)
        for row in batch.outputs.all():
            elements = {e.element: e.mass_kg for e in row.elements.all()}
            for element, mass in elements.items():
                out_total[element] += mass
            if row.counts_as == CountsAs.RECYCLING:
                cells.add(batch.chemistry_category, year, "recovered", elements, row.mass_kg,
                          population)  # fmt: skip
        lost = {e: max(inputs[e] - out_total.get(e, ZERO), ZERO) for e in inputs}
        cells.add(batch.chemistry_category, year, "lost", lost, input_mass, population)
    _expected_end_of_life(cells, in_use, product_type)
    now = timezone.now()
    return [
        InventoryCell(
            bucket=f"inventory|{product_type}|{region}",
            region=region,
            product_type=product_type,
            category=category,
            year=year,
            stage=stage,
            element=element,
            mass_kg=mass,
            product_mass_kg=cells.product[(category, year, stage, element)],
            unfc=UNFC[stage],
            product_count=len(cells.products[(category, year, stage, element)]),
            manufacturers=sorted(
                str(m) for m in cells.manufacturers[(category, year, stage, element)]
            ),
            computed_at=now,
        )
        for (category, year, stage, element), mass in sorted(cells.mass.items())
        if mass
    ]
