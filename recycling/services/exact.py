"""Sums of kilograms in the database, exact on every backend.

SQLite sums decimals as floats; a sum of whole milligrams (integers) is exact on SQLite and
PostgreSQL alike, and kilograms keep six decimal places.
"""

from decimal import Decimal

from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast, Round


def micro(kilograms) -> Cast:
    """Kilograms (a field path or an expression) in whole milligrams."""
    expression = F(kilograms) if isinstance(kilograms, str) else kilograms
    return Cast(Round(expression * 1_000_000), BigIntegerField())


def micro_sum(kilograms) -> Sum:
    """A sum of kilograms (a field path or an expression) in whole milligrams."""
    return Sum(micro(kilograms))


def micro_kg(micro: int | None) -> Decimal:
    """Kilograms from whole milligrams."""
    return Decimal(micro or 0).scaleb(-6)
