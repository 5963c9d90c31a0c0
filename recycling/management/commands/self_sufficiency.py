"""python manage.py self_sufficiency --element Li --element Co [--market DE] [--until 2050]
[--scenario observed] [--json]"""

import json

from django.core.management.base import BaseCommand, CommandError

from recycling.self_sufficiency import DEFAULT_SCENARIO, SCENARIOS, ScenarioError
from recycling.services.self_sufficiency import self_sufficiency_forecast


def _kg(value: float) -> str:
    return f"{value:,.1f} kg"


class Command(BaseCommand):
    help = "Prints each element's self-sufficiency ratio in the last year, as regulators see it."

    def add_arguments(self, parser):
        parser.add_argument("--element", action="append", required=True)
        parser.add_argument("--market", help="Country code; all markets if absent.")
        parser.add_argument("--until", type=int, default=2050)
        parser.add_argument("--scenario", choices=list(SCENARIOS), default=DEFAULT_SCENARIO)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="The whole forecast as JSON."
        )

    def handle(self, *args, element, market, until, scenario, as_json, **options):
        for symbol in element:
            try:
                answer = self_sufficiency_forecast(
                    element=symbol, market=market, until=until, scenario=scenario
                )
            except ScenarioError as exc:
                raise CommandError(str(exc)) from exc
            answer.pop("populations")
            if as_json:
                self.stdout.write(json.dumps(answer, indent=1))
                continue
            last = -1
            ssr = answer["ssr"][last]
            parameters = answer["scenario"]
            self.stdout.write(
                f"{symbol} {market or 'all markets'} {answer['years'][last]} "
                f"scenario {parameters['key']} ({parameters['name']}, demand "
                f"{parameters['demand_growth_pct_per_year']:g} %/yr): "
                f"SSR {'n/a' if ssr is None else f'{ssr:.4f}'}; "
                f"demand {_kg(answer['demand_kg'][last])}, "
                f"arisings {_kg(answer['arisings_kg'][last])}, "
                f"secondary supply {_kg(answer['secondary_supply_kg'][last])}; "
                f"first year SSR >= {parameters['threshold']:g}: "
                f"{answer['first_year_reaching_threshold'] or 'none'}"
            )
