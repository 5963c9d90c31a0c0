"""Words for the machine names a passport holds (field names, event types, tiers), translated.

A name with no entry here is shown humanised ("host_product" -> "Host product") rather than
hidden, so a field added to a schema still reaches the reader.
"""

from django.utils.translation import gettext_lazy as _

from web.labels import EVENT_TYPES, PRODUCT_TYPES, STATUSES  # noqa: F401 (re-exported)

TIERS = {
    "public": _("Public information"),
    "legitimate_interest": _("Legitimate-interest information"),
    "notified_body": _("Notified-body information (public data and test reports)"),
    "authority": _("Authority information (everything)"),
    "owner": _("Manufacturer's own passport (everything)"),
}


ATTRIBUTES = {
    "category": _("Category"),
    "chemistry": _("Chemistry"),
    "rated_energy_kwh": _("Rated energy (kWh)"),
    # Passports registered before the rename hold the rated energy under this name.
    "rated_capacity_kwh": _("Rated energy (kWh)"),
    "rated_capacity_ah": _("Rated capacity (Ah)"),
    "nominal_voltage_v": _("Nominal voltage (V)"),
    "expected_lifetime_years": _("Expected lifetime (years)"),
    "expected_lifetime_cycles": _("Expected lifetime (cycles)"),
    "warranty_years": _("Warranty (years)"),
    "hazardous_substances": _("Hazardous substances"),
    "extinguishing_agent": _("Extinguishing agent"),
    "technology": _("Technology"),
    # Passports registered before pmax_w and module_efficiency_pct hold these names.
    "rated_power_w": _("Rated power (W)"),
    "efficiency_pct": _("Efficiency (%)"),
    "pmax_w": _("Maximum power at STC (W)"),
    "voc_v": _("Open-circuit voltage Voc (V)"),
    "isc_a": _("Short-circuit current Isc (A)"),
    "vmpp_v": _("Voltage at maximum power Vmpp (V)"),
    "impp_a": _("Current at maximum power Impp (A)"),
    "module_efficiency_pct": _("Module efficiency (%)"),
    "temperature_coefficient_pmax_pct_per_c": _("Temperature coefficient of Pmax (%/°C)"),
    "temperature_coefficient_voc_pct_per_c": _("Temperature coefficient of Voc (%/°C)"),
    "temperature_coefficient_isc_pct_per_c": _("Temperature coefficient of Isc (%/°C)"),
    "nmot_c": _("NMOT (°C)"),
    "length_mm": _("Length (mm)"),
    "width_mm": _("Width (mm)"),
    "thickness_mm": _("Thickness (mm)"),
    "area_m2": _("Area (m²)"),
    "cell_count": _("Cells"),
    "bifacial": _("Bifacial"),
    "bifaciality_pct": _("Bifaciality (%)"),
    "degradation_warranty": _("Power warranty"),
    "first_year_pct": _("First year (%)"),
    "per_year_pct": _("Per further year (%)"),
    "years": _("Years"),
    "lead_g": _("Lead (g)"),
    "cadmium_g": _("Cadmium (g)"),
    "silver_mass_g": _("Silver mass (g)"),
    "contains_magnets": _("Contains permanent magnets"),
    "magnets": _("Permanent magnets"),
    "weight_kg": _("Weight (kg)"),
    "location_in_host": _("Location in the product"),
    "composition": _("Composition"),
    "substance": _("Substance"),
    "mass_pct": _("Mass (%)"),
    "coatings": _("Coatings"),
    "glues": _("Glues"),
    "additives": _("Additives"),
    "recycled_content": _("Recycled content of the magnets"),
    "post_consumer_share": _("Post-consumer share"),
    "pre_consumer_share": _("Pre-consumer share"),
    "magnet_type": _("Magnet type"),
    "grade": _("Grade"),
    "application": _("Application"),
    "coating": _("Coating"),
    "max_operating_temperature_c": _("Maximum operating temperature (°C)"),
    "host_product": _("Host product"),
    "removal_information": _("Removal information"),
    # The parts of nested attributes, composed into labels such as "Manufacturer › Street".
    "address": _("Address"),
    "at_20_pct_soc_w": _("At 20 % state of charge"),
    "at_80_pct_soc_w": _("At 80 % state of charge"),
    "c_rate": _("C-rate"),
    "cadmium_lead_symbols": _("Cadmium and lead symbols"),
    "capacity_threshold_for_exhaustion_pct": _("Capacity threshold for exhaustion"),
    "carbon_footprint_label": _("Carbon footprint label"),
    "cas": _("CAS number"),
    "cell_mohm": _("Cell"),
    "certified_usable_energy_kwh": _("Certified usable energy"),
    "city": _("City"),
    "component": _("Component"),
    "components": _("Components"),
    "concentration_pct": _("Concentration"),
    "country": _("Country"),
    "cycle_life_test": _("Cycle-life test"),
    "distribution": _("Distribution"),
    "documents": _("Documents"),
    "due_diligence": _("Due diligence"),
    "email": _("Email"),
    "end_of_life_and_recycling": _("End of life and recycling"),
    "facility": _("Facility"),
    "hazard_classes": _("Hazard classes"),
    "identifier": _("Identifier"),
    "idle_temperature_range": _("Idle-state temperature range"),
    "image_url": _("Image address"),
    "impact": _("Impact"),
    "initial_internal_resistance": _("Initial internal resistance"),
    "initial_round_trip_efficiency_pct": _("Initial round-trip efficiency"),
    "initial_self_discharge_pct_per_month": _("Initial self-discharge rate"),
    "kind": _("Kind"),
    "labels": _("Labels and symbols"),
    "location": _("Location in the battery"),
    "lower_c": _("Lower limit"),
    "main_production": _("Main production"),
    "manufacturer_information": _("Manufacturer"),
    "mass_kg": _("Mass"),
    "materials": _("Materials by component"),
    "maximum_permitted_power_w": _("Maximum permitted power"),
    "maximum_voltage_v": _("Maximum voltage"),
    "meaning": _("Meaning"),
    "method_url": _("Method address"),
    "minimum_voltage_v": _("Minimum voltage"),
    "module_mohm": _("Module"),
    "months": _("Months"),
    "name": _("Name"),
    "operator": _("Economic operator"),
    "original_power_capability": _("Original power capability"),
    "pack_mohm": _("Pack"),
    "part_number": _("Part number"),
    "part_numbers": _("Part numbers"),
    "performance_class": _("Carbon footprint performance class"),
    "postal_address": _("Postal address"),
    "postal_code": _("Postal code"),
    "power_energy_ratio_w_per_wh": _("Power-to-energy ratio"),
    "published_on": _("Published on"),
    "raw_material_acquisition": _("Raw material acquisition and pre-processing"),
    "reference": _("Test reference"),
    "region": _("Region"),
    "renewable_content_pct": _("Renewable content"),
    "report": _("Due diligence report"),
    "round_trip_efficiency_at_50_pct_cycle_life_pct": _(
        "Round-trip efficiency at 50 % of cycle life"
    ),
    "scheme": _("Scheme"),
    "separate_collection_symbol": _("Separate collection symbol"),
    "share_pct": _("Share of the component"),
    "spare_parts_sources": _("Sources of spare parts"),
    "stages": _("Life-cycle stages"),
    "street": _("Street and number"),
    "study_url": _("Carbon footprint study"),
    "supplier": _("Supplier"),
    "supply_chain_indices": _("Supply-chain indices"),
    "third_party_assurances": _("Third-party assurances"),
    "title": _("Title"),
    "total_kg_co2e": _("Total"),
    "kg_co2e_per_kwh": _("kg CO₂e per kWh"),
    "kg_co2e_per_kwp": _("kg CO₂e per kWp"),
    "kg_co2e_per_kg": _("kg CO₂e per kg"),
    "upper_c": _("Upper limit"),
    "url": _("Address (URL)"),
    "value": _("Value"),
    "warranty": _("Warranty period"),
    "web_address": _("Web address"),
    "share": _("Share (0 to 1)"),
    "recycled_share_pre_consumer": _("Recycled share, pre-consumer"),
    "recycled_share_post_consumer": _("Recycled share, post-consumer"),
}

