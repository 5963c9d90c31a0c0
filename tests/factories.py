"""Valid declarations of each product family, for tests to vary."""

import copy

ADDRESS = {"street": "Werkstrasse 1", "postal_code": "38440", "city": "Wolfsburg", "country": "DE"}
SYMBOL = "https://example.com/symbols/"

BATTERY = {
    "product_type": "battery",
    "gtin": "09506000134352",
    "serial": "BAT-000001",
    "model": "P75",
    "manufactured_at": "2026-03-14",
    "manufacturing_place": {"country": "DE", "facility": "Plant 1", "address": ADDRESS},
    "mass_kg": "450.000",
    # Every attribute the longlist marks mandatory for EV batteries (passports/battery_attributes)
    "attributes": {
        "category": "ev",
        "chemistry": "NMC811",
        "manufacturer_information": {
            "identifier": "DE123456789",
            "name": "Test Cells GmbH",
            "postal_address": ADDRESS,
            "email": "passport@example.com",
            "web_address": "https://example.com",
        },
        "warranty": {"years": 8, "months": 0},
        "labels": {
            "separate_collection_symbol": {
                "identifier": "separate_collection",
                "image_url": SYMBOL + "crossed-out-bin.svg",
                "meaning": "Collect separately from household waste.",
            },
            "cadmium_lead_symbols": [],
        },
        "extinguishing_agent": "Water (large quantities)",
        "hazardous_substances": [
            {
                "name": "lithium hexafluorophosphate",
                "cas": "21324-40-3",
                "hazard_classes": ["Acute Tox. 3", "Skin Corr. 1A"],
                "concentration_pct": "1.2",
                "location": "electrolyte",
                "impact": "Toxic if swallowed; releases hydrogen fluoride in a fire.",
            }
        ],
        "materials": [
            {"component": "cathode", "name": "NMC811", "mass_kg": "95", "share_pct": "92"},
            {"component": "anode", "name": "graphite", "cas": "7782-42-5", "mass_kg": "64"},
            {"component": "electrolyte", "name": "LiPF6 in EC/DMC", "mass_kg": "30"},
        ],
        "due_diligence": {
            "report": {
                "url": "https://example.com/due-diligence-2026.pdf",
                "published_on": "2026-01-31",
            },
        },
        "part_numbers": [{"component": "module", "part_number": "M-75-01"}],
        "spare_parts_sources": [{"name": "Test Parts GmbH", "postal_address": ADDRESS}],
        "renewable_content_pct": "0",
        "rated_energy_kwh": "75.0",
        "rated_capacity_ah": "187.5",
        "nominal_voltage_v": "400",
        "minimum_voltage_v": "300",
        "maximum_voltage_v": "460",
        "original_power_capability": {"at_80_pct_soc_w": "250000", "at_20_pct_soc_w": "180000"},
        "maximum_permitted_power_w": "270000",
        "initial_round_trip_efficiency_pct": "95",
        "round_trip_efficiency_at_50_pct_cycle_life_pct": "92",
        "initial_internal_resistance": {"cell_mohm": "0.8", "pack_mohm": "75"},
        "expected_lifetime_years": 12,
        "expected_lifetime_cycles": 2000,
        "cycle_life_test": {"reference": "IEC 62660-1:2018", "c_rate": "0.333"},
        "capacity_threshold_for_exhaustion_pct": "70",
        "idle_temperature_range": {"lower_c": "-20", "upper_c": "45"},
    },
    "carbon_footprint": {
        "kg_co2e_per_kwh": "61.2",
        "stages": {
            "raw_material_acquisition": "40.1",
            "main_production": "18.3",
            "distribution": "1.2",
            "end_of_life_and_recycling": "1.6",
        },
        "performance_class": "B",
        "study_url": "https://example.com/carbon-footprint-study.pdf",
    },
    "composition": [
        {"substance": "Li", "mass_kg": "6.900", "recycled_share_post_consumer": "0.06"},
        {"substance": "Co", "mass_kg": "5.700", "recycled_share_post_consumer": "0.16"},
        {"substance": "Ni", "mass_kg": "45.600"},
        {"substance": "graphite", "mass_kg": "64.000"},
    ],
    "origin": [
        {"substance": "Co", "country": "CD", "share": "0.7", "supplier": "Mine Co"},
        {"substance": "Co", "country": "AU", "share": "0.3"},
    ],
    "documents": [
        {"kind": "dismantling", "url": "https://example.com/dismantling.pdf"},
        {"kind": "test_report", "url": "https://example.com/tests.pdf"},
        {"kind": "declaration_of_conformity", "url": "https://example.com/doc.pdf"},
        {"kind": "safety", "url": "https://example.com/safety.pdf"},
        {"kind": "waste_prevention", "url": "https://example.com/waste-prevention.pdf"},
        {"kind": "separate_collection", "url": "https://example.com/collection.pdf"},
        {"kind": "end_of_life_information", "url": "https://example.com/end-of-life.pdf"},
    ],
}

