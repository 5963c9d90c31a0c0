"""Inserting many rows at once: COPY on PostgreSQL, bulk_create elsewhere.

Registration of a thousand passports writes some fifteen thousand rows (passports, composition,
origins, events). An INSERT with that many parameters spends most of its time binding them;
COPY streams the same rows in PostgreSQL's own format, several times faster. Values pass through
each field's own conversion (get_db_prep_save), so what is stored is what bulk_create stores.
Callers give every value: defaults and auto_now fields are filled here as Django would, and
no primary key is read back.
"""

import functools
import operator
from collections.abc import Sequence
from types import SimpleNamespace

from django.db import connections, models, router


@functools.cache
def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    """The fields a new row gives values for, by attribute name (the serial key is not one)."""
    auto = model._meta.auto_field
    return {f.attname: f for f in model._meta.concrete_fields if not f.generated and f is not auto}


def unsaved_row(model: type[models.Model], values: dict) -> SimpleNamespace:
    """One new row's values for rows_insert, without building a model instance.

    A model's constructor (signals, descriptors, a default per field) cost more than signing
    in a bulk registration, which writes a dozen child rows per passport and reads none of
    them back. Fields left out get their defaults, as the constructor gives them; a name that
    is not a field is refused, as the constructor refuses it.
    """
    fixed, fresh = _defaults(model)
    if not values.keys() <= _columns(model).keys():
        unknown = values.keys() - _columns(model).keys()
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    row = SimpleNamespace(**{**fixed, **values})
    for attname, field in fresh:
        if attname not in values:
            setattr(row, attname, field.get_default())
    return row


@functools.cache
def _defaults(model: type[models.Model]) -> tuple[dict, tuple]:
    """A model's defaults: the values every row shares, and the fields that make one per row.

    A default given as a plain value is the same object for every instance, as Django gives it;
    a callable (dict, uuid4, now) or a database default is asked for each row.
    """
    fixed, fresh = {}, []
    for attname, field in _columns(model).items():
        if (field.has_default() and callable(field.default)) or field.has_db_default():
            fresh.append((attname, field))
        else:
            fixed[attname] = field.get_default()
    return fixed, tuple(fresh)


def rows_insert(
    model: type[models.Model], objects: Sequence[models.Model | SimpleNamespace]
) -> None:
    """Inserts unsaved model instances (or unsaved_row values) in one statement.

    Call inside a transaction.
    """
    if not objects:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        instances = [o if isinstance(o, models.Model) else model(**vars(o)) for o in objects]
        model.objects.using(alias).bulk_create(instances)
        return
    # Serial keys are left to the database's sequence, as bulk_create leaves them. Columns whose
    # values go as they are come first, read in one call per row; COPY names its columns, so
    # their order is ours to choose.
    plain = [f for f in _columns(model).values() if _is_plain(f)]
    converted = [f for f in _columns(model).values() if not _is_plain(f)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in plain + converted)
    table = connection.ops.quote_name(model._meta.db_table)
    read_plain = _tuple_getter([f.attname for f in plain])
    converters = [_converter(f, connection) for f in converted]
    # Errors come back as Django's (IntegrityError and so on), as from any other query.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor underneath Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row((*read_plain(obj), *[convert(obj) for convert in converters]))


# Fields whose Python value psycopg adapts exactly as Django's own conversion would; skipping
# get_db_prep_save for them halves the cost of a row.
_PLAIN = (
    models.CharField, models.TextField, models.IntegerField, models.BigIntegerField,
    models.SmallIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.BooleanField, models.UUIDField, models.DecimalField, models.BinaryField,
)  # fmt: skip


def _is_plain(field: models.Field) -> bool:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    return type(field) in _PLAIN or isinstance(field, models.ForeignKey)


def _tuple_getter(attnames: list[str]):
    """A row's plain values as a tuple in one call (attrgetter gives a bare value for one name)."""
    if not attnames:
        return lambda obj: ()
    if len(attnames) == 1:
        read = operator.attrgetter(attnames[0])
        return lambda obj: (read(obj),)
    return operator.attrgetter(*attnames)


def _converter(field: models.Field, connection):
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
