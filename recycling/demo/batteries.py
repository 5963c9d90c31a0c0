"""Battery declarations: EV, stationary, industrial, light-vehicle and power-tool packs, scaled
from BatPaC."""

import random
from datetime import date
from decimal import Decimal
from functools import cache

from passports import gbt34014, reference
from passports.models import ProductType
from recycling.battery_facts import END_USER_DOCUMENTS, battery_facts, postal_address
from recycling.demo.common import (
    GRID_FACTOR,
    Draft,
    carbon_footprint,
    composition_items,
    documents,
    gtin14,
    jitter,
    manufacture_date,
    origins,
    product_mass,
    text,
)
from recycling.demo.organisations import DE_PLANTS, BatteryModel, Manufacturer

# Pack mass the reference leaves unattributed (casing, foils, electrolyte...), as fractions of
# it; the rest (cathode oxygen, electronics, wiring) stays undeclared, as real passports do.
BATTERY_BALANCE: tuple[tuple[str, float], ...] = (
    ("Al", 0.30),
    ("electrolyte", 0.14),
    ("steel", 0.10),
    ("plastics", 0.07),
    ("separator", 0.03),
    ("binder", 0.03),
    ("carbon_black", 0.02),
)
# CAS numbers of what the demo's composition names by material: the Battery Pass data model
# needs one per material. Mixtures take their main constituent's: the demo's binder is PVDF,
# its separator polyethylene, its housing plastics polypropylene, and its electrolyte mostly
# ethylene carbonate (its salt is listed as a hazardous substance with its own number).
MATERIAL_CAS = {
    "binder": "24937-79-9",
    "separator": "9002-88-4",
    "plastics": "9003-07-0",
    "steel": "12597-69-2",
    "electrolyte": "96-49-1",
}


@cache
def gbt_battery_type(chemistry: str) -> str:
    """The GB/T 34014 battery-type letter the reference tables allow for a chemistry."""
    return reference.load("gbt34014")["chemistry_battery_types"]["chemistries"][chemistry][0]


def battery(rng: random.Random, draft: Draft) -> dict:
    """An EV, stationary, industrial or light-vehicle battery pack scaled from BatPaC."""
    model: BatteryModel = draft.model  # type: ignore[assignment]
    intensity = reference.load("compositions")["battery_pack_kg_per_kwh"][model.chemistry]
    capacity = model.capacity_kwh
    pack = Decimal(str(intensity["pack_kg_per_kwh"]))
    masses = {
        substance: capacity * Decimal(str(per_kwh)) * jitter(rng, 0.95, 1.05)
        for substance, per_kwh in intensity.items()
        if substance != "pack_kg_per_kwh"
    }
    balance = pack - sum(Decimal(str(v)) for k, v in intensity.items() if k != "pack_kg_per_kwh")
    for material, fraction in BATTERY_BALANCE:
        extra = capacity * balance * Decimal(str(fraction)) * jitter(rng, 0.9, 1.1)
        masses[material] = masses.get(material, Decimal(0)) + extra
    composition = composition_items(masses)
    for item in composition:
        if item["substance"] in MATERIAL_CAS:
            item["cas"] = MATERIAL_CAS[item["substance"]]
    if draft.made.year >= 2021 and rng.random() < 0.6:
        add_recycled_shares(rng, composition)
    lfp = model.chemistry == "LFP"
    declaration = draft.common(ProductType.BATTERY, "B") | {
        "mass_kg": product_mass(capacity * pack * jitter(rng, 0.97, 1.03), composition),
        "attributes": {
            "category": model.category,
            "chemistry": model.chemistry,
            "rated_energy_kwh": text(capacity),
            "nominal_voltage_v": str(model.voltage_v),
            "expected_lifetime_years": {"ev": 12, "stationary": 15, "industrial": 10}.get(
                model.category, 6
            ),
            "expected_lifetime_cycles": rng.randrange(4000, 6001, 500)
            if lfp
            else rng.randrange(1500, 2501, 250),
            "extinguishing_agent": "Water in large quantities; cool the pack for 24 h",
            **battery_facts(
                maker=draft.manufacturer.organisation.name,
                domain=draft.manufacturer.domain,
                country=draft.manufacturer.organisation.country,
                chemistry=model.chemistry,
                kwh=capacity,
                voltage_v=Decimal(model.voltage_v),
                manufacturer_identifier=draft.manufacturer.organisation.gs1_company_prefix,
            ),
            "warranty": {
                "years": {"ev": 8, "stationary": 10, "industrial": 5}.get(model.category, 2)
            },
        },
        "composition": composition,
        "origin": origins(rng, composition, ("Co", "Li", "Ni", "graphite")),
        "documents": documents(
            draft.manufacturer.domain,
            model.name,
            list(END_USER_DOCUMENTS) + ["carbon_footprint_study"],
        ),
    }
    declaration["manufacturing_place"]["address"] = postal_address(
        draft.plant.facility, draft.plant.country
    )
    # Every battery carries the footprint now: the longlist makes it mandatory for all
    # categories that need a passport, whatever the year of manufacture.
    base = {"NMC811": 72, "NMC622": 76, "NMC111": 84, "NCA": 74, "LFP": 58}[model.chemistry]
    per_kwh = base * jitter(rng, 0.9, 1.1) * GRID_FACTOR[draft.plant.country]
    declaration["carbon_footprint"] = carbon_footprint(
        rng, "kg_co2e_per_kwh", per_kwh, capacity, (60, 75, 90, 110)
    )
    declaration["carbon_footprint"]["study_url"] = declaration["documents"][-1]["url"]
    # China's traction-battery traceability rules took effect in August 2018; from 2019 on,
    # every pack of a Chinese maker carries a code.
    traction = model.category == "ev" and draft.made.year >= 2019
    if draft.manufacturer.gbt_manufacturer_code and traction:
        declaration["gbt_code"] = gbt_code(draft, model.chemistry)
    return declaration


