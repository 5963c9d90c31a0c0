"""Deterministic demo data: organisations of every kind, passports of all three families, and
their use and end of life.

Compositions are scaled from reference/compositions.json, so the demo's urban-mine figures have
realistic orders of magnitude. Every declaration, event, collection and treatment batch goes
through the same validation and signing path as the API, so the demo never holds data the API
would refuse, and its statistics are computed as any recycler's would be.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from lifecycle.services.registration import passports_register
from passports.declaration import PassportDeclaration
from passports.models import Organisation, Passport, ProductType
from recycling.demo.batteries import battery, portable_declarations
from recycling.demo.common import Draft, gtin14, manufacture_date
from recycling.demo.lifecycle import collections_record, life_plan, market_and_health_record
from recycling.demo.magnets import magnet
from recycling.demo.organisations import (
    DEMO_PASSWORD,
    MANUFACTURERS,
    NORDIC_SPEC,
    ORGANISATIONS,
    OTHER_ORGANISATIONS,
    RHEIN_SPEC,
    BatteryModel,
    DemoOrganisation,
    MagnetModel,
    Manufacturer,
    OrganisationSpec,
    PvModel,
    demo_username,
    organisation_ensure,
)
from recycling.demo.pv_modules import pv_module
from recycling.demo.summary import EndOfLifeSummary, StatisticLine, end_of_life_summary
from recycling.demo.treatment import treatments_record
from recycling.models import Batch
from recycling.services.aggregation import aggregates_rebuild

# What load_demo, the tests and the bench fleet use from here.
__all__ = [
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "MANUFACTURERS",
    "ORGANISATIONS",
    "OTHER_ORGANISATIONS",
    "DemoOrganisation",
    "DemoResult",
    "EndOfLifeSummary",
    "StatisticLine",
    "declarations",
    "demo_username",
    "load",
]

DEFAULT_SEED = 2027


REGISTRATION_CHUNK = 100


@dataclass
class DemoResult:
    """What a load created or found: organisations, passport counts, one sample per family and
    how far the products got through their end of life."""

    organisations: list[DemoOrganisation]
    registered: int
    passports: Counter = field(default_factory=Counter)
    samples: dict[str, Passport] = field(default_factory=dict)
    end_of_life: EndOfLifeSummary | None = None


BUILDERS = {
    ProductType.BATTERY: (BatteryModel, battery),
    ProductType.PV_MODULE: (PvModel, pv_module),
    ProductType.MAGNET: (MagnetModel, magnet),
}


def declarations(rng: random.Random, manufacturer: Manufacturer, today: date) -> list[dict]:
    """Every declaration of one manufacturer, in a fixed order for a given random stream."""
    prefix = manufacturer.organisation.gs1_company_prefix
    indexes = {m.name: i for i, m in enumerate(manufacturer.catalogue)}
    result: list[dict] = []
    for product_type, count in manufacturer.counts.items():
        model_class, build = BUILDERS[product_type]
        models = [m for m in manufacturer.catalogue if isinstance(m, model_class)]
        for number in range(1, count + 1):
            model = rng.choice(models)
            draft = Draft(
                manufacturer=manufacturer,
                model=model,
                gtin=gtin14(prefix, 1000 + 10 * indexes[model.name]),
                model_index=indexes[model.name],
                number=number,
                made=manufacture_date(rng, model.years, today),
                plant=rng.choice(model.plants),
            )
            result.append(build(rng, draft))
    return result


def register(organisation: Organisation, drafts: list[dict]) -> int:
    """Validates and registers the declarations not yet registered; returns how many were new."""
    taken = set(Passport.objects.filter(manufacturer=organisation).values_list("gtin", "serial"))
    context = {"gs1_company_prefix": organisation.gs1_company_prefix}
    missing = [d for d in drafts if (d["gtin"], d["serial"]) not in taken]
    if not missing:
        return 0
    # One list serializer, as the bulk endpoint uses, builds the nested fields only once.
    declarations = PassportDeclaration(data=missing, many=True, context=context)
    declarations.is_valid(raise_exception=True)
    validated = declarations.validated_data
    for start in range(0, len(validated), REGISTRATION_CHUNK):
        chunk = validated[start : start + REGISTRATION_CHUNK]
        passports_register(organisation=organisation, declarations=chunk)
    return len(validated)


def load(seed: int = DEFAULT_SEED, today: date | None = None) -> DemoResult:
    """Creates the demo organisations, passports and their end of life; a repeated load adds
    nothing new."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        found = {spec: organisation_ensure(spec) for spec in ORGANISATIONS}
        registered = 0
        for manufacturer in MANUFACTURERS:
            # Generate even when nothing is missing, so every manufacturer sees the same stream.
            drafts = declarations(rng, manufacturer, today)
            registered += register(found[manufacturer.organisation].organisation, drafts)
        portable_maker = MANUFACTURERS[0]
        registered += register(
            found[portable_maker.organisation].organisation,
            portable_declarations(seed, portable_maker, today),
        )
    result = DemoResult(organisations=list(found.values()), registered=registered)
    demo_passports = Passport.objects.filter(
        manufacturer__in=[found[m.organisation].organisation for m in MANUFACTURERS]
    ).order_by("manufacturer__name", "serial")
    result.passports.update(demo_passports.values_list("product_type", flat=True))
    for product_type in ProductType.values:
        sample = demo_passports.filter(product_type=product_type).first()
        if sample is not None:
            result.samples[product_type] = sample
    organisations = {spec: entry.organisation for spec, entry in found.items()}
    # One transaction: SQLite commits dominate the cost of many small writes, and the rebuild
    # clears the dirty marks before the commit, so an eager on-commit refresh finds no work
    # left; with a broker, the statistics are there without waiting for a worker.
    with transaction.atomic():
        recorded = end_of_life_load(seed, organisations, today)
        aggregates_rebuild()
    result.end_of_life = end_of_life_summary(organisations, recorded)
    return result


def end_of_life_load(
    seed: int, organisations: dict[OrganisationSpec, Organisation], today: date
) -> bool:
    """Records the products' use and end of life; skipped once the demo recyclers have batches.

    Each step only takes products still in the state it expects, so it never records anything
    twice even when called outside one transaction and interrupted part-way.
    """
    recyclers = [organisations[NORDIC_SPEC], organisations[RHEIN_SPEC]]
    if Batch.objects.filter(recycler__in=recyclers).exists():
        return False
    makers = [organisations[m.organisation] for m in MANUFACTURERS]
    passports = (
        Passport.objects.filter(manufacturer__in=makers)
        .select_related("manufacturer")
        .order_by("manufacturer__name", "serial")
    )
    plans = [life_plan(seed, passport, today) for passport in passports]
    market_and_health_record(seed, plans, organisations)
    collections_record(plans, organisations)
    treatments_record(seed, organisations, makers, today)
    return True
