"""Treatment batches: collected products go through the recyclers' lines in half-yearly
campaigns, some in two steps, with output fractions drawn from each recipe."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from lifecycle.models import EventType
from lifecycle.services.events import event_record
from passports.models import Organisation, Passport, PassportStatus
from passports.substances import is_element
from recycling.categories import category_of
from recycling.demo.common import jitter
from recycling.demo.lifecycle import at
from recycling.demo.organisations import OrganisationSpec
from recycling.demo.recipes import (
    INTERMEDIATE,
    LOSS,
    RECIPES,
    REST,
    ROUTES,
    TREATMENT_PLAN,
    Fraction,
    Route,
)
from recycling.models import (
    Batch,
    BatchInput,
    BatchOutput,
    CollectionItem,
)
from recycling.services.batches import batch_close, batch_input_add, batch_open, batch_output_add

TREATMENT_START_YEAR = 2022


SIX_PLACES = Decimal("0.000001")


def treatment_period(collected: date) -> date:
    """The first half-yearly campaign start at least two weeks after collection."""
    year = max(TREATMENT_START_YEAR, collected.year)
    while True:
        for month in (3, 9):
            start = date(year, month, 15)
            if start >= collected + timedelta(days=14):
                return start
        year += 1


def routes_in(product_type: str, category: str, year: int) -> tuple[str, ...]:
    """The treatment lines that take a category's waste in a year."""
    plan = TREATMENT_PLAN[(product_type, category)]
    routes = plan[0][1]
    for since, candidates in plan:
        if since <= year:
            routes = candidates
    return routes


def draw_shares(recipe: str, year: int, rng: random.Random) -> list[tuple[Fraction, dict]]:
    """Recovery shares of one batch; no substance can leave in more than its whole input."""
    fractions = [f for f in RECIPES[recipe] if f.since <= year <= f.until]
    drawn = [
        (f, {s: jitter(rng, low, high) for s, (low, high) in f.shares.items()}) for f in fractions
    ]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for _, shares in drawn:
        for substance, share in shares.items():
            totals[substance] += share
    for _, shares in drawn:
        for substance in shares:
            if totals[substance] > 1:
                shares[substance] = (shares[substance] / totals[substance]).quantize(
                    Decimal("0.0001"), rounding=ROUND_DOWN
                )
    return drawn


def passport_materials(passport: Passport, mass_kg: Decimal, assay: dict | None) -> dict:
    """The input's substances as the batch service scales them, and the undeclared rest."""
    scale = mass_kg / passport.mass_kg
    materials = {
        e.substance: (e.mass_kg * scale).quantize(
            SIX_PLACES, ROUND_HALF_EVEN if is_element(e.substance) else ROUND_DOWN
        )
        for e in passport.composition.all()
    }
    materials.update(assay or {})
    materials[REST] = max(mass_kg - sum(materials.values()), Decimal(0))
    return materials


def batch_materials(batch: Batch) -> dict[str, Decimal]:
    """Every substance that entered a batch, with element masses read back from its inputs."""
    materials: dict[str, Decimal] = defaultdict(Decimal)
    inputs = batch.inputs.prefetch_related("elements", "passport__composition")
    for row in inputs:
        known = Decimal(0)
        for element in row.elements.all():
            materials[element.element] += element.mass_kg
            known += element.mass_kg
        if row.passport is not None:
            scale = row.mass_kg / row.passport.mass_kg
            for entry in row.passport.composition.all():
                if not is_element(entry.substance):
                    mass = (entry.mass_kg * scale).quantize(SIX_PLACES, rounding=ROUND_DOWN)
                    materials[entry.substance] += mass
                    known += mass
        materials[REST] += max(row.mass_kg - known, Decimal(0))
    return materials


def intake_assay(
    rng: random.Random, passport: Passport, mass_kg: Decimal, elements: tuple[str, ...]
) -> dict[str, Decimal] | None:
    """What a recycler's intake lab measures: the declared content within a few per cent."""
    declared = {e.substance: e.mass_kg for e in passport.composition.all()}
    scale = mass_kg / passport.mass_kg
    assay = {
        element: (declared[element] * scale * jitter(rng, 0.96, 1.02)).quantize(SIX_PLACES)
        for element in elements
        if declared.get(element)
    }
    return assay or None


