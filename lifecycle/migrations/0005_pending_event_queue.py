"""The queue of events not yet in the log, filled by a trigger on every insert of an event.

PostgreSQL fires the trigger once per statement with the rows it inserted (a COPY of a
thousand events is one INSERT ... SELECT); SQLite fires it per row. Events already stored
and neither logged nor imported from an archive are queued here too.

On SQLite a later migration that alters lifecycle_event rebuilds the table, and the trigger goes
with the old one: such a migration must create it again (a test checks that it exists).
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL_TRIGGER = """
CREATE OR REPLACE FUNCTION lifecycle_event_queue() RETURNS trigger AS $$
BEGIN
    INSERT INTO lifecycle_pendingevent (event_id, time) SELECT id, time FROM inserted;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lifecycle_event_queued AFTER INSERT ON lifecycle_event
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION lifecycle_event_queue();
"""

SQLITE_TRIGGER = """
CREATE TRIGGER lifecycle_event_queued AFTER INSERT ON lifecycle_event BEGIN
    INSERT INTO lifecycle_pendingevent (event_id, time) VALUES (NEW.id, NEW.time);
END;
"""

QUEUE_UNLOGGED = """
INSERT INTO lifecycle_pendingevent (event_id, time)
SELECT e.id, e.time FROM lifecycle_event e
WHERE NOT EXISTS (SELECT 1 FROM lifecycle_logleaf l WHERE l.event_id = e.id)
  AND NOT EXISTS (SELECT 1 FROM lifecycle_archivedproof a WHERE a.event_id = e.id)
"""


def queue_trigger_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(POSTGRESQL_TRIGGER if vendor == "postgresql" else SQLITE_TRIGGER, None)
    schema_editor.execute(QUEUE_UNLOGGED, None)


def queue_trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS lifecycle_event_queued ON lifecycle_event")
        schema_editor.execute("DROP FUNCTION IF EXISTS lifecycle_event_queue()")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS lifecycle_event_queued")


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0004_archived_proofs"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingEvent",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pending",
                        serialize=False,
                        to="lifecycle.event",
                    ),
                ),
                (
                    "time",
                    models.DateTimeField(
                        help_text="The event's time: the log takes events in this order."
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["time", "event"], name="pending_event_time_id")],
            },
        ),
        migrations.RunPython(queue_trigger_create, queue_trigger_drop),
    ]
