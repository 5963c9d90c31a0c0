"""Prints how many Battery Pass longlist attributes have a home in our schema, with their tier."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from passports.longlist import coverage, longlist_path, longlist_rows


class Command(BaseCommand):
    help = "Compares passports/battery_attributes.py with the Battery Pass longlist CSV."

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, help="The longlist CSV (default: ../shared).")

    def handle(self, *args, **options):
        path = options["csv"] or longlist_path()
        if not path.exists():
            raise CommandError(f"No longlist at {path}; pass --csv.")
        found = coverage(longlist_rows(path))
        for problem in found.problems:
            self.stdout.write(problem)
        self.stdout.write(
            f"{found.matched}/{found.rows} attributes have a typed home with the longlist's tier "
            f"and marks; EV-mandatory {found.ev_matched}/{found.ev_mandatory}."
        )
        if found.problems:
            raise CommandError(f"{len(found.problems)} differences from the longlist.")
