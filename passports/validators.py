"""Limits every layer applies to the values it accepts: plausible dates, signable integers.

Kept in passports, the lowest layer, so lifecycle and recycling apply the same rule rather than
each its own copy.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

# RFC 8785, which canonicalises everything that is signed, holds integers to what an IEEE
# double represents exactly.
SAFE_INTEGER = 2**53 - 1
# No product this system tracks carries a passport for anything made before 1990; an earlier
# date is a typo (1026 for 2026) or a placeholder (0001-01-01).
EARLIEST_DATE = dt.date(1990, 1, 1)
# A day's grace covers every time zone's idea of "today"; later than that is a mistake.
FUTURE_ALLOWANCE = dt.timedelta(days=1)


def validate_plausible_date(value: dt.date | dt.datetime) -> None:
    """Refuses a date or moment before 1990-01-01 or more than a day in the future."""
    now = timezone.now()
    if isinstance(value, dt.datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)
        too_early = moment.date() < EARLIEST_DATE
        too_late = moment > now + FUTURE_ALLOWANCE
    else:
        too_early = value < EARLIEST_DATE
        too_late = value > (now + FUTURE_ALLOWANCE).date()
    if too_early:
        raise ValidationError(
            f"Dates before {EARLIEST_DATE.isoformat()} are not accepted.", code="too_early"
        )
    if too_late:
        raise ValidationError("The date is more than a day in the future.", code="in_future")


class BoundedListField(serializers.ListField):
    """A ListField that refuses a list longer than max_length before validating any item.

    DRF's ListField checks max_length only after validating every item, so a hundred thousand
    bad items held a worker for seconds and answered with an error for each. DRF's ListSerializer
    (`many=True`) already checks the length first.
    """

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
