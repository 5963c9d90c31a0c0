"""The secondary-resource inventory: element mass by stage, with a UNFC-style class and grade.

Stages follow a product from use to recovery. The classes are an approximation of the United
Nations Framework Classification for Resources applied to anthropogenic resources: E for
environmental-socio-economic viability, F for technical feasibility, G for the confidence in
the estimate. Passport-declared masses are known (G1); forecasts are less certain (G3).
"""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

import numpy as np
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from passports.models import CompositionEntry, Passport, PassportStatus
from passports.substances import ELEMENT_SYMBOLS
from recycling.categories import ATTRIBUTE, CATEGORIES
from recycling.models import (
    Batch,
    BatchInput,
    BatchStatus,
    CollectionItem,
    CountsAs,
    InputElement,
    InventoryCell,
    OutputElement,
)
from recycling.services.batch_totals import Totals, batch_totals, closures, products_behind
from recycling.services.collection_stats import default_lifetime
from recycling.services.exact import micro, micro_kg, micro_sum
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
BATCH_STAGES = ("in_treatment", "recovered", "lost")


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

    Beside the masses, each cell keeps who stands behind it: whether a non-regulator may see
    the cell depends on how many products and manufacturers there are. Passports are counted
    in disjoint groups, so their counts add up; batches of one chain share their passports, so
    theirs are kept as sets and united.
    """

    def __init__(self) -> None:
        self.mass: dict[tuple, Decimal] = defaultdict(Decimal)
        self.product: dict[tuple, Decimal] = defaultdict(Decimal)
        self.counted: dict[tuple, int] = defaultdict(int)
        self.products: dict[tuple, set] = defaultdict(set)
        self.manufacturers: dict[tuple, set] = defaultdict(set)
        self.batches: dict[tuple, set] = defaultdict(set)

    def add(self, key: tuple, mass: Decimal, product_mass: Decimal, population: Population) -> None:
        self.mass[key] += mass
        self.product[key] += product_mass
        self.products[key] |= population.products
        self.manufacturers[key] |= population.manufacturers

    def add_counted(
        self, key: tuple, mass: Decimal, product_mass: Decimal, count: int, manufacturer
    ) -> None:
        """Adds a group of passports no other group of the same cell holds."""
        self.mass[key] += mass
        self.product[key] += product_mass
        self.counted[key] += count
        self.manufacturers[key].add(manufacturer)

    def add_batches(
        self, key: tuple, mass: Decimal, product_mass: Decimal, closure: frozenset, totals: dict
    ) -> None:
        """Adds a batch whose products are those of its upstream closure (`batch_totals`).

        Products are counted per batch of the closures, each batch once per cell: two batches
        of one chain in a cell share the upstream steps' products.
        """
        self.mass[key] += mass
        self.product[key] += product_mass
        counted, makers = products_behind(closure - self.batches[key], totals)
        self.batches[key] |= closure
        self.counted[key] += counted
        self.manufacturers[key] |= makers

    def product_count(self, key: tuple) -> int:
        return self.counted[key] + len(self.products[key])


def _input_rows(product_type: str) -> list[tuple]:
    """(batch, passport, manufacturer, source batch) of the inputs of every batch of the type."""
    columns = ("batch_id", "passport_id", "passport__manufacturer_id", "source_output__batch_id")
    # Unordered: the rows are gathered into sets, and the default order joins and sorts.
    inputs = BatchInput.objects.filter(batch__product_type=product_type).order_by()
    return list(inputs.values_list(*columns))


def batch_populations(product_type: str) -> dict:
    """The passports each batch of a product type treats, through every step of its chain.

    A downstream step takes outputs of an earlier step, not passports: it describes the
    passports that went into the chain's first step.
    """
    direct: dict = defaultdict(Population)
    upstream: dict = defaultdict(set)
    for batch, passport, manufacturer, source_batch in _input_rows(product_type):
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


def _located(region: str, prefix: str = "") -> Q:
    """Where a product counts: where it was placed on the market, else where it was made."""
    return Q(**{f"{prefix}market_country": region}) | Q(
        **{f"{prefix}market_country": "", f"{prefix}manufacturing_country": region}
    )


def _located_in(regions: list[str]) -> Q:
    """`_located` for several countries at once."""
    return Q(market_country__in=regions) | Q(market_country="", manufacturing_country__in=regions)


def _regions_by_years(wanted: set[tuple[str, str, int]]) -> dict[tuple, list]:
    """The wanted cells' countries grouped by the years wanted of them: {(years): [countries]}."""
    years: dict[str, set] = defaultdict(set)
    for region, _, year in wanted:
        years[region].add(year)
    regions: dict[tuple, list] = defaultdict(list)
    for region, wanted_years in sorted(years.items()):
        regions[tuple(sorted(wanted_years))].append(region)
    return dict(sorted(regions.items()))


