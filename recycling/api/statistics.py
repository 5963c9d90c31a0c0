"""/api/v1/statistics/recovery and /api/v1/inventory: the figures regulators audit."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse
from passports.models import ProductType
from recycling.services.reporting import inventory_read, statistics_rows

METRICS = ["recycling_efficiency", "material_recovery", "collection_rate", "recycled_content",
           "rc", "osr", "eol_rr"]  # fmt: skip
REGIMES = ["EU", "CN"]
STAGES = ["in_use", "expected_eol", "collected", "in_treatment", "recovered", "lost"]


class StatisticsPagination(LimitOffsetPagination):
    """Pages of statistics: a year of every recycler's rows is thousands of them."""

    default_limit = 100
    max_limit = 1000


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
    numerator_kg = serializers.CharField(allow_null=True)
    denominator_kg = serializers.CharField(allow_null=True)
    unit = serializers.CharField()
    rate_pct = serializers.CharField(allow_null=True)
    basis = serializers.CharField()
    target = serializers.DictField(allow_null=True)
    target_met = serializers.BooleanField(allow_null=True)
    digest = serializers.CharField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    detail = serializers.DictField()
    population = serializers.DictField(
        allow_null=True, help_text="products and manufacturers behind the figure"
    )
    suppressed = serializers.BooleanField(
        help_text="true when the figures are withheld: too few products or manufacturers"
    )
    reason = serializers.CharField(required=False, help_text="why the figures are withheld")


class StatisticPage(serializers.Serializer):
    """One page of statistics."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StatisticRead(many=True)


@extend_schema(
    parameters=[
        RecoveryQuery,
        OpenApiParameter("limit", int, description="Rows per page, at most 1000 (default 100)."),
        OpenApiParameter("offset", int, description="Rows to skip."),
    ],
    responses={200: StatisticPage, 400: ErrorResponse},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def recovery(request):
    """Recovery statistics with numerators, denominators, targets and record digests.

    Regulators see every row; recyclers their own and the collection rates; manufacturers the
    recycled content of their own products. Apart from a reader's own figures, a row describing
    too few products or manufacturers is suppressed for non-regulators and folded into an
    `other` row of its group. Paginated with `limit` and `offset`.
    """
    query = RecoveryQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    rows = statistics_rows(query.validated_data, organisation_of(request))
    paginator = StatisticsPagination()
    return paginator.get_paginated_response(paginator.paginate_queryset(rows, request))


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
        help_text="Per stage, element and UNFC class: classes are never added together; "
        "other_kg is the part held by suppressed cells.",
    )


@extend_schema(parameters=[InventoryQuery], responses={200: InventoryRead, 400: ErrorResponse})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def inventory(request):
    """The urban mine: element mass by region, product, category, year and stage.

    Regulators see every cell; others see cells describing too few products or manufacturers
    as suppressed, their mass counted only in the totals' `other_kg`.
    """
    query = InventoryQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return Response(inventory_read(dict(query.validated_data), organisation_of(request)))
