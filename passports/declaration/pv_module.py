"""A photovoltaic module's attributes."""

from rest_framework import serializers

from passports.declaration.fields import POSITIVE, StrictSerializer, percent, quantity
from passports.validators import SAFE_INTEGER

PV_TECHNOLOGIES = ["c-Si-mono", "c-Si-poly", "CdTe", "CIGS", "other"]


class PvModuleAttributes(StrictSerializer):
    """What a PV module's passport states beside composition and origin."""

    technology = serializers.ChoiceField(choices=PV_TECHNOLOGIES)
    rated_power_w = quantity(min_value=POSITIVE)
    area_m2 = quantity(min_value=POSITIVE)
    efficiency_pct = percent(required=False)
    cell_count = serializers.IntegerField(min_value=1, max_value=SAFE_INTEGER, required=False)
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
    hazardous_substances = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
