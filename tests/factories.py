"""Valid declarations of each product family, for tests to vary."""

import copy

BATTERY = {
    "product_type": "battery",
    "gtin": "09506000134352",
    "serial": "BAT-000001",
    "model": "P75",
    "manufactured_at": "2026-03-14",
    "manufacturing_place": {"country": "DE", "facility": "Plant 1"},
    "mass_kg": "450.000",
    "attributes": {
        "category": "ev",
        "chemistry": "NMC811",
        "rated_capacity_kwh": "75.0",
        "nominal_voltage_v": "400",
        "expected_lifetime_years": 12,
    },
    "carbon_footprint": {"kg_co2e_per_kwh": "61.2"},
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
    "attributes": {"technology": "c-Si-mono", "rated_power_w": "420", "area_m2": "1.95"},
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
