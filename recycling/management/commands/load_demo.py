"""python manage.py load_demo [--seed 2027] [--quiet]: demo organisations, passports and their
end of life."""

from django.conf import settings
from django.core.management.base import BaseCommand

from passports.identifiers import digital_link
from passports.models import OrganisationKind, ProductType
from recycling import demo


class Command(BaseCommand):
    help = (
        "Creates organisations of every kind and over 300 signed passports of batteries, PV "
        "modules and magnets, places most on the market, and collects and recycles the older "
        "ones across recyclers, routes and years, so statistics, inventory and forecasts have "
        "data. A second run adds nothing and prints fresh tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="seed of the random generator"
        )
        parser.add_argument(
            "--quiet", action="store_true", help="print only the organisations and tokens"
        )

    def handle(self, *args, seed: int, quiet: bool, **options):
        result = demo.load(seed=seed)
        if not quiet:
            self._counts(result, seed)
            self._end_of_life(result.end_of_life)
        self._organisations(result)
        if not quiet:
            self._urls(result)

    def _counts(self, result: demo.DemoResult, seed: int) -> None:
        """How many passports this run added and how many of each family exist."""
        total = sum(result.passports.values())
        self.stdout.write(
            f"Demo data (seed {seed}): {result.registered} passports registered now, "
            f"{total} demo passports in all."
        )
        for product_type in ProductType.values:
            self.stdout.write(f"  {product_type:<12}{result.passports[product_type]:>5}")
        self.stdout.write("")

    def _end_of_life(self, summary: demo.EndOfLifeSummary | None) -> None:
        """What the demo products went through, and a statistic that meets or misses its target."""
        if summary is None:
            return
        when = "recorded now" if summary.recorded else "recorded by an earlier run, left as is"
        self.stdout.write(
            f"End of life ({when}): {summary.placed} placed on the market, "
            f"{summary.collected} collected, {summary.recycled} recycled."
        )
        open_note = f", {summary.open_batches} still open" if summary.open_batches else ""
        self.stdout.write(
            f"  batches: {summary.one_step} one-step, {summary.two_step} two-step chains "
            f"(shredder and refiner){open_note}"
        )
        self.stdout.write(f"  statistics: {summary.statistics} rows, for example")
        for line in summary.examples:
            self.stdout.write(
                f"    {line.metric} {line.year}, {line.scope}: {line.rate_pct} % "
                f"(EU target {line.target_pct} %, {'met' if line.met else 'missed'})"
            )
        self.stdout.write("")

    def _organisations(self, result: demo.DemoResult) -> None:
        """One line per organisation with its web sign-in and the API token just issued to it."""
        width = max(len(o.organisation.name) for o in result.organisations) + 2
        self.stdout.write(f"Web sign-in: the username below, password {demo.DEMO_PASSWORD!r}.")
        self.stdout.write(f"{'kind':<14}{'name':<{width}}{'username':<13}API token")
        for entry in result.organisations:
            organisation = entry.organisation
            self.stdout.write(
                f"{organisation.kind:<14}{organisation.name:<{width}}{entry.username:<13}"
                f"{entry.token}"
            )

    def _urls(self, result: demo.DemoResult) -> None:
        """Places to try the data: the API, one resolver link per family, keys and health."""
        base = settings.RESOLVER_BASE_URL
        manufacturer = next(
            o for o in result.organisations if o.organisation.kind == OrganisationKind.MANUFACTURER
        )
        lines = [
            ("API documentation", f"{base}/api/docs/"),
            (
                f"Passports of {manufacturer.organisation.name}",
                f'curl -H "Authorization: Token {manufacturer.token}" {base}/api/v1/passports/',
            ),
            *(
                (
                    f"Resolve a {product_type.replace('_', ' ')}",
                    digital_link(gtin=p.gtin, serial=p.serial, passport_id=p.id),
                )
                for product_type, p in result.samples.items()
            ),
            ("Public signing keys", f"{base}/.well-known/jwks.json"),
            ("Health", f"{base}/healthz"),
        ]
        width = max(len(label) for label, _ in lines) + 2
        self.stdout.write("\nTry:")
        for label, url in lines:
            self.stdout.write(f"  {label:<{width}}{url}")
