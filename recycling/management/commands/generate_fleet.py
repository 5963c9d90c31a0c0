"""generate_fleet: adds a realistic fleet of passports, with their lives, for benchmarks."""

from django.core.management.base import BaseCommand

from recycling.fleet import fleet_generate


class Command(BaseCommand):
    help = (
        "Adds N passports over the three families, with placements, health reports, "
        "collections and closed treatment batches, written in bulk (COPY) and logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--passports", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--workers", type=int, default=1, help="processes building chunks")
        parser.add_argument(
            "--no-aggregate", action="store_true", help="leave the dirty buckets to the sweeper"
        )

    def handle(self, *args, passports: int, seed: int, workers: int, no_aggregate: bool, **options):
        def progress(done: int, seconds: float) -> None:
            if done % 50_000 < 2000 or done == passports:
                self.stderr.write(f"{done} passports in {seconds:.0f} s")

        report = fleet_generate(
            passports=passports,
            seed=seed,
            workers=workers,
            aggregate=not no_aggregate,
            progress=progress,
        )
        rate = report.passports / report.write_seconds if report.write_seconds else 0
        self.stdout.write(
            f"{report.passports} passports ({report.total_passports} in the fleet), "
            f"{report.events} events, {report.collections} collections, {report.batches} batches "
            f"written in {report.write_seconds:.1f} s ({rate:.0f} passports/s); "
            f"aggregates refreshed in {report.aggregate_seconds:.1f} s"
        )
