"""Permanent-magnet declarations: sintered NdFeB sets whose Dy content follows their grade."""

import random
from decimal import Decimal

from passports import reference
from passports.models import ProductType
from recycling.demo.common import (
    GRID_FACTOR,
    Draft,
    carbon_footprint,
    composition_items,
    documents,
    jitter,
    origins,
    product_mass,
)
from recycling.demo.organisations import MagnetModel

# Grade suffix -> (Dy mass fraction, maximum operating temperature in C) for sintered NdFeB.
NDFEB_SUFFIXES: dict[str, tuple[Decimal, int]] = {
    "": (Decimal("0"), 80),
    "M": (Decimal("0.005"), 100),
    "H": (Decimal("0.012"), 120),
    "SH": (Decimal("0.03"), 150),
    "UH": (Decimal("0.045"), 180),
    "EH": (Decimal("0.06"), 200),
}


MAGNET_LIFETIME_YEARS = {
    "wind_generator": 25, "ev_motor": 15, "industrial_motor": 20, "consumer_electronics": 8,
}  # fmt: skip


def magnet(rng: random.Random, draft: Draft) -> dict:
    """A sintered NdFeB magnet set whose Dy content follows its temperature grade."""
    model: MagnetModel = draft.model  # type: ignore[assignment]
    typical = reference.load("compositions")["ndfeb_magnet_mass_fraction"]["ev_motor_grade_typical"]
    suffix = model.grade.lstrip("N0123456789")
    dysprosium, max_temperature = NDFEB_SUFFIXES[suffix]
    # Grain-boundary diffusion (from the mid 2010s) swaps part of the Dy for far less Tb.
    terbium = Decimal("0.005") if draft.made.year >= 2016 and dysprosium >= Decimal("0.03") else 0
    dysprosium -= 2 * terbium
    rare_earths = jitter(rng, 0.305, 0.32)
    light = rare_earths - dysprosium - terbium
    praseodymium = light * Decimal(str(typical["Pr"] / (typical["Nd"] + typical["Pr"])))
    coating = "epoxy_coating" if model.application == "wind_generator" else "nickel_plating"
    fractions = {
        "Nd": light - praseodymium,
        "Pr": praseodymium,
        "Dy": dysprosium,
        "Tb": Decimal(terbium),
        "B": Decimal(str(typical["B"])),
        "Co": Decimal(str(typical["Co"])) if suffix in ("SH", "UH", "EH") else Decimal("0.005"),
        coating: Decimal("0.004") if coating == "epoxy_coating" else Decimal("0.008"),
    }
    # Cu, Al, Ga and oxygen make up the undeclared remainder.
    fractions["Fe"] = 1 - sum(fractions.values()) - jitter(rng, 0.003, 0.008)
    mass = model.mass_kg * jitter(rng, 0.99, 1.01)
    composition = composition_items({name: mass * share for name, share in fractions.items()})
    declaration = draft.common(ProductType.MAGNET, "M") | {
        "mass_kg": product_mass(mass, composition),
        "attributes": {
            "magnet_type": "NdFeB",
            "grade": model.grade,
            "application": model.application,
            "coating": "Ni-Cu-Ni" if coating == "nickel_plating" else "epoxy",
            "max_operating_temperature_c": str(max_temperature),
            "host_product": model.host_product,
            "removal_information": "Demagnetise above 350 C or remove the rotor "
            "before shredding; see the dismantling document.",
            "expected_lifetime_years": MAGNET_LIFETIME_YEARS[model.application],
        },
        "composition": composition,
        "origin": origins(rng, composition, ("Nd", "Pr", "Dy")),
        "documents": documents(
            draft.manufacturer.domain, model.name, ["dismantling", "declaration_of_conformity"]
        ),
    }
    if draft.made.year >= 2018:
        per_kg = jitter(rng, 25, 45) * GRID_FACTOR[draft.plant.country]
        declaration["carbon_footprint"] = carbon_footprint(
            rng, "kg_co2e_per_kg", per_kg, Decimal(declaration["mass_kg"]), (25, 32, 40, 50)
        )
    return declaration
