from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, so registrations and appends go on while a
    large passport table is read for the index; a plain index on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


class Migration(migrations.Migration):
    """A partial index leading the urban mine's collected cells to a region's waste."""

    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("passports", "0007_passport_head"),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="passport",
            index=models.Index(
                condition=models.Q(("status", "waste")),
                fields=["product_type", "market_country", "manufacturing_country"],
                name="passport_waste_by_region",
            ),
        ),
    ]
