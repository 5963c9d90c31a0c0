"""The battery's attributes: Annex XIII of Regulation (EU) 2023/1542, one typed field each.

Which longlist attribute lives where, its access tier and the categories it is mandatory for
are in passports/battery_attributes.py; the fields here are optional unless every battery must
carry them, and the mandatory rule (declaration/rules.py) asks for the rest by category.
Values measured over the battery's life (state of charge, fades, temperatures) are not here:
they are health reports (lifecycle/payloads.py BatteryHealth).
"""

from rest_framework import serializers

from passports.declaration.fields import (
    POSITIVE,
    Party,
    PostalAddress,
    StrictSerializer,
    SymbolItem,
    percent,
    quantity,
    text,
)
from passports.validators import SAFE_INTEGER, BoundedListField

BATTERY_CATEGORIES = ["portable", "lmt", "ev", "industrial", "stationary"]
BATTERY_CHEMISTRIES = [
    "NMC811", "NMC622", "NMC111", "NCA", "LFP", "LMO",
    "lead_acid", "NiMH", "NiCd", "sodium_ion", "other",
]  # fmt: skip
# Where a material sits in the battery (longlist #33 names the first three).
BATTERY_COMPONENTS = ["cathode", "anode", "electrolyte", "separator", "casing", "other"]
CELL_COMPONENTS = ("cathode", "anode", "electrolyte")


class Warranty(StrictSerializer):
    """The commercial warranty period, in years and months (a period, not only whole years)."""

    years = serializers.IntegerField(min_value=0, max_value=100)
    months = serializers.IntegerField(min_value=0, max_value=11, required=False)


class Labels(StrictSerializer):
    """The labels and symbols on the battery (Art. 13 and Annex VI), each with its meaning."""

    separate_collection_symbol = SymbolItem(required=False)
    # Empty when the battery needs neither the Cd nor the Pb symbol; stating so is mandatory.
    cadmium_lead_symbols = SymbolItem(many=True, required=False, max_length=2)
    carbon_footprint_label = SymbolItem(required=False)


class ReportReference(StrictSerializer):
    """A published report: where to read it and when it was published."""

    url = serializers.URLField(max_length=500)
    title = text(required=False, allow_blank=True)
    published_on = serializers.DateField()


class Assurance(StrictSerializer):
    """A third-party assurance under a recognised due-diligence scheme (Art. 48(2))."""

    scheme = text()
    url = serializers.URLField(max_length=500)


class SupplyChainIndex(StrictSerializer):
    """A supply-chain index, such as a share of certified sources, with its method."""

    name = text()
    value = quantity(min_value=None)
    method_url = serializers.URLField(max_length=500, required=False)


class DueDiligence(StrictSerializer):
    """Supply-chain due diligence (Art. 48-52): the report, assurances and indices.

    The per-substance origin shares stay in the declaration's `origin`; this is what the
    Regulation asks for beside them.
    """

    report = ReportReference(required=False)
    third_party_assurances = Assurance(many=True, required=False, max_length=20)
    supply_chain_indices = SupplyChainIndex(many=True, required=False, max_length=20)


class MaterialItem(StrictSerializer):
    """A material of the cathode, anode or electrolyte (or another component): what and how much."""

    component = serializers.ChoiceField(choices=BATTERY_COMPONENTS)
    name = text()
    cas = text(16, required=False, allow_blank=True)
    mass_kg = quantity(required=False)
    share_pct = percent(required=False, help_text="Share of the component's mass, in %.")


class HazardousSubstance(StrictSerializer):
    """A hazardous substance (Regulation (EC) No 1272/2008) in the battery, with its impact."""

    name = text()
    cas = text(16, required=False, allow_blank=True)
    hazard_classes = BoundedListField(
        child=text(100), max_length=20, help_text="CLP hazard classes or H statements."
    )
    concentration_pct = percent(help_text="Concentration in the battery, % by mass.")
    location = serializers.ChoiceField(choices=BATTERY_COMPONENTS)
    impact = text(2000, help_text="Impact on the environment, human health, safety, persons.")


class PartNumber(StrictSerializer):
    """A component's part number, for repair and spare parts."""

    component = text()
    part_number = text(100)


class SparePartsSource(StrictSerializer):
    """Where spare parts can be had: the supplier and how to reach it."""

    name = text()
    postal_address = PostalAddress()
    email = serializers.EmailField(max_length=254, required=False)
    web_address = serializers.URLField(max_length=500, required=False)
    components = BoundedListField(child=text(), required=False, max_length=50)


