"""Deterministic demo data: organisations of every kind and passports of all three families.

Compositions are scaled from reference/compositions.json, so the demo's urban-mine figures have
realistic orders of magnitude. Every declaration goes through the same validation and signing
path as the API, so the demo never holds data the API would refuse.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from functools import cache

from biip.checksums import gs1_standard_check_digit
from django.db import transaction
from django.utils import timezone

from lifecycle.services.registration import passports_register
from passports import gbt34014, reference
from passports.declaration import PassportDeclaration
from passports.models import Organisation, OrganisationKind, Passport, ProductType
from passports.services.organisations import organisation_bootstrap, service_account_token_create

DEFAULT_SEED = 2027
REGISTRATION_CHUNK = 100

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

# Grade suffix -> (Dy mass fraction, maximum operating temperature in C) for sintered NdFeB.
NDFEB_SUFFIXES: dict[str, tuple[Decimal, int]] = {
    "": (Decimal("0"), 80),
    "M": (Decimal("0.005"), 100),
    "H": (Decimal("0.012"), 120),
    "SH": (Decimal("0.03"), 150),
    "UH": (Decimal("0.045"), 180),
    "EH": (Decimal("0.06"), 200),
}

DOCUMENT_TITLES = {
    "dismantling": "Dismantling and removal information",
    "safety": "Safety data sheet",
    "declaration_of_conformity": "EU declaration of conformity",
    "test_report": "Performance and durability test report",
    "carbon_footprint_study": "Carbon footprint study",
    "user_information": "User manual",
}

# Grid carbon intensity relative to the EU average, for the manufacturing-stage footprint.
GRID_FACTOR = {
    "CN": Decimal("1.25"), "KR": Decimal("1.05"), "JP": Decimal("1.1"), "DE": Decimal("0.9"),
    "HU": Decimal("0.8"), "PL": Decimal("1.3"), "MY": Decimal("1.15"), "VN": Decimal("1.2"),
}  # fmt: skip

MAGNET_LIFETIME_YEARS = {
    "wind_generator": 25, "ev_motor": 15, "industrial_motor": 20, "consumer_electronics": 8,
}  # fmt: skip


@dataclass(frozen=True)
class OrganisationSpec:
    """An organisation the demo creates, found again on later runs by name and kind."""

    name: str
    kind: str
    country: str
    gs1_company_prefix: str = ""


@dataclass(frozen=True)
class Plant:
    """A factory that makes a model; its code appears in batches, serials and GB/T codes."""

    country: str
    facility: str
    code: str


@dataclass(frozen=True)
class BatteryModel:
    """A battery pack model: one GTIN, one chemistry and rated capacity."""

    name: str
    category: str
    chemistry: str
    capacity_kwh: Decimal
    voltage_v: int
    years: tuple[int, int]
    plants: tuple[Plant, ...]


@dataclass(frozen=True)
class PvModel:
    """A PV module model: one GTIN, one technology, area and nameplate power."""

    name: str
    technology: str
    area_m2: Decimal
    power_w: int
    cells: int | None
    years: tuple[int, int]
    plants: tuple[Plant, ...]


@dataclass(frozen=True)
class MagnetModel:
    """A permanent-magnet set model: one GTIN, grade, application and nominal mass."""

    name: str
    grade: str
    application: str
    mass_kg: Decimal
    host_product: str
    years: tuple[int, int]
    plants: tuple[Plant, ...]


type ProductModel = BatteryModel | PvModel | MagnetModel


@dataclass(frozen=True)
class Manufacturer:
    """A demo manufacturer, its product catalogue and how many of each family it registers."""

    organisation: OrganisationSpec
    domain: str
    catalogue: tuple[ProductModel, ...]
    counts: dict[str, int]
    gbt_manufacturer_code: str = ""


def wind_generator_magnet_kg(megawatts: int) -> Decimal:
    """Magnet mass of a direct-drive wind generator, from the reference per-MW scenario value."""
    per_mw = reference.load("compositions")["ndfeb_magnet_mass_fraction"]["magnet_mass_kg"]
    return Decimal(str(per_mw["wind_generator_per_mw"])) * megawatts


DE_PLANTS = (Plant("DE", "Werk Nord", "WNO"), Plant("HU", "Debrecen", "DEB"))
PL_PLANTS = (Plant("PL", "Wroclaw", "WRO"),)
CN_CELLS = (Plant("CN", "Changzhou Base", "CZH"), Plant("CN", "Yibin Base", "YBN"))
CN_SOLAR = (Plant("CN", "Yancheng Module Fab", "YCM"),)
KR_PLANTS = (Plant("KR", "Ochang Campus", "OCH"),)
KR_SOLAR = (Plant("KR", "Jincheon Fab", "JCF"),)
MY_SOLAR = (Plant("MY", "Kulim Thin-Film Fab", "KUL"),)
JP_MAGNETS = (Plant("JP", "Hikone Works", "HKN"), Plant("CN", "Ganzhou Works", "GZW"))
VN_MAGNETS = (Plant("VN", "Hai Phong Works", "HPW"),)

# A compact table reads better than one argument per line here.
# fmt: off
MANUFACTURERS: tuple[Manufacturer, ...] = (
    Manufacturer(
        OrganisationSpec("Voltaris Cells GmbH", OrganisationKind.MANUFACTURER, "DE", "9506000"),
        "voltaris.example.com",
        (
            BatteryModel("VX-P58", "ev", "NMC622", Decimal(58), 400, (2016, 2022), DE_PLANTS),
            BatteryModel("VX-P77", "ev", "NMC811", Decimal(77), 400, (2019, 2026), DE_PLANTS),
            BatteryModel("VX-P95", "ev", "NMC811", Decimal(95), 800, (2021, 2026), DE_PLANTS),
            BatteryModel("VX-N82", "ev", "NCA", Decimal(82), 400, (2012, 2020), PL_PLANTS),
            BatteryModel("VX-Home 10", "stationary", "LFP", Decimal("10.24"), 51, (2018, 2026),
                         PL_PLANTS),
            BatteryModel("VX-Lift 24", "industrial", "LFP", Decimal(24), 80, (2014, 2026),
                         PL_PLANTS),
        ),
        {ProductType.BATTERY: 70},
    ),
    Manufacturer(
        OrganisationSpec("Jiangnan Power Technology Co., Ltd.", OrganisationKind.MANUFACTURER,
                         "CN", "9506001"),
        "jiangnan-power.example.com",
        (
            BatteryModel("JN-LFP52", "ev", "LFP", Decimal(52), 350, (2011, 2026), CN_CELLS),
            BatteryModel("JN-LFP75", "ev", "LFP", Decimal(75), 400, (2020, 2026), CN_CELLS),
            BatteryModel("JN-T70", "ev", "NMC811", Decimal(70), 400, (2018, 2026), CN_CELLS),
            BatteryModel("JN-T45", "ev", "NMC622", Decimal(45), 350, (2015, 2021), CN_CELLS),
            BatteryModel("JN-ESS280", "stationary", "LFP", Decimal(280), 768, (2019, 2026),
                         CN_CELLS),
            BatteryModel("JN-Bike 0.5", "lmt", "LFP", Decimal("0.48"), 48, (2013, 2026),
                         CN_CELLS),
            PvModel("JN-Poly 260", "c-Si-poly", Decimal("1.63"), 260, 60, (2008, 2019), CN_SOLAR),
            PvModel("JN-Mono 410", "c-Si-mono", Decimal("1.95"), 410, 108, (2019, 2026), CN_SOLAR),
            PvModel("JN-Mono 580", "c-Si-mono", Decimal("2.58"), 580, 144, (2022, 2026), CN_SOLAR),
        ),
        {ProductType.BATTERY: 60, ProductType.PV_MODULE: 45},
        gbt_manufacturer_code="JNP",
    ),
    Manufacturer(
        OrganisationSpec("Hanbit Energy Co., Ltd.", OrganisationKind.MANUFACTURER, "KR", "9506002"),
        "hanbit-energy.example.com",
        (
            BatteryModel("HB-I30", "industrial", "NMC111", Decimal(30), 96, (2006, 2015),
                         KR_PLANTS),
            BatteryModel("HB-E24", "ev", "NMC111", Decimal(24), 360, (2010, 2016), KR_PLANTS),
            BatteryModel("HB-E64", "ev", "NMC622", Decimal(64), 356, (2017, 2023), KR_PLANTS),
            BatteryModel("HB-E84", "ev", "NMC811", Decimal(84), 400, (2021, 2026), KR_PLANTS),
            BatteryModel("HB-S13", "stationary", "NMC622", Decimal("13.5"), 50, (2016, 2024),
                         KR_PLANTS),
            PvModel("HB-Poly 245", "c-Si-poly", Decimal("1.63"), 245, 60, (2006, 2017), KR_SOLAR),
            PvModel("HB-Mono 440", "c-Si-mono", Decimal("2.0"), 440, 108, (2020, 2026), KR_SOLAR),
            PvModel("HB-CT 80", "CdTe", Decimal("0.72"), 80, None, (2009, 2018), MY_SOLAR),
            PvModel("HB-CT 460", "CdTe", Decimal("2.47"), 460, None, (2019, 2026), MY_SOLAR),
        ),
        {ProductType.BATTERY: 50, ProductType.PV_MODULE: 35},
    ),
    Manufacturer(
        OrganisationSpec("Kisaragi Magnetics K.K.", OrganisationKind.MANUFACTURER, "JP", "9506003"),
        "kisaragi-magnetics.example.com",
        (
            MagnetModel("KM-TR120", "N42SH", "ev_motor", Decimal("1.2"),
                        "Traction motor rotor, 150 kW", (2010, 2026), JP_MAGNETS),
            MagnetModel("KM-TR190", "N45UH", "ev_motor", Decimal("1.9"),
                        "Traction motor rotor, 250 kW", (2016, 2026), JP_MAGNETS),
            MagnetModel("KM-WG3", "N38SH", "wind_generator", wind_generator_magnet_kg(3),
                        "Direct-drive wind generator, 3 MW", (2008, 2026), JP_MAGNETS),
            MagnetModel("KM-IM5", "N40H", "industrial_motor", Decimal("0.6"),
                        "IE5 synchronous motor, 5.5 kW", (2006, 2026), VN_MAGNETS),
            MagnetModel("KM-VC10", "N52", "consumer_electronics", Decimal("0.012"),
                        "Hard disk voice-coil actuator", (2006, 2020), VN_MAGNETS),
        ),
        {ProductType.MAGNET: 60},
    ),
)
# fmt: on

OTHER_ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec("Second Life Batteries B.V.", OrganisationKind.REPAIRER, "NL"),
    OrganisationSpec("EuroCollect Sammelsysteme GmbH", OrganisationKind.COLLECTOR, "DE"),
    OrganisationSpec("Nordic Metal Recovery AB", OrganisationKind.RECYCLER, "SE"),
    OrganisationSpec("Rhein Hydromet Recycling GmbH", OrganisationKind.RECYCLER, "DE"),
    OrganisationSpec("Federal Market Surveillance Office", OrganisationKind.REGULATOR, "DE"),
)

ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    *(m.organisation for m in MANUFACTURERS),
    *OTHER_ORGANISATIONS,
)


@dataclass
class DemoOrganisation:
    """A demo organisation with a freshly issued service-account token."""

    organisation: Organisation
    token: str
    created: bool


@dataclass
class DemoResult:
    """What a load created or found: organisations, passport counts and one sample per family."""

    organisations: list[DemoOrganisation]
    registered: int
    passports: Counter = field(default_factory=Counter)
    samples: dict[str, Passport] = field(default_factory=dict)


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


@cache
def gbt_battery_type(chemistry: str) -> str:
    """The GB/T 34014 battery-type letter the reference tables allow for a chemistry."""
    return reference.load("gbt34014")["chemistry_battery_types"]["chemistries"][chemistry][0]


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
    if draft.made.year >= 2021 and rng.random() < 0.6:
        add_recycled_shares(rng, composition)
    lfp = model.chemistry == "LFP"
    declaration = draft.common(ProductType.BATTERY, "B") | {
        "mass_kg": product_mass(capacity * pack * jitter(rng, 0.97, 1.03), composition),
        "attributes": {
            "category": model.category,
            "chemistry": model.chemistry,
            "rated_capacity_kwh": text(capacity),
            "rated_capacity_ah": text((capacity * 1000 / model.voltage_v).quantize(Decimal(1))),
            "nominal_voltage_v": str(model.voltage_v),
            "expected_lifetime_years": {"ev": 12, "stationary": 15, "industrial": 10}.get(
                model.category, 6
            ),
            "expected_lifetime_cycles": rng.randrange(4000, 6001, 500)
            if lfp
            else rng.randrange(1500, 2501, 250),
            "warranty_years": {"ev": 8, "stationary": 10, "industrial": 5}.get(model.category, 2),
            "hazardous_substances": ["lithium hexafluorophosphate (LiPF6)"]
            + ([] if lfp else ["cobalt and nickel oxides"]),
            "extinguishing_agent": "Water in large quantities; cool the pack for 24 h",
        },
        "composition": composition,
        "origin": origins(rng, composition, ("Co", "Li", "Ni", "graphite")),
        "documents": documents(
            draft.manufacturer.domain,
            model.name,
            ["dismantling", "safety", "declaration_of_conformity", "test_report"],
        ),
    }
    if draft.made.year >= 2020:
        base = {"NMC811": 72, "NMC622": 76, "NMC111": 84, "NCA": 74, "LFP": 58}[model.chemistry]
        per_kwh = base * jitter(rng, 0.9, 1.1) * GRID_FACTOR[draft.plant.country]
        declaration["carbon_footprint"] = carbon_footprint(
            rng, "kg_co2e_per_kwh", per_kwh, capacity, (60, 75, 90, 110)
        )
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


def origins(rng: random.Random, composition: list[dict], substances: tuple[str, ...]) -> list[dict]:
    """Origin rows for those of the substances the composition contains."""
    present = {item["substance"] for item in composition}
    return [row for s in substances if s in present for row in origin_shares(rng, s)]


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
        "attributes": {
            "technology": model.technology,
            "rated_power_w": str(model.power_w),
            "area_m2": text(model.area_m2),
            "efficiency_pct": text((model.power_w / model.area_m2 / 10).quantize(Decimal("0.1"))),
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


def organisation_ensure(spec: OrganisationSpec) -> DemoOrganisation:
    """Finds the demo organisation by name and kind, or creates it; always issues a new token."""
    existing = Organisation.objects.filter(name=spec.name, kind=spec.kind).first()
    if existing is not None:
        return DemoOrganisation(
            existing, service_account_token_create(organisation=existing), False
        )
    organisation, token = organisation_bootstrap(
        name=spec.name,
        kind=spec.kind,
        country=spec.country,
        gs1_company_prefix=spec.gs1_company_prefix,
    )
    return DemoOrganisation(organisation, token, True)


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
    """Creates the demo organisations and passports; a repeated load adds nothing new."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        found = {spec: organisation_ensure(spec) for spec in ORGANISATIONS}
        registered = 0
        for manufacturer in MANUFACTURERS:
            # Generate even when nothing is missing, so every manufacturer sees the same stream.
            drafts = declarations(rng, manufacturer, today)
            registered += register(found[manufacturer.organisation].organisation, drafts)
    result = DemoResult(organisations=list(found.values()), registered=registered)
    demo_passports = Passport.objects.filter(
        manufacturer__in=[found[m.organisation].organisation for m in MANUFACTURERS]
    ).order_by("manufacturer__name", "serial")
    result.passports.update(demo_passports.values_list("product_type", flat=True))
    for product_type in ProductType.values:
        sample = demo_passports.filter(product_type=product_type).first()
        if sample is not None:
            result.samples[product_type] = sample
    return result
