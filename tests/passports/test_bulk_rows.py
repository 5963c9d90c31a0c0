"""Child rows of a bulk registration are written from plain values, as model instances would be."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from passports.bulk import rows_insert, unsaved_row
from passports.models import CompositionEntry


def test_left_out_fields_get_the_model_defaults():
    row = unsaved_row(
        CompositionEntry,
        {"passport_id": uuid.uuid4(), "position": 0, "substance": "lithium", "mass_kg": 1},
    )
    instance = CompositionEntry(passport_id=row.passport_id, position=0, substance="lithium")

    assert row.cas == instance.cas == ""
    assert row.critical is instance.critical is False
    assert row.recycled_share_pre_consumer == instance.recycled_share_pre_consumer == 0


def test_a_name_that_is_not_a_field_is_refused():
    with pytest.raises(TypeError, match="massa_kg"):
        unsaved_row(CompositionEntry, {"passport_id": uuid.uuid4(), "massa_kg": 1})


def test_rows_from_values_are_stored_as_instances_would_be(registered_battery):
    passport_id = uuid.UUID(registered_battery["id"])
    values = {
        "passport_id": passport_id,
        "position": 99,
        "substance": "cobalt",
        "cas": "7440-48-4",
        "mass_kg": Decimal("0.125"),
        "critical": True,
    }

    with transaction.atomic():
        rows_insert(CompositionEntry, [unsaved_row(CompositionEntry, values)])

    stored = CompositionEntry.objects.get(passport_id=passport_id, position=99)
    assert (stored.substance, stored.cas, stored.mass_kg, stored.critical) == (
        "cobalt",
        "7440-48-4",
        Decimal("0.125"),
        True,
    )
    assert stored.recycled_share_post_consumer == 0
