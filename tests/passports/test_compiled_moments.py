"""Compiled checks of moments and UUIDs return the field's own value, in the zone of each call."""

import uuid
from contextlib import nullcontext
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers

from passports.declaration.compiled import SLOW, field_check
from passports.validators import validate_plausible_date

MOMENTS = [
    "2026-06-01T10:00:00Z", "2026-06-01T12:00:00+02:00", "2026-06-01T10:00:00.5-05:30",
    "2026-06-01T10:00:00.123456Z", "2026-03-29T02:30:00+01:00", "1989-12-31T23:59:59Z",
    "2999-01-01T00:00:00Z", "2026-06-01T10:00:00", "2026-06-01", "2026-13-01T10:00:00Z",
    "2026-06-01T24:00:00Z", "2026-06-01T10:00:60Z", "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+01:00", "2026-06-01T10:00:00+24:00", "２０２６-06-01T10:00:00Z",
    "", " 2026-06-01T10:00:00Z", 1_780_000_000, None, True,
]  # fmt: skip


def fields() -> list[serializers.DateTimeField]:
    return [
        serializers.DateTimeField(),
        serializers.DateTimeField(validators=[validate_plausible_date]),
        serializers.DateTimeField(default_timezone=ZoneInfo("Asia/Tokyo")),
    ]


def drf(field, value):
    try:
        return True, field.run_validation(value)
    except serializers.ValidationError as exc:
        return False, exc.detail


def assert_agrees(field, value) -> bool:
    result = field_check(field)(value)
    if result is SLOW:
        return False
    ok, expected = drf(field, value)
    assert ok, f"{value!r} accepted by the compiled check, refused by the field"
    assert result == expected and repr(result.tzinfo) == repr(expected.tzinfo), value
    return True


@pytest.mark.parametrize("zone", [None, "Europe/Berlin", "America/St_Johns"])
def test_a_moment_is_the_fields_value_in_the_zone_active_at_the_call(zone):
    checks = [(field, field_check(field)) for field in fields()]
    taken = 0
    with timezone.override(zone) if zone else nullcontext():
        for field, _ in checks:
            taken += sum(assert_agrees(field, value) for value in MOMENTS)

    assert taken >= 3 * 4  # the plain shapes are taken by the compiled check


@override_settings(USE_TZ=False)
def test_without_time_zones_a_moment_is_the_fields_naive_value():
    # The plausible-date rule compares with an aware now, so it is left out here.
    for field in fields()[::2]:
        for value in MOMENTS:
            assert_agrees(field, value)


def test_uuid_text_in_any_form_the_field_reads_is_the_fields_uuid():
    known = uuid.UUID(int=9)
    field = serializers.UUIDField()
    values = [str(known), known.hex, known.hex.upper(), f"{{{known}}}", f"urn:uuid:{known}",
              f" {known}", f"{known}\n", str(known)[:-1], "", known.int, None]  # fmt: skip

    taken = [value for value in values if field_check(field)(value) is not SLOW]

    for value in values:
        result = field_check(field)(value)
        if result is not SLOW:
            assert drf(field, value) == (True, result)
    assert len(taken) == 5
