"""Deterministic demo data: organisations of every kind, passports of all three families, and
their use and end of life.

Compositions are scaled from reference/compositions.json, so the demo's urban-mine figures have
realistic orders of magnitude. Every declaration, event, collection and treatment batch goes
through the same validation and signing path as the API, so the demo never holds data the API
would refuse, and its statistics are computed as any recycler's would be.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from functools import cache

from biip.checksums import gs1_standard_check_digit
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from lifecycle.models import EventType
from lifecycle.payloads import payload_schema
from lifecycle.services.events import event_record
from lifecycle.services.registration import passports_register
from passports import gbt34014, reference
from passports.declaration import PassportDeclaration
from passports.models import Organisation, OrganisationKind, Passport, PassportStatus, ProductType
from passports.services.organisations import (
    organisation_bootstrap,
    person_create,
    service_account_token_create,
)
from passports.substances import is_element
from recycling.battery_facts import END_USER_DOCUMENTS, battery_facts, postal_address
from recycling.categories import category_of
from recycling.models import (
    Batch,
    BatchInput,
    BatchOutput,
    BatchStatus,
    CollectionItem,
    CountsAs,
    Statistic,
)
from recycling.pv_facts import pv_datasheet
from recycling.services.aggregation import aggregates_rebuild
from recycling.services.batches import batch_close, batch_input_add, batch_open, batch_output_add
from recycling.services.collections import collection_record
from recycling.targets import applicable_target

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
    "waste_prevention": "Your role in preventing battery waste",
    "separate_collection": "Returning the battery for separate collection",
    "end_of_life_information": "Collection, second life and treatment at end of life",
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
        {ProductType.BATTERY: 140},
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
        {ProductType.BATTERY: 120, ProductType.PV_MODULE: 90},
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
        {ProductType.BATTERY: 100, ProductType.PV_MODULE: 70},
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
        {ProductType.MAGNET: 120},
    ),
)
# fmt: on

OTHER_ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec("Second Life Batteries B.V.", OrganisationKind.REPAIRER, "NL"),
    OrganisationSpec("EuroCollect Sammelsysteme GmbH", OrganisationKind.COLLECTOR, "DE"),
    OrganisationSpec("Nordic Metal Recovery AB", OrganisationKind.RECYCLER, "SE"),
    OrganisationSpec("Rhein Hydromet Recycling GmbH", OrganisationKind.RECYCLER, "DE"),
    OrganisationSpec("Federal Market Surveillance Office", OrganisationKind.REGULATOR, "DE"),
    OrganisationSpec("Notified Body for Batteries GmbH", OrganisationKind.NOTIFIED_BODY, "DE"),
)

ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    *(m.organisation for m in MANUFACTURERS),
    *OTHER_ORGANISATIONS,
)


# Every demo organisation has one person who signs in to the web interface with this password.
# It is printed by `load_demo` and only ever set on demo accounts.
DEMO_PASSWORD = "passport-demo"


@dataclass
class DemoOrganisation:
    """A demo organisation with a freshly issued service-account token and the username of the
    person who signs in to the web interface for it."""

    organisation: Organisation
    token: str
    created: bool
    username: str = ""


def demo_username(spec: OrganisationSpec) -> str:
    """The sign-in name of the demo organisation's person: the first word of its name."""
    return slugify(spec.name.split()[0])


@dataclass(frozen=True)
class StatisticLine:
    """One statistic as the summary shows it: the rate against the EU target of its year."""

    metric: str
    scope: str
    year: int
    rate_pct: Decimal
    target_pct: Decimal
    met: bool


@dataclass
class EndOfLifeSummary:
    """How far the demo products got: sold, collected, treated, and the statistics that follow."""

    recorded: bool
    placed: int = 0
    collected: int = 0
    recycled: int = 0
    one_step: int = 0
    two_step: int = 0
    open_batches: int = 0
    statistics: int = 0
    examples: list[StatisticLine] = field(default_factory=list)