def declared_loss(drawn: list[tuple[Fraction, dict]], materials: dict[str, Decimal]) -> Decimal:
    """The mass a batch declares as lost, known before it opens from what goes in."""
    return sum(
        (
            (materials.get(substance, Decimal(0)) * share).quantize(SIX_PLACES, ROUND_DOWN)
            for fraction, shares in drawn
            if fraction.counts_as == LOSS
            for substance, share in shares.items()
        ),
        Decimal(0),
    )


def waste_hand_over(passports: list[Passport], recycler: Organisation, when: datetime) -> None:
    """Collectors deliver the waste they hold to the recycler that treats it."""
    holders = dict(
        Passport.objects.filter(pk__in=[p.pk for p in passports]).values_list("pk", "holder")
    )
    by_id = Organisation.objects.in_bulk(set(holders.values()))
    for passport in passports:
        holder = holders[passport.pk]
        if holder == recycler.pk:
            continue
        event_record(
            passport_id=passport.pk,
            actor=by_id[holder],
            event_type=EventType.OWNERSHIP_TRANSFERRED,
            occurred_at=when,
            payload={"to": recycler.pk},
        )


def outputs_record(
    batch: Batch,
    drawn: list[tuple[Fraction, dict]],
    loss: Decimal,
    assayed: Decimal,
    refiner: Organisation | None = None,
) -> BatchOutput | None:
    """Records a batch's output fractions sized from its inputs; returns its intermediate.

    Residues are rarely assayed in full: only the `assayed` share of what is left of each element
    is recorded in the residue, the rest was dispersed (dust, off-gas, wastewater) and is lost.
    """
    materials = batch_materials(batch)
    total = sum((row.mass_kg for row in batch.inputs.all()), Decimal(0))
    allocated: dict[str, Decimal] = defaultdict(Decimal)
    recorded = Decimal(0)
    intermediate, remainder = None, None
    for fraction, shares in drawn:
        if fraction.remainder:
            remainder = fraction
            continue
        parts = {
            substance: (materials[substance] * share).quantize(SIX_PLACES, ROUND_DOWN)
            for substance, share in shares.items()
            if materials.get(substance)
        }
        for substance, mass in parts.items():
            allocated[substance] += mass
        origin = sum(parts.values(), Decimal(0))
        if fraction.counts_as == LOSS or not origin:
            continue
        output = batch_output_add(
            batch_id=batch.pk,
            fraction=fraction.name,
            counts_as=fraction.counts_as,
            mass_kg=(origin * fraction.factor).quantize(SIX_PLACES, ROUND_DOWN),
            origin_mass_kg=origin,
            elements={s: m for s, m in parts.items() if is_element(s) and m > 0},
            destination=fraction.destination,
            destination_recycler=refiner if fraction.counts_as == INTERMEDIATE else None,
        )
        recorded += origin
        if fraction.counts_as == INTERMEDIATE:
            intermediate = output
    left = total - recorded - loss
    if remainder is not None and left > 0:
        batch_output_add(
            batch_id=batch.pk,
            fraction=remainder.name,
            counts_as=remainder.counts_as,
            mass_kg=left,
            origin_mass_kg=None,
            elements={
                element: ((mass - allocated[element]) * assayed).quantize(SIX_PLACES, ROUND_DOWN)
                for element, mass in materials.items()
                if is_element(element) and mass > allocated[element]
            },
            destination=remainder.destination,
        )
    return intermediate


@dataclass(frozen=True)
class Campaign:
    """One treatment line's batch in one half-yearly period."""

    route: Route
    period: date
    product_type: str
    category: str


