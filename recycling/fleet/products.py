"""Declarations of a realistic fleet, built directly in their validated and normalised form.

Families, chemistries and compositions come from reference/compositions.json: battery packs per
kWh (BatPaC), PV modules per m2 (PV_ICE), NdFeB magnets by mass fraction. What an API client
would send is what PassportDeclaration turns into these dicts; the tests feed a sample back
through it to prove the two agree.
"""

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from passports import substances
from passports.declaration import normalised
from passports.reference import load
from recycling.battery_facts import END_USER_DOCUMENTS, battery_facts, carbon_stages, postal_address
from recycling.pv_facts import pv_datasheet

# Where each critical substance is mined or refined, with typical leading shares.
SOURCES: dict[str, tuple[str, ...]] = {
    "Co": ("CD", "AU", "PH", "CA"),
    "Li": ("AU", "CL", "AR", "CN"),
    "Ni": ("ID", "PH", "CA", "AU"),
    "graphite": ("CN", "MZ", "BR"),
    "Si": ("CN", "NO", "US"),
    "Ag": ("MX", "PE", "CN"),
    "Te": ("CN", "SE", "JP"),
    "Nd": ("CN", "AU", "US"),
    "Pr": ("CN", "AU"),
    "Dy": ("CN", "MM"),
}
MARKETS = ("DE", "FR", "PL", "NL", "IT", "ES", "SE", "BE", "AT", "CZ")
BATTERY_MIX = (("NMC811", 3), ("NMC622", 3), ("NMC111", 1), ("NCA", 1), ("LFP", 3))
BATTERY_USES = (("ev", 60, 100, 6), ("stationary", 10, 200, 2), ("lmt", 1, 3, 2))
MAGNET_USES = (("ev_motor", 0.8, 2.5, 6), ("industrial_motor", 0.5, 5.0, 3), ("wind", 2, 6, 1))
FAMILIES = (("battery", 5), ("pv_module", 3), ("magnet", 2))


@dataclass(frozen=True)
class Manufacturer:
    """A fleet manufacturer: its GS1 prefix, plants and the family it makes."""

    family: str
    name: str
    country: str
    gs1_prefix: str
    plants: tuple[tuple[str, str], ...]


MANUFACTURERS = (
    Manufacturer(
        "battery", "Fleet Batteries", "DE", "9506100", (("DE", "Werk Nord"), ("PL", "Wroclaw"))
    ),
    Manufacturer(
        "pv_module", "Fleet Solar", "CN", "9506200", (("CN", "Yancheng"), ("MY", "Kulim"))
    ),
    Manufacturer(
        "magnet", "Fleet Magnets", "JP", "9506300", (("JP", "Hikone"), ("VN", "Hai Phong"))
    ),
)


def gtin14(prefix: str, item_reference: int) -> str:
    """A GTIN-14 with indicator 0 under a GS1 company prefix, with its check digit."""
    body = "0" + prefix + f"{item_reference:0{12 - len(prefix)}d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


@cache
def _substance(name: str) -> tuple[str, bool]:
    found = substances.lookup(name)
    return found.cas or "", found.critical


def _kg(value: float, places: int = 3) -> Decimal:
    return normalised(Decimal(f"{value:.{places}f}"))


def _pick(rng: random.Random, weighted) -> tuple:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


def _composition(rng: random.Random, masses: dict[str, float]) -> list[dict]:
    items = []
    for substance, mass in masses.items():
        cas, critical = _substance(substance)
        post = Decimal(0)
        if substance in ("Co", "Ni", "Li") and rng.random() < 0.4:
            post = _kg(rng.uniform(0.02, 0.16), 2)
        items.append(
            {
                "substance": substance,
                "cas": cas,
                "mass_kg": _kg(mass),
                "recycled_share_pre_consumer": normalised(Decimal(0)),
                "recycled_share_post_consumer": normalised(post),
                "critical": critical,
            }
        )
    return items


def _origin(rng: random.Random, composition: list[dict]) -> list[dict]:
    shares = []
    for item in composition:
        countries = SOURCES.get(item["substance"])
        if not countries:
            continue
        first = Decimal(rng.choice(("0.5", "0.6", "0.7", "0.8", "0.9", "1")))
        split = [(countries[0], first)]
        if first < 1:
            split.append((rng.choice(countries[1:]), 1 - first))
        shares += [
            {
                "substance": item["substance"],
                "country": c,
                "supplier": "",
                "facility": "",
                "share": normalised(s),
            }
            for c, s in split
        ]
    return shares