def add_recycled_shares(rng: random.Random, composition: list[dict]) -> None:
    """Recycled content of the kind Art. 8 of the Battery Regulation asks for."""
    ranges = {"Co": (0.04, 0.16), "Li": (0.01, 0.06), "Ni": (0.02, 0.06)}
    for item in composition:
        if item["substance"] in ranges:
            low, high = ranges[item["substance"]]
            item["recycled_share_post_consumer"] = text(
                jitter(rng, low, high).quantize(Decimal("0.01"))
            )
            item["recycled_share_pre_consumer"] = text(
                jitter(rng, 0, 0.03).quantize(Decimal("0.01"))
            )


def gbt_code(draft: Draft, chemistry: str) -> str:
    """A GB/T 34014 pack code whose battery-type letter matches the declared chemistry."""
    line = 1 + draft.number % 4
    return gbt34014.build(
        manufacturer_code=draft.manufacturer.gbt_manufacturer_code,
        product_type="pack",
        battery_type=gbt_battery_type(chemistry),
        specification_code=f"{draft.model_index + 1:02d}",
        traceability_code=f"{draft.plant.code}L{line}{draft.made.isocalendar().week:02d}",
        production_date=draft.made,
        serial=f"{draft.number:07d}",
    ).code


# Power-tool packs: portable batteries need no passport (Art. 77(1)), and a maker may still give
# them one. Drawn from their own random stream after every other product, so nothing the
# demo made before changes; numbered after the maker's other batteries.
PORTABLE_MODEL = BatteryModel(
    "VX-Tool 18", "portable", "NMC622", Decimal("0.09"), 18, (2020, 2026), DE_PLANTS
)
PORTABLE_COUNT = 12


def portable_declarations(seed: int, manufacturer: Manufacturer, today: date) -> list[dict]:
    """The maker's power-tool packs, each with every attribute a passport can carry."""
    rng = random.Random(f"{seed}:portable")
    prefix = manufacturer.organisation.gs1_company_prefix
    index = len(manufacturer.catalogue)  # the next item reference after the catalogue's
    first = manufacturer.counts[ProductType.BATTERY] + 1
    return [
        battery(
            rng,
            Draft(
                manufacturer=manufacturer,
                model=PORTABLE_MODEL,
                gtin=gtin14(prefix, 1000 + 10 * index),
                model_index=index,
                number=number,
                made=manufacture_date(rng, PORTABLE_MODEL.years, today),
                plant=rng.choice(PORTABLE_MODEL.plants),
            ),
        )
        for number in range(first, first + PORTABLE_COUNT)
    ]
