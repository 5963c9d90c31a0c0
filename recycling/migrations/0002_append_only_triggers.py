"""On PostgreSQL, end-of-life records are append-only, and a closed batch cannot change."""

from django.db import migrations

APPEND_ONLY_TABLES = [
    "recycling_collection",
    "recycling_collectionitem",
    "recycling_batchinput",
    "recycling_inputelement",
    "recycling_batchoutput",
    "recycling_outputelement",
]

CLOSED_BATCH_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_closed_batch_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status = 'closed' THEN
        RAISE EXCEPTION 'batch % is closed and append-only: % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();"
        )
    schema_editor.execute(CLOSED_BATCH_FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER recycling_batch_closed BEFORE UPDATE OR DELETE ON recycling_batch "
        "FOR EACH ROW EXECUTE FUNCTION refuse_closed_batch_change();"
    )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP TRIGGER IF EXISTS recycling_batch_closed ON recycling_batch;")
    schema_editor.execute("DROP FUNCTION IF EXISTS refuse_closed_batch_change();")


class Migration(migrations.Migration):
    dependencies = [
        ("recycling", "0001_initial"),
        ("lifecycle", "0003_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