# Coded attribute values readers would not know ("lmt"), in words.
ATTRIBUTE_VALUES = {
    "category": {
        "portable": _("Portable battery"),
        "lmt": _("Light means of transport (LMT) battery"),
        "ev": _("Electric vehicle (EV) battery"),
        "industrial": _("Industrial battery"),
        "stationary": _("Stationary energy storage battery"),
    },
    "application": {
        "ev_motor": _("Electric vehicle motor"),
        "wind_generator": _("Wind turbine generator"),
        "industrial_motor": _("Industrial motor"),
        "consumer_electronics": _("Consumer electronics"),
        "mri": _("MRI scanner"),
        "other": _("Other"),
    },
}

# Attributes shown under dismantling and safety rather than among the product facts.
SAFETY_ATTRIBUTES = ("hazardous_substances", "extinguishing_agent", "removal_information")

DOCUMENT_KINDS = {
    "dismantling": _("Dismantling information"),
    "safety": _("Safety information"),
    "declaration_of_conformity": _("EU declaration of conformity"),
    "test_report": _("Test report"),
    "carbon_footprint_study": _("Carbon footprint study"),
    "user_information": _("User information"),
    "waste_prevention": _("Your role in preventing battery waste"),
    "separate_collection": _("Separate collection of waste batteries"),
    "end_of_life_information": _("Collection, second life and treatment at end of life"),
    "other": _("Other document"),
}

