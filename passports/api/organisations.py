"""/api/v1/organisations/: who is in the system, and key rotation for one's own organisation."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.schemas import ErrorResponse, JwkRead
from passports.models import Organisation
from passports.services.keys import public_jwk, signing_key_rotate


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
        if self.action == "rotate_key":
            organisation = organisation_of(self.request)
            return Organisation.objects.filter(pk=organisation.pk if organisation else None)
        return super().get_queryset()

    @extend_schema(
        request=None,
        responses={
            200: JwkRead,
            404: ErrorResponse,
        },
    )
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, pk=None):
        """Makes a new active signing key; the retired one stays published for verification."""
        key = signing_key_rotate(organisation=self.get_object())
        return Response(public_jwk(key))
