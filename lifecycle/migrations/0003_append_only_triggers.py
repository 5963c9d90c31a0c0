"""On PostgreSQL, refuse UPDATE and DELETE on the signed and logged records."""

from django.db import migrations

APPEND_ONLY_TABLES = [
    "lifecycle_event",
    "lifecycle_logleaf",
    "lifecycle_lognode",
    "lifecycle_checkpoint",
    "lifecycle_cosignature",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS refuse_append_only_change();")


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0002_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
