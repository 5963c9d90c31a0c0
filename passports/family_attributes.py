"""Where each attribute of a PV module or magnet passport lives, who may read it, and why.

No law yet fixes a passport for these families, so each row names its source: a standard
(EN 50380:2022, the datasheet and nameplate standard for PV modules), a law that asks for the
value elsewhere (the Critical Raw Materials Act, Regulation (EU) 2024/1252, Art. 28 and 29,
for magnets), or "project choice" with the reason we ask for it. Like
passports/battery_attributes.py for batteries, this table is the single source for the access
tiers of these attributes (passports/tiers.py) and the mandatory-at-registration rule
(passports/declaration/rules.py).

A row's `path` is a dotted path in the declaration (``attributes.pmax_w``; a path into a list
names a field of each item), ``documents#<kind>`` or ``health:<field>`` (lifecycle/payloads.py).

Tiers follow the battery table by analogy (README "PV modules and magnets"): identity, rated
datasheet values, hazardous substances, carbon footprint, critical raw materials, recycled
content and the Art. 28 magnet information are public; material detail beyond that (the silver
mass, like a battery's cathode materials, longlist #33), dismantling documents and health need a
legitimate interest; test reports are for authorities and notified bodies.

`mandatory` rows must be in every first declaration of the family; a row with `when` is
mandatory only where that condition (CONDITIONS) holds, such as bifaciality for a bifacial
module. Health rows are never mandatory: a PV module or magnet need not be monitored.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PUBLIC, LEGITIMATE, AUTHORITY = "public", "legitimate_interest", "authority"
EN50380 = "EN 50380:2022 datasheet"
CRMA = "Critical Raw Materials Act, Regulation (EU) 2024/1252"
# Art. 29(1): recycled content is published for these magnet types above this total weight.
ART29_MAGNET_TYPES = frozenset({"NdFeB", "SmCo", "AlNiCo"})
ART29_THRESHOLD_KG = Decimal("0.2")
ART29_ELEMENTS = ("Nd", "Dy", "Pr", "Tb", "B", "Sm", "Ni", "Co")


@dataclass(frozen=True)
class FamilyAttribute:
    """One attribute of a PV module or magnet passport: where it lives, its tier and source."""

    name: str
    path: str
    tier: str
    dynamic: bool
    mandatory: bool
    source: str
    when: str = ""

    @property
    def kind(self) -> str:
        """declaration, documents or health."""
        if self.path.startswith("documents#"):
            return "documents"
        if self.path.startswith("health:"):
            return "health"
        return "declaration"


def _bifacial(attributes: dict) -> bool:
    return attributes.get("bifacial") is True


def _describes_magnet(attributes: dict) -> bool:
    """The passport is for a magnet (or magnet set) itself, not for a product holding some."""
    return "contains_magnets" not in attributes


def _contains_magnets(attributes: dict) -> bool:
    return attributes.get("contains_magnets") is True


def _art29_applies(attributes: dict) -> bool:
    """Art. 29(1): NdFeB, SmCo or AlNiCo magnets of more than 0.2 kg in all.

    A weight that is not a number is reported on its own; the obligation is then assumed, so the
    answer still names what is missing.
    """
    if not _contains_magnets(attributes):
        return False
    magnets = attributes.get("magnets")
    if not isinstance(magnets, list):
        return False
    total = Decimal(0)
    for item in magnets:
        if not isinstance(item, dict) or item.get("magnet_type") not in ART29_MAGNET_TYPES:
            continue
        try:
            weight = Decimal(str(item.get("weight_kg")).strip())
        except InvalidOperation:
            return True
        if not weight.is_finite():
            return True
        total += weight
    return total > ART29_THRESHOLD_KG


# Condition name -> (predicate on the declared attributes, words for the message).
CONDITIONS: dict[str, tuple[Callable[[dict], bool], str]] = {
    "bifacial": (_bifacial, "bifacial PV modules"),
    "magnet": (_describes_magnet, "magnet passports"),
    "host": (_contains_magnets, "products that contain permanent magnets"),
    "art29": (
        _art29_applies,
        "products holding more than 0.2 kg of NdFeB, SmCo or AlNiCo magnets",
    ),
}

P, L, A = PUBLIC, LEGITIMATE, AUTHORITY
M, OPT = True, False  # mandatory, optional
_WARRANTY = (
    "project choice: datasheets under EN 50380 state the linear power warranty; no law fixes it "
    "yet, and buyers and second-life assessors compare modules by it"
)
_HAZARDOUS = (
    "project choice: PV panels are outside RoHS (Directive 2011/65/EU Art. 2(4)(i)), so no law "
    "asks; treatment under the WEEE Directive 2012/19/EU Annex VII depends on the Pb and Cd "
    "content, so every module states it, 0 where there is none"
)

PV_MODULE_ATTRIBUTES: tuple[FamilyAttribute, ...] = tuple(
    FamilyAttribute(*row)
    for row in [
        # Identity and make
        ("Cell technology", "attributes.technology", P, False, M, EN50380),
        ("Module mass", "mass_kg", P, False, M, EN50380 + ", mechanical data"),
        # Electrical data at STC
        ("Maximum power at STC (W)", "attributes.pmax_w", P, False, M,
         EN50380 + ", electrical data at STC"),
        ("Open-circuit voltage Voc (V)", "attributes.voc_v", P, False, M,
         EN50380 + ", electrical data at STC"),
        ("Short-circuit current Isc (A)", "attributes.isc_a", P, False, M,
         EN50380 + ", electrical data at STC"),
        ("Voltage at maximum power Vmpp (V)", "attributes.vmpp_v", P, False, M,
         EN50380 + ", electrical data at STC"),
        ("Current at maximum power Impp (A)", "attributes.impp_a", P, False, M,
         EN50380 + ", electrical data at STC"),
        ("Module efficiency (%)", "attributes.module_efficiency_pct", P, False, M,
         EN50380 + ", electrical data at STC"),
        # Thermal data
        ("Temperature coefficient of Pmax (%/°C)",
         "attributes.temperature_coefficient_pmax_pct_per_c", P, False, M,
         EN50380 + ", thermal data"),
        ("Temperature coefficient of Voc (%/°C)",
         "attributes.temperature_coefficient_voc_pct_per_c", P, False, M,
         EN50380 + ", thermal data"),
        ("Temperature coefficient of Isc (%/°C)",
         "attributes.temperature_coefficient_isc_pct_per_c", P, False, M,
         EN50380 + ", thermal data"),
        ("Nominal module operating temperature NMOT (°C)", "attributes.nmot_c", P, False, M,
         EN50380 + ", thermal data (NMOT per IEC 61215-2)"),
        # Mechanical data
        ("Length (mm)", "attributes.length_mm", P, False, M, EN50380 + ", mechanical data"),
        ("Width (mm)", "attributes.width_mm", P, False, M, EN50380 + ", mechanical data"),
        ("Thickness (mm)", "attributes.thickness_mm", P, False, M,
         EN50380 + ", mechanical data"),
        ("Module area (m²)", "attributes.area_m2", P, False, OPT,
         "project choice: optional, length and width give it"),
        ("Number of cells", "attributes.cell_count", P, False, OPT, EN50380 + ", mechanical data"),
        # Bifacial modules
        ("Bifacial module", "attributes.bifacial", P, False, OPT,
         "project choice: says whether bifaciality applies; absent means monofacial"),
        ("Bifaciality (%)", "attributes.bifaciality_pct", P, False, M,
         EN50380 + ", bifacial modules (bifaciality per IEC TS 60904-1-2)", "bifacial"),
        # Warranty and lifetime
        ("Power warranty: loss in the first year (%)",
         "attributes.degradation_warranty.first_year_pct", P, False, M, _WARRANTY),
        ("Power warranty: loss per further year (%)",
         "attributes.degradation_warranty.per_year_pct", P, False, M, _WARRANTY),
        ("Power warranty: period (years)", "attributes.degradation_warranty.years", P, False, M,
         _WARRANTY),
        ("Expected lifetime (years)", "attributes.expected_lifetime_years", P, False, OPT,
         "project choice: optional; the warranty period is the committed figure"),
        # Substances and materials
        ("Lead content (g)", "attributes.lead_g", P, False, M, _HAZARDOUS),
        ("Cadmium content (g)", "attributes.cadmium_g", P, False, M, _HAZARDOUS),
        ("Hazardous substances", "attributes.hazardous_substances", P, False, OPT,
         "project choice: optional names beside the Pb and Cd content"),
        ("Silver mass (g)", "attributes.silver_mass_g", L, False, M,
         "project choice: silver is the most valuable material a recycler recovers from a "
         "c-Si module; like a battery's electrode materials (longlist #33) it is material "
         "detail for those with a legitimate interest"),
        ("Critical raw materials", "composition", P, False, M,
         CRMA + ", Annex II list, applied to the declared composition"),
        ("Recycled content per substance", "composition.recycled_share_post_consumer", P, False,
         OPT, "project choice: per substance in the composition, as for batteries; optional "
         "until the ESPR sets rules for PV modules"),
        ("Carbon footprint per kWp", "carbon_footprint.kg_co2e_per_kwp", P, False, OPT,
         "project choice: optional; the functional unit of the French and Italian tender "
         "schemes, not yet an EU obligation"),
        # Documents
        ("EU declaration of conformity", "documents#declaration_of_conformity", P, False, OPT,
         "Low Voltage Directive 2014/35/EU Art. 15"),
        ("Treatment information for recyclers", "documents#dismantling", L, False, OPT,
         "WEEE Directive 2012/19/EU Art. 15 (information for treatment facilities)"),
        ("Test reports", "documents#test_report", A, False, OPT,
         "IEC 61215 and IEC 61730 type approval, for authorities"),
        # Health over the module's life
        ("Measured maximum power at STC (W)", "health:pmax_stc_w", L, True, OPT,
         "project choice: IEC 60904-1 measurement, the basis of a warranty claim or reuse"),
        ("Power degradation since rating (%)", "health:degradation_pct", L, True, OPT,
         "project choice: measured power against the rated Pmax"),
        ("Date of measurement", "health:measured_on", L, True, OPT,
         "project choice: a degradation means little without its date"),
    ]
)  # fmt: skip

_ART28_LABEL = CRMA + ", Art. 28(1)"
_ART28_INFO = CRMA + ", Art. 28(4)(b)"

MAGNET_ATTRIBUTES: tuple[FamilyAttribute, ...] = tuple(
    FamilyAttribute(*row)
    for row in [
        # A magnet or magnet set itself
        ("Magnet type", "attributes.magnet_type", P, False, M, _ART28_LABEL + "(b)", "magnet"),
        ("Grade", "attributes.grade", P, False, M,
         "project choice: the grade (IEC 60404-8-1) tells a recycler the temperature class and "
         "so the Dy and Tb content", "magnet"),
        ("Application", "attributes.application", P, False, M,
         "project choice: which of the products Art. 28(1) lists the magnet is made for",
         "magnet"),
        ("Coating", "attributes.coating", P, False, OPT, _ART28_INFO),
        ("Maximum operating temperature (°C)", "attributes.max_operating_temperature_c", P,
         False, OPT, "project choice: optional datasheet value"),
        ("Host product", "attributes.host_product", P, False, OPT,
         "project choice: optional, names the product the magnet goes into"),
        ("Expected lifetime (years)", "attributes.expected_lifetime_years", P, False, OPT,
         "project choice: optional"),
        # A product that holds magnets
        ("Contains permanent magnets", "attributes.contains_magnets", P, False, OPT,
         _ART28_LABEL + "(a); given for a product holding magnets, absent for a magnet itself"),
        ("Magnets in the product", "attributes.magnets", P, False, M, _ART28_INFO, "host"),
        ("Magnet type of each magnet", "attributes.magnets.magnet_type", P, False, M,
         _ART28_LABEL + "(b)", "host"),
        ("Weight of each magnet (kg)", "attributes.magnets.weight_kg", P, False, M,
         _ART28_INFO, "host"),
        ("Location in the host product", "attributes.magnets.location_in_host", P, False, M,
         _ART28_INFO, "host"),
        ("Chemical composition", "attributes.magnets.composition", P, False, M, _ART28_INFO,
         "host"),
        ("Coatings, glues and additives", "attributes.magnets.coatings", P, False, M,
         _ART28_INFO, "host"),
        ("How to access and remove the magnets safely", "attributes.removal_information", P,
         False, M, _ART28_INFO, "host"),
        ("Post-consumer recycled share of Nd, Dy, Pr, Tb, B, Sm, Ni and Co",
         "attributes.recycled_content", P, False, M, CRMA + ", Art. 29(1)", "art29"),
        # The magnet passport's own composition carries its recycled shares.
        ("Critical raw materials", "composition", P, False, M,
         CRMA + ", Annex II list, applied to the declared composition"),
        ("Recycled content per substance", "composition.recycled_share_post_consumer", P, False,
         OPT, "project choice: for a magnet itself, Art. 29's shares per substance in the "
         "composition"),
        # Documents
        ("Dismantling instructions beyond Art. 28", "documents#dismantling", L, False, OPT,
         "project choice: step-by-step instructions for recyclers, as for batteries"),
        ("Test reports", "documents#test_report", A, False, OPT,
         "project choice: as for batteries"),
        # Health
        ("Remanence loss (%)", "health:remanence_loss_pct", L, True, OPT,
         "project choice: tells whether the magnet can be reused as it is"),
        ("Demagnetised", "health:demagnetised", L, True, OPT,
         "project choice: a demagnetised magnet is handled safely without tools"),
    ]
)  # fmt: skip

FAMILY_ATTRIBUTES: dict[str, tuple[FamilyAttribute, ...]] = {
    "pv_module": PV_MODULE_ATTRIBUTES,
    "magnet": MAGNET_ATTRIBUTES,
}
FAMILY_WORDS = {"pv_module": "PV modules", "magnet": "magnets"}


def applies(row: FamilyAttribute, attributes: dict) -> bool:
    """Whether a mandatory row is due for these declared attributes."""
    if not row.mandatory:
        return False
    return not row.when or CONDITIONS[row.when][0](attributes)
