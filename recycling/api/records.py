"""/api/v1/collections/ and /api/v1/batches/: what collectors and recyclers record."""

from __future__ import annotations

import uuid
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from lifecycle.errors import EventRefused
from lifecycle.payloads import check_region
from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.declaration import StrictSerializer, country, decimal_text, quantity
from passports.identifiers import IdentifierError, check_serial, normalise_gtin
from passports.models import Organisation, OrganisationKind, Passport, ProductType
from passports.substances import is_element
from passports.validators import validate_plausible_date
from recycling.categories import category_choices
from recycling.models import (
    Batch,
    BatchOutput,
    BatchStatus,
    Collection,
    CountsAs,
    ProcessRoute,
)
from recycling.services.batches import (
    batch_close,
    batch_input_add,
    batch_open,
    batch_output_record,
    mass_balance_problems,
)
from recycling.services.collections import collection_record

UUID_PATTERN = r"[0-9a-fA-F-]{36}"
COLLECTION_MAX_ITEMS = 1000


class KindIs(BasePermission):
    kinds: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        organisation = organisation_of(request)
        return organisation is not None and organisation.kind in self.kinds


class CollectsWaste(KindIs):
    message = "Only collectors and recyclers record collections."
    kinds = (OrganisationKind.COLLECTOR, OrganisationKind.RECYCLER)


class TreatsWaste(KindIs):
    message = "Only recyclers run treatment batches."
    kinds = (OrganisationKind.RECYCLER,)


def region_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=6, help_text="ISO 3166-2, e.g. DE-BY", **kwargs)


def _reference_key(value: str) -> tuple[str, object] | None:
    """("pk", UUID) or ("gs1", (gtin, serial)) for a reference, or None if it cannot be one."""
    if "/01/" in value:
        try:
            # urlsplit refuses some text (an unclosed "[" host) with a ValueError too.
            path = urlsplit(value).path if "://" in value else value
            parts = path.split("/")
            at = parts.index("01")
            gtin = normalise_gtin(parts[at + 1])
            serial = check_serial(unquote(parts[at + 3])) if parts[at + 2] == "21" else None
        except (ValueError, IndexError, IdentifierError):
            return None
        return "gs1", (gtin, serial)
    if "/p/" in value:
        value = value.rstrip("/").rsplit("/", 1)[-1]
    try:
        return "pk", uuid.UUID(value)
    except ValueError:
        return None


def passport_by_reference(value: str) -> Passport | None:
    """A passport by id, or by a scanned GS1 Digital Link URI (/01/{gtin}/21/{serial})."""
    return passports_by_reference([value]).get(value)


def passports_by_reference(values: list[str]) -> dict[str, Passport]:
    """The passports behind many references, in two queries at most (ids, then GTIN+serial)."""
    keys = {value: _reference_key(value) for value in values if isinstance(value, str)}
    ids = {key for kind, key in filter(None, keys.values()) if kind == "pk"}
    pairs = {key for kind, key in filter(None, keys.values()) if kind == "gs1" and key[1]}
    by_id = Passport.objects.in_bulk(ids) if ids else {}
    by_pair = {}
    if pairs:
        # A superset (any of the GTINs, any of the serials), narrowed to exact pairs here.
        candidates = Passport.objects.filter(
            gtin__in={g for g, _ in pairs}, serial__in={s for _, s in pairs}
        )
        by_pair = {(p.gtin, p.serial): p for p in candidates if (p.gtin, p.serial) in pairs}
    found = {}
    for value, key in keys.items():
        passport = None
        if key is not None:
            passport = by_id.get(key[1]) if key[0] == "pk" else by_pair.get(key[1])
        if passport is not None:
            found[value] = passport
    return found


@extend_schema_field(OpenApiTypes.STR)
class PassportReference(serializers.Field):
    """A passport id or a scanned Digital Link URI, resolved to the passport."""

    def to_representation(self, value):
        return str(value.pk)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 500:
            raise serializers.ValidationError("Give a passport id or Digital Link URI.")
        # A collection resolves all its references up front (one query, not one per item).
        resolved = self.context.get("passports")
        passport = resolved.get(data) if resolved is not None else passport_by_reference(data)
        if passport is None:
            raise serializers.ValidationError("No passport has this id or identifier.")
        return passport


class CollectionItemIn(StrictSerializer):
    passport = PassportReference(help_text="Passport id or Digital Link URI")
    mass_kg = quantity(required=False, help_text="Weighed mass")


class CollectionIn(StrictSerializer):
    region = region_field()
    collected_at = serializers.DateTimeField(validators=[validate_plausible_date])
    # Each item looks up a passport; a truck load is hundreds of batteries, and a larger
    # collection is recorded in several parts, like an event batch (lifecycle/api/batch.py).
    items = CollectionItemIn(many=True, allow_empty=False, max_length=COLLECTION_MAX_ITEMS)

    def validate_region(self, value: str) -> str:
        return check_region(value)

    def validate_items(self, items: list) -> list:
        if len(items) > settings.BULK_MAX_ITEMS:
            raise serializers.ValidationError(f"At most {settings.BULK_MAX_ITEMS} items.")
        seen = set()
        for item in items:
            if item["passport"].pk in seen:
                raise serializers.ValidationError("A passport is listed twice.")
            seen.add(item["passport"].pk)
        return items