CARBON_UNITS = {
    "kg_co2e_per_kwh": _("kg CO₂e per kWh"),
    "kg_co2e_per_kwp": _("kg CO₂e per kWp"),
    "kg_co2e_per_kg": _("kg CO₂e per kg"),
}

CARBON_STAGES = {
    "raw_material_acquisition": _("Raw material acquisition"),
    "main_production": _("Main production"),
    "distribution": _("Distribution"),
    "end_of_life_and_recycling": _("End of life and recycling"),
}

HEALTH_FIELDS = {
    "state_of_health_pct": _("State of health (%)"),
    "state_of_certified_energy_pct": _("State of certified energy (%)"),
    "full_cycles": _("Full cycles"),
    "capacity_fade_pct": _("Capacity fade (%)"),
    "remaining_capacity_ah": _("Remaining capacity (Ah)"),
    "remaining_power_capability_w": _("Remaining power capability (W)"),
    "internal_resistance_increase_pct": _("Internal resistance increase (%)"),
    "energy_throughput_kwh": _("Energy throughput (kWh)"),
    "capacity_throughput_ah": _("Capacity throughput (Ah)"),
    "deep_discharge_events": _("Deep discharge events"),
    "overcharge_events": _("Overcharge events"),
    "accidents": _("Accidents"),
    "pmax_w": _("Maximum power (W)"),
    "pmax_stc_w": _("Measured maximum power at STC (W)"),
    "measured_on": _("Date of measurement"),
    "degradation_pct": _("Degradation (%)"),
    "remanence_loss_pct": _("Remanence loss (%)"),
    "demagnetised": _("Demagnetised"),
}

# What other events carry, besides health readings.
PAYLOAD_FIELDS = HEALTH_FIELDS | {
    "product_type": _("Product type"),
    "gtin": "GTIN",
    "serial": _("Serial number"),
    "gbt_code": _("GB/T 34014 code"),
    "declaration_sha256": _("SHA-256 of the declaration"),
    "to": _("New holder"),
    "country": _("Country"),
    "date": _("Date"),
    "application": _("Application"),
    "parts": _("Parts replaced"),
    "description": _("Description"),
    "notes": _("Notes"),
    "successor": _("Successor product"),
    "region": _("Region"),
    "collector": _("Collector"),
    "mass_kg": _("Mass (kg)"),
    "batch": _("Treatment batch"),
    "process_route": _("Process route"),
    "method": _("Method"),
    "site": _("Site"),
}

# Parts of a passport a tier may withhold, named as a reader would.
WITHHELD = {
    "batch": _("Production batch"),
    "composition": _("Detailed composition (mass of each substance)"),
    "status": _("Status"),
    "holder": _("Current holder"),
    "health": _("State of health"),
    "placed_on_market": _("Placing on the market"),
    "predecessor": _("Previous life"),
    "successor": _("Next life"),
    "origin.supplier": _("Suppliers of raw materials"),
    "origin.facility": _("Supplier facilities"),
}


def humanise(name: str) -> str:
    """A readable fallback for a machine name: "host_product" -> "Host product"."""
    return name.replace("_", " ").capitalize()


def label(table: dict, name: str) -> str:
    return str(table[name]) if name in table else humanise(name)
