"""Many keys as one query parameter, for lookups by a thousand ids at once.

`pk__in=[...]` with a thousand values writes a thousand placeholders: Django prepares each
value on its own and the driver parses the long statement again for every new count, which
cost more than the lookups themselves for a batch of a thousand events. On PostgreSQL the keys
travel as a single array instead; other databases keep the plain list.
"""

from collections.abc import Iterable

from django.db import connection, models
from django.db.models.expressions import RawSQL


def key_list(values: Iterable, *, field: models.Field) -> list | RawSQL:
    """The right-hand side of `<field>__in=` for these values, as one parameter if possible."""
    values = list(values)
    if connection.vendor != "postgresql":
        return values
    return RawSQL(f"SELECT unnest(%s::{field.db_type(connection)}[])", [values])
