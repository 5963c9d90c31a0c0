"""Inserting many rows at once: COPY on PostgreSQL, bulk_create elsewhere.

Registration of a thousand passports writes some fifteen thousand rows (passports, composition,
origins, events). An INSERT with that many parameters spends most of its time binding them;
COPY streams the same rows in PostgreSQL's own format, several times faster. Values pass through
each field's own conversion (get_db_prep_save), so what is stored is what bulk_create stores.
Callers give every value: defaults and auto_now fields are filled here as Django would, and
no primary key is read back.
"""

from collections.abc import Sequence

from django.db import connections, models, router


def rows_insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Inserts unsaved model instances in one statement; call inside a transaction."""
    if not objects:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model.objects.using(alias).bulk_create(objects)
        return
    # Serial keys are left to the database's sequence, as bulk_create leaves them.
    auto = model._meta.auto_field
    fields = [f for f in model._meta.concrete_fields if not f.generated and f is not auto]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # Errors come back as Django's (IntegrityError and so on), as from any other query.
    getters = [_getter(f, connection) for f in fields]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor underneath Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([get(obj) for get in getters])


# Fields whose Python value psycopg adapts exactly as Django's own conversion would; skipping
# get_db_prep_save for them halves the cost of a row.
_PLAIN = (
    models.CharField, models.TextField, models.IntegerField, models.BigIntegerField,
    models.SmallIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.BooleanField, models.UUIDField, models.DecimalField, models.BinaryField,
)  # fmt: skip


def _getter(field: models.Field, connection):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
    if type(field) in _PLAIN or isinstance(field, models.ForeignKey):
        attname = field.attname
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