@dataclass
class DemoResult:
    """What a load created or found: organisations, passport counts, one sample per family and
    how far the products got through their end of life."""

    organisations: list[DemoOrganisation]
    registered: int
    passports: Counter = field(default_factory=Counter)
    samples: dict[str, Passport] = field(default_factory=dict)
    end_of_life: EndOfLifeSummary | None = None


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
    username = demo_username(spec)
    existing = Organisation.objects.filter(name=spec.name, kind=spec.kind).first()
    if existing is not None:
        person_create(organisation=existing, username=username, password=DEMO_PASSWORD)
        token = service_account_token_create(organisation=existing)
        return DemoOrganisation(existing, token, False, username)
    organisation, token = organisation_bootstrap(
        name=spec.name,
        kind=spec.kind,
        country=spec.country,
        gs1_company_prefix=spec.gs1_company_prefix,
    )
    person_create(organisation=organisation, username=username, password=DEMO_PASSWORD)
    return DemoOrganisation(organisation, token, True, username)


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


# End of life ------------------------------------------------------------------------------------
#
# The demo then lives through the products' use and end of life with the real services, so every
# event is signed and every aggregate bucket marked: most products are placed on the market, a
# few report their health, the older ones are collected, and most of what was collected is
# treated by the two recyclers on different routes, some in two steps (black mass or a PV cell
# fraction refined by the other recycler).

COLLECTION_START = date(2021, 1, 1)  # the demo's take-back schemes report from 2021 on
TREATMENT_START_YEAR = 2022
REST = "rest"  # mass the declaration leaves undeclared (cathode oxygen, electronics, wiring)
LOSS = "loss"  # a fraction that leaves as declared loss (evaporation, combustion, off-gas)
SIX_PLACES = Decimal("0.000001")

COLLECTOR_SPEC, NORDIC_SPEC, RHEIN_SPEC = OTHER_ORGANISATIONS[1:4]

# Where products are sold, per battery category or product family: a few markets, each large
# enough that its collection rates describe more than a handful of products. Forklift packs
# (PL) and e-bike packs (NL) go where the demo's take-back schemes do not report, so a stream of
# one or two products a year publishes no rate; magnets reach Europe in German-built motors.
MARKETS: dict[str, tuple[tuple[str, int], ...]] = {
    "ev": (("DE", 65), ("SE", 35)),
    "stationary": (("DE", 100),),
    "industrial": (("PL", 100),),
    "lmt": (("NL", 100),),
    ProductType.PV_MODULE: (("DE", 65), ("FR", 35)),
    ProductType.MAGNET: (("DE", 100),),
}
# Chinese makers sell at home as well; their home market has no demo take-back scheme.
HOME_MARKET_SHARE: dict[str, float] = {"CN": 0.3}

# The take-back schemes the demo collectors serve; products sold elsewhere stay in use.
COLLECTION_REGIONS: dict[str, tuple[str, ...]] = {
    "DE": ("DE-BY", "DE-NW", "DE-BW", "DE-NI"),
    "FR": ("FR-IDF", "FR-ARA"),
    "SE": ("SE-AB", "SE-O"),
}

# Share of end-of-life products that reach a take-back scheme: EV and industrial packs go back
# almost whole through dealers, magnets are hidden in host products, and small electronics are
# the worst collected of all.
COLLECTION_PROBABILITY: dict[str, float] = {
    ProductType.BATTERY: 0.9,
    ProductType.PV_MODULE: 0.8,
    ProductType.MAGNET: 0.6,
    "consumer_electronics": 0.3,
}
# Service life as a share of the declared expected lifetime (low, high, most likely): packs
# often retire early with the vehicle, PV parks are sometimes repowered before 25 years, and
# wind turbines run their full design life.
SERVICE_LIFE: dict[str, tuple[float, float, float]] = {
    ProductType.BATTERY: (0.5, 1.2, 0.8),
    ProductType.PV_MODULE: (0.35, 1.0, 0.6),
    ProductType.MAGNET: (0.5, 1.1, 0.8),
    "wind_generator": (0.8, 1.2, 1.0),
}
# Waste from before the schemes reported was stored (garages, depots) and handed in over the
# schemes' first years, not all at once.
BACKLOG_DAYS = 1800
# Warranty returns and accident damage; a wind turbine's generator is not among them.
EARLY_FAILURE: dict[str, float] = {ProductType.BATTERY: 0.05, ProductType.PV_MODULE: 0.05,
                                   ProductType.MAGNET: 0.05, "wind_generator": 0.0}  # fmt: skip
