import django.db.models.deletion
from django.db import migrations, models

# Each passport's head is its last event; the health readings move over as they are.
FILL = """
INSERT INTO passports_passporthead (passport_id, seq, hash, health)
SELECT p.id, e.seq, e.hash, p.health
FROM passports_passport p
JOIN lifecycle_event e ON e.passport_id = p.id
 AND e.seq = (SELECT MAX(x.seq) FROM lifecycle_event x WHERE x.passport_id = p.id)
"""

UNFILL = """
UPDATE passports_passport SET
 head_hash = (SELECT h.hash FROM passports_passporthead h WHERE h.passport_id = passports_passport.id),
 health = (SELECT h.health FROM passports_passporthead h WHERE h.passport_id = passports_passport.id)
WHERE id IN (SELECT passport_id FROM passports_passporthead)
"""


def every_passport_has_a_head(apps, schema_editor):
    # Every passport has its genesis event; one without any would be left without a head row
    # and unreadable, so the migration stops before dropping the columns, naming it.
    passport = apps.get_model("passports", "Passport")
    headless = passport.objects.filter(head__isnull=True).values_list("pk", flat=True)[:5]
    if headless:
        raise RuntimeError(
            "Passports without any event cannot get a chain head: " + ", ".join(map(str, headless))
        )


class Migration(migrations.Migration):
    """The chain head and latest health leave the wide passport row for a narrow one."""

    dependencies = [
        ("passports", "0006_passport_archived_from"),
        ("lifecycle", "0004_archived_proofs"),
    ]

    operations = [
        migrations.CreateModel(
            name="PassportHead",
            fields=[
                (
                    "passport",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="head",
                        serialize=False,
                        to="passports.passport",
                    ),
                ),
                ("seq", models.PositiveIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("health", models.JSONField(blank=True, default=dict)),
            ],
        ),
        migrations.RunSQL(FILL, UNFILL),
        migrations.RunPython(every_passport_has_a_head, migrations.RunPython.noop),
        migrations.RemoveField(model_name="passport", name="head_hash"),
        migrations.RemoveField(model_name="passport", name="health"),
    ]
