"""A permanent magnet's attributes."""

from rest_framework import serializers

from passports.declaration.fields import StrictSerializer, quantity

MAGNET_TYPES = ["NdFeB", "SmCo", "ferrite", "AlNiCo"]
MAGNET_APPLICATIONS = [
    "ev_motor", "wind_generator", "industrial_motor", "consumer_electronics", "mri", "other",
]  # fmt: skip


class MagnetAttributes(StrictSerializer):
    """What a magnet's passport states beside composition and origin."""

    magnet_type = serializers.ChoiceField(choices=MAGNET_TYPES)
    grade = serializers.CharField(max_length=40)
    application = serializers.ChoiceField(choices=MAGNET_APPLICATIONS)
    coating = serializers.CharField(max_length=100, required=False)
    max_operating_temperature_c = quantity(min_value=-273, required=False)
    host_product = serializers.CharField(max_length=200, required=False)
    removal_information = serializers.CharField(max_length=2000, required=False)
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