HEALTH_PROBABILITY: dict[str, float] = {
    ProductType.BATTERY: 0.3,
    ProductType.PV_MODULE: 0.15,
    ProductType.MAGNET: 0.1,
}


@dataclass(frozen=True)
class Fraction:
    """An output fraction of a treatment recipe: which share of each input substance it takes.

    Its mass is the input-derived mass times `factor`, which adds what reagents bring (sulphate
    and water of crystallisation, carbonate, oxygen). A LOSS fraction is declared as the batch's
    loss instead of being recorded; the `remainder` fraction takes whatever is left.
    """

    name: str
    counts_as: str
    destination: str = ""
    shares: dict[str, tuple[float, float]] = field(default_factory=dict)
    factor: Decimal = Decimal(1)
    since: int = 0
    until: int = 9999
    remainder: bool = False


@dataclass(frozen=True)
class Route:
    """A recycler's treatment line; `refinery` names the line that takes its intermediate."""

    key: str
    recycler: OrganisationSpec
    process_route: str
    site_region: str
    recipe: str
    days: int = 21
    refinery: str = ""
    assay: tuple[str, ...] = ()
    offset_days: int = 0


# Short names keep the recipe tables readable.
RECYCLED, ENERGY, BACKFILL, DISPOSED, INTERMEDIATE = (
    CountsAs.RECYCLING,
    CountsAs.ENERGY_RECOVERY,
    CountsAs.BACKFILLING,
    CountsAs.DISPOSAL,
    CountsAs.INTERMEDIATE,
)
PRECURSOR, CATHODE = "cathode precursor plant", "cathode material plant"
LANDFILL, HAZARDOUS = "landfill", "hazardous waste landfill"

# Salts leached from black mass. The factors are salt-to-metal mass ratios (NiSO4.6H2O,
# CoSO4.7H2O, MnSO4.H2O, Li2CO3, FePO4): only the metal originates from the batteries. Lithium
# recovery rose when the refiner added a carbonate precipitation step in 2024.
# fmt: off
BATTERY_SALTS: tuple[Fraction, ...] = (
    Fraction("nickel sulphate hexahydrate", RECYCLED, PRECURSOR, {"Ni": (0.93, 0.97)},
             Decimal("4.48")),
    Fraction("cobalt sulphate heptahydrate", RECYCLED, PRECURSOR, {"Co": (0.93, 0.97)},
             Decimal("4.77")),
    Fraction("manganese sulphate monohydrate", RECYCLED, PRECURSOR, {"Mn": (0.85, 0.93)},
             Decimal("3.08")),
    Fraction("lithium carbonate", RECYCLED, CATHODE, {"Li": (0.45, 0.6)}, Decimal("5.32"),
             until=2023),
    Fraction("lithium carbonate", RECYCLED, CATHODE, {"Li": (0.75, 0.85)}, Decimal("5.32"),
             since=2024),
    Fraction("iron phosphate", RECYCLED, CATHODE, {"Fe": (0.85, 0.92), "P": (0.85, 0.92)},
             Decimal("1.74")),
)

