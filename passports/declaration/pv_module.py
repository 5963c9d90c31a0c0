"""A photovoltaic module's attributes: the EN 50380 datasheet values and what recyclers need.

Which attribute is mandatory, its access tier and its source are in
passports/family_attributes.py; the fields here are optional unless every module must carry
them, and the mandatory rule (declaration/rules.py) asks for the rest, naming each source.
Measured values over the module's life are health reports (lifecycle/payloads.py PvModuleHealth).
"""

from rest_framework import serializers

from passports.declaration.fields import POSITIVE, StrictSerializer, percent, quantity
from passports.validators import SAFE_INTEGER, BoundedListField

PV_TECHNOLOGIES = ["c-Si-mono", "c-Si-poly", "CdTe", "CIGS", "other"]


def _coefficient(**kwargs) -> serializers.DecimalField:
    """A temperature coefficient in %/°C: negative for power and voltage, small either way."""
    return quantity(min_value=-5, max_value=5, required=False, **kwargs)


class DegradationWarranty(StrictSerializer):
    """The linear power warranty: the loss allowed in the first year, then per year, how long."""

    first_year_pct = percent()
    per_year_pct = percent()
    years = serializers.IntegerField(min_value=1, max_value=50)


class PvModuleAttributes(StrictSerializer):
    """What a PV module's passport states beside composition and origin."""

    # Old names a client may still send, with the field that replaced each.
    renamed_keys = {
        "rated_power_w": (
            "Renamed: the rated power is the maximum power at STC of the EN 50380 datasheet; "
            "send it as pmax_w."
        ),
        "efficiency_pct": "Renamed: send the module efficiency at STC as module_efficiency_pct.",
    }

    technology = serializers.ChoiceField(choices=PV_TECHNOLOGIES)
    # Electrical data at STC (1000 W/m², 25 °C, AM 1.5)
    pmax_w = quantity(min_value=POSITIVE, required=False)
    voc_v = quantity(min_value=POSITIVE, required=False)
    isc_a = quantity(min_value=POSITIVE, required=False)
    vmpp_v = quantity(min_value=POSITIVE, required=False)
    impp_a = quantity(min_value=POSITIVE, required=False)
    module_efficiency_pct = percent(required=False)
    # Thermal data
    temperature_coefficient_pmax_pct_per_c = _coefficient()
    temperature_coefficient_voc_pct_per_c = _coefficient()
    temperature_coefficient_isc_pct_per_c = _coefficient()
    nmot_c = quantity(min_value=-273, required=False)
    # Mechanical data
    length_mm = quantity(min_value=POSITIVE, required=False)
    width_mm = quantity(min_value=POSITIVE, required=False)
    thickness_mm = quantity(min_value=POSITIVE, required=False)
    area_m2 = quantity(min_value=POSITIVE, required=False)
    cell_count = serializers.IntegerField(min_value=1, max_value=SAFE_INTEGER, required=False)
    bifacial = serializers.BooleanField(required=False)
    bifaciality_pct = percent(required=False, help_text="Rear to front power at STC, in %.")
    # Warranty and lifetime
    degradation_warranty = DegradationWarranty(required=False)
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
    # Substances and materials, in grams per module
    lead_g = quantity(required=False)
    cadmium_g = quantity(required=False)
    silver_mass_g = quantity(required=False)
    hazardous_substances = BoundedListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )

    def validate(self, data: dict) -> dict:
        errors: dict[str, list[str]] = {}
        if "bifaciality_pct" in data and data.get("bifacial") is not True:
            errors["bifaciality_pct"] = [
                "Bifaciality applies to bifacial modules only: send bifacial true with it."
            ]
        voc, vmpp = data.get("voc_v"), data.get("vmpp_v")
        if voc is not None and vmpp is not None and vmpp >= voc:
            errors["vmpp_v"] = [
                "The voltage at maximum power must be below the open-circuit voltage."
            ]
        isc, impp = data.get("isc_a"), data.get("impp_a")
        if isc is not None and impp is not None and impp > isc:
            errors["impp_a"] = [
                "The current at maximum power cannot exceed the short-circuit current."
            ]
        if errors:
            raise serializers.ValidationError(errors)
        return data
