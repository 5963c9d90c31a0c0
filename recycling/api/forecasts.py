"""/api/v1/forecasts/: the dynamic stock model behind the urban-mine forecast, as a calculator."""

from typing import Any

import numpy as np
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse
from passports.declaration import StrictSerializer
from passports.models import ProductType
from recycling.api.fields import element_symbol
from recycling.disclosure import Population
from recycling.services.forecast import urban_mine_forecast
from recycling.services.small_cells import disclosure_rule, population_read, sees_small_cells
from recycling.stock_model import (
    LIFETIME_TYPES,
    Lifetime,
    LifetimeError,
    Result,
    dsm_inflow_driven,
    dsm_stock_driven,
    lifetime_from_dict,
)

MAX_YEARS = 500


class NumberField(serializers.FloatField):
    """A finite JSON number as a float; unlike FloatField, strings and booleans are refused."""

    def to_internal_value(self, data: Any) -> float:
        """Refuses "5" and true, which FloatField would quietly turn into numbers."""
        if isinstance(data, str | bool):
            self.fail("invalid")
        # The project's parser gives fractional numbers as Decimal; float() converts them.
        return super().to_internal_value(data)


class LifetimeIn(StrictSerializer):
    """A lifetime distribution; which parameters it takes depends on its type."""

    type = serializers.ChoiceField(choices=list(LIFETIME_TYPES))
    mean = NumberField(
        required=False, help_text="Years; Fixed, Normal and LogNormal (the lifetime's own mean)."
    )
    sd = NumberField(
        required=False,
        help_text="Standard deviation of the lifetime in years, at least 0; Normal, LogNormal.",
    )
    shape = NumberField(required=False, help_text="Weibull shape k, above 0.")
    scale = NumberField(required=False, help_text="Weibull scale in years, above 0.")

    def validate(self, attrs: dict[str, Any]) -> Lifetime:
        """Builds the lifetime, reporting a missing or invalid parameter under its own field."""
        try:
            return lifetime_from_dict(attrs)
        except LifetimeError as exc:
            detail = {exc.field: [exc.message]} if exc.field else [exc.message]
            raise serializers.ValidationError(detail) from exc


def series_field(help_text: str) -> serializers.ListField:
    """A yearly series of finite, non-negative numbers, one to MAX_YEARS long."""
    return serializers.ListField(
        child=NumberField(min_value=0),
        required=False,
        min_length=1,
        max_length=MAX_YEARS,
        help_text=help_text,
    )


class StockModelIn(StrictSerializer):
    """Exactly one of inflow (inflow-driven model) or stock (stock-driven model), and a lifetime."""

    inflow = series_field("Inflow per year, oldest first; gives the inflow-driven model.")
    stock = series_field("Stock at the end of each year; gives the stock-driven model.")
    lifetime = LifetimeIn()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Requires exactly one of the two series."""
        if ("inflow" in attrs) == ("stock" in attrs):
            raise serializers.ValidationError("Give exactly one of inflow or stock.")
        return attrs


def float_list(help_text: str, allow_null: bool = False) -> serializers.ListField:
    """A yearly series in the response (null where the series is withheld)."""
    return serializers.ListField(
        child=serializers.FloatField(), help_text=help_text, allow_null=allow_null
    )


def cohort_table(help_text: str) -> serializers.ListField:
    """A years x cohorts table in the response, indexed [year][cohort]."""
    return serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), help_text=help_text
    )


class StockModelRead(serializers.Serializer):
    """The model's series and cohort tables; inflow is solved for when a stock was given."""

    inflow = float_list("Inflow per year (solved for in the stock-driven model; may be negative).")
    stock = float_list("Stock at the end of each year.")
    outflow = float_list("Outflow per year, including each inflow's own first-year loss.")
    stock_change = float_list("stock[t] - stock[t-1], with no stock before the first year.")
    stock_by_cohort = cohort_table("[year][cohort]: what of each year's inflow is still in use.")
    outflow_by_cohort = cohort_table("[year][cohort]: what of each year's inflow leaves that year.")


def _as_json(result: Result) -> dict[str, list]:
    """The result as nested lists of floats."""
    return {
        "inflow": result.inflow.tolist(),
        "stock": result.stock.tolist(),
        "outflow": result.outflow.tolist(),
        "stock_change": result.stock_change.tolist(),
        "stock_by_cohort": result.stock_by_cohort.tolist(),
        "outflow_by_cohort": result.outflow_by_cohort.tolist(),
    }


