"""python manage.py statistics_summary [--year 2025] [--metric M] [--by element] [--regime EU]"""

from collections import defaultdict
from decimal import Decimal
from statistics import median

from django.core.management.base import BaseCommand

from passports.models import Organisation, OrganisationKind
from recycling.bounds import basis_family
from recycling.services.reporting import statistics_rows

SPLITS = ("product_type", "element", "category", "region", "recycler_name")


class Command(BaseCommand):
    help = (
        "Prints the distribution of every metric's rates, per basis: how many rows, the lowest, "
        "median and highest rate, and how many are above 100 % or rest on too few products "
        "(low confidence). Read with a regulator's view, so every figure counts, as the "
        "dashboard and the audit report compute them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--metric")
        parser.add_argument("--regime", choices=["EU", "CN"], default="EU")
        parser.add_argument(
            "--by", choices=SPLITS, action="append", default=[], help="split the rows further"
        )

    def handle(self, *args, year, metric, regime, by, **options):
        reader = Organisation(kind=OrganisationKind.REGULATOR)
        query = {"year": year, "metric": metric, "regime": regime}
        rows = statistics_rows({k: v for k, v in query.items() if v is not None}, reader)
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            if row["rate_pct"] is None:
                continue
            split = tuple(str(row["scope"].get(name, "")) for name in by)
            groups[(row["metric"], basis_family(row["basis"]), *split)].append(row)
        header = ["metric", "basis", *by, "rows", "min", "median", "max", ">100", "low_conf"]
        self.stdout.write("\t".join(header))
        for key in sorted(groups):
            members = groups[key]
            rates = [Decimal(row["rate_pct"]) for row in members]
            counts = [
                len(rates),
                f"{min(rates):.1f}",
                f"{median(rates):.1f}",
                f"{max(rates):.1f}",
                sum("above_100" in row["flags"] for row in members),
                sum(bool(row["low_confidence"]) for row in members),
            ]
            self.stdout.write("\t".join(str(value) for value in (*key, *counts)))
