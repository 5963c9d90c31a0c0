"""/api/v1/passports/: registration (single and bulk), tier-filtered reads, QR codes, events.

The viewset lives in the lifecycle app because registering a passport is its first lifecycle
event: passports own the data, lifecycle owns the signed chain that vouches for it.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid

import django_filters
from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from lifecycle.errors import EventRefused
from lifecycle.models import Event, EventType
from lifecycle.payloads import EventRequest, event_request_check
from lifecycle.services.bundle import passport_bundle
from lifecycle.services.events import event_post, request_digest
from lifecycle.services.log import event_inclusion, latest_checkpoint_size
from lifecycle.services.registration import (
    RegistrationConflict,
    UnknownPredecessor,
    passports_register,
)
from lifecycle.tasks import log_integrated_at_commit
from passports.api.access import IsManufacturer, organisation_of
from passports.api.errors import error_response
from passports.api.schemas import BulkRegistered, ErrorResponse, PassportRead, PassportRegistered
from passports.batterypass.export import passport_batterypass
from passports.batterypass.strict import document_declaration
from passports.declaration import PassportDeclaration
from passports.identifiers import digital_link
from passports.models import AccessPurpose, AccessRecord, OrganisationKind, Passport, ProductType
from passports.purpose import PurposeError, purpose_stated
from passports.registry.api import registration_read
from passports.representation import access_record, passport_for_reader, with_related
from passports.tiers import allows, tier_for

PURPOSE_PARAMETER = OpenApiParameter(
    "purpose",
    str,
    enum=AccessPurpose.values,
    required=False,
    description=(
        "Why a restricted tier is read; recorded in the access log. Also accepted as a "
        "Purpose header. Without it the reader's default purpose is recorded."
    ),
)

UUID_PATTERN = r"[0-9a-fA-F-]{36}"


class PassportFilter(django_filters.FilterSet):
    product_type = django_filters.ChoiceFilter(choices=ProductType.choices)
    manufactured_after = django_filters.DateFilter(field_name="manufactured_at", lookup_expr="gte")
    manufactured_before = django_filters.DateFilter(field_name="manufactured_at", lookup_expr="lte")
    model = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Passport
        fields = ["product_type", "gtin", "serial", "gbt_code", "status", "batch"]


class EventRead(serializers.ModelSerializer):
    """A chain link as stored: canonical envelope bytes and signature in base64."""

    envelope = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()
    payload = serializers.SerializerMethodField()
    kid = serializers.CharField(source="kid_id")
    actor = serializers.UUIDField(source="actor_id")
    log_index = serializers.SerializerMethodField()
    inclusion = serializers.SerializerMethodField(
        help_text="pending (not yet in the log), integrated (in the log, after the latest "
        "checkpoint), checkpointed (covered by the latest signed checkpoint) or archived (an "
        "imported copy: log_index is in the origin's log, proven in the passport's bundle)"
    )

    class Meta:
        model = Event
        fields = [
            "id", "seq", "prev", "hash", "type", "time", "actor", "kid",
            "payload", "envelope", "signature", "log_index", "inclusion",
        ]  # fmt: skip

    def get_envelope(self, event: Event) -> str:
        return base64.b64encode(bytes(event.envelope)).decode("ascii")

    def get_signature(self, event: Event) -> str:
        return base64.b64encode(bytes(event.signature)).decode("ascii")

    def get_payload(self, event: Event) -> dict:
        return json.loads(bytes(event.envelope))["payload"]

    def get_log_index(self, event: Event) -> int | None:
        if "log_indexes" in self.context:  # read beforehand, for events just written
            return self.context["log_indexes"].get(event.pk)
        leaf = getattr(event, "leaf", None)
        if leaf is None:
            archived = getattr(event, "archived_proof", None)
            return archived.log_index if archived else None
        return leaf.index

    def get_inclusion(self, event: Event) -> str:
        # An event just written here is never an archived copy's: no query to ask.
        written_now = "log_indexes" in self.context
        if not written_now and getattr(event, "archived_proof", None) is not None:
            return "archived"
        index = self.get_log_index(event)
        if index is None:
            return "pending"
        return "checkpointed" if index < self.context.get("checkpoint_size", 0) else "integrated"


_per_thread = threading.local()


def event_read(event: Event, *, context: dict) -> dict:
    """EventRead(event, context=context).data, by an EventRead built once per thread.

    A ModelSerializer works out its fields from the model on every instance; for the answer
    to a single append that was a sixth of the request's CPU. The serializer keeps nothing of
    an event between calls, only the context, set here for each.
    """
    serializer = getattr(_per_thread, "event_read", None)
    if serializer is None:
        serializer = _per_thread.event_read = EventRead()
    serializer._context = context
    return serializer.to_representation(event)


def registered(passport: Passport) -> dict:
    """What a registration answers for one passport."""
    return registered_all([passport])[0]


def registered_all(passports: list[Passport]) -> list[dict]:
    """registered() for many passports, each QR path built from one reverse() per format.

    reverse() cost as much as the rest of a bulk answer; the paths differ only by the id.
    """
    marker = str(_ANY_ID)
    svg = reverse("passport-qr", kwargs={"pk": _ANY_ID, "fmt": "svg"})
    png = reverse("passport-qr", kwargs={"pk": _ANY_ID, "fmt": "png"})
    answers = []
    for passport in passports:
        pk = str(passport.id)
        answers.append(
            {
                "id": pk,
                "digital_link": digital_link(
                    gtin=passport.gtin, serial=passport.serial, passport_id=passport.id
                ),
                "qr_svg": svg.replace(marker, pk),
                "qr_png": png.replace(marker, pk),
                "head_hash": passport.head_hash,
            }
        )
    return answers


# Stands in for a passport id in the QR path templates; no path holds it otherwise.
_ANY_ID = uuid.UUID(int=0)


class HealthRead(serializers.Serializer):
    latest = serializers.DictField(help_text="field -> {value, at, seq}")
    history = serializers.ListField(child=serializers.DictField())


class BundleRead(serializers.Serializer):
    """The offline-verifiable bundle; see lifecycle/verify.py for how it is checked."""

    format = serializers.CharField()
    passport = serializers.DictField()
    keys = serializers.ListField(child=serializers.DictField())
    events = serializers.ListField(child=serializers.DictField())
    checkpoint = serializers.CharField()
    log_vkey = serializers.CharField()


class BulkRequest(serializers.Serializer):
    passports = PassportDeclaration(many=True, allow_empty=False)


class PassportViewSet(viewsets.GenericViewSet):
    """Passports: manufacturers register; everyone reads at the tier they are entitled to."""

    lookup_value_regex = UUID_PATTERN
    filterset_class = PassportFilter
    serializer_class = PassportRead

    def get_permissions(self):
        if self.action in ("retrieve", "batterypass"):
            return [AllowAny()]
        if self.action in ("create", "bulk", "batterypass_import", "batterypass_import_bulk"):
            return [IsAuthenticated(), IsManufacturer()]
        return [IsAuthenticated()]

    def get_queryset(self):
        organisation = organisation_of(self.request)
        queryset = Passport.objects.all()
        if self.action == "list":
            if organisation is None:
                return queryset.none()
            if organisation.kind != OrganisationKind.REGULATOR:
                queryset = queryset.filter(Q(manufacturer=organisation) | Q(holder=organisation))
        if self.action == "health":
            return queryset.select_related("head")  # the latest readings are kept there
        if self.action == "events":
            return queryset  # the chain's actions read the passport row only
        return with_related(queryset)

    def _read(self, passport: Passport, via: str = "api") -> dict:
        organisation = organisation_of(self.request)
        user = self.request.user if organisation is not None else None
        return passport_for_reader(
            passport,
            user=user,
            tier=tier_for(organisation, passport),
            via=via,
            purpose=self._purpose(),
        )

    def _purpose(self) -> str:
        """The purpose the reader states for a restricted read (passports/purpose.py)."""
        try:
            return purpose_stated(self.request.query_params, self.request.headers)
        except PurposeError as exc:
            raise serializers.ValidationError({"purpose": [str(exc)]}) from exc

    @extend_schema(responses={200: PassportRead(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([self._read(p) for p in page])

    @extend_schema(
        parameters=[PURPOSE_PARAMETER],
        responses={200: PassportRead, 400: ErrorResponse, 404: ErrorResponse},
    )
    def retrieve(self, request, pk=None):
        passport = self.get_object()
        read = self._read(passport)
        if read["tier"] == "owner":
            read["registry"] = registration_read(passport)
        return Response(read)

    @extend_schema(
        request=PassportDeclaration,
        responses={201: PassportRegistered, 400: ErrorResponse, 409: ErrorResponse},
    )
    def create(self, request):
        declaration = PassportDeclaration(data=request.data, context=self._context())
        declaration.is_valid(raise_exception=True)
        declarations = [declaration.validated_data]
        outcome = self._register(declarations, prefix="")
        if isinstance(outcome, Response):
            return outcome
        return Response(registered(outcome[0]), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BulkRequest,
        responses={201: BulkRegistered, 400: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Registers up to BULK_MAX_ITEMS passports in one transaction: all or nothing."""
        items = request.data.get("passports") if isinstance(request.data, dict) else None
        if isinstance(items, list) and len(items) > settings.BULK_MAX_ITEMS:
            return error_response(
                400,
                [{"field": "passports", "message": f"At most {settings.BULK_MAX_ITEMS} items."}],
            )
        body = BulkRequest(data=request.data, context=self._context())
        body.is_valid(raise_exception=True)
        declarations = body.validated_data["passports"]
        outcome = self._register(declarations, prefix="passports")
        if isinstance(outcome, Response):
            return outcome
        return Response({"passports": registered_all(outcome)}, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[PURPOSE_PARAMETER],
        responses={
            200: OpenApiResponse(
                description="The seven Battery Pass v1.2.0 aspects at the reader's tier, with "
                "declarationExtension, missing and withheld."
            ),
            404: ErrorResponse,
        },
    )
    @action(detail=True, methods=["get"])
    def batterypass(self, request, pk=None):
        """The battery passport in the Battery Pass data model v1.2.0, filtered by tier."""
        passport = self.get_object()
        if passport.product_type != ProductType.BATTERY:
            raise Http404
        organisation = organisation_of(request)
        tier = tier_for(organisation, passport)
        access_record(
            passport=passport,
            user=request.user if organisation is not None else None,
            tier=tier,
            via="api",
            purpose=self._purpose(),
        )
        return Response(passport_batterypass(passport, tier))

    @extend_schema(
        request=inline_serializer(
            "BatteryPassDocument", {"GeneralProductInformation": serializers.DictField()}
        ),
        responses={201: PassportRegistered, 400: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=False, methods=["post"], url_path="import/batterypass")
    def batterypass_import(self, request):
        """Registers a passport from a Battery Pass v1.2.0 document."""
        declarations = self._batterypass_declarations([request.data], prefix="")
        if isinstance(declarations, Response):
            return declarations
        outcome = self._register(declarations, prefix="")
        if isinstance(outcome, Response):
            return outcome
        return Response(registered(outcome[0]), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer(
            "BatteryPassBulk", {"documents": serializers.ListField(child=serializers.DictField())}
        ),
        responses={201: BulkRegistered, 400: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=False, methods=["post"], url_path="import/batterypass/bulk")
    def batterypass_import_bulk(self, request):
        """Registers up to BULK_MAX_ITEMS Battery Pass documents: all or nothing."""
        items = request.data.get("documents") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            return error_response(400, [{"field": "documents", "message": "A non-empty list."}])
        if len(items) > settings.BULK_MAX_ITEMS:
            return error_response(
                400,
                [{"field": "documents", "message": f"At most {settings.BULK_MAX_ITEMS} items."}],
            )
        declarations = self._batterypass_declarations(items, prefix="documents")
        if isinstance(declarations, Response):
            return declarations
        outcome = self._register(declarations, prefix="documents")
        if isinstance(outcome, Response):
            return outcome
        return Response({"passports": registered_all(outcome)}, status=status.HTTP_201_CREATED)

    def _batterypass_declarations(self, documents: list, prefix: str) -> list[dict] | Response:
        """Schema, then our rules, for each document; every error named by its JSON path."""
        errors, declarations = [], []
        for index, document in enumerate(documents):
            where = f"{prefix}[{index}]." if prefix else ""
            declaration, found = document_declaration(document, context=self._context())
            if declaration is not None:
                declarations.append(declaration)
                continue
            errors.extend({"field": (where + e["field"]).rstrip("."), "message": e["message"]}
                          for e in found)  # fmt: skip
        if errors:
            return error_response(status.HTTP_400_BAD_REQUEST, errors)
        return declarations

    def _context(self) -> dict:
        return {"gs1_company_prefix": organisation_of(self.request).gs1_company_prefix}

    def _register(self, declarations: list[dict], prefix: str) -> list[Passport] | Response:
        def path(index: int, field: str) -> str:
            return f"{prefix}[{index}].{field}" if prefix else field

        try:
            return passports_register(
                organisation=organisation_of(self.request), declarations=declarations
            )
        except RegistrationConflict as conflict:
            errors = [{"field": path(i, f), "message": m} for i, f, m in conflict.conflicts]
            return error_response(status.HTTP_409_CONFLICT, errors)
        except UnknownPredecessor as unknown:
            errors = [
                {"field": path(i, "predecessor"), "message": "No passport has this id."}
                for i in unknown.indexes
            ]
            return error_response(status.HTTP_400_BAD_REQUEST, errors)

    @extend_schema(methods=["GET"], responses={200: EventRead(many=True), 404: ErrorResponse})
    @extend_schema(
        methods=["POST"],
        request=EventRequest,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Retries with the same key and body return the same event.",
            )
        ],
        responses={
            200: EventRead,
            201: EventRead,
            400: ErrorResponse,
            403: ErrorResponse,
            404: ErrorResponse,
            409: ErrorResponse,
        },
    )
    @action(detail=True, methods=["get", "post"])
    def events(self, request, pk=None):
        """The passport's signed chain; POST appends a lifecycle event to it."""
        if request.method == "POST":
            return self._post_event(request, pk)
        passport = self._restricted_object()
        self._record_read(passport, via="events")
        events = passport.events.select_related("leaf", "archived_proof").order_by("seq")
        page = self.paginate_queryset(events)
        context = {"checkpoint_size": latest_checkpoint_size()}
        return self.get_paginated_response(EventRead(page, many=True, context=context).data)

    def _post_event(self, request, pk) -> Response:
        # The passport is read once, locked, by the service: visibility and the body are checked
        # against that row, in the order a separate read would give (404, then 400).
        actor = organisation_of(request)
        key = request.headers.get("Idempotency-Key") or None
        try:
            passport_id = uuid.UUID(str(pk))
        except ValueError as exc:
            raise Http404 from exc

        def validate(passport: Passport) -> tuple:
            if not allows(tier_for(actor, passport), "legitimate_interest"):
                raise Http404
            data = event_request_check(request.data, product_type=passport.product_type)
            if key is not None and len(key) > 200:
                raise serializers.ValidationError({"Idempotency-Key": ["At most 200 characters."]})
            return data["type"], data["occurred_at"], data["payload"]

        try:
            event, created = event_post(
                passport_id=passport_id,
                actor=actor,
                validate=validate,
                idempotency_key=key,
                digest=request_digest(passport_id=passport_id, body=request.data),
            )
        except Passport.DoesNotExist as exc:
            raise Http404 from exc
        except EventRefused as refused:
            return error_response(refused.status, refused.errors, **refused.extra)
        # The answer is built from the event as written. A new event is pending when its
        # commit returns, unless that commit integrated it here: only then, or for the earlier
        # event a retried key names, is its place in the log read.
        if created and not log_integrated_at_commit():
            index, checkpoint_size = None, 0  # the checkpoint size only matters for an index
        else:
            index, checkpoint_size = event_inclusion(event_id=event.pk)
        context = {"checkpoint_size": checkpoint_size, "log_indexes": {event.pk: index}}
        return Response(
            event_read(event, context=context),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={200: HealthRead, 404: ErrorResponse})
    @action(detail=True, methods=["get"])
    def health(self, request, pk=None):
        """Latest value per health field with its time, and every report in order."""
        passport = self._restricted_object()
        self._record_read(passport, via="health")
        reports = passport.events.filter(type=EventType.HEALTH_REPORTED).order_by("seq")
        history = []
        for event in reports:
            payload = json.loads(bytes(event.envelope))["payload"]
            at = payload.pop("occurred_at")
            history.append({"seq": event.seq, "occurred_at": at, "values": payload})
        return Response({"latest": passport.health, "history": history})

    @extend_schema(responses={200: BundleRead, 404: ErrorResponse})
    @action(detail=True, methods=["get"])
    def bundle(self, request, pk=None):
        """Everything needed to verify this passport offline, with no trust in this server."""
        passport = self._restricted_object()
        tier = tier_for(organisation_of(request), passport)
        data = passport_for_reader(
            passport, user=request.user, tier=tier, via="bundle", purpose=self._purpose()
        )
        return Response(passport_bundle(passport=passport, representation=data))

    @extend_schema(
        responses={
            200: inline_serializer(
                "AccessRecordRead",
                {
                    "user": serializers.CharField(),
                    "organisation": serializers.UUIDField(),
                    "tier": serializers.CharField(),
                    "via": serializers.CharField(),
                    "purpose": serializers.CharField(),
                    "at": serializers.DateTimeField(),
                },
                many=True,
            ),
            404: OpenApiResponse(ErrorResponse),
        }
    )
    @action(detail=True, methods=["get"], url_path="access-log")
    def access_log(self, request, pk=None):
        """Who read this passport's restricted tiers; for its owner and regulators."""
        passport = self.get_object()
        organisation = organisation_of(request)
        if tier_for(organisation, passport) not in ("owner", "authority"):
            raise Http404
        records = AccessRecord.objects.filter(passport=passport).select_related("user")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(
            [
                {
                    "user": r.user.username,
                    "organisation": str(r.organisation_id),
                    "tier": r.tier,
                    "via": r.via,
                    "purpose": r.purpose,
                    "at": r.at.isoformat().replace("+00:00", "Z"),
                }
                for r in page
            ]
        )

    def _record_read(self, passport: Passport, via: str) -> None:
        # The chain and the health history carry legitimate-interest data (status, holders,
        # readings), so reading them is recorded like any other restricted read.
        tier = tier_for(organisation_of(self.request), passport)
        access_record(
            passport=passport,
            user=self.request.user,
            tier=tier,
            via=via,
            purpose=self._purpose(),
        )

    def _restricted_object(self) -> Passport:
        passport = self.get_object()
        if not allows(tier_for(organisation_of(self.request), passport), "legitimate_interest"):
            raise Http404
        return passport
