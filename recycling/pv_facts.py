"""Plausible EN 50380 datasheet values for a PV module, for the demo, the fleet and templates.

Typical of current modules: c-Si around 21 % efficient with Pmax falling 0.30-0.35 %/°C, CdTe
around 18 % with a flatter -0.28 %/°C; Vmpp about 83 % of Voc and Impp about 95 % of Isc.
"""

from decimal import Decimal

from passports.declaration.fields import decimal_text

_TWO = Decimal("0.01")


def pv_datasheet(
    *,
    technology: str,
    pmax_w: Decimal,
    area_m2: Decimal,
    silver_g: Decimal,
    cadmium_g: Decimal | None = None,
) -> dict:
    """The datasheet attributes of a module of this technology, power and area."""
    cdte = technology == "CdTe"
    voc = Decimal(218) if cdte else Decimal("49.7")  # thin-film strip cells; 72 c-Si cells
    vmpp = (voc * Decimal("0.83")).quantize(_TWO)
    impp = (pmax_w / vmpp).quantize(_TWO)
    width = Decimal(1134) if not cdte else Decimal(1232)
    length = (area_m2 * 1_000_000 / width).quantize(Decimal(1))
    return {
        "technology": technology,
        "pmax_w": decimal_text(pmax_w),
        "voc_v": decimal_text(voc),
        "isc_a": decimal_text((impp / Decimal("0.95")).quantize(_TWO)),
        "vmpp_v": decimal_text(vmpp),
        "impp_a": decimal_text(impp),
        "module_efficiency_pct": decimal_text((pmax_w / area_m2 / 10).quantize(Decimal("0.1"))),
        "temperature_coefficient_pmax_pct_per_c": "-0.28" if cdte else "-0.34",
        "temperature_coefficient_voc_pct_per_c": "-0.28" if cdte else "-0.25",
        "temperature_coefficient_isc_pct_per_c": "0.04" if cdte else "0.05",
        "nmot_c": "45" if cdte else "43",
        "length_mm": decimal_text(length),
        "width_mm": decimal_text(width),
        "thickness_mm": "6.8" if cdte else "30",
        "area_m2": decimal_text(area_m2),
        "degradation_warranty": {"first_year_pct": "2", "per_year_pct": "0.55", "years": 25},
        "lead_g": "0" if cdte else "12",
        "cadmium_g": decimal_text((cadmium_g or Decimal(7 if cdte else 0)).quantize(_TWO)),
        "silver_mass_g": decimal_text(silver_g.quantize(_TWO)),
    }
