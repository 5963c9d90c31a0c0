"""/api/v1/registry/deliveries/: the caller's uploads to the EU registry and how they went.

Only the organisation that placed the product on the market sees its uploads; anyone else's
is a 404. A refused or waiting upload can be sent again at once with the retry action.
"""

import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.registry.models import DeliveryStatus, RegistryDelivery
from passports.registry.services import registration_retry
from passports.registry.tasks import deliveries_enqueue

UUID_PATTERN = r"[0-9a-fA-F-]{36}"


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    passport = django_filters.UUIDFilter(field_name="passport_id")

    class Meta:
        model = RegistryDelivery
        fields = ["status", "passport"]


def delivery_note(delivery: RegistryDelivery) -> str:
    """One sentence for the operator on where an upload stands."""
    if delivery.status == DeliveryStatus.DELIVERED:
        return f"Registered as {delivery.registration_id}."
    if delivery.status == DeliveryStatus.REJECTED:
        return "The registry refused this upload; correct the cause, then retry it."
    if not settings.REGISTRY_URL:
        return "Delivery to the registry is off on this instance (REGISTRY_URL is not set)."
    if delivery.attempts:
        return f"{delivery.attempts} failed attempts; the next is due at the time shown."
    return "Waiting for its first attempt."


def registration_read(passport) -> dict | None:
    """The registry upload as its passport's owner reads it; None before market placement."""
    delivery = RegistryDelivery.objects.filter(passport=passport).first()
    if delivery is None:
        return None
    return {
        "delivery": str(delivery.pk),
        "status": delivery.status,
        "registration_id": delivery.registration_id,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "note": delivery_note(delivery),
    }


class DeliveryRead(serializers.ModelSerializer):
    """An upload of one passport to the EU registry: its state, attempts and last error."""

    passport = serializers.UUIDField(source="passport_id")
    organisation = serializers.UUIDField(source="organisation_id")
    registration_id = serializers.CharField(
        help_text="The registry's identifier for the passport; empty until delivered"
    )
    note = serializers.SerializerMethodField()

    class Meta:
        model = RegistryDelivery
        fields = [
            "id", "passport", "organisation", "status", "registration_id", "attempts",
            "last_error", "last_attempt_at", "next_attempt_at", "delivered_at", "created_at",
            "idempotency_key", "payload", "note",
        ]  # fmt: skip

    def get_note(self, delivery: RegistryDelivery) -> str:
        return delivery_note(delivery)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Uploads to the EU registry made in the caller's name; newest first."""

    serializer_class = DeliveryRead
    permission_classes = [IsAuthenticated]
    lookup_value_regex = UUID_PATTERN
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return RegistryDelivery.objects.visible_to(organisation_of(self.request))

    @extend_schema(
        request=None,
        responses={200: DeliveryRead, 404: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Makes a waiting or refused upload due now and sends it; a delivered one is final."""
        delivery = self.get_object()
        if not registration_retry(delivery=delivery):
            return error_response(
                409, [{"field": "status", "message": "This upload is already delivered."}]
            )
        deliveries_enqueue([delivery.pk])
        return Response(DeliveryRead(self.get_queryset().get(pk=delivery.pk)).data)
