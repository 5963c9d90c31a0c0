"""/api/v1/forecasts/self-sufficiency: how much of an element's demand the urban mine can meet."""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse
from passports.models import Organisation
from recycling.api.fields import country_code, element_symbol
from recycling.api.supply import csv_response
from recycling.self_sufficiency import (
    DEFAULT_SCENARIO,
    MAX_GROWTH_PCT,
    SCENARIOS,
    ScenarioError,
)
from recycling.services.self_sufficiency import scenario_resolve, self_sufficiency_forecast
from recycling.services.small_cells import disclosure_rule, sees_small_cells

DEFAULT_UNTIL = 2050
# Parameters of the named scenario a caller may change, as the query names them.
OVERRIDES = {
    "demand_growth_pct": "demand_growth_pct_per_year",
    "demand_base_years": "demand_base_years",
    "collection_rate": "collection_rate",
    "recovery_rate": "recovery_rate",
    "threshold": "threshold",
}


def share_field(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(required=False, min_value=0, max_value=1, help_text=help_text)


class SelfSufficiencyQuery(serializers.Serializer):
    """One element on one market (or all), to a year, under a named scenario with changes."""

    element = serializers.CharField(max_length=3, help_text="Element symbol, e.g. Li.")
    market = serializers.CharField(
        required=False, max_length=2,
        help_text="Country the products are placed on the market in; all markets if absent.",
    )  # fmt: skip
    until = serializers.IntegerField(
        required=False, default=DEFAULT_UNTIL, max_value=2200, help_text="Last year forecast."
    )
    scenario = serializers.ChoiceField(
        choices=list(SCENARIOS), default=DEFAULT_SCENARIO,
        help_text="Named scenario: " + "; ".join(
            f"{key} ({s.name}: growth {s.demand_growth_pct_per_year:g} %/yr, {s.rates} rates)"
            for key, s in SCENARIOS.items()),
    )  # fmt: skip
    demand_growth_pct = serializers.FloatField(
        required=False, min_value=-100, max_value=MAX_GROWTH_PCT,
        help_text="Demand growth per year after the base year, in per cent.",
    )  # fmt: skip
    demand_base_years = serializers.IntegerField(
        required=False, min_value=1, max_value=20,
        help_text="Years of history whose mean demand the growth starts from.",
    )  # fmt: skip
    collection_rate = share_field("Collection rate for every year and stream, 0-1.")
    recovery_rate = share_field("Recovery rate for every year and stream, 0-1.")
    threshold = share_field("SSR whose first year to report, 0-1.")
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")

    def validate_element(self, value: str) -> str:
        return element_symbol(value)

    def validate_market(self, value: str) -> str:
        return country_code(value)

    def validate_until(self, value: int) -> int:
        this_year = timezone.localdate().year
        if value < this_year:
            raise serializers.ValidationError(f"Must be {this_year} or later: it is a forecast.")
        return value

    def validate(self, data: dict) -> dict:
        """Applies the changes to the named scenario, reporting a bad one under its own name."""
        overrides = {target: data.pop(name) for name, target in OVERRIDES.items() if name in data}
        try:
            scenario_resolve(data["scenario"], overrides)
        except ScenarioError as exc:
            field = next((k for k, v in OVERRIDES.items() if v == exc.field), exc.field)
            raise serializers.ValidationError({field: [exc.message]}) from exc
        data["overrides"] = overrides
        return data


def series(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FloatField(allow_null=True), allow_null=True, help_text=help_text
    )


class SelfSufficiencyRead(serializers.Serializer):
    element = serializers.CharField()
    market = serializers.CharField(allow_null=True)
    until = serializers.IntegerField()
    scenario = serializers.DictField(
        help_text="key, name and parameters in force; `changed` lists those the query set"
    )
    base_year = serializers.IntegerField(help_text="Last year of history; later years grow.")
    years = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    demand_kg = series("Element mass placed on the market: history, then the scenario's growth.")
    arisings_kg = series("End-of-life arisings: the stock model's outflow of that demand.")
    collection_rate = series("Collected over arisings (null without arisings).")
    collected_kg = series("Arisings x collection rate.")
    recovery_rate = series("Secondary supply over collected (null without collection).")
    secondary_supply_kg = series("Arisings x collection rate x recovery rate.")
    ssr = series("Self-sufficiency ratio: secondary supply over demand (null without demand).")
    first_year_reaching_threshold = serializers.IntegerField(allow_null=True)
    streams = serializers.ListField(
        child=serializers.DictField(), allow_null=True,
        help_text="Per product type and category: lifetime, observed rates, targets, series",
    )  # fmt: skip
    population = serializers.DictField(allow_null=True)
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(required=False)


SERIES = ("years", "demand_kg", "arisings_kg", "collection_rate", "collected_kg",
          "recovery_rate", "secondary_supply_kg", "ssr", "first_year_reaching_threshold",
          "streams", "population")  # fmt: skip


def self_sufficiency_read(query: dict, reader: Organisation | None) -> dict:
    """The forecast for this query as this reader may see it.

    Demand, arisings and rates are tied by the formulas, so a series resting on too few products
    or manufacturers (the demand's, or an observed rate's) would let the others be solved for:
    for anyone but a regulator the whole forecast is then withheld.
    """
    answer = self_sufficiency_forecast(
        element=query["element"], market=query.get("market"), until=query["until"],
        scenario=query["scenario"], overrides=query.get("overrides", {}),
    )  # fmt: skip
    populations = answer.pop("populations")
    demand = populations[0]
    answer["population"] = {"products": demand.products,
                            "manufacturers": len(demand.manufacturers)}  # fmt: skip
    answer["suppressed"] = False
    if reader is None or not sees_small_cells(reader):
        rule = disclosure_rule()
        reason = next(filter(None, (rule.reason(p) for p in populations)), None)
        if reason:
            answer.update(dict.fromkeys(SERIES), suppressed=True, reason=reason)
    return answer


CSV_COLUMNS = ["element", "market", "scenario", "year", "forecast", "demand_kg", "arisings_kg",
               "collection_rate", "collected_kg", "recovery_rate", "secondary_supply_kg", "ssr",
               "threshold", "first_year_reaching_threshold", "demand_growth_pct_per_year",
               "demand_base_years", "rates", "suppressed", "reason"]  # fmt: skip


def self_sufficiency_csv(answer: dict) -> HttpResponse:
    """One row per year with the scenario's parameters on each; one row saying why if withheld."""
    scenario = answer["scenario"]
    common = {
        "element": answer["element"], "market": answer["market"] or "all",
        "scenario": scenario["key"], "threshold": scenario["threshold"],
        "first_year_reaching_threshold": answer["first_year_reaching_threshold"],
        "demand_growth_pct_per_year": scenario["demand_growth_pct_per_year"],
        "demand_base_years": scenario["demand_base_years"], "rates": scenario["rates"],
        "suppressed": answer["suppressed"], "reason": answer.get("reason", ""),
    }  # fmt: skip
    if answer["suppressed"]:
        rows = [common]
    else:
        names = ("demand_kg", "arisings_kg", "collection_rate", "collected_kg", "recovery_rate",
                 "secondary_supply_kg", "ssr")  # fmt: skip
        rows = [
            {**common, "year": year, "forecast": year > answer["base_year"],
             **{name: answer[name][i] for name in names}}
            for i, year in enumerate(answer["years"])
        ]  # fmt: skip
    filename = f"self-sufficiency-{answer['element']}-{answer['market'] or 'all'}.csv"
    return csv_response(rows, CSV_COLUMNS, filename)


@extend_schema(
    parameters=[SelfSufficiencyQuery],
    responses={
        (200, "application/json"): SelfSufficiencyRead,
        (200, "text/csv"): OpenApiTypes.STR,
        400: ErrorResponse,
        401: ErrorResponse,
    },
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def self_sufficiency(request: Request) -> Response | HttpResponse:
    """Demand, end-of-life arisings, secondary supply and the self-sufficiency ratio per year.

    Demand is the element mass placed on the market (the passports' history, then the
    scenario's growth); arisings are the stock model's outflow of it; secondary supply is
    arisings x collection rate x recovery rate, observed by default, from the scenario where it
    sets them. Change any parameter of the named scenario with its query parameter.
    """
    query = SelfSufficiencyQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    answer = self_sufficiency_read(query.validated_data, organisation_of(request))
    if query.validated_data["format"] == "csv":
        return self_sufficiency_csv(answer)
    return Response(answer)