def batch_run(
    seed: int,
    campaign: Campaign,
    items: list[CollectionItem],
    organisations: dict[OrganisationSpec, Organisation],
    today: date,
) -> None:
    """Treats collected products in one batch, and its intermediate in the refiner's batch.

    A batch or refining step that would end after today stays open, as it would in a plant.
    """
    route = campaign.route
    rng = random.Random(f"{seed}:{route.key}:{campaign.period.isoformat()}")
    started = campaign.period + timedelta(days=route.offset_days + rng.randint(0, 6))
    closed = started + timedelta(days=route.days + rng.randint(0, 7))
    if started >= today:
        return
    drawn = draw_shares(route.recipe, started.year, rng)
    inputs = []
    preview: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        mass = item.mass_kg or item.passport.mass_kg
        assay = intake_assay(rng, item.passport, mass, route.assay)
        inputs.append((item.passport, mass, assay))
        for substance, amount in passport_materials(item.passport, mass, assay).items():
            preview[substance] += amount
    loss = declared_loss(drawn, preview)
    recycler = organisations[route.recycler]
    batch = batch_open(
        recycler=recycler,
        process_route=route.process_route,
        product_type=campaign.product_type,
        chemistry_category=campaign.category,
        site_country=route.site_region[:2],
        site_region=route.site_region,
        started_at=at(started, 7),
        declared_loss_kg=loss,
    )
    waste_hand_over([passport for passport, _, _ in inputs], recycler, at(started, 6))
    for passport, mass, assay in inputs:
        batch_input_add(batch_id=batch.pk, passport=passport, mass_kg=mass, assay=assay)
    if closed >= today:
        return
    refiner = organisations[ROUTES[route.refinery].recycler] if route.refinery else None
    intermediate = outputs_record(batch, drawn, loss, jitter(rng, 0.5, 0.9), refiner)
    batch_close(batch_id=batch.pk, actor=recycler, closed_at=at(closed, 16))
    if route.refinery and intermediate is not None:
        refinery = Campaign(
            ROUTES[route.refinery], closed, campaign.product_type, campaign.category
        )
        # Read back, so the refiner sees the upstream batch as closed.
        source = BatchOutput.objects.select_related("batch").get(pk=intermediate.pk)
        refining_run(seed, refinery, source, organisations, today)


def refining_run(
    seed: int,
    campaign: Campaign,
    source: BatchOutput,
    organisations: dict[OrganisationSpec, Organisation],
    today: date,
) -> None:
    """The second step of a chain: the refiner takes an upstream intermediate whole."""
    route = campaign.route
    rng = random.Random(f"{seed}:{route.key}:{campaign.period.isoformat()}")
    started = campaign.period + timedelta(days=10 + rng.randint(0, 5))
    closed = started + timedelta(days=route.days + rng.randint(0, 7))
    if started >= today:
        return
    drawn = draw_shares(route.recipe, started.year, rng)
    preview = {e.element: e.mass_kg for e in source.elements.all()}
    preview[REST] = source.mass_kg - sum(preview.values(), Decimal(0))
    loss = declared_loss(drawn, preview)
    recycler = organisations[route.recycler]
    batch = batch_open(
        recycler=recycler,
        process_route=route.process_route,
        product_type=campaign.product_type,
        chemistry_category=campaign.category,
        site_country=route.site_region[:2],
        site_region=route.site_region,
        started_at=at(started, 7),
        declared_loss_kg=loss,
    )
    batch_input_add(batch_id=batch.pk, source_output=source, mass_kg=source.mass_kg)
    if closed >= today:
        return
    outputs_record(batch, drawn, loss, jitter(rng, 0.5, 0.9))
    batch_close(batch_id=batch.pk, actor=recycler, closed_at=at(closed, 16))


def treatments_record(
    seed: int,
    organisations: dict[OrganisationSpec, Organisation],
    makers: list[Organisation],
    today: date,
) -> None:
    """Sends collected products to half-yearly campaigns, the lines of a period in turn."""
    treated = BatchInput.objects.filter(passport__isnull=False).values("passport_id")
    waiting = (
        CollectionItem.objects.filter(
            passport__manufacturer__in=makers, passport__status=PassportStatus.WASTE
        )
        .exclude(passport__in=treated)
        .select_related("collection", "passport")
        .prefetch_related("passport__composition")
        .order_by("collection__collected_at", "passport__serial")
    )
    periods: dict[tuple[str, str, date], list[CollectionItem]] = defaultdict(list)
    for item in waiting:
        passport = item.passport
        category = category_of(passport.product_type, passport.attributes)
        period = treatment_period(item.collection.collected_at.date())
        periods[(passport.product_type, category, period)].append(item)
    campaigns: dict[Campaign, list[CollectionItem]] = defaultdict(list)
    for (product_type, category, period), items in periods.items():
        routes = routes_in(product_type, category, period.year)
        for index, item in enumerate(items):
            route = ROUTES[routes[index % len(routes)]]
            campaigns[Campaign(route, period, product_type, category)].append(item)
    by_period: dict[date, list[Campaign]] = defaultdict(list)
    for campaign in campaigns:
        by_period[campaign.period].append(campaign)
    for period in sorted(by_period):
        for campaign in sorted(by_period[period], key=lambda c: c.route.key):
            batch_run(seed, campaign, campaigns[campaign], organisations, today)
