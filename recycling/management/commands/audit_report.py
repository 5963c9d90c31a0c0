"""python manage.py audit_report --year 2026 [--regime EU] [--format json|csv] [--output FILE]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from passports.models import Organisation, OrganisationKind
from recycling.services.audit_report import audit_report, report_csv, report_sign, signed_json


class Command(BaseCommand):
    help = "Writes the signed audit report of a year's statistics, as the API serves it."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--regime", choices=["EU", "CN"], default="EU")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="File to write; the signature goes beside a CSV.")

    def handle(self, *args, year, regime, format, output, **options):
        # Offline the report is made with a regulator's view: every statistic.
        reader = Organisation(kind=OrganisationKind.REGULATOR)
        body = audit_report(year=year, regime=regime, reader=reader)
        if format == "json":
            content = json.dumps(signed_json(body), cls=DjangoJSONEncoder, indent=1).encode()
        else:
            content = report_csv(body)
        if output:
            Path(output).write_bytes(content)
            if format == "csv":
                Path(output + ".sig.json").write_text(json.dumps(report_sign(content)))
            self.stdout.write(f"wrote {output}")
        else:
            self.stdout.write(content.decode())
