"""/api/v1/statistics/recovery and /api/v1/inventory: the figures regulators audit."""

from collections import defaultdict
from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse
from passports.models import ProductType
from recycling.models import InventoryCell
from recycling.services.reporting import rounded_text, statistics_rows

METRICS = ["recycling_efficiency", "material_recovery", "collection_rate", "recycled_content",
           "rc", "osr", "eol_rr"]  # fmt: skip
REGIMES = ["EU", "CN"]
STAGES = ["in_use", "expected_eol", "collected", "in_treatment", "recovered", "lost"]


class RecoveryQuery(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    recycler = serializers.UUIDField(required=False)
    product_type = serializers.ChoiceField(choices=ProductType.choices, required=False)
    category = serializers.CharField(required=False, max_length=20)
    element = serializers.CharField(required=False, max_length=3)
    region = serializers.CharField(required=False, max_length=6)
    regime = serializers.ChoiceField(choices=REGIMES, required=False, default="EU")
    metric = serializers.ChoiceField(choices=METRICS, required=False)


class StatisticRead(serializers.Serializer):
    """One statistic with everything needed to check and recompute it."""

    metric = serializers.CharField()
    scope = serializers.DictField()
    period = serializers.DictField()
    numerator_kg = serializers.CharField()
    denominator_kg = serializers.CharField()
    unit = serializers.CharField()
    rate_pct = serializers.CharField(allow_null=True)
    basis = serializers.CharField()
    target = serializers.DictField(allow_null=True)
    target_met = serializers.BooleanField(allow_null=True)
    digest = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    detail = serializers.DictField()


@extend_schema(
    parameters=[RecoveryQuery],
    responses={200: StatisticRead(many=True), 400: ErrorResponse},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def recovery(request):
    """Recovery statistics with numerators, denominators, targets and record digests.

    Regulators see every row; recyclers their own and the collection rates; manufacturers the
    recycled content of their own products.
    """
    query = RecoveryQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    return Response(statistics_rows(data, organisation_of(request)))


class InventoryQuery(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=6)
    product_type = serializers.ChoiceField(choices=ProductType.choices, required=False)
    category = serializers.CharField(required=False, max_length=20)
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    stage = serializers.ChoiceField(choices=STAGES, required=False)
    element = serializers.CharField(required=False, max_length=3)


class InventoryRead(serializers.Serializer):
    cells = serializers.ListField(child=serializers.DictField())
    totals = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per stage, element and UNFC class: classes are never added together.",
    )


@extend_schema(parameters=[InventoryQuery], responses={200: InventoryRead, 400: ErrorResponse})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def inventory(request):
    """The urban mine: element mass by region, product, category, year and stage."""
    query = InventoryQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    filters = {k: v for k, v in query.validated_data.items() if k != "region"}
    cells = InventoryCell.objects.filter(**filters)
    region = query.validated_data.get("region")
    if region:
        cells = cells.filter(region=region[:2])
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rendered = []
    for cell in cells:
        rendered.append(
            {
                "region": cell.region,
                "product_type": cell.product_type,
                "category": cell.category,
                "year": cell.year,
                "stage": cell.stage,
                "element": cell.element,
                "mass_kg": rounded_text(cell.mass_kg),
                "unfc": cell.unfc,
                "grade_kg_per_t": rounded_text(cell.mass_kg * 1000 / cell.product_mass_kg)
                if cell.product_mass_kg
                else None,
                "computed_at": cell.computed_at,
            }
        )
        total = totals[(cell.stage, cell.element, cell.unfc)]
        total[0] += cell.mass_kg
        total[1] += cell.product_mass_kg
    return Response(
        {
            "cells": rendered,
            "totals": [
                {
                    "stage": stage,
                    "element": element,
                    "unfc": unfc,
                    "mass_kg": rounded_text(mass),
                    "grade_kg_per_t": rounded_text(mass * 1000 / product) if product else None,
                }
                for (stage, element, unfc), (mass, product) in sorted(totals.items())
            ],  # fmt: skip
        }
    )
