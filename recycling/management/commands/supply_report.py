"""python manage.py supply_report --element Li --element Co [--product-type T] [--market DE]"""

from django.core.management.base import BaseCommand, CommandError

from passports.models import ProductType
from passports.substances import is_element
from recycling.services.supply import supply_concentration


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _index(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


class Command(BaseCommand):
    help = (
        "Prints each element's origin concentration from the declared origins (shares by "
        "country, HHI, top country's share, undeclared share) beside the world's production "
        "concentration. Operators see every figure, as regulators do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--element", action="append", required=True)
        parser.add_argument("--product-type", choices=ProductType.values)
        parser.add_argument("--market")
        parser.add_argument("--year", type=int)

    def handle(self, *args, element: list[str], product_type, market, year, **options):
        for symbol in element:
            if not is_element(symbol):
                raise CommandError(f"{symbol!r} is not an element symbol.")
            answer = supply_concentration(
                element=symbol, product_type=product_type, market=market, year=year,
                all_shown=True,
            )  # fmt: skip
            self.stdout.write(
                f"{symbol}: {answer['total_kg']} kg in {answer['population']['products']} "
                f"products of {answer['population']['manufacturers']} manufacturers; "
                f"origin declared for {_percent(answer['declared_share'])}"
            )
            shares = ", ".join(
                f"{row['country']} {_percent(row['share'])}" for row in answer["countries"]
            )
            self.stdout.write(f"  shares by origin: {shares}")
            self.stdout.write(
                f"  declared: HHI {_index(answer['hhi'])}, top {answer['top_country']} "
                f"{_percent(answer['top_share'])} of declared mass"
            )
            for world in answer["world"]:
                self.stdout.write(
                    f"  world {world['stage']} {world['year']}: HHI {_index(world['hhi'])} "
                    f"(at most {_index(world['hhi_max'])}), top {world['top_country']} "
                    f"{_percent(world['top_share'])} [{world['source']}; {world['status']}]"
                )
            if not answer["world"]:
                self.stdout.write("  world: no reference data for this element")