class StockModelView(APIView):
    """Runs the dynamic stock model (ODYM conventions) on a series the caller gives."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=StockModelIn,
        responses={200: StockModelRead, 400: ErrorResponse, 401: ErrorResponse},
    )
    def post(self, request: Request) -> Response:
        """Inflow-driven model for an inflow series, stock-driven model for a stock series."""
        body = StockModelIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        lifetime = data["lifetime"]
        field = "inflow" if "inflow" in data else "stock"
        series = np.asarray(data[field], dtype=float)
        # Overflow near the float limit is caught below as non-finite output, so numpy's warning
        # about it would only be noise in the logs.
        with np.errstate(over="ignore", invalid="ignore"):
            if field == "inflow":
                result = dsm_inflow_driven(series, lifetime)
            else:
                result = dsm_stock_driven(series, lifetime)
        answer = _as_json(result)
        # Numbers near the float limit can overflow in the sums; JSON has no infinity to send.
        if not all(np.all(np.isfinite(getattr(result, name))) for name in answer):
            raise serializers.ValidationError(
                {field: ["The values are too large to model; use a smaller unit."]}
            )
        return Response(answer)


class UrbanMineQuery(serializers.Serializer):
    element = serializers.CharField(max_length=3)
    product_type = serializers.ChoiceField(choices=ProductType.choices)
    until = serializers.IntegerField(min_value=1950, max_value=2200)
    region = serializers.CharField(required=False, max_length=6)
    lifetime_type = serializers.ChoiceField(choices=list(LIFETIME_TYPES), required=False)
    lifetime_mean = serializers.FloatField(required=False)
    lifetime_sd = serializers.FloatField(required=False)
    lifetime_shape = serializers.FloatField(required=False)
    lifetime_scale = serializers.FloatField(required=False)

    def validate_element(self, value: str) -> str:
        return element_symbol(value)

    def validate(self, data: dict) -> dict:
        given = {
            name.removeprefix("lifetime_"): data.pop(name)
            for name in list(data)
            if name.startswith("lifetime_")
        }
        if given:
            try:
                data["lifetime"] = lifetime_from_dict(given)
            except LifetimeError as exc:
                field = f"lifetime_{exc.field}" if exc.field else "lifetime_type"
                raise serializers.ValidationError({field: [exc.message]}) from exc
            data["lifetime_spec"] = given
        return data


class UrbanMineRead(serializers.Serializer):
    element = serializers.CharField()
    product_type = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    lifetime = serializers.DictField()
    years = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    inflow_kg = float_list("Element mass placed on the market per year.", True)
    stock_kg = float_list("Element mass in use at the end of each year.", True)
    expected_eol_kg = float_list("Element mass expected to reach end of life per year.", True)
    collected_kg = float_list("Element mass in products collected per year (actual).", True)
    recovered_kg = float_list(
        "Element mass recovered in recycling outputs per year (actual).", True
    )
    population = serializers.DictField(
        allow_null=True, help_text="products and manufacturers behind the forecast"
    )
    suppressed = serializers.BooleanField(
        help_text="true when the series are withheld: too few products or manufacturers"
    )
    reason = serializers.CharField(required=False, help_text="why the series are withheld")


@extend_schema(parameters=[UrbanMineQuery], responses={200: UrbanMineRead, 400: ErrorResponse})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def urban_mine(request: Request) -> Response:
    """Expected end-of-life element mass per year, beside collected and recovered actuals.

    The lifetime defaults to the product type's reference lifetime; override it with
    lifetime_type and lifetime_mean / lifetime_sd / lifetime_shape / lifetime_scale. A forecast
    resting on too few products or manufacturers is withheld from all but regulators.
    """
    query = UrbanMineQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    forecast = urban_mine_forecast(**query.validated_data)
    population = forecast.pop("population")
    counted = Population(population["products"], frozenset(population["manufacturers"]))
    forecast["population"] = population_read(counted)
    forecast["suppressed"] = False
    reason = (
        None if sees_small_cells(organisation_of(request)) else disclosure_rule().reason(counted)
    )
    if reason:
        # Inflow, stock and outflow are tied by the stock model, so one suppressed year could be
        # recomputed from the others: the whole forecast is withheld.
        series = ("years", "inflow_kg", "stock_kg", "expected_eol_kg", "collected_kg",
                  "recovered_kg", "population")  # fmt: skip
        forecast.update(dict.fromkeys(series), suppressed=True, reason=reason)
    return Response(forecast)
