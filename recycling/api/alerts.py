"""/api/v1/alerts/: cloned-label alerts for the passport's manufacturer and for regulators.

Anyone else (and another manufacturer's alert) is a 404. Dismissing keeps the alert, with who
dismissed it and why.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.declaration import StrictSerializer
from recycling.models import AlertRule, CloneAlert

UUID_PATTERN = r"[0-9a-fA-F-]{36}"


class AlertFilter(django_filters.FilterSet):
    rule = django_filters.ChoiceFilter(choices=AlertRule.choices)
    passport = django_filters.UUIDFilter(field_name="passport_id")
    state = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("dismissed", "dismissed")],
        method="filter_state",
        help_text="open: not dismissed; dismissed: dismissed with a reason",
    )

    class Meta:
        model = CloneAlert
        fields = ["rule", "passport", "state"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(dismissed_at__isnull=value == "open")


class Dismissal(serializers.Serializer):
    at = serializers.DateTimeField(source="dismissed_at")
    organisation = serializers.UUIDField(source="dismissed_by_id")
    organisation_name = serializers.CharField(source="dismissed_by.name")
    person = serializers.CharField(
        source="dismissed_by_person.username",
        allow_null=True,
        default=None,
        help_text="The username of the person who dismissed it; null for a service account",
    )
    reason = serializers.CharField(source="dismissal_reason")


class AlertRead(serializers.ModelSerializer):
    """An alert with the evidence behind it and, once dismissed, who dismissed it and why."""

    passport = serializers.UUIDField(source="passport_id")
    evidence = serializers.DictField(
        help_text="The scans (organisation, tier, time; never a person), events and collection "
        "behind the alert"
    )
    dismissed = serializers.SerializerMethodField()

    class Meta:
        model = CloneAlert
        fields = ["id", "passport", "rule", "evidence", "raised_at", "dismissed"]

    @extend_schema(responses=Dismissal(allow_null=True))
    def get_dismissed(self, alert: CloneAlert) -> dict | None:
        return Dismissal(alert).data if alert.dismissed_at else None


class Text(serializers.CharField):
    """A JSON string: a number or a list is refused rather than turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DismissRequest(StrictSerializer):
    reason = Text(max_length=2000, help_text="Why this is not a copied label")


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cloned-label alerts about the caller's passports (regulators: all); newest first."""

    serializer_class = AlertRead
    permission_classes = [IsAuthenticated]
    lookup_value_regex = UUID_PATTERN
    filterset_class = AlertFilter

    def get_queryset(self):
        return CloneAlert.objects.visible_to(organisation_of(self.request)).select_related(
            "dismissed_by", "dismissed_by_person"
        )

    @extend_schema(
        request=DismissRequest,
        responses={200: AlertRead, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismisses the alert with a reason, kept beside it; an alert is dismissed once."""
        alert = self.get_object()
        body = DismissRequest(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        if not alert.dismiss(
            organisation=organisation_of(request),
            person=None if user.is_service_account else user,
            reason=body.validated_data["reason"],
        ):
            return error_response(
                409, [{"field": "", "message": "The alert is already dismissed."}]
            )
        return Response(AlertRead(self.get_queryset().get(pk=alert.pk)).data)
