"""Plausible Annex XIII battery facts for generated passports (the demo and the bench fleet).

Every attribute the Battery Pass longlist marks mandatory for EV, LMT and industrial or
stationary batteries over 2 kWh, scaled from the pack's rated energy and nominal voltage, in
the normalised form validation gives (decimal text without trailing zeros), so a generated
declaration passes validation unchanged. The values are typical of published datasheets, not
measurements of any product.
"""

from datetime import date
from decimal import Decimal

from passports.declaration import normalised

# (chemistry family) -> (cell voltage min, max as a share of nominal; round-trip efficiency %)
_WINDOWS = {"LFP": ("0.78", "1.14", "96"), "lead_acid": ("0.88", "1.2", "80")}
_DEFAULT_WINDOW = ("0.75", "1.15", "95")
CATHODES = {
    "NMC811": "LiNi0.8Mn0.1Co0.1O2", "NMC622": "LiNi0.6Mn0.2Co0.2O2",
    "NMC111": "LiNi1/3Mn1/3Co1/3O2", "NCA": "LiNi0.8Co0.15Al0.05O2", "LFP": "LiFePO4",
    "LMO": "LiMn2O4",
}  # fmt: skip
# CAS numbers of the cathode active materials, and their mass per kWh of rated energy (typical
# of published pack teardowns; LFP stores less energy per kilogram of cathode).
CATHODE_CAS = {
    "NMC811": "346417-97-8", "NMC622": "346417-97-8", "NMC111": "346417-97-8",
    "NCA": "193214-24-3", "LFP": "15365-14-7", "LMO": "12057-17-9",
}  # fmt: skip
CATHODE_KG_PER_KWH = {"LFP": Decimal("2.2")}
_CATHODE_KG_PER_KWH = Decimal("1.6")
# Makers outside the EU place their packs on the EU market through an importer there.
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
END_USER_DOCUMENTS = (
    "declaration_of_conformity", "test_report", "dismantling", "safety",
    "waste_prevention", "separate_collection", "end_of_life_information",
)  # fmt: skip


def _text(value: Decimal) -> str:
    return format(normalised(value), "f")


def postal_address(city: str, country: str) -> dict:
    return {"street": "Industriestrasse 1", "postal_code": "10001", "city": city,
            "country": country}  # fmt: skip