def _in_years(wanted: set[tuple[str, str, int]]) -> Q:
    """Products whose collected year (`group_year`) is one wanted for their country.

    Countries wanting the same years share a condition, so the year is looked up about once
    per product whatever the number of countries.
    """
    return reduce(
        or_,
        (
            _located_in(regions) & Q(group_year__in=list(years))
            for years, regions in _regions_by_years(wanted).items()
        ),
    )


def _year_kept(wanted: set[tuple[str, str, int]], looked_up) -> Case:
    """The collected year of a product `_in_years` kept: the only year wanted of its country,
    else looked up again, so a lookup is repeated only in countries wanting several years."""
    single = [
        When(_located_in(regions), then=Value(years[0]))
        for years, regions in _regions_by_years(wanted).items()
        if len(years) == 1
    ]
    return Case(*single, default=looked_up) if single else looked_up


# The cell's passport ids go into the query as parameters: SQLite takes at most 32,766.
PASSPORTS_PER_QUERY = 10_000


def waste_in_marked_years(product_type: str, wanted: set[tuple[str, str, int]]):
    """The untreated waste of the wanted cells' countries, collected in a year wanted for its
    country: (id, maker, mass in mg, market, made, declared chemistry, collected year) rows.

    The countries' waste is found through the waste index and its year of collection looked up
    for each product. Only the rows of a wanted year go on to the declared chemistry: it sits in
    the attributes, a compressed document decoded for each row that reads it, which was most of
    the cost when every product of the countries was read. Categories are left to the caller.
    """
    regions = sorted({region for region, _, _ in wanted})
    # A product is collected at most once; unordered, the year is read without a sort per row.
    collected = (
        CollectionItem.objects.filter(passport_id=OuterRef("pk"))
        .order_by()
        .values("collection__collected_at__year")[:1]
    )
    treated = BatchInput.objects.filter(
        passport_id=OuterRef("pk"), batch__product_type=product_type
    )
    year = Coalesce(Subquery(collected), Value(timezone.now().year))
    return (
        Passport.objects.filter(
            _located_in(regions),
            status=PassportStatus.WASTE,
            product_type=product_type,
            archived_from="",
        )
        .exclude(Exists(treated))
        .alias(group_year=year)
        .filter(_in_years(wanted))
        .annotate(
            declared=KeyTextTransform(ATTRIBUTE[product_type], "attributes"),
            year_kept=_year_kept(wanted, year),
        )
        .order_by()
        .values_list(
            "pk", "manufacturer_id", micro("mass_kg"), "market_country",
            "manufacturing_country", "declared", "year_kept",
        )
    )  # fmt: skip


def _collected_cells(product_type: str, wanted: set[tuple[str, str, int]]) -> dict[str, Cells]:
    """Collected cells, each (country, category, year) of `wanted`, from their own products.

    A product's collected year is that of its collection, else this year, and its category is
    mapped from its declared chemistry as in `_passport_cells`. The marked countries' waste of
    the marked years is read once (`waste_in_marked_years`), whatever the number of cells: a
    close marks one cell per place its products came from, and one query per cell cost more to
    build than to run. Then the wanted products' composition is read by the passport index.
    Each passport is its own group, so counts add up as in `_passport_cells`. Returns the cells
    per country.
    """
    waste = waste_in_marked_years(product_type, wanted)
    mapping = CATEGORIES[product_type]
    passports = {}
    for pk, maker, mass, market, made, declared, year in waste:
        cell = (market or made, mapping.get(declared, "other"), year)
        if cell in wanted:
            passports[pk] = (cell, maker, micro_kg(mass))
    rows = (
        CompositionEntry.objects.filter(passport_id__in=ids)
        .order_by()
        .values_list("passport_id", "substance")
        .annotate(mass=micro_sum("mass_kg"), count=Count("id"))
        for ids in itertools.batched(passports, PASSPORTS_PER_QUERY)
    )
    cells: dict[str, Cells] = defaultdict(Cells)
    for passport, substance, mass, count in itertools.chain.from_iterable(rows):
        if substance not in ELEMENT_SYMBOLS:
            continue
        (region, category, year), maker, product = passports[passport]
        key = (category, year, "collected", substance)
        cells[region].add_counted(key, micro_kg(mass), product * count, count, maker)
    return cells


