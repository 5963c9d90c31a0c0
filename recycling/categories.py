"""Chemistry categories used for recycling statistics, derived from passport attributes.

Batteries follow the EU Battery Regulation Annex XII categories (lead-acid, lithium-based,
nickel-cadmium, other); PV modules and magnets are grouped by the technology that decides how
they are treated.
"""

CATEGORIES: dict[str, dict[str, str]] = {
    "battery": {
        "NMC811": "lithium",
        "NMC622": "lithium",
        "NMC111": "lithium",
        "NCA": "lithium",
        "LFP": "lithium",
        "LMO": "lithium",
        "lead_acid": "lead_acid",
        "NiCd": "nickel_cadmium",
        "NiMH": "other",
        "sodium_ion": "other",
        "other": "other",
    },
    "pv_module": {
        "c-Si-mono": "c_si",
        "c-Si-poly": "c_si",
        "CdTe": "thin_film",
        "CIGS": "thin_film",
        "other": "other",
    },
    "magnet": {"NdFeB": "ndfeb", "SmCo": "smco", "ferrite": "ferrite", "AlNiCo": "alnico"},
}

ATTRIBUTE = {"battery": "chemistry", "pv_module": "technology", "magnet": "magnet_type"}


def category_choices(product_type: str) -> list[str]:
    return sorted(set(CATEGORIES.get(product_type, {}).values()))


def category_of(product_type: str, attributes: dict) -> str:
    """The statistics category of a product from its declared chemistry or technology."""
    value = attributes.get(ATTRIBUTE[product_type], "other")
    return CATEGORIES[product_type].get(value, "other")