class PowerCapability(StrictSerializer):
    """Original power capability (W) at 80 % and at 20 % state of charge."""

    at_80_pct_soc_w = quantity(min_value=POSITIVE)
    at_20_pct_soc_w = quantity(min_value=POSITIVE)


class InternalResistance(StrictSerializer):
    """Initial internal resistance in milliohm of a cell, a module (recommended) and the pack."""

    cell_mohm = quantity(min_value=POSITIVE)
    module_mohm = quantity(min_value=POSITIVE, required=False)
    pack_mohm = quantity(min_value=POSITIVE)


class CycleLifeTest(StrictSerializer):
    """The reference test the expected cycle life was measured with, and its C-rate (A/Ah)."""

    reference = text(help_text="The standard or test procedure, e.g. 'IEC 62660-1:2018'.")
    c_rate = quantity(min_value=POSITIVE, help_text="Charge/discharge rate, A/Ah.")


class TemperatureRange(StrictSerializer):
    """The idle-state temperature range in °C."""

    lower_c = quantity(min_value=-273)
    upper_c = quantity(min_value=-273)

    def validate(self, data: dict) -> dict:
        if data["lower_c"] >= data["upper_c"]:
            raise serializers.ValidationError(
                {"upper_c": ["The upper boundary must be above the lower boundary."]}
            )
        return data


class BatteryAttributes(StrictSerializer):
    """A battery's attributes as declared at placing on the market (static values)."""

    category = serializers.ChoiceField(choices=BATTERY_CATEGORIES)
    chemistry = serializers.ChoiceField(choices=BATTERY_CHEMISTRIES)
    # Identity and operator
    manufacturer_information = Party(required=False)
    operator = Party(required=False, help_text="The economic operator, where not the maker.")
    warranty = Warranty(required=False)
    # Labels, safety and substances
    labels = Labels(required=False)
    extinguishing_agent = text(required=False)
    hazardous_substances = HazardousSubstance(many=True, required=False, max_length=50)
    materials = MaterialItem(many=True, required=False, max_length=100)
    due_diligence = DueDiligence(required=False)
    # Circularity
    part_numbers = PartNumber(many=True, required=False, max_length=200)
    spare_parts_sources = SparePartsSource(many=True, required=False, max_length=20)
    renewable_content_pct = percent(required=False)
    # Capacity, energy and voltage
    rated_energy_kwh = quantity(min_value=POSITIVE)
    rated_capacity_ah = quantity(min_value=POSITIVE, required=False)
    certified_usable_energy_kwh = quantity(min_value=POSITIVE, required=False)
    nominal_voltage_v = quantity(min_value=POSITIVE)
    minimum_voltage_v = quantity(min_value=POSITIVE, required=False)
    maximum_voltage_v = quantity(min_value=POSITIVE, required=False)
    # Power capability
    original_power_capability = PowerCapability(required=False)
    maximum_permitted_power_w = quantity(min_value=POSITIVE, required=False)
    power_energy_ratio_w_per_wh = quantity(min_value=POSITIVE, required=False)
    # Round-trip efficiency, self-discharge, internal resistance
    initial_round_trip_efficiency_pct = percent(required=False)
    round_trip_efficiency_at_50_pct_cycle_life_pct = percent(required=False)
    initial_self_discharge_pct_per_month = percent(required=False)
    initial_internal_resistance = InternalResistance(required=False)
    # Lifetime and temperature
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
    expected_lifetime_cycles = serializers.IntegerField(
        min_value=1, max_value=SAFE_INTEGER, required=False
    )
    cycle_life_test = CycleLifeTest(required=False)
    capacity_threshold_for_exhaustion_pct = percent(required=False)
    idle_temperature_range = TemperatureRange(required=False)

    def validate(self, data: dict) -> dict:
        errors: dict[str, list[str]] = {}
        low, high = data.get("minimum_voltage_v"), data.get("maximum_voltage_v")
        nominal = data["nominal_voltage_v"]
        if low is not None and high is not None and not low <= nominal <= high:
            errors["nominal_voltage_v"] = [
                "The nominal voltage must lie between the minimum and the maximum voltage."
            ]
        materials = data.get("materials")
        if materials:
            named = {item["component"] for item in materials}
            absent = [c for c in CELL_COMPONENTS if c not in named]
            if absent:
                errors["materials"] = [
                    "Name the materials of the cathode, anode and electrolyte; missing: "
                    + ", ".join(absent)
                    + "."
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return data