def _passport_cells(cells: Cells, product_type: str, region: str) -> Cells:
    """Products in use and collected, summed per group in the database; returns the in-use cells.

    Groups are (declared chemistry, year, element, manufacturer): each passport is in exactly
    one, so product counts add up, and the category is mapped from the chemistry here, as
    `category_of` does.
    """
    this_year = timezone.now().year
    # Compounds are skipped per group below, not filtered here: as a filter, the list of 118
    # symbols became an index condition probed once per symbol for every passport read.
    entries = CompositionEntry.objects.filter(
        _located(region, "passport__"),
        passport__product_type=product_type,
        passport__archived_from="",
    )
    declared = KeyTextTransform(ATTRIBUTE[product_type], "passport__attributes")
    sums = {
        "mass": micro_sum("mass_kg"),
        "product": micro_sum("passport__mass_kg"),
        "count": Count("id"),
    }
    placed = ExtractYear(Coalesce("passport__placed_on_market_on", "passport__manufactured_at"))
    treated = BatchInput.objects.filter(
        passport_id=OuterRef("passport_id"), batch__product_type=product_type
    )
    collected = CollectionItem.objects.filter(passport_id=OuterRef("passport_id")).values(
        "collection__collected_at__year"
    )[:1]
    waste = (
        entries.filter(passport__status=PassportStatus.WASTE)
        .exclude(Exists(treated))
        .annotate(group_year=Coalesce(Subquery(collected), Value(this_year)))
    )
    groups = [
        ("collected", waste),
        ("in_use", entries.filter(passport__status__in=IN_USE).annotate(group_year=placed)),
    ]
    in_use = Cells()
    for stage, rows in groups:
        rows = rows.values(
            "group_year", "substance", declared=declared, maker=F("passport__manufacturer_id")
        ).annotate(**sums)
        for row in rows:
            if row["substance"] not in ELEMENT_SYMBOLS:
                continue
            category = CATEGORIES[product_type].get(row["declared"], "other")
            key = (category, row["group_year"], stage, row["substance"])
            mass, product = micro_kg(row["mass"]), micro_kg(row["product"])
            cells.add_counted(key, mass, product, row["count"], row["maker"])
            if stage == "in_use":
                in_use.add_counted(key, mass, product, row["count"], row["maker"])
    return in_use


