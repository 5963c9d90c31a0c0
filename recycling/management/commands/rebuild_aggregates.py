"""python manage.py rebuild_aggregates [--check]"""

from django.core.management.base import BaseCommand, CommandError

from recycling.services.aggregation import aggregates_differences, aggregates_rebuild


class Command(BaseCommand):
    help = (
        "Recomputes every statistic and inventory cell from the records. With --check, "
        "changes nothing and exits non-zero if the incremental state differs from a rebuild."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, check: bool, **options):
        if check:
            differences = aggregates_differences()
            for line in differences:
                self.stdout.write(f"DIFFERS {line}")
            if differences:
                raise CommandError(f"{len(differences)} buckets differ from a full rebuild.")
            self.stdout.write("ok: the incremental aggregates equal a full rebuild")
            return
        self.stdout.write(f"rebuilt {aggregates_rebuild()} buckets")
