"""PV module declarations: crystalline-silicon and CdTe modules scaled from PV_ICE baselines."""

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
from recycling.demo.organisations import PvModel
from recycling.pv_facts import pv_datasheet


def pv_module(rng: random.Random, draft: Draft) -> dict:
    """A crystalline-silicon or CdTe module scaled from the PV_ICE material baselines."""
    model: PvModel = draft.model  # type: ignore[assignment]
    key = "CdTe" if model.technology == "CdTe" else "c-Si"
    per_m2 = reference.load("compositions")["pv_module_g_per_m2"][key]
    masses = {
        substance: model.area_m2 * Decimal(str(grams)) / 1000 * jitter(rng, 0.96, 1.04)
        for substance, grams in per_m2.items()
    }
    if "Ag" in masses:
        # Silver paste per cell has fallen steadily; the reference is the 2020 value.
        masses["Ag"] *= Decimal(str(max(0.8, 1 + 0.08 * (2020 - draft.made.year))))
    masses["plastics"] = jitter(rng, 0.25, 0.4)  # junction box and cables
    composition = composition_items(masses)
    declaration = draft.common(ProductType.PV_MODULE, "P") | {
        "mass_kg": product_mass(sum(masses.values()) * jitter(rng, 1.0, 1.02), composition),
        "attributes": pv_datasheet(
            technology=model.technology,
            pmax_w=Decimal(model.power_w),
            area_m2=model.area_m2,
            silver_g=masses.get("Ag", Decimal(0)) * 1000,
            cadmium_g=masses.get("Cd", Decimal(0)) * 1000,
        )
        | {
            "expected_lifetime_years": 30 if draft.made.year >= 2018 else 25,
            "hazardous_substances": ["Cd"] if key == "CdTe" else ["Pb (solder)"],
        }
        | ({"cell_count": model.cells} if model.cells else {}),
        "composition": composition,
        "origin": origins(rng, composition, ("Si",)),
        "documents": documents(
            draft.manufacturer.domain,
            model.name,
            ["declaration_of_conformity", "dismantling", "user_information"],
        ),
    }
    if draft.made.year >= 2015:
        base = 400 if key == "CdTe" else 720
        per_kwp = base * jitter(rng, 0.85, 1.15) * GRID_FACTOR[draft.plant.country]
        kwp = Decimal(model.power_w) / 1000
        declaration["carbon_footprint"] = carbon_footprint(
            rng, "kg_co2e_per_kwp", per_kwp, kwp, (400, 550, 700, 850)
        )
    return declaration
