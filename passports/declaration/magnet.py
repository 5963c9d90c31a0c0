"""A permanent magnet's attributes, or those of a product holding magnets (CRMA Art. 28 and 29).

A magnet passport describes either a magnet (or magnet set) itself: its type, grade and
application; or a product that holds magnets, the Critical Raw Materials Act's host product:
`contains_magnets`, each magnet's type, weight, location, composition, coatings, glues and
additives (Art. 28(4)(b)), how to access and remove them safely, and the post-consumer
recycled share of each element Art. 29(1) names. Which of these are mandatory when, their tiers
and sources are in passports/family_attributes.py.
"""

from rest_framework import serializers

from passports import substances
from passports.declaration.fields import POSITIVE, StrictSerializer, percent, quantity, share, text
from passports.family_attributes import ART29_ELEMENTS
from passports.validators import BoundedListField

MAGNET_TYPES = ["NdFeB", "SmCo", "ferrite", "AlNiCo"]
MAGNET_APPLICATIONS = [
    "ev_motor", "wind_generator", "industrial_motor", "consumer_electronics", "mri", "other",
]  # fmt: skip


class MagnetCompositionItem(StrictSerializer):
    """One substance of a magnet and its share of the magnet's mass, in %."""

    substance = text(64)
    mass_pct = percent()

    def validate_substance(self, value: str) -> str:
        if substances.lookup(value) is None:
            raise serializers.ValidationError(
                f"Unknown substance {value!r}: give an element symbol such as 'Nd' or a named "
                "material."
            )
        return value


class HostedMagnet(StrictSerializer):
    """A permanent magnet inside a host product, as Art. 28(4)(b) asks to describe it."""

    magnet_type = serializers.ChoiceField(choices=MAGNET_TYPES)
    grade = text(40, required=False)
    weight_kg = quantity(min_value=POSITIVE)
    location_in_host = text(500, help_text="Where in the product the magnet sits.")
    composition = MagnetCompositionItem(many=True, allow_empty=False, max_length=30)
    # Empty lists state that there are none, which Art. 28(4)(b) asks to be told too.
    coatings = BoundedListField(child=text(100), max_length=20)
    glues = BoundedListField(child=text(100), max_length=20)
    additives = BoundedListField(child=text(100), max_length=20)

    def validate(self, data: dict) -> dict:
        named = [item["substance"] for item in data["composition"]]
        repeated = sorted({name for name in named if named.count(name) > 1})
        if repeated:
            raise serializers.ValidationError(
                {"composition": [f"{', '.join(repeated)} listed more than once."]}
            )
        return data


class RecycledElement(StrictSerializer):
    """The recycled share of one element in the product's magnets (Art. 29(1))."""

    substance = serializers.ChoiceField(choices=list(ART29_ELEMENTS))
    post_consumer_share = share()
    pre_consumer_share = share(required=False)

    def validate(self, data: dict) -> dict:
        if data["post_consumer_share"] + data.get("pre_consumer_share", 0) > 1:
            raise serializers.ValidationError(
                {"post_consumer_share": ["Pre- and post-consumer shares exceed 1."]}
            )
        return data


class MagnetAttributes(StrictSerializer):
    """What a magnet's (or a magnet-holding product's) passport states beside composition."""

    magnet_type = serializers.ChoiceField(choices=MAGNET_TYPES, required=False)
    grade = text(40, required=False)
    application = serializers.ChoiceField(choices=MAGNET_APPLICATIONS, required=False)
    coating = text(100, required=False)
    max_operating_temperature_c = quantity(min_value=-273, required=False)
    host_product = text(200, required=False)
    removal_information = text(2000, required=False)
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
    # A product that holds magnets (Art. 28)
    contains_magnets = serializers.BooleanField(required=False)
    magnets = HostedMagnet(many=True, required=False, max_length=100)
    recycled_content = RecycledElement(many=True, required=False, max_length=len(ART29_ELEMENTS))

    def validate(self, data: dict) -> dict:
        errors: dict[str, list[str]] = {}
        if data.get("magnets") and data.get("contains_magnets") is not True:
            errors["contains_magnets"] = ["A product that lists magnets contains them: send true."]
        if data.get("contains_magnets") is False and data.get("recycled_content"):
            errors["recycled_content"] = ["A product without magnets has no magnet content."]
        named = [item["substance"] for item in data.get("recycled_content", [])]
        repeated = sorted({name for name in named if named.count(name) > 1})
        if repeated:
            errors["recycled_content"] = [f"{', '.join(repeated)} listed more than once."]
        if errors:
            raise serializers.ValidationError(errors)
        return data
