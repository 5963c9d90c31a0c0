"""/api/v1/tokens/: the calling organisation's API tokens: list, issue, revoke.

A secret is shown once, in the answer that issues it; afterwards only its first characters
identify it. Another organisation's token is a 404, as if it did not exist.
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.declaration import StrictSerializer
from passports.models import ApiToken
from passports.services.tokens import TOKEN_MAX_DAYS as MAX_DAYS
from passports.services.tokens import token_create

UUID_PATTERN = r"[0-9a-fA-F-]{36}"


class InOrganisation(BasePermission):
    message = "Only members of an organisation have tokens."

    def has_permission(self, request, view) -> bool:
        return organisation_of(request) is not None


class TokenRead(serializers.ModelSerializer):
    created = serializers.DateTimeField(source="knox_token.created")
    expiry = serializers.DateTimeField(
        source="knox_token.expiry", allow_null=True, help_text="null: does not expire"
    )
    prefix = serializers.SerializerMethodField(
        help_text="The secret's first 8 characters, to tell tokens apart"
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "expiry", "prefix"]

    def get_prefix(self, token: ApiToken) -> str:
        return token.knox_token.token_key[:8]


class TokenIssued(TokenRead):
    token = serializers.CharField(help_text="The secret: shown only in this answer")

    class Meta(TokenRead.Meta):
        fields = [*TokenRead.Meta.fields, "token"]


class TokenRequest(StrictSerializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DAYS)
    expiry = serializers.DateTimeField(required=False)

    def validate_expiry(self, value):
        now = timezone.now()
        if value <= now:
            raise serializers.ValidationError("Give a moment in the future.")
        if value > now + timedelta(days=MAX_DAYS):
            raise serializers.ValidationError(f"At most {MAX_DAYS} days ahead.")
        return value

    def validate(self, data: dict) -> dict:
        if "expires_in_days" in data and "expiry" in data:
            raise serializers.ValidationError({"expiry": ["Give expiry or expires_in_days."]})
        days = data.pop("expires_in_days", None)
        if days is not None:
            data["expiry"] = timezone.now() + timedelta(days=days)
        return data


class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Tokens of the caller's organisation; any member may issue and revoke them."""

    serializer_class = TokenRead
    permission_classes = [IsAuthenticated, InOrganisation]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return (
            ApiToken.objects.active()
            .filter(organisation=organisation_of(self.request))
            .select_related("knox_token")
        )

    @extend_schema(request=TokenRequest, responses={201: TokenIssued, 400: ErrorResponse})
    def create(self, request):
        """Issues a token; its secret is in this answer and nowhere else, ever."""
        body = TokenRequest(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        # A token never outlives the token that issued it, or revoking an expiring token would
        # leave a never-expiring child behind.
        parent = getattr(request.auth, "expiry", None)
        if parent is not None and (fields.get("expiry") is None or fields["expiry"] > parent):
            if "expiry" in request.data or "expires_in_days" in request.data:
                return error_response(400, [{"field": "expiry", "message": (
                    f"A token issued with an expiring token expires by {parent.isoformat()} "
                    "at the latest.")}])  # fmt: skip
            fields["expiry"] = parent
        token, secret = token_create(organisation=organisation_of(request), **fields)
        token.token = secret
        return Response(TokenIssued(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 404: ErrorResponse})
    def destroy(self, request, pk=None):
        """Revokes the token: from now on a call with it is a 401."""
        self.get_object().revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)
