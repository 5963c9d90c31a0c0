"""/api/v1/organisations/: who is in the system, key rotation and backup archives."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lifecycle.archive.export import ArchiveRefused, archive_export
from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse, JwkRead
from passports.models import Organisation, OrganisationKind
from passports.services.keys import KeysArchived, public_jwk, signing_key_rotate


class OrganisationRead(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "country", "gs1_company_prefix", "created_at"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations are listed to every signed-in caller; only one's own can rotate its key."""

    serializer_class = OrganisationRead
    queryset = Organisation.objects.all()
    filterset_fields = ["kind", "country"]

    def get_queryset(self):
        organisation = organisation_of(self.request)
        own = Organisation.objects.filter(pk=organisation.pk if organisation else None)
        if self.action == "rotate_key":
            return own
        if self.action == "archive":
            # The backup copy holds every tier of the passports: the operator's own, and the
            # authorities' (market surveillance reads everything).
            if organisation is not None and organisation.kind == OrganisationKind.REGULATOR:
                return super().get_queryset()
            return own
        return super().get_queryset()

    def perform_content_negotiation(self, request, force=False):
        # The archive is sent as a plain zip response, outside the renderers; only its errors
        # are rendered, as JSON, so a client asking for application/zip is not refused with 406.
        return super().perform_content_negotiation(request, force=force or self.action == "archive")

    @extend_schema(
        request=None,
        responses={
            200: JwkRead,
            404: ErrorResponse,
            409: ErrorResponse,
        },
    )
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, pk=None):
        """Makes a new active signing key; the retired one stays published for verification."""
        try:
            key = signing_key_rotate(organisation=self.get_object())
        except KeysArchived as exc:
            return error_response(409, [{"field": "organisation", "message": str(exc)}])
        return Response(public_jwk(key))

    @extend_schema(
        request=None,
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The signed backup archive (README, 'Backup copy'): a zip of the "
                "organisation's passport bundles, records, keys, checkpoint and signed manifest.",
            ),
            400: ErrorResponse,
            404: ErrorResponse,
            409: ErrorResponse,
        },
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Writes the organisation's signed backup archive; for itself and regulators."""
        organisation = self.get_object()
        try:
            data = archive_export(organisation=organisation)
        except ArchiveRefused as refused:
            archived = organisation.kind == OrganisationKind.ARCHIVED_OPERATOR
            return error_response(
                409 if archived else 400, [{"field": refused.field, "message": refused.message}]
            )
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="passports-{organisation.pk}.zip"'
        return response