def _battery(rng: random.Random):
    chemistry = _pick(rng, BATTERY_MIX)[0]
    category, low, high, _ = _pick(rng, BATTERY_USES)
    kwh = round(rng.uniform(low, high), 1)
    per_kwh = _reference()["battery_pack_kg_per_kwh"][chemistry]
    masses = {k: v * kwh for k, v in per_kwh.items() if k != "pack_kg_per_kwh"}
    voltage = normalised(Decimal(400 if category == "ev" else 48))
    attributes = {
        "category": category,
        "chemistry": chemistry,
        "rated_energy_kwh": _kg(kwh, 1),
        "nominal_voltage_v": voltage,
        "expected_lifetime_years": 12 if category == "ev" else 10,
        "expected_lifetime_cycles": 2000,
        "extinguishing_agent": "Water in large quantities",
        **battery_facts(
            maker="Fleet Batteries",
            domain="fleet.example",
            country="DE",
            chemistry=chemistry,
            kwh=Decimal(_kg(kwh, 1)),
            voltage_v=voltage,
        ),
    }
    co2e_per_kwh = _kg(rng.uniform(55, 110), 1)
    footprint = {
        "kg_co2e_per_kwh": co2e_per_kwh,
        "stages": carbon_stages(co2e_per_kwh),
        "performance_class": "C",
        "study_url": "https://fleet.example/carbon-footprint-study.pdf",
    }
    return (
        f"{chemistry}-{category}",
        attributes,
        footprint,
        per_kwh["pack_kg_per_kwh"] * kwh,
        masses,
    )


def _pv_module(rng: random.Random):
    technology = rng.choices(("c-Si-mono", "c-Si-poly", "CdTe"), weights=(6, 2, 1))[0]
    area = round(rng.uniform(1.6, 2.6), 2)
    per_m2 = _reference()["pv_module_g_per_m2"]["CdTe" if technology == "CdTe" else "c-Si"]
    masses = {k: v * area / 1000 for k, v in per_m2.items()}
    efficiency = 0.18 if technology == "CdTe" else 0.21
    attributes = pv_datasheet(
        technology=technology,
        pmax_w=Decimal(int(area * efficiency * 1000)),
        area_m2=_kg(area, 2),
        silver_g=Decimal(str(masses.get("Ag", 0) * 1000)),
        cadmium_g=Decimal(str(masses.get("Cd", 0) * 1000)),
    )
    return technology, attributes, {}, sum(masses.values()) * 1.04, masses


def _magnet(rng: random.Random):
    application, low, high, _ = _pick(rng, MAGNET_USES)
    fractions = _reference()["ndfeb_magnet_mass_fraction"]["ev_motor_grade_typical"]
    if application == "wind":
        application, mass = "wind_generator", 600 * rng.randint(low, high)
    else:
        mass = rng.uniform(low, high)
    masses = {k: v * mass * 0.995 for k, v in fractions.items()}
    attributes = {"magnet_type": "NdFeB", "grade": "N42SH", "application": application}
    return f"NdFeB-{application}", attributes, {}, mass, masses


BUILDERS = {"battery": _battery, "pv_module": _pv_module, "magnet": _magnet}


@cache
def _reference() -> dict:
    return load("compositions")


def declaration(rng: random.Random, manufacturer: Manufacturer, serial: str, today: date) -> dict:
    """One validated, normalised declaration of the manufacturer's family."""
    model, attributes, footprint, mass, masses = BUILDERS[manufacturer.family](rng)
    composition = _composition(rng, masses)
    # The declared mass is at least what the composition adds up to, as validation demands.
    total = sum((item["mass_kg"] for item in composition), Decimal(0))
    mass_kg = max(_kg(mass), total)
    country, facility = rng.choice(manufacturer.plants)
    made = today - timedelta(days=rng.randint(200, 20 * 365))
    item_reference = zlib.crc32(model.encode()) % 1000
    return {
        "product_type": manufacturer.family,
        "gtin": gtin14(manufacturer.gs1_prefix, item_reference),
        "serial": serial,
        "gbt_code": None,
        "model": model,
        "batch": f"{made:%Y%m}",
        "manufactured_at": made,
        "manufacturing_place": _place(manufacturer.family, country, facility),
        "mass_kg": normalised(mass_kg),
        "attributes": attributes,
        "carbon_footprint": footprint,
        "composition": composition,
        "origin": _origin(rng, composition),
        "documents": _documents(manufacturer.family),
        "predecessor": None,
    }


def _place(family: str, country: str, facility: str) -> dict:
    place = {"country": country, "facility": facility}
    if family == "battery":
        place["address"] = postal_address(facility, country)
    return place


def _documents(family: str) -> list[dict]:
    """The documents a battery passport must link (none for the other families here)."""
    if family != "battery":
        return []
    return [
        {"kind": kind, "url": f"https://fleet.example/docs/{kind}.pdf", "title": ""}
        for kind in END_USER_DOCUMENTS
    ]


def family_of(rng: random.Random) -> Manufacturer:
    family = _pick(rng, FAMILIES)[0]
    return next(m for m in MANUFACTURERS if m.family == family)
