"""Where each attribute of the EU battery passport lives, who may read it, and when it is due.

One row per attribute of Annex XIII of Regulation (EU) 2023/1542 as the Battery Pass
consortium's data-attribute longlist v1.2 (CC-BY-4.0) numbers and reads them. This table is
the single source of truth: the access tiers of battery attributes (passports/tiers.py), the
mandatory-at-registration rule (passports/declaration/rules.py) and the list of dynamic values
never reported (passports/representation.py) are all read from it, and
tests/passports/test_battery_longlist.py checks it against the longlist row by row.

A row's `path` says where the value lives:

- a dotted path in the registration declaration (``attributes.rated_capacity_ah``); a path
  into a list (``attributes.hazardous_substances.impact``) names a field of each item;
- ``documents#<kind>``: a document of that kind in the declaration's ``documents``;
- ``a|b``: any of the alternatives holds the value. The battery identifier (#2) is the GTIN
  with serial, or the GB/T 34014 code; where neither is declared, the passport id that the QR
  code carries identifies the battery, so it is never missing;
- ``health:<field>``: a field of a signed health report (lifecycle/payloads.py BatteryHealth);
- ``event:<type>.<field>``: a field of another lifecycle event's payload;
- ``passport:<field>``: set by the server (the passport id, the status from the event chain).

`marks` are the longlist's per-category marks, in the order EV, LMT, industrial > 2 kWh,
stationary > 2 kWh: "x" mandatory, "o" optional, "-" not applicable. `tier` maps the
longlist's access column onto ours: "Public" -> public; "Legit. interest" and "Legit. interest
and the Commission" -> legitimate_interest (the Commission reads at the authority tier, which
sees everything); "NB/MSA/Commission" (notified bodies, market surveillance authorities, the
Commission) -> authority, which notified bodies may read too (see tiers.py).

`dynamic` is the longlist's static/dynamic column. Four values the longlist calls static
(capacity fade #54, power fade #64, round-trip efficiency fade #70, internal resistance increase
#75) change as the battery ages and are measured against its initial values, so they are
health reports here, mandatory over the battery's life like the dynamic ones.
"""

from dataclasses import dataclass
from decimal import Decimal

PUBLIC, LEGITIMATE, AUTHORITY = "public", "legitimate_interest", "authority"

# Our battery categories, in the order of the longlist's mark columns. A portable battery needs
# no passport (Art. 77(1)); industrial and stationary batteries need one above 2 kWh.
MARK_CATEGORIES = ("ev", "lmt", "industrial", "stationary")
PASSPORT_THRESHOLD_KWH = {"industrial": Decimal(2), "stationary": Decimal(2)}


@dataclass(frozen=True)
class BatteryAttribute:
    """One longlist attribute: its number and name, where it lives, its tier and categories."""

    number: int
    name: str
    path: str
    tier: str
    dynamic: bool
    marks: str

    @property
    def source(self) -> str:
        """declaration, documents, health, event or passport (set by the server: never missing)."""
        if "passport:" in self.path:
            return "passport"
        if ":" in self.path:
            return self.path.split(":", 1)[0]
        return "documents" if self.path.startswith("documents#") else "declaration"

    def mark(self, category: str) -> str:
        """x, o or - for one of our categories (portable: -)."""
        if category not in MARK_CATEGORIES:
            return "-"
        return self.marks[MARK_CATEGORIES.index(category)]

    def mandatory_for(self, category: str) -> bool:
        return self.mark(category) == "x"


def _row(number, name, path, tier, dynamic, marks) -> BatteryAttribute:
    return BatteryAttribute(number, name, path, tier, dynamic == "D", marks)


