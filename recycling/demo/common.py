"""Helpers every product family's generator shares: exact masses, identifiers, dates, origins,
footprints and document links."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from biip.checksums import gs1_standard_check_digit

from recycling.demo.organisations import Manufacturer, Plant, ProductModel

# Mining and refining countries per substance, most important first (USGS-style shares).
ORIGIN_COUNTRIES: dict[str, tuple[tuple[str, int], ...]] = {
    "Co": (("CD", 75), ("ID", 12), ("AU", 13)),
    "Li": (("AU", 45), ("CL", 25), ("CN", 18), ("AR", 12)),
    "Ni": (("ID", 55), ("PH", 15), ("RU", 15), ("CA", 15)),
    "graphite": (("CN", 80), ("MZ", 20)),
    "Nd": (("CN", 70), ("MM", 10), ("AU", 12), ("US", 8)),
    "Pr": (("CN", 70), ("MM", 10), ("AU", 12), ("US", 8)),
    "Dy": (("CN", 65), ("MM", 30), ("AU", 5)),
    "Si": (("CN", 85), ("NO", 15)),
}


DOCUMENT_TITLES = {
    "dismantling": "Dismantling and removal information",
    "safety": "Safety data sheet",
    "declaration_of_conformity": "EU declaration of conformity",
    "test_report": "Performance and durability test report",
    "carbon_footprint_study": "Carbon footprint study",
    "user_information": "User manual",
    "waste_prevention": "Your role in preventing battery waste",
    "separate_collection": "Returning the battery for separate collection",
    "end_of_life_information": "Collection, second life and treatment at end of life",
}


# Grid carbon intensity relative to the EU average, for the manufacturing-stage footprint.
GRID_FACTOR = {
    "CN": Decimal("1.25"), "KR": Decimal("1.05"), "JP": Decimal("1.1"), "DE": Decimal("0.9"),
    "HU": Decimal("0.8"), "PL": Decimal("1.3"), "MY": Decimal("1.15"), "VN": Decimal("1.2"),
}  # fmt: skip


def kg(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """A mass to four significant figures, never finer than the schema's six decimal places."""
    exponent = max(-6, min(0, value.adjusted() - 3))
    return value.quantize(Decimal(1).scaleb(exponent), rounding=rounding)


def text(value: Decimal) -> str:
    return format(value, "f")


def jitter(rng: random.Random, low: float, high: float) -> Decimal:
    """A random factor in [low, high] as an exact four-place decimal."""
    return Decimal(str(round(rng.uniform(low, high), 4)))


def gtin14(prefix: str, item_reference: int) -> str:
    """GTIN-14 with indicator 0 for a GS1 company prefix and item reference."""
    body = prefix + str(item_reference).zfill(12 - len(prefix))
    return "0" + body + str(gs1_standard_check_digit(body))


def manufacture_date(rng: random.Random, years: tuple[int, int], today: date) -> date:
    """A date within the model's production years, folded back from the future if needed."""
    start, end = date(years[0], 1, 1), date(years[1], 12, 31)
    drawn = start + timedelta(days=int(rng.random() * (end - start).days))
    # Folding (not redrawing) keeps the random stream, so identifiers stay the same every day.
    if drawn > today:
        drawn = max(start, today - (drawn - today))
    return drawn


def origin_shares(rng: random.Random, substance: str) -> list[dict]:
    """One to three source countries whose shares, in tenths, add up to exactly 1."""
    countries = ORIGIN_COUNTRIES[substance]
    count = rng.choices((1, 2, 3), weights=(5, 4, 2))[0] if len(countries) > 1 else 1
    count = min(count, len(countries))
    dominant = rng.choices([c for c, _ in countries], weights=[w for _, w in countries])[0]
    others = rng.sample([c for c, _ in countries if c != dominant], count - 1)
    cuts = sorted(rng.sample(range(1, 10), count - 1))
    tenths = sorted((b - a for a, b in zip([0, *cuts], [*cuts, 10], strict=True)), reverse=True)
    return [
        {"substance": substance, "country": country, "share": text(Decimal(part) / 10)}
        for country, part in zip([dominant, *others], tenths, strict=True)
    ]


def composition_items(masses: dict[str, Decimal]) -> list[dict]:
    """Composition rows with rounded masses, leaving out substances the product lacks."""
    return [
        {"substance": name, "mass_kg": text(kg(mass))} for name, mass in masses.items() if mass > 0
    ]


def product_mass(raw: Decimal, composition: list[dict]) -> str:
    """The product mass, rounded up so that it is never below the declared composition."""
    total = sum((Decimal(item["mass_kg"]) for item in composition), Decimal(0))
    return text(kg(max(raw, total), rounding=ROUND_CEILING))


def performance_class(value: Decimal, bounds: tuple[int, int, int, int]) -> str:
    """Class A to E by the upper bounds of A to D."""
    return next((c for c, b in zip("ABCD", bounds, strict=True) if value < b), "E")


def carbon_footprint(
    rng: random.Random, unit: str, per_unit: Decimal, units: Decimal, bounds: tuple[int, ...]
) -> dict:
    """A footprint per functional unit with its life-cycle stages and an indicative class."""
    per_unit = per_unit.quantize(Decimal("0.1"))
    raw = (per_unit * jitter(rng, 0.58, 0.66)).quantize(Decimal("0.1"))
    production = (per_unit * jitter(rng, 0.26, 0.32)).quantize(Decimal("0.1"))
    distribution = (per_unit * Decimal("0.02")).quantize(Decimal("0.1"))
    return {
        unit: text(per_unit),
        "total_kg_co2e": text((per_unit * units).quantize(Decimal("0.1"))),
        "stages": {
            "raw_material_acquisition": text(raw),
            "main_production": text(production),
            "distribution": text(distribution),
            "end_of_life_and_recycling": text(per_unit - raw - production - distribution),
        },
        "performance_class": performance_class(per_unit, bounds),
    }


def documents(domain: str, model: str, kinds: list[str]) -> list[dict]:
    """Links to the model's documents on the manufacturer's site."""
    slug = model.lower().replace(" ", "-").replace(".", "")
    return [
        {
            "kind": kind,
            "url": f"https://{domain}/docs/{slug}/{kind.replace('_', '-')}.pdf",
            "title": DOCUMENT_TITLES[kind],
        }
        for kind in kinds
    ]


@dataclass
class Draft:
    """Identity of one product being generated, shared by the per-family builders."""

    manufacturer: Manufacturer
    model: ProductModel
    gtin: str
    model_index: int
    number: int
    made: date
    plant: Plant

    def common(self, product_type: str, letter: str) -> dict:
        """The declaration fields every family shares: identity, batch, date and place."""
        week = self.made.isocalendar().week
        return {
            "product_type": product_type,
            "gtin": self.gtin,
            "serial": f"{letter}{self.plant.code}-{self.number:06d}",
            "model": self.model.name,
            "batch": f"{self.plant.code}-{self.made.year}W{week:02d}",
            "manufactured_at": self.made.isoformat(),
            "manufacturing_place": {
                "country": self.plant.country,
                "facility": self.plant.facility,
            },
        }


def origins(rng: random.Random, composition: list[dict], substances: tuple[str, ...]) -> list[dict]:
    """Origin rows for those of the substances the composition contains."""
    present = {item["substance"] for item in composition}
    return [row for s in substances if s in present for row in origin_shares(rng, s)]
