"""/api/v1/statistics/recovery and /api/v1/inventory: the figures regulators audit."""

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse
from passports.models import CompositionEntry, OrganisationKind, ProductType
from recycling.models import InventoryCell, Statistic
from recycling.services.content import content_rows
from recycling.targets import applicable_target

METRICS = ["recycling_efficiency", "material_recovery", "collection_rate", "recycled_content",
           "rc", "osr"]  # fmt: skip
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


def _text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.000001")).normalize(), "f")


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def render(row: dict, regime: str) -> dict:
    rate = _rate(row["numerator_kg"], row["denominator_kg"])
    target = applicable_target(
        regime=regime,
        metric=row["metric"],
        product_type=row["product_type"],
        year=row["year"],
        category=row.get("category", ""),
        element=row.get("element", ""),
    )
    scope = {"product_type": row["product_type"]}
    for name in ("recycler", "category", "element", "region"):
        if row.get(name):
            scope[name] = str(row[name])
    scope.update(row.get("scope_extra", {}))
    return {
        "metric": row["metric"],
        "scope": scope,
        "period": {"year": row["year"]},
        "numerator_kg": _text(row["numerator_kg"]),
        "denominator_kg": _text(row["denominator_kg"]),
        "unit": "kg",
        "rate_pct": None if rate is None else format(rate, "f"),
        "basis": row.get("basis", ""),
        "target": target,
        "target_met": None if target is None or rate is None else rate >= target["percent"],
        "digest": row["digest"],
        "computed_at": row.get("computed_at"),
        "detail": row.get("detail", {}),
    }


def _stored_rows(query: dict, organisation) -> list[dict]:
    statistics = Statistic.objects.all()
    if organisation.kind == OrganisationKind.RECYCLER:
        statistics = statistics.filter(recycler__in=[organisation.pk, None])
    elif organisation.kind != OrganisationKind.REGULATOR:
        statistics = statistics.filter(recycler__isnull=True)
    filters = {
        "year": query.get("year"),
        "recycler_id": query.get("recycler"),
        "product_type": query.get("product_type"),
        "category": query.get("category"),
        "element": query.get("element"),
        "metric": query.get("metric"),
    }
    statistics = statistics.filter(**{k: v for k, v in filters.items() if v is not None})
    if query.get("region"):
        statistics = statistics.filter(region__startswith=query["region"][:2])
    return [
        {
            "metric": s.metric,
            "product_type": s.product_type,
            "year": s.year,
            "recycler": s.recycler_id,
            "category": s.category,
            "element": s.element,
            "region": s.region,
            "numerator_kg": s.numerator_kg,
            "denominator_kg": s.denominator_kg,
            "basis": s.basis,
            "digest": s.digest,
            "computed_at": s.computed_at,
            "detail": s.detail,
        }
        for s in statistics
    ]


def _content_rows(query: dict, organisation) -> list[dict]:
    if query.get("metric") not in (None, "recycled_content", "rc", "osr"):
        return []
    if query.get("recycler") or query.get("region") or query.get("category"):
        return []
    entries = CompositionEntry.objects.all()
    if organisation.kind == OrganisationKind.MANUFACTURER:
        entries = entries.filter(passport__manufacturer=organisation)
    elif organisation.kind != OrganisationKind.REGULATOR:
        return []
    if query.get("product_type"):
        entries = entries.filter(passport__product_type=query["product_type"])
    if query.get("year"):
        entries = entries.filter(passport__manufactured_at__year=query["year"])
    if query.get("element"):
        entries = entries.filter(substance=query["element"])
    rows = content_rows(entries)
    if query.get("metric"):
        rows = [r for r in rows if r["metric"] == query["metric"]]
    return rows


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
    organisation = organisation_of(request)
    rows = _stored_rows(data, organisation) + _content_rows(data, organisation)
    return Response([render(row, data["regime"]) for row in rows])


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
                "mass_kg": _text(cell.mass_kg),
                "unfc": cell.unfc,
                "grade_kg_per_t": _text(cell.mass_kg * 1000 / cell.product_mass_kg)
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
                    "mass_kg": _text(mass),
                    "grade_kg_per_t": _text(mass * 1000 / product) if product else None,
                }
                for (stage, element, unfc), (mass, product) in sorted(totals.items())
            ],  # fmt: skip
        }
    )