P, L, A = PUBLIC, LEGITIMATE, AUTHORITY
ATTRIBUTES: tuple[BatteryAttribute, ...] = tuple(
    _row(*row)
    for row in [
        # Identifiers and product data
        (1, "Battery passport identifier", "passport:id", P, "S", "xxxx"),
        (2, "Battery identifier", "serial|gbt_code|passport:id", P, "S", "xxxx"),
        (3, "Operator identifier and information", "attributes.operator", P, "S", "oooo"),
        (4, "Manufacturer identifier and information",
         "attributes.manufacturer_information.identifier", P, "S", "xxxx"),
        (5, "Manufacturing place", "manufacturing_place.address", P, "S", "xxxx"),
        (6, "Manufacturing date", "manufactured_at", P, "S", "xxxx"),
        (7, "Date of putting the battery into service", "event:put_into_service.date", L, "S",
         "-x-x"),
        (8, "Warranty period of the battery", "attributes.warranty", P, "S", "xxxx"),
        (9, "Battery category", "attributes.category", P, "S", "xxxx"),
        (10, "Battery mass", "mass_kg", P, "S", "xxxx"),
        (11, "Battery status", "passport:status", L, "D", "xxxx"),
        # Labels and conformity
        (12, "Separate collection symbol", "attributes.labels.separate_collection_symbol", P,
         "S", "xxxx"),
        (13, "Symbols for cadmium and lead", "attributes.labels.cadmium_lead_symbols", P, "S",
         "xxxx"),
        (14, "Carbon footprint label", "attributes.labels.carbon_footprint_label", P, "S",
         "oooo"),
        (15, "Extinguishing agent", "attributes.extinguishing_agent", P, "S", "xxxx"),
        (16, "Meaning of labels and symbols",
         "attributes.labels.separate_collection_symbol.meaning", P, "S", "xxxx"),
        (17, "EU declaration of conformity", "documents#declaration_of_conformity", P, "S",
         "xxxx"),
        (18, "Results of test reports proving compliance", "documents#test_report", A, "S",
         "xxxx"),
        # Carbon footprint
        (19, "Battery carbon footprint per Functional Unit", "carbon_footprint.kg_co2e_per_kwh",
         P, "S", "xxxx"),
        (20, "Contribution of raw material acquisition and pre-processing lifecycle stage",
         "carbon_footprint.stages.raw_material_acquisition", P, "S", "xxxx"),
        (21, "Contribution of main product production/manufacturing lifecycle stage",
         "carbon_footprint.stages.main_production", P, "S", "xxxx"),
        (22, "Contribution of distribution lifecycle stage",
         "carbon_footprint.stages.distribution", P, "S", "xxxx"),
        (23, "Contribution of end of life and recycling lifecycle stage",
         "carbon_footprint.stages.end_of_life_and_recycling", P, "S", "xxxx"),
        (24, "Carbon footprint performance class", "carbon_footprint.performance_class", P, "S",
         "xxxx"),
        (25, "Web link to public carbon footprint study", "carbon_footprint.study_url", P, "S",
         "xxxx"),
        (26, "General battery and manufacturer information", "attributes.manufacturer_information",
         P, "S", "xxxx"),
        (27, "Absolute battery carbon footprint", "carbon_footprint.total_kg_co2e", P, "S",
         "oooo"),
        # Supply-chain due diligence
        (28, "Information of due diligence report", "attributes.due_diligence.report", P, "S",
         "xxxx"),
        (29, "Third party assurances of recognised schemes",
         "attributes.due_diligence.third_party_assurances", P, "S", "oooo"),
        (30, "Supply chain indices", "attributes.due_diligence.supply_chain_indices", P, "S",
         "oooo"),
        # Materials and composition
        (31, "Battery chemistry", "attributes.chemistry", P, "S", "xxxx"),
        (32, "Critical raw materials", "composition", P, "S", "xxxx"),
        (33, "Materials used in cathode, anode and electrolyte", "attributes.materials", L, "S",
         "xxxx"),
        (34, "Hazardous substances", "attributes.hazardous_substances", P, "S", "xxxx"),
        (35, "Impact of substances on environment, human health, safety, persons",
         "attributes.hazardous_substances.impact", P, "S", "xxxx"),
        # Circularity
        (36, "Dismantling information: Manuals for the removal and the disassembly of the "
         "battery pack", "documents#dismantling", L, "S", "xxxx"),
        (37, "Part numbers for components", "attributes.part_numbers", L, "S", "xxxx"),
        (38, "Information on sources of spare parts", "attributes.spare_parts_sources", L, "S",
         "xxxx"),
        (39, "Safety measures", "documents#safety", L, "S", "xxxx"),
        # Recycled and renewable content: shares per composition entry (Ni, Co, Li, Pb)
        (40, "Pre-consumer recycled nickel share", "composition.recycled_share_pre_consumer", P,
         "S", "xxxx"),
        (41, "Pre-consumer recycled cobalt share", "composition.recycled_share_pre_consumer", P,
         "S", "xxxx"),
        (42, "Pre-consumer recycled lithium share", "composition.recycled_share_pre_consumer",
         P, "S", "xxxx"),
        (43, "Pre-consumer recycled lead share", "composition.recycled_share_pre_consumer", P,
         "S", "xxxx"),
        (44, "Post-consumer recycled nickel share", "composition.recycled_share_post_consumer",
         P, "S", "xxxx"),
        (45, "Post-consumer recycled cobalt share", "composition.recycled_share_post_consumer",
         P, "S", "xxxx"),
        (46, "Post-consumer recycled lithium share", "composition.recycled_share_post_consumer",
         P, "S", "xxxx"),
        (47, "Post-consumer recycled lead share", "composition.recycled_share_post_consumer", P,
         "S", "xxxx"),
        (48, "Renewable content share", "attributes.renewable_content_pct", P, "S", "xxxx"),
        # End-user information: three separate documents
        (49, "Information on the role of end-users in contributing to waste prevention",
         "documents#waste_prevention", P, "S", "xxxx"),
        (50, "Information on the role of end-users in contributing to the separate collection "
         "of waste batteries", "documents#separate_collection", P, "S", "xxxx"),
        (51, "Information on battery collection, preparation for second life and on treatment "
         "at end of life", "documents#end_of_life_information", P, "S", "xxxx"),
        # Capacity, energy and voltage
        (52, "Rated capacity", "attributes.rated_capacity_ah", P, "S", "xxxx"),
        (53, "Remaining capacity", "health:remaining_capacity_ah", L, "D", "oxox"),
        (54, "Capacity fade", "health:capacity_fade_pct", L, "S", "xxxx"),
        (55, "Certified usable battery energy", "attributes.certified_usable_energy_kwh", P, "S",
         "o---"),
        (56, "Remaining usable battery energy", "health:remaining_usable_energy_kwh", L, "D",
         "o---"),
        (57, "State of certified energy (SOCE)", "health:state_of_certified_energy_pct", L, "D",
         "x---"),
        (58, "State of Charge (SoC)", "health:state_of_charge_pct", L, "D", "xxxx"),
        (59, "Minimum voltage", "attributes.minimum_voltage_v", P, "S", "xxxx"),
        (60, "Maximum voltage", "attributes.maximum_voltage_v", P, "S", "xxxx"),
        (61, "Nominal voltage", "attributes.nominal_voltage_v", P, "S", "xxxx"),
        # Power capability
        (62, "Original power capability", "attributes.original_power_capability", P, "S",
         "xxxx"),
        (63, "Remaining power capability", "health:remaining_power_capability_w", L, "D", "oxox"),
        (64, "Power fade", "health:power_fade_pct", L, "S", "xxxx"),
        (65, "Maximum permitted battery power", "attributes.maximum_permitted_power_w", P, "S",
         "xxxx"),
        (66, "Ratio between nominal battery power and battery energy",
         "attributes.power_energy_ratio_w_per_wh", P, "S", "oooo"),
        # Round-trip efficiency and self-discharge
        (67, "Initial round trip energy efficiency", "attributes.initial_round_trip_efficiency_pct",
         P, "S", "xxxx"),
        (68, "Round trip energy efficiency at 50% of cycle life",
         "attributes.round_trip_efficiency_at_50_pct_cycle_life_pct", P, "S", "xxxx"),
        (69, "Remaining round trip energy efficiency",
         "health:remaining_round_trip_efficiency_pct", L, "D", "-x-x"),
        (70, "Energy round trip efficiency fade", "health:round_trip_efficiency_fade_pct", L, "S",
         "xxxx"),
        (71, "Initial self-discharge rate", "attributes.initial_self_discharge_pct_per_month", L,
         "S", "-o-o"),
        (72, "Current self-discharge rate", "health:current_self_discharge_pct_per_month", L, "D",
         "-o-o"),
        (73, "Evolution of self-discharge rates", "health:self_discharge_evolution_pct", L, "D",
         "---x"),
        # Internal resistance
        (74, "Initial internal resistance of battery cell and pack (module recommended)",
         "attributes.initial_internal_resistance", P, "S", "xxxx"),
        (75, "Internal resistance increase of pack (cell and module recommended)",
         "health:internal_resistance_increase_pct", L, "S", "xxxx"),
        # Lifetime
        (76, "Expected lifetime in calendar years", "attributes.expected_lifetime_years", L, "S",
         "xxxx"),
        (77, "Expected lifetime: Number of charge-discharge cycles",
         "attributes.expected_lifetime_cycles", P, "S", "xxxx"),
        (78, "Number of full charging and discharging cycles", "health:full_cycles", L, "D",
         "xxxx"),
        (79, "Cycle-life reference test", "attributes.cycle_life_test.reference", P, "S", "xxxx"),
        (80, "C-rate of relevant cycle-life test", "attributes.cycle_life_test.c_rate", P, "S",
         "xxxx"),
        (81, "Energy throughput", "health:energy_throughput_kwh", L, "D", "-x-x"),
        (82, "Capacity throughput", "health:capacity_throughput_ah", L, "D", "-x-x"),
        (83, "Capacity threshold for exhaustion",
         "attributes.capacity_threshold_for_exhaustion_pct", P, "S", "x---"),
        # Temperature conditions
        (84, "Temperature information", "health:temperature_c", L, "D", "xxxx"),
        (85, "Temperature range idle state, lower boundary",
         "attributes.idle_temperature_range.lower_c", P, "S", "xxxx"),
        (86, "Temperature range idle state, upper boundary",
         "attributes.idle_temperature_range.upper_c", P, "S", "xxxx"),
        (87, "Time spent in extreme temperatures above boundary",
         "health:time_above_max_temperature_h", L, "D", "-xxx"),
        (88, "Time spent in extreme temperatures below boundary",
         "health:time_below_min_temperature_h", L, "D", "-xxx"),
        (89, "Time spent charging during extreme temperatures above boundary",
         "health:time_charging_above_max_temperature_h", L, "D", "-xxx"),
        (90, "Time spent charging during extreme temperatures below boundary",
         "health:time_charging_below_min_temperature_h", L, "D", "-xxx"),
        # Negative events
        (91, "Number of deep discharge events", "health:deep_discharge_events", L, "D", "oxox"),
        (92, "Number of overcharge events", "health:overcharge_events", L, "D", "oooo"),
        (93, "Information on accidents", "health:accidents", L, "D", "xxxx"),
    ]
)  # fmt: skip

BY_NUMBER = {attribute.number: attribute for attribute in ATTRIBUTES}


def passport_required(category: str | None, rated_energy_kwh: Decimal | None) -> bool:
    """Whether a battery of this category needs a passport (Art. 77(1)).

    EV and LMT batteries always do, industrial and stationary ones above 2 kWh; a portable one
    does not. When the rated energy is unknown (it failed validation) the obligation is assumed,
    so the answer still names every mandatory attribute that is missing.
    """
    if category in ("ev", "lmt"):
        return True
    threshold = PASSPORT_THRESHOLD_KWH.get(category or "")
    if threshold is None:
        return False
    return rated_energy_kwh is None or rated_energy_kwh > threshold


def mandatory(category: str, *, source: str | None = None) -> list[BatteryAttribute]:
    """The attributes mandatory for a category, optionally only those from one source."""
    return [
        a
        for a in ATTRIBUTES
        if a.mandatory_for(category) and (source is None or a.source == source)
    ]
