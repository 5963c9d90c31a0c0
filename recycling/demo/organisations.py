"""The demo organisations: manufacturers with their catalogues and plants, the other actors,
and the person and token each gets."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify

from passports import reference
from passports.models import Organisation, OrganisationKind, ProductType
from passports.services.organisations import (
    organisation_bootstrap,
    person_create,
    service_account_token_create,
)


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


COLLECTOR_SPEC, NORDIC_SPEC, RHEIN_SPEC = OTHER_ORGANISATIONS[1:4]