class CollectionRead(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = ["id", "collector", "region", "collected_at", "items", "created_at"]

    def get_items(self, collection: Collection) -> list[dict]:
        return [
            {
                "passport": str(item.passport_id),
                "mass_kg": None if item.mass_kg is None else decimal_text(item.mass_kg),
                "event": str(item.event_id),
            }
            for item in collection.items.all()
        ]


class CollectionViewSet(
    viewsets.mixins.CreateModelMixin,
    viewsets.mixins.ListModelMixin,
    viewsets.mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Collections: collectors and recyclers record products taken back; all or nothing."""

    serializer_class = CollectionRead
    permission_classes = [IsAuthenticated, CollectsWaste]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        organisation = organisation_of(self.request)
        queryset = Collection.objects.prefetch_related("items")
        if organisation is None:
            return queryset.none()
        if organisation.kind == OrganisationKind.REGULATOR:
            return queryset
        return queryset.filter(collector=organisation)

    @extend_schema(
        request=CollectionIn,
        responses={201: CollectionRead, 400: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse},
    )
    def create(self, request):
        items = request.data.get("items") if isinstance(request.data, dict) else None
        references = [item.get("passport") for item in items or [] if isinstance(item, dict)][
            : settings.BULK_MAX_ITEMS + 1
        ]
        body = CollectionIn(
            data=request.data, context={"passports": passports_by_reference(references)}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            collection = collection_record(
                collector=organisation_of(request),
                region=data["region"],
                collected_at=data["collected_at"],
                items=[(item["passport"], item.get("mass_kg")) for item in data["items"]],
            )
        except EventRefused as refused:
            return error_response(refused.status, refused.errors)
        return Response(CollectionRead(collection).data, status=status.HTTP_201_CREATED)


def element_masses() -> serializers.DictField:
    return serializers.DictField(child=quantity(), required=False, default=dict)


def check_elements(masses: dict) -> dict:
    unknown = sorted(symbol for symbol in masses if not is_element(symbol))
    if unknown:
        raise serializers.ValidationError(f"Not element symbols: {', '.join(unknown)}.")
    return masses


class BatchSite(StrictSerializer):
    country = country()
    region = region_field(required=False)

    def validate_region(self, value: str) -> str:
        return check_region(value)


class BatchIn(StrictSerializer):
    process_route = serializers.ChoiceField(choices=ProcessRoute.choices)
    product_type = serializers.ChoiceField(choices=ProductType.choices)
    chemistry_category = serializers.CharField(max_length=20)
    site = BatchSite()
    started_at = serializers.DateTimeField(validators=[validate_plausible_date])
    declared_loss_kg = quantity(required=False)

    def validate(self, data: dict) -> dict:
        allowed = category_choices(data["product_type"])
        if data["chemistry_category"] not in allowed:
            raise serializers.ValidationError(
                {"chemistry_category": [f"For {data['product_type']}: {', '.join(allowed)}."]}
            )
        site = data.pop("site")
        if site.get("region") and not site["region"].startswith(site["country"] + "-"):
            raise serializers.ValidationError({"site.region": ["Not in the site's country."]})
        return {**data, "site_country": site["country"], "site_region": site.get("region", "")}


class InputIn(StrictSerializer):
    passport = PassportReference(required=False, help_text="Passport id or Digital Link URI")
    source_output = serializers.UUIDField(required=False)
    mass_kg = quantity(min_value=Decimal("0.000001"))
    assay = element_masses()

    def validate_assay(self, value: dict) -> dict:
        return check_elements(value)

    def validate(self, data: dict) -> dict:
        if ("passport" in data) == ("source_output" in data):
            raise serializers.ValidationError("Give a passport or a source_output, not both.")
        if "source_output" in data and data.get("assay"):
            raise serializers.ValidationError(
                {"assay": ["An intermediate carries its own element masses."]}
            )
        return data


def intermediate_destined_for(output_id, recycler: Organisation) -> BatchOutput:
    """An intermediate output that goes to this recycler; any other is not found."""
    destined = Q(destination_recycler=recycler) | Q(
        destination_recycler__isnull=True, batch__recycler=recycler
    )
    source = BatchOutput.objects.select_related("batch").filter(destined, pk=output_id).first()
    if source is None:
        raise EventRefused.one(404, "source_output", "No such output.")
    return source


class OutputIn(StrictSerializer):
    fraction = serializers.CharField(max_length=100)
    counts_as = serializers.ChoiceField(choices=CountsAs.choices)
    mass_kg = quantity(min_value=Decimal("0.000001"))
    origin_mass_kg = quantity(required=False)
    elements = element_masses()
    destination = serializers.CharField(max_length=200, required=False, allow_blank=True)
    destination_recycler = serializers.UUIDField(
        required=False,
        help_text="For an intermediate: the recycler that treats it next (default: yourself). "
        "Only that recycler can take it into a batch.",
    )

    def validate_elements(self, value: dict) -> dict:
        return check_elements(value)

    def validate_destination_recycler(self, value) -> Organisation:
        recycler = Organisation.objects.filter(pk=value, kind=OrganisationKind.RECYCLER).first()
        if recycler is None:
            raise serializers.ValidationError("No recycler has this id.")
        return recycler


class BatchRead(serializers.ModelSerializer):
    """A batch with its inputs, outputs, element masses and what still blocks closing."""

    inputs = serializers.SerializerMethodField()
    outputs = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id", "recycler", "process_route", "product_type", "chemistry_category",
            "site_country", "site_region", "started_at", "declared_loss_kg", "status",
            "closed_at", "inputs", "outputs", "balance",
        ]  # fmt: skip

    def get_inputs(self, batch: Batch) -> list[dict]:
        return [
            {
                "id": str(row.id),
                "passport": str(row.passport_id) if row.passport_id else None,
                "source_output": str(row.source_output_id) if row.source_output_id else None,
                "mass_kg": decimal_text(row.mass_kg),
                "basis": row.basis,
                "elements": {e.element: decimal_text(e.mass_kg) for e in row.elements.all()},
            }
            for row in batch.inputs.prefetch_related("elements")
        ]

    def get_outputs(self, batch: Batch) -> list[dict]:
        return [
            {
                "id": str(row.id),
                "fraction": row.fraction,
                "counts_as": row.counts_as,
                "mass_kg": decimal_text(row.mass_kg),
                "origin_mass_kg": decimal_text(row.origin_mass_kg),
                "destination": row.destination,
                "destination_recycler": str(row.destination_recycler_id)
                if row.destination_recycler_id
                else None,
                "elements": {e.element: decimal_text(e.mass_kg) for e in row.elements.all()},
            }
            for row in batch.outputs.prefetch_related("elements")
        ]

    def get_balance(self, batch: Batch) -> dict:
        problems = [] if batch.status == BatchStatus.CLOSED else mass_balance_problems(batch)
        return {"can_close": batch.status == BatchStatus.OPEN and not problems,
                "problems": problems}  # fmt: skip


class BatchViewSet(
    viewsets.mixins.ListModelMixin,
    viewsets.mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Treatment batches of the calling recycler (regulators read all of them)."""

    serializer_class = BatchRead
    permission_classes = [IsAuthenticated, TreatsWaste]
    lookup_value_regex = UUID_PATTERN
    filterset_fields = ["status", "product_type", "process_route", "chemistry_category"]

    def get_queryset(self):
        organisation = organisation_of(self.request)
        if organisation is None:
            return Batch.objects.none()
        if organisation.kind == OrganisationKind.REGULATOR and self.request.method == "GET":
            return Batch.objects.all()
        return Batch.objects.filter(recycler=organisation)

    def _refused(self, refused: EventRefused) -> Response:
        return error_response(refused.status, refused.errors)

    def _record(self, serializer_class, service) -> Response:
        """Validates the body, calls the service on the caller's batch, answers the batch."""
        batch = self.get_object()
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        try:
            service(batch, body.validated_data)
        except EventRefused as refused:
            return self._refused(refused)
        batch.refresh_from_db()
        return Response(BatchRead(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BatchIn, responses={201: BatchRead, 400: ErrorResponse, 403: ErrorResponse}
    )
    def create(self, request):
        body = BatchIn(data=request.data)
        body.is_valid(raise_exception=True)
        batch = batch_open(recycler=organisation_of(request), **body.validated_data)
        return Response(BatchRead(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=InputIn,
        responses={201: BatchRead, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=True, methods=["post"])
    def inputs(self, request, pk=None):
        """Adds a waste product (by id or scanned Digital Link) or an upstream intermediate."""
        return self._record(
            InputIn,
            lambda batch, data: batch_input_add(
                batch_id=batch.pk,
                passport=data.get("passport"),
                source_output=intermediate_destined_for(data["source_output"], batch.recycler)
                if "source_output" in data
                else None,
                mass_kg=data["mass_kg"],
                assay=data.get("assay") or None,
            ),
        )

    @extend_schema(
        request=OutputIn,
        responses={201: BatchRead, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=True, methods=["post"])
    def outputs(self, request, pk=None):
        """Records an output fraction with the element masses recovered in it."""
        return self._record(
            OutputIn,
            lambda batch, data: batch_output_record(batch_id=batch.pk, data=data),
        )

    @extend_schema(
        request=None,
        responses={200: BatchRead, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Checks the mass balance, signs `recycled` for every input product, closes."""
        batch = self.get_object()
        try:
            batch = batch_close(batch_id=batch.pk, actor=organisation_of(request))
        except EventRefused as refused:
            return self._refused(refused)
        return Response(BatchRead(batch).data)