PV_MODULE = {
    "product_type": "pv_module",
    "gtin": "09506000134369",
    "serial": "PV-000001",
    "model": "Mono 420",
    "manufactured_at": "2025-09-01",
    "manufacturing_place": {"country": "CN", "facility": "Line 3"},
    "mass_kg": "21.5",
    "attributes": {
        "technology": "c-Si-mono",
        "pmax_w": "420",
        "voc_v": "49.7",
        "isc_a": "10.72",
        "vmpp_v": "41.25",
        "impp_a": "10.18",
        "module_efficiency_pct": "21.5",
        "temperature_coefficient_pmax_pct_per_c": "-0.34",
        "temperature_coefficient_voc_pct_per_c": "-0.25",
        "temperature_coefficient_isc_pct_per_c": "0.05",
        "nmot_c": "43",
        "length_mm": "1722",
        "width_mm": "1134",
        "thickness_mm": "30",
        "area_m2": "1.95",
        "degradation_warranty": {"first_year_pct": "2", "per_year_pct": "0.55", "years": 25},
        "lead_g": "12",
        "cadmium_g": "0",
        "silver_mass_g": "7",
    },
    "composition": [
        {"substance": "glass", "mass_kg": "17.5"},
        {"substance": "Al", "mass_kg": "2.62"},
        {"substance": "Si", "mass_kg": "0.77"},
        {"substance": "Ag", "mass_kg": "0.007"},
        {"substance": "Cu", "mass_kg": "0.016"},
    ],
    "origin": [{"substance": "Si", "country": "CN", "share": "1"}],
}

MAGNET = {
    "product_type": "magnet",
    "gtin": "09506000134376",
    "serial": "MAG-000001",
    "model": "Rotor set R1",
    "manufactured_at": "2024-05-20",
    "manufacturing_place": {"country": "JP"},
    "mass_kg": "1.2",
    "attributes": {"magnet_type": "NdFeB", "grade": "N42SH", "application": "ev_motor"},
    "composition": [
        {"substance": "Nd", "mass_kg": "0.264"},
        {"substance": "Pr", "mass_kg": "0.072"},
        {"substance": "Dy", "mass_kg": "0.036"},
        {"substance": "Fe", "mass_kg": "0.786"},
        {"substance": "B", "mass_kg": "0.012"},
    ],
    "origin": [
        {"substance": "Nd", "country": "CN", "share": "0.9"},
        {"substance": "Nd", "country": "AU", "share": "0.1"},
    ],
}


def declaration(kind: str = "battery", **changes) -> dict:
    """A valid declaration of a product family, with top-level fields replaced."""
    base = {"battery": BATTERY, "pv_module": PV_MODULE, "magnet": MAGNET}[kind]
    result = copy.deepcopy(base)
    result.update(changes)
    return result


def place(country: str, kind: str = "battery") -> dict:
    """A manufacturing place in another country, with a postal address there."""
    if kind != "battery":
        return {"country": country}
    return {"country": country, "address": {**ADDRESS, "country": country}}