def _expected_end_of_life(cells: Cells, in_use: Cells, product_type: str) -> None:
    """What of today's stock in use will reach end of life in each of the coming years.

    Each placement year's cohort is run through the stock model with the product type's
    reference lifetime; the outflow from this year on is the expected end of life.
    """
    this_year = timezone.now().year
    lifetime = lifetime_from_dict(default_lifetime(product_type))
    series: dict[tuple, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    # Every year of a series' forecast is computed from all of its cohorts, so each describes
    # every product of the series; a passport is in one cohort only, so the counts add up.
    cohort_count: dict[tuple, int] = defaultdict(int)
    cohort_makers: dict[tuple, set] = defaultdict(set)
    for (category, year, _, element), mass in in_use.mass.items():
        key = (category, year, "in_use", element)
        series[(category, element)][year] = (mass, in_use.product[key])
        cohort_count[(category, element)] += in_use.product_count(key)
        cohort_makers[(category, element)] |= in_use.manufacturers[key]
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
            key = (category, year, "expected_eol", element)
            cells.mass[key] += Decimal(str(round(float(element_out[index]), 6)))
            cells.product[key] += Decimal(str(round(float(product_out[index]), 6)))
            cells.counted[key] += cohort_count[(category, element)]
            cells.manufacturers[key] |= cohort_makers[(category, element)]


def _batch_cells(cells: Cells, product_type: str, region: str) -> None:
    """Treatment, recovery and loss at the region's sites, from per-batch sums in the database.

    The sums come per batch and element, because a cell's products are the union of its
    batches' chains, which share passports. This reads every batch of the country from its
    records: it is what a fine refresh (`_batch_cell`) must equal.
    """
    batches = Batch.objects.filter(product_type=product_type, site_country=region)
    rows = list(
        batches.values_list("pk", "status", "chemistry_category", "started_at", "closed_at")
    )
    inputs: dict = defaultdict(dict)
    for batch, element, mass in (
        InputElement.objects.filter(input__batch_id__in=batches)
        .values_list("input__batch_id", "element")
        .annotate(kg=micro_sum("mass_kg"))
    ):
        inputs[batch][element] = micro_kg(mass)
    input_mass = dict(
        BatchInput.objects.filter(batch_id__in=batches)
        .values_list("batch_id")
        .annotate(kg=micro_sum("mass_kg"))
    )
    recovered: dict = defaultdict(list)
    out_total: dict = defaultdict(lambda: defaultdict(Decimal))
    for batch, counts_as, element, mass, product in (
        OutputElement.objects.filter(output__batch_id__in=batches)
        .values_list("output__batch_id", "output__counts_as", "element")
        .annotate(kg=micro_sum("mass_kg"), product_kg=micro_sum("output__mass_kg"))
    ):
        out_total[batch][element] += micro_kg(mass)
        if counts_as == CountsAs.RECYCLING:
            recovered[batch].append((element, micro_kg(mass), micro_kg(product)))
    populations = batch_populations(product_type)
    for batch, status, category, started_at, closed_at in rows:
        population = populations.get(batch, Population())
        mass_in = micro_kg(input_mass.get(batch))
        if status == BatchStatus.OPEN:
            for element, mass in inputs[batch].items():
                key = (category, started_at.year, "in_treatment", element)
                cells.add(key, mass, mass_in, population)
            continue
        for element, mass, product in recovered[batch]:
            cells.add((category, closed_at.year, "recovered", element), mass, product, population)
        for element, mass in inputs[batch].items():
            lost = max(mass - out_total[batch].get(element, ZERO), ZERO)
            cells.add((category, closed_at.year, "lost", element), lost, mass_in, population)


def _batch_cell(cells: Cells, product_type: str, region: str, category: str, year: int) -> None:
    """One category and year of batch cells: open batches started then, closed ones closed then.

    Summed from each batch's totals (stored once a batch is closed, `batch_totals`), not from
    every input and element of the cell's batches, and with the same figures as `_batch_cells`.
    Masses are added up in whole milligrams and turned into kilograms once per cell, and the
    products behind a cell are counted once, over the union of its batches' closures: the
    same figures as adding batch by batch, without a conversion and a count per batch.
    """
    rows = list(
        Batch.objects.filter(
            Q(status=BatchStatus.OPEN, started_at__year=year)
            | Q(status=BatchStatus.CLOSED, closed_at__year=year),
            product_type=product_type,
            site_country=region,
            chemistry_category=category,
        )
        .order_by()
        .values_list("pk", "status", "started_at", "closed_at")
    )
    totals = batch_totals(product_type, {row[0]: row[1] for row in rows})
    upstream = closures(product_type, totals)
    mass: dict[tuple, int] = defaultdict(int)
    product: dict[tuple, int] = defaultdict(int)
    behind: dict[tuple, set] = defaultdict(set)

    def add(key: tuple, milligrams: int, product_milligrams: int, closure: frozenset) -> None:
        mass[key] += milligrams
        product[key] += product_milligrams
        behind[key] |= closure

    for batch, status, started_at, closed_at in rows:
        found: Totals = totals[batch]
        closure = upstream[batch]
        if status == BatchStatus.OPEN:
            for element, milligrams in found.elements_in.items():
                add((category, started_at.year, "in_treatment", element), milligrams,
                    found.mass_in, closure)  # fmt: skip
            continue
        for element, milligrams, product_milligrams in found.recovered:
            add((category, closed_at.year, "recovered", element), milligrams,
                product_milligrams, closure)  # fmt: skip
        for element, milligrams in found.elements_in.items():
            lost = max(milligrams - (found.elements_out.get(element) or 0), 0)
            add((category, closed_at.year, "lost", element), lost, found.mass_in, closure)
    for key, milligrams in mass.items():
        cells.mass[key] += micro_kg(milligrams)
        cells.product[key] += micro_kg(product[key])
        counted, makers = products_behind(behind[key] - cells.batches[key], totals)
        cells.batches[key] |= behind[key]
        cells.counted[key] += counted
        cells.manufacturers[key] |= makers


def inventory_cells(product_type: str, region: str) -> list[InventoryCell]:
    """Recomputes every cell of one product type in one country."""
    cells = Cells()
    in_use = _passport_cells(cells, product_type, region)
    _batch_cells(cells, product_type, region)
    _expected_end_of_life(cells, in_use, product_type)
    return _stored(cells, product_type, region)


def inventory_fine_cells(
    product_type: str, region: str, part: str, category: str, year: int
) -> list[InventoryCell]:
    """Recomputes one part ("batch" or "collected") of one category and year of a country.

    What a batch or a product entering treatment changes, without the country's other cells
    or its forecasts.
    """
    if part == "collected":
        return inventory_collected_cells(product_type, {(region, category, year)})
    cells = Cells()
    _batch_cell(cells, product_type, region, category, year)
    return _stored(cells, product_type, region)


def inventory_collected_cells(
    product_type: str, wanted: set[tuple[str, str, int]]
) -> list[InventoryCell]:
    """Recomputes the collected cells (country, category, year) of one product type together."""
    found = _collected_cells(product_type, wanted)
    return [
        cell
        for region, cells in sorted(found.items())
        for cell in _stored(cells, product_type, region)
    ]


def _stored(cells: Cells, product_type: str, region: str) -> list[InventoryCell]:
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
            product_count=cells.product_count((category, year, stage, element)),
            manufacturers=sorted(
                str(m) for m in cells.manufacturers[(category, year, stage, element)]
            ),
            computed_at=now,
        )
        for (category, year, stage, element), mass in sorted(cells.mass.items())
        if mass
    ]