RECIPES: dict[str, tuple[Fraction, ...]] = {
    # Discharge, dismantling, shredding and leaching on one site.
    "battery_hydromet": (
        Fraction("steel scrap", RECYCLED, "steel works",
                 {"steel": (0.93, 0.97), REST: (0.08, 0.12)}),
        Fraction("aluminium scrap", RECYCLED, "aluminium remelter", {"Al": (0.85, 0.92)}),
        Fraction("copper scrap", RECYCLED, "copper smelter",
                 {"Cu": (0.88, 0.93), REST: (0.06, 0.1)}),
        Fraction("plastics", ENERGY, "waste-to-energy plant", {"plastics": (0.85, 0.92)},
                 until=2023),
        Fraction("plastics regrind", RECYCLED, "compounder", {"plastics": (0.6, 0.75)}, since=2024),
        Fraction("separator film", ENERGY, "waste-to-energy plant", {"separator": (0.85, 0.92)}),
        Fraction("recovered electrolyte solvents", RECYCLED, "solvent refiner",
                 {"electrolyte": (0.5, 0.65)}, since=2025),
        *BATTERY_SALTS,
        Fraction("copper cement", RECYCLED, "copper smelter", {"Cu": (0.03, 0.06)}),
        Fraction("graphite", ENERGY, "cement kiln", {"graphite": (0.85, 0.9)}, until=2023),
        Fraction("graphite concentrate", RECYCLED, "anode material plant",
                 {"graphite": (0.82, 0.9), "carbon_black": (0.7, 0.85)}, since=2024),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.85, 0.95)}, until=2024),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.3, 0.4)}, since=2025),
        Fraction("decomposed binder", LOSS, shares={"binder": (0.8, 0.9)}),
        Fraction("leach residue and fines", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Smelting whole modules: Ni, Co and Cu report to the alloy, Li, Al and Mn to the slag;
    # graphite, electrolyte and plastics burn as reductant and fuel.
    "battery_pyro": (
        Fraction("Ni-Co-Cu alloy", RECYCLED, "nickel refinery", {
            "Ni": (0.94, 0.97), "Co": (0.94, 0.97), "Cu": (0.88, 0.93), "steel": (0.85, 0.92),
            "Fe": (0.3, 0.5)}),
        Fraction("slag", BACKFILL, "road construction aggregate", {
            "Li": (0.85, 0.95), "Al": (0.8, 0.9), "Mn": (0.85, 0.95), "P": (0.8, 0.9),
            "Fe": (0.4, 0.6), REST: (0.15, 0.25)}),
        Fraction("combustion and off-gas", LOSS, shares={
            "graphite": (0.97, 1), "electrolyte": (0.97, 1), "plastics": (0.97, 1),
            "separator": (0.97, 1), "binder": (0.97, 1), "carbon_black": (0.97, 1),
            REST: (0.45, 0.6)}),
        Fraction("flue dust", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Discharge, shredding and sieving; the black mass goes to the hydrometallurgical refiner.
    "battery_shredder": (
        Fraction("steel scrap", RECYCLED, "steel works",
                 {"steel": (0.93, 0.97), REST: (0.06, 0.1)}),
        Fraction("aluminium scrap", RECYCLED, "aluminium remelter", {"Al": (0.84, 0.9)}),
        Fraction("copper scrap", RECYCLED, "copper smelter",
                 {"Cu": (0.82, 0.88), REST: (0.06, 0.1)}),
        Fraction("plastics and separator", ENERGY, "waste-to-energy plant",
                 {"plastics": (0.85, 0.92), "separator": (0.85, 0.92)}),
        Fraction("recovered electrolyte solvents", RECYCLED, "solvent refiner",
                 {"electrolyte": (0.5, 0.6)}, since=2026),
        Fraction("black mass", INTERMEDIATE, RHEIN_SPEC.name, {
            "Li": (0.94, 0.97), "Ni": (0.95, 0.98), "Co": (0.95, 0.98), "Mn": (0.95, 0.98),
            "Fe": (0.9, 0.95), "P": (0.9, 0.95), "graphite": (0.93, 0.97),
            "carbon_black": (0.9, 0.95), "binder": (0.6, 0.75), "Al": (0.03, 0.05),
            "Cu": (0.02, 0.04), REST: (0.4, 0.5)}),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.85, 0.95)}, until=2025),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.35, 0.45)}, since=2026),
        Fraction("decomposed binder", LOSS, shares={"binder": (0.2, 0.3)}),
        Fraction("fines and dust", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Leaching black mass, whose REST is its graphite, carbon, binder and cathode oxygen.
    "black_mass_refinery": (
        *BATTERY_SALTS,
        Fraction("copper cement", RECYCLED, "copper smelter", {"Cu": (0.85, 0.92)}),
        Fraction("graphite residue", ENERGY, "cement kiln", {REST: (0.7, 0.8)}, until=2024),
        Fraction("graphite concentrate", RECYCLED, "anode material plant", {REST: (0.68, 0.75)},
                 since=2025),
        Fraction("leach residue", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Frame removal and crushing: the silver and silicon end up in the fines.
    "pv_crushing": (
        Fraction("aluminium frames", RECYCLED, "aluminium remelter", {"Al": (0.95, 0.98)}),
        Fraction("glass cullet", RECYCLED, "glass wool plant", {"glass": (0.85, 0.92)}),
        Fraction("cables and junction boxes", RECYCLED, "cable granulator",
                 {"plastics": (0.6, 0.8), "Cu": (0.2, 0.3)}),
        Fraction("mixed fines (Si, Ag, polymers)", ENERGY, "cement kiln", {
            "Si": (0.9, 0.95), "Ag": (0.9, 0.95), "encapsulant": (0.9, 0.95),
            "backsheet": (0.9, 0.95), "Cu": (0.5, 0.6)}),
        Fraction("residue", DISPOSED, LANDFILL, remainder=True),
    ),
    # Thermal delamination: clean flat glass, and a cell fraction for the refiner.
    "pv_delamination": (
        Fraction("aluminium frames", RECYCLED, "aluminium remelter", {"Al": (0.95, 0.98)}),
        Fraction("flat glass", RECYCLED, "flat glass plant", {"glass": (0.93, 0.97)}),
        Fraction("cables and junction boxes", RECYCLED, "cable granulator",
                 {"plastics": (0.6, 0.8), "Cu": (0.2, 0.3)}),
        Fraction("cell fraction (Si, Ag, Cu)", INTERMEDIATE, RHEIN_SPEC.name, {
            "Si": (0.92, 0.96), "Ag": (0.92, 0.96), "Cu": (0.6, 0.7), "glass": (0.01, 0.02)}),
        Fraction("pyrolysed polymers", LOSS,
                 shares={"encapsulant": (0.95, 1), "backsheet": (0.95, 1)}),
        Fraction("residue", DISPOSED, LANDFILL, remainder=True),
    ),
    "pv_cell_refinery": (
        Fraction("silver", RECYCLED, "precious metals refiner", {"Ag": (0.9, 0.96)}),
        Fraction("silicon powder", RECYCLED, "silicon alloy producer", {"Si": (0.8, 0.9)}),
        Fraction("copper", RECYCLED, "copper smelter", {"Cu": (0.85, 0.92)}),
        Fraction("leach residue", DISPOSED, LANDFILL, remainder=True),
    ),
    "pv_thin_film": (
        Fraction("glass cullet", RECYCLED, "container glass plant", {"glass": (0.9, 0.95)}),
        Fraction("aluminium", RECYCLED, "aluminium remelter", {"Al": (0.92, 0.97)}),
        Fraction("copper", RECYCLED, "copper smelter", {"Cu": (0.8, 0.9)}),
        Fraction("semiconductor concentrate (Cd, Te)", RECYCLED, "CdTe module maker",
                 {"Cd": (0.9, 0.95), "Te": (0.9, 0.95)}),
        Fraction("encapsulant and plastics", ENERGY, "waste-to-energy plant",
                 {"encapsulant": (0.85, 0.95), "plastics": (0.8, 0.9)}),
        Fraction("leach residue", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Hydrogen processing of magnet scrap: the alloy powder goes back into sintered magnets.
    "magnet_hpms": (
        Fraction("recycled NdFeB alloy powder", RECYCLED, "sintered magnet maker", {
            "Nd": (0.85, 0.93), "Pr": (0.85, 0.93), "Dy": (0.85, 0.93), "Tb": (0.85, 0.93),
            "Fe": (0.85, 0.93), "B": (0.85, 0.93), "Co": (0.85, 0.93)}),
        Fraction("nickel coating flakes", RECYCLED, "nickel refinery",
                 {"nickel_plating": (0.7, 0.85)}),
        Fraction("burnt-off coating", LOSS, shares={"epoxy_coating": (0.9, 1)}),
        Fraction("oxidised fines", DISPOSED, LANDFILL, remainder=True),
    ),
    # Leaching and solvent extraction to separated rare-earth oxides (Nd2O3, Dy2O3 ratios).
    "magnet_hydromet": (
        Fraction("NdPr oxide", RECYCLED, "magnet alloy maker",
                 {"Nd": (0.9, 0.95), "Pr": (0.9, 0.95)}, Decimal("1.166")),
        Fraction("Dy-Tb oxide", RECYCLED, "magnet alloy maker",
                 {"Dy": (0.8, 0.9), "Tb": (0.8, 0.9)}, Decimal("1.148")),
        Fraction("iron oxide", BACKFILL, "mine backfill", {"Fe": (0.9, 0.96)}, Decimal("1.43")),
        Fraction("burnt-off coating", LOSS, shares={"epoxy_coating": (0.9, 1)}),
        Fraction("leach residue", DISPOSED, LANDFILL, remainder=True),
    ),
}

ROUTES: dict[str, Route] = {route.key: route for route in (
    Route("rhein_battery", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "battery_hydromet",
          days=28, assay=("Co", "Ni", "Li"), offset_days=7),
    Route("nordic_smelter", NORDIC_SPEC, "pyrometallurgical", "SE-AC", "battery_pyro"),
    Route("nordic_shredder", NORDIC_SPEC, "mechanical", "SE-AC", "battery_shredder",
          refinery="rhein_black_mass"),
    Route("rhein_black_mass", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "black_mass_refinery",
          days=25),
    Route("nordic_pv_crushing", NORDIC_SPEC, "mechanical", "SE-AC", "pv_crushing"),
    Route("nordic_pv_delamination", NORDIC_SPEC, "mechanical", "SE-AC", "pv_delamination",
          refinery="rhein_pv_cells"),
    Route("rhein_pv_cells", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "pv_cell_refinery",
          days=25),
    Route("rhein_thin_film", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "pv_thin_film",
          days=28, offset_days=7),
    Route("nordic_magnets", NORDIC_SPEC, "direct_recycling", "SE-AC", "magnet_hpms"),
    Route("rhein_magnets", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "magnet_hydromet",
          days=28, assay=("Nd", "Pr", "Dy"), offset_days=7),
)}

# The lines that take a category's waste from a year on; a period's products go to them in
# turn. Nordic smelts batteries until its shredder, feeding Rhein's refinery, takes over.
TREATMENT_PLAN: dict[tuple[str, str], tuple[tuple[int, tuple[str, ...]], ...]] = {
    (ProductType.BATTERY, "lithium"): (
        (2022, ("rhein_battery", "nordic_smelter")),
        (2024, ("rhein_battery", "nordic_shredder", "nordic_smelter")),
        (2026, ("rhein_battery", "nordic_shredder")),
    ),
    (ProductType.PV_MODULE, "c_si"): (
        (2022, ("nordic_pv_crushing",)),
        (2024, ("nordic_pv_delamination", "nordic_pv_crushing")),
        (2026, ("nordic_pv_delamination",)),
    ),
    (ProductType.PV_MODULE, "thin_film"): ((2022, ("rhein_thin_film",)),),
    (ProductType.MAGNET, "ndfeb"): (
        (2022, ("rhein_magnets",)),
        (2023, ("nordic_magnets", "rhein_magnets")),
    ),
}
# fmt: on


@dataclass
class LifePlan:
    """What happens to one demo product before treatment: sale, a health report, collection."""

    passport: Passport
    placed: date | None = None
    country: str = ""
    health: date | None = None
    collected: date | None = None
    region: str = ""
    collector: OrganisationSpec | None = None
    weighed_kg: Decimal | None = None


def at(day: date, hour: int) -> datetime:
    """An aware UTC time on a day; the demo's events happen during working hours."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def validated_payload(event_type: str, product_type: str, payload: dict) -> dict:
    """The payload as the events API would accept it, so the demo holds nothing it would refuse."""
    checked = payload_schema(event_type, product_type)(data=payload)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)


def life_plan(seed: int, passport: Passport, today: date) -> LifePlan:
    """Draws one product's life from its own random stream, independent of every other product."""
    rng = random.Random(f"{seed}:{passport.gtin}:{passport.serial}")
    plan = LifePlan(passport)
    placed = passport.manufactured_at + timedelta(days=rng.randint(14, 150))
    stream = passport.attributes.get("category") or passport.product_type
    markets = MARKETS[stream]
    country = rng.choices([c for c, _ in markets], weights=[w for _, w in markets])[0]
    if rng.random() < HOME_MARKET_SHARE.get(passport.manufacturer.country, 0):
        country = passport.manufacturer.country
    # Recent products may still be in the maker's stock; a few are kept as reference samples.
    if placed >= today or rng.random() < 0.03:
        return plan
    plan.placed, plan.country = placed, country
    key = passport.attributes.get("application", passport.product_type)
    low, high, mode = SERVICE_LIFE.get(key, SERVICE_LIFE[passport.product_type])
    years = passport.attributes["expected_lifetime_years"] * rng.triangular(low, high, mode)
    end = placed + timedelta(days=max(180, int(365.25 * years)))
    early = EARLY_FAILURE.get(key, EARLY_FAILURE[passport.product_type])
    if rng.random() < early and (today - placed).days > 200:
        # Warranty returns and accident damage end some young products' lives early.
        end = placed + timedelta(days=rng.randint(180, (today - placed).days - 3))
    if end < COLLECTION_START:
        end = max(COLLECTION_START + timedelta(days=rng.randint(0, BACKLOG_DAYS)), placed)
    probability = COLLECTION_PROBABILITY.get(key, COLLECTION_PROBABILITY[passport.product_type])
    if (
        end < today - timedelta(days=2)
        and country in COLLECTION_REGIONS
        and rng.random() < probability
    ):
        plan.collected = end
        plan.region = rng.choice(COLLECTION_REGIONS[country])
        # Recyclers take back directly in Sweden and, for some dealers, in Germany.
        if country == "SE" or (country == "DE" and rng.random() < 0.25):
            plan.collector = NORDIC_SPEC if country == "SE" else RHEIN_SPEC
        else:
            plan.collector = COLLECTOR_SPEC
        if rng.random() < 0.6:
            plan.weighed_kg = kg(passport.mass_kg * jitter(rng, 0.97, 1.0))
    last = (plan.collected or today) - timedelta(days=1)
    if rng.random() < HEALTH_PROBABILITY[passport.product_type] and (last - placed).days > 365:
        plan.health = placed + timedelta(days=int((last - placed).days * rng.uniform(0.5, 0.9)))
    return plan


def health_payload(rng: random.Random, passport: Passport, years: Decimal) -> dict:
    """A plausible state of health after some years of use, per product family."""
    attributes = passport.attributes
    one = Decimal("0.1")
    if passport.product_type == ProductType.BATTERY:
        # LFP fades more slowly; stationary and industrial packs cycle far more often.
        fade = jitter(rng, 0.8, 1.6) if attributes["chemistry"] == "LFP" else jitter(rng, 1.3, 2.5)
        cycles = {"stationary": (200, 330), "industrial": (250, 400)}.get(
            attributes["category"], (60, 180)
        )
        return {
            "state_of_health_pct": max(Decimal(60), 100 - years * fade).quantize(one),
            "full_cycles": int(years * rng.randint(*cycles)),
        }
    if passport.product_type == ProductType.PV_MODULE:
        degradation = (years * jitter(rng, 0.4, 0.8)).quantize(one)
        rated = Decimal(attributes.get("pmax_w") or attributes["rated_power_w"])
        return {
            "degradation_pct": degradation,
            "pmax_stc_w": (rated * (100 - degradation) / 100).quantize(one),
        }
    return {"remanence_loss_pct": (years * jitter(rng, 0.05, 0.2)).quantize(Decimal("0.01"))}


def market_and_health_record(
    seed: int, plans: list[LifePlan], organisations: dict[OrganisationSpec, Organisation]
) -> None:
    """Places products on the market and posts health reports, both as their manufacturer."""
    by_id = {o.pk: o for o in organisations.values()}
    for plan in plans:
        passport = plan.passport
        if plan.placed is None or passport.placed_on_market_on is not None:
            continue
        maker = by_id[passport.manufacturer_id]
        event_record(
            passport_id=passport.pk,
            actor=maker,
            event_type=EventType.PLACED_ON_MARKET,
            occurred_at=at(plan.placed, 9),
            payload=validated_payload(
                EventType.PLACED_ON_MARKET, passport.product_type, {"country": plan.country}
            ),
        )
        if plan.health is not None:
            rng = random.Random(f"{seed}:health:{passport.serial}")
            years = Decimal((plan.health - plan.placed).days) / Decimal("365.25")
            payload = health_payload(rng, passport, years)
            event_record(
                passport_id=passport.pk,
                actor=maker,
                event_type=EventType.HEALTH_REPORTED,
                occurred_at=at(plan.health, 11),
                payload=validated_payload(
                    EventType.HEALTH_REPORTED, passport.product_type, payload
                ),
            )


def collections_record(
    plans: list[LifePlan], organisations: dict[OrganisationSpec, Organisation]
) -> None:
    """One collection per collector, region and quarter, dated when its last product came in."""
    rounds: dict[tuple, list[LifePlan]] = {}
    for plan in plans:
        if plan.collected is None or plan.passport.status != PassportStatus.ORIGINAL:
            continue
        quarter = (plan.collected.month - 1) // 3
        key = (plan.collected.year, quarter, plan.collector.name, plan.region)
        rounds.setdefault(key, []).append(plan)
    for key in sorted(rounds):
        members = rounds[key]
        collection_record(
            collector=organisations[members[0].collector],
            region=members[0].region,
            collected_at=at(max(p.collected for p in members), 10),
            items=[(p.passport, p.weighed_kg) for p in members],
        )


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


def statistic_examples() -> list[StatisticLine]:
    """A statistic that meets its EU target and one that misses it, recycling efficiency first."""
    names = dict(Organisation.objects.values_list("pk", "name"))
    found: dict[bool, StatisticLine] = {}
    rows = Statistic.objects.filter(
        metric__in=["recycling_efficiency", "collection_rate"]
    ).order_by("-metric", "-year", "product_type", "category", "region", "recycler__name")
    for row in rows:
        target = applicable_target(
            regime="EU",
            metric=row.metric,
            product_type=row.product_type,
            year=row.year,
            category=row.category,
            element=row.element,
        )
        if target is None or not row.denominator_kg:
            continue
        rate = (100 * row.numerator_kg / row.denominator_kg).quantize(Decimal("0.01"))
        met = rate >= target["percent"]
        if met in found:
            continue
        scope = f"{row.product_type} {row.category}".strip()
        if row.recycler_id:
            scope += f", {names[row.recycler_id]}"
        if row.region:
            scope += f", {row.region} ({row.basis.replace('_', ' ')})"
        found[met] = StatisticLine(
            row.metric, scope, row.year, rate, Decimal(target["percent"]), met
        )
    return [found[met] for met in (True, False) if met in found]


def end_of_life_summary(
    organisations: dict[OrganisationSpec, Organisation], recorded: bool
) -> EndOfLifeSummary:
    """Counts what the demo products went through, whichever run recorded it."""
    makers = [organisations[m.organisation] for m in MANUFACTURERS]
    recyclers = [organisations[NORDIC_SPEC], organisations[RHEIN_SPEC]]
    passports = Passport.objects.filter(manufacturer__in=makers)
    batches = Batch.objects.filter(recycler__in=recyclers).prefetch_related("inputs", "outputs")
    summary = EndOfLifeSummary(
        recorded=recorded,
        placed=passports.exclude(placed_on_market_on=None).count(),
        collected=CollectionItem.objects.filter(passport__in=passports).count(),
        recycled=passports.filter(status=PassportStatus.RECYCLED).count(),
        statistics=Statistic.objects.count(),
        examples=statistic_examples(),
    )
    for batch in batches:
        if batch.status == BatchStatus.OPEN:
            summary.open_batches += 1
        elif any(row.source_output_id for row in batch.inputs.all()):
            summary.two_step += 1  # counted once, at the refining step that completes the chain
        elif not any(row.counts_as == CountsAs.INTERMEDIATE for row in batch.outputs.all()):
            summary.one_step += 1
    return summary
