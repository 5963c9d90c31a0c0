"""/api/v1/forecasts/: the dynamic stock model behind the urban-mine forecast, as a calculator."""

from typing import Any

import numpy as np
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from passports.api.schemas import ErrorResponse
from passports.declaration import StrictSerializer
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


def float_list(help_text: str) -> serializers.ListField:
    """A yearly series in the response."""
    return serializers.ListField(child=serializers.FloatField(), help_text=help_text)


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