def battery_facts(
    *,
    maker: str,
    domain: str,
    country: str,
    chemistry: str,
    kwh: Decimal,
    voltage_v: Decimal,
    manufacturer_identifier: str = "",
) -> dict:
    """The attributes beside category, chemistry and the lifetime a generator sets itself.

    `manufacturer_identifier` is the maker's own identifier (its GS1 company prefix, as the
    registering organisation holds it); without one, an identifier is made from its initials.
    """
    low, high, efficiency = _WINDOWS.get(chemistry, _DEFAULT_WINDOW)
    capacity_ah = (kwh * 1000 / voltage_v).quantize(Decimal("0.1"))
    power_w = (kwh * 1000 * Decimal(3)).quantize(Decimal(1))  # a 3C pack
    address = postal_address("Hauptstadt", country)
    symbols = f"https://{domain}/symbols/"
    cathode_kg = kwh * CATHODE_KG_PER_KWH.get(chemistry, _CATHODE_KG_PER_KWH)
    facts = {
        "manufacturer_information": {
            "identifier": manufacturer_identifier or f"{country}-" + initials(maker),
            "name": maker,
            "postal_address": address,
            "email": f"passport@{domain}",
            "web_address": f"https://{domain}",
        },
        "warranty": {"years": 8, "months": 0},
        "labels": {
            "separate_collection_symbol": {
                "identifier": "separate_collection",
                "image_url": symbols + "crossed-out-wheeled-bin.svg",
                "meaning": "Do not dispose of with household waste; collect separately.",
            },
            "cadmium_lead_symbols": [],
        },
        "hazardous_substances": [
            {
                "name": "lithium hexafluorophosphate",
                "cas": "21324-40-3",
                "hazard_classes": ["Acute Tox. 3", "Skin Corr. 1A", "STOT RE 1"],
                "concentration_pct": "1.5",
                "location": "electrolyte",
                "impact": "Toxic if swallowed; forms hydrogen fluoride with water or in a fire.",
            }
        ],
        "materials": [
            {
                "component": "cathode",
                "name": CATHODES.get(chemistry, chemistry),
                "cas": CATHODE_CAS.get(chemistry, ""),
                "mass_kg": _text(_kg(cathode_kg)),
            },
            {
                "component": "anode",
                "name": "graphite",
                "cas": "7782-42-5",
                "mass_kg": _text(_kg(kwh * Decimal("0.95"))),
            },
            # The electrolyte is a mixture: named by its main solvent, whose CAS number it
            # takes; its salt is listed among the hazardous substances with its own.
            {
                "component": "electrolyte",
                "name": "ethylene carbonate with LiPF6",
                "cas": "96-49-1",
                "mass_kg": _text(_kg(kwh * Decimal("0.32"))),
            },
        ],  # fmt: skip
        "due_diligence": {
            "report": {
                "url": f"https://{domain}/due-diligence-report.pdf",
                "published_on": date(2026, 1, 31),
            }
        },
        "part_numbers": [{"component": "battery module", "part_number": "MOD-01"}],
        "spare_parts_sources": [
            {
                "name": f"{maker} Service",
                "postal_address": address,
                "email": f"spare-parts@{domain}",
                "web_address": f"https://{domain}/spare-parts",
            }
        ],
        "renewable_content_pct": "0",
        "rated_capacity_ah": _text(capacity_ah),
        "minimum_voltage_v": _text((voltage_v * Decimal(low)).quantize(Decimal(1))),
        "maximum_voltage_v": _text((voltage_v * Decimal(high)).quantize(Decimal(1))),
        "original_power_capability": {
            "at_80_pct_soc_w": _text(power_w),
            "at_20_pct_soc_w": _text((power_w * Decimal("0.7")).quantize(Decimal(1))),
        },
        "maximum_permitted_power_w": _text(power_w),
        "power_energy_ratio_w_per_wh": _text(power_w / (kwh * 1000)),
        "initial_self_discharge_pct_per_month": "2",
        "initial_round_trip_efficiency_pct": efficiency,
        "round_trip_efficiency_at_50_pct_cycle_life_pct": _text(Decimal(efficiency) - 3),
        "initial_internal_resistance": {"cell_mohm": "0.9", "pack_mohm": "80"},
        "cycle_life_test": {"reference": "IEC 62660-1:2018", "c_rate": "0.333"},
        "capacity_threshold_for_exhaustion_pct": "70",
        "idle_temperature_range": {"lower_c": "-20", "upper_c": "45"},
    }
    if country not in EU_COUNTRIES:
        facts["operator"] = {
            "identifier": "NL-" + initials(maker) + "-EU",
            "name": f"{maker.split(',')[0]} Europe B.V.",
            "postal_address": postal_address("Rotterdam", "NL"),
            "email": f"eu-passport@{domain}",
            "web_address": f"https://{domain}/eu",
        }
    return facts


def initials(name: str) -> str:
    """The upper-case initials of a name's words ("Hanbit Energy Co." -> "HEC")."""
    return "".join(w[0] for w in name.split()).upper()


def _kg(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def carbon_stages(per_kwh: Decimal) -> dict:
    """The per-stage split of a footprint per kWh (typical shares of published studies)."""
    shares = {"raw_material_acquisition": "0.62", "main_production": "0.33",
              "distribution": "0.02", "end_of_life_and_recycling": "0.03"}  # fmt: skip
    return {stage: _text((per_kwh * Decimal(s)).quantize(Decimal("0.1")))
            for stage, s in shares.items()}  # fmt: skip
