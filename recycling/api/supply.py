"""/api/v1/supply/: where each element comes from, how concentrated, how much is recycled.

Three read-only resources over the passports' declared origins and compositions, each as JSON
or, with `format=csv`, as a CSV download: concentration by origin country, import dependence
per market, and the recycled share. Each sets the world's production concentration beside the
declared figures.
"""

import io
from collections.abc import Iterable

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse
from passports.models import ProductType
from passports.spreadsheet import DictWriter
from recycling.api.fields import country_code, element_symbol
from recycling.services.supply import (
    country_groups,
    sees_all,
    supply_concentration,
    supply_import_dependence,
    supply_recycled_share,
    watch_countries_default,
)


class SupplyQuery(serializers.Serializer):
    """The slice of passports: one element, optionally one product type, market and year."""

    element = serializers.CharField(max_length=3, help_text="Element symbol, e.g. Co.")
    product_type = serializers.ChoiceField(choices=ProductType.choices, required=False)
    market = serializers.CharField(
        required=False, max_length=2, help_text="Country the products were placed on the market."
    )
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2200, help_text="Year of manufacture."
    )
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")

    def validate_element(self, value: str) -> str:
        return element_symbol(value)

    def validate_market(self, value: str) -> str:
        return country_code(value)


class ConcentrationQuery(SupplyQuery):
    watch = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Comma-separated country codes whose share to report "
        "(default: the SUPPLY_WATCH_COUNTRIES setting).",
    )

    def validate_watch(self, value: str) -> list[str]:
        return [country_code(code) for code in value.split(",") if code.strip()]


class ImportDependenceQuery(SupplyQuery):
    group = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="A named group (EU) or comma-separated country codes whose origin counts as "
        "domestic for every market; default none.",
    )

    def validate_group(self, value: str) -> dict:
        if value.strip().upper() in country_groups():
            name = value.strip().upper()
            return {"name": name, "countries": country_groups()[name]}
        return {
            "name": None,
            "countries": [country_code(code) for code in value.split(",") if code.strip()],
        }


class WorldRead(serializers.Serializer):
    commodity = serializers.CharField()
    stage = serializers.CharField(help_text="mining or refining")
    year = serializers.IntegerField()
    unit = serializers.CharField()
    source = serializers.CharField()
    status = serializers.CharField(help_text="verified, secondary or check (see reference/)")
    note = serializers.CharField()
    shares = serializers.ListField(child=serializers.DictField())
    other_share = serializers.FloatField(help_text="producers the source does not list")
    hhi = serializers.FloatField(help_text="over the listed producers: a lower bound")
    hhi_max = serializers.FloatField(help_text="upper bound, if every unlisted producer were "
                                     "as large as the smallest listed one")  # fmt: skip
    top_country = serializers.CharField()
    top_share = serializers.FloatField()


class ConcentrationRead(serializers.Serializer):
    element = serializers.CharField()
    scope = serializers.DictField()
    watch = serializers.ListField(child=serializers.CharField())
    total_kg = serializers.CharField(allow_null=True)
    declared_share = serializers.FloatField(allow_null=True)
    countries = serializers.ListField(
        child=serializers.DictField(),
        help_text="country (or undeclared, or other: suppressed rows folded), mass_kg, share of "
        "all mass, share_of_declared, watched, population",
    )
    hhi = serializers.FloatField(allow_null=True, help_text="0-10,000, over the declared mass")
    top_country = serializers.CharField(allow_null=True)
    top_share = serializers.FloatField(allow_null=True, help_text="of the declared mass")
    watch_share = serializers.FloatField(allow_null=True)
    watch_share_of_declared = serializers.FloatField(allow_null=True)
    basis = serializers.CharField(
        allow_null=True,
        help_text="declared_origin, or published_rows when suppressed rows count as one origin",
    )
    world = WorldRead(many=True)
    population = serializers.DictField()
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(required=False)


class ImportDependenceRead(serializers.Serializer):
    element = serializers.CharField()
    scope = serializers.DictField()
    group = serializers.DictField()
    markets = serializers.ListField(
        child=serializers.DictField(),
        help_text="market, total_kg, inside_kg, outside_kg, undeclared_kg, their shares, "
        "import_dependence (outside over all), import_dependence_of_declared, population",
    )
    world = WorldRead(many=True)


class RecycledShareRead(serializers.Serializer):
    element = serializers.CharField()
    scope = serializers.DictField()
    population = serializers.DictField()
    total_kg = serializers.CharField(allow_null=True)
    pre_consumer_kg = serializers.CharField(allow_null=True)
    post_consumer_kg = serializers.CharField(allow_null=True)
    primary_kg = serializers.CharField(allow_null=True)
    pre_consumer_share = serializers.FloatField(allow_null=True)
    post_consumer_share = serializers.FloatField(allow_null=True)
    recycled_share = serializers.FloatField(allow_null=True)
    primary_share = serializers.FloatField(allow_null=True)
    world = WorldRead(many=True)
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(required=False)


def csv_response(rows: Iterable[dict], columns: list[str], filename: str) -> HttpResponse:
    """A CSV download, every cell through the formula-neutralising writer."""
    buffer = io.StringIO()
    writer = DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _world_columns(world: list[dict]) -> dict:
    """The first world figure (mining where there is one), flattened for a CSV row."""
    if not world:
        return {}
    first = world[0]
    return {"world_stage": first["stage"], "world_year": first["year"],
            "world_hhi": first["hhi"], "world_top_country": first["top_country"],
            "world_top_share": first["top_share"], "world_source": first["source"],
            "world_status": first["status"]}  # fmt: skip


SCOPE_COLUMNS = ["element", "product_type", "market", "year"]
WORLD_COLUMNS = ["world_stage", "world_year", "world_hhi", "world_top_country",
                 "world_top_share", "world_source", "world_status"]  # fmt: skip


def concentration_csv(answer: dict) -> HttpResponse:
    """One row per origin country, then a summary row with the HHI and top share."""
    scope = {"element": answer["element"], **answer["scope"]}
    world = answer["world"][0] if answer["world"] else {}
    world_shares = {row["country"]: row["share"] for row in world.get("shares", [])}
    rows = [
        {**scope, "row": "country", **row, "world_share": world_shares.get(row["country"]),
         "products": (row["population"] or {}).get("products")}
        for row in answer["countries"]
    ]  # fmt: skip
    rows.append(
        {**scope, "row": "summary", "mass_kg": answer["total_kg"],
         "share_of_declared": answer["declared_share"], "hhi": answer["hhi"],
         "top_country": answer["top_country"], "top_share": answer["top_share"],
         "watch_share": answer["watch_share"], "suppressed": answer["suppressed"],
         "reason": answer.get("reason", ""),
         "products": (answer["population"] or {}).get("products"),
         **_world_columns(answer["world"])}
    )  # fmt: skip
    columns = [*SCOPE_COLUMNS, "row", "country", "mass_kg", "share", "share_of_declared",
               "watched", "world_share", "products", "hhi", "top_country", "top_share",
               "watch_share", *WORLD_COLUMNS, "suppressed", "reason"]  # fmt: skip
    return csv_response(rows, columns, f"supply-concentration-{answer['element']}.csv")


def import_dependence_csv(answer: dict) -> HttpResponse:
    scope = {"element": answer["element"], **answer["scope"], "group": answer["group"]["name"]
             or ",".join(answer["group"]["countries"])}  # fmt: skip
    world = _world_columns(answer["world"])
    rows = [{**scope, **row, **world} for row in answer["markets"]]
    for row, market in zip(rows, answer["markets"], strict=True):
        row["market"] = market["market"]
    columns = ["element", "product_type", "year", "group", "market", "total_kg", "inside_kg",
               "outside_kg", "undeclared_kg", "inside_share", "outside_share", "undeclared_share",
               "import_dependence", "import_dependence_of_declared", *WORLD_COLUMNS,
               "suppressed", "reason"]  # fmt: skip
    return csv_response(rows, columns, f"supply-import-dependence-{answer['element']}.csv")


def recycled_share_csv(answer: dict) -> HttpResponse:
    row = {**answer, **answer["scope"], **_world_columns(answer["world"])}
    columns = [*SCOPE_COLUMNS, "total_kg", "pre_consumer_kg", "post_consumer_kg", "primary_kg",
               "pre_consumer_share", "post_consumer_share", "recycled_share", "primary_share",
               *WORLD_COLUMNS, "suppressed", "reason"]  # fmt: skip
    return csv_response([row], columns, f"supply-recycled-share-{answer['element']}.csv")


def _slice(data: dict) -> dict:
    return {name: data.get(name) for name in ("element", "product_type", "market", "year")}


CSV_RESPONSE = {(200, "text/csv"): OpenApiTypes.STR, 400: ErrorResponse, 401: ErrorResponse}


@extend_schema(
    parameters=[ConcentrationQuery],
    responses={(200, "application/json"): ConcentrationRead, **CSV_RESPONSE},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def concentration(request: Request) -> Response | HttpResponse:
    """Shares of an element's declared origin by country, the Herfindahl-Hirschman index and
    the top country's share, beside the world's production concentration.

    Element mass whose origin no passport declared is the `undeclared` row. For non-regulators,
    rows describing too few products or manufacturers are folded into an `other` row.
    """
    query = ConcentrationQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    watch = data["watch"] if "watch" in data else watch_countries_default()
    answer = supply_concentration(
        **_slice(data), watch=watch, all_shown=sees_all(organisation_of(request))
    )
    return concentration_csv(answer) if data["format"] == "csv" else Response(answer)


@extend_schema(
    parameters=[ImportDependenceQuery],
    responses={(200, "application/json"): ImportDependenceRead, **CSV_RESPONSE},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def import_dependence(request: Request) -> Response | HttpResponse:
    """Per market: the share of the element mass in products placed on it whose declared origin
    lies outside the market and outside the group (e.g. `group=EU`).

    Undeclared mass is its own share beside the inside and outside shares; the three add to 1.
    """
    query = ImportDependenceQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    group = data.get("group") or {"name": None, "countries": []}
    answer = supply_import_dependence(
        **_slice(data), group=group["countries"], group_name=group["name"],
        all_shown=sees_all(organisation_of(request)),
    )  # fmt: skip
    return import_dependence_csv(answer) if data["format"] == "csv" else Response(answer)


@extend_schema(
    parameters=[SupplyQuery],
    responses={(200, "application/json"): RecycledShareRead, **CSV_RESPONSE},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def recycled_share(request: Request) -> Response | HttpResponse:
    """The share of an element's mass that is pre-consumer or post-consumer recycled, and the
    primary rest, weighted by mass, beside the world's production concentration."""
    query = SupplyQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    answer = supply_recycled_share(**_slice(data), all_shown=sees_all(organisation_of(request)))
    return recycled_share_csv(answer) if data["format"] == "csv" else Response(answer)
