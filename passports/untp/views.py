"""HTTP: a passport's UNTP credential and organisations' did:web documents.

Both are public, as the passport page and the JWKS are. The credential's representation is
chosen here rather than by DRF's content negotiation, whose `?format=` handling would answer an
unknown format with a bare 404 and an Accept of `application/vc+jwt` with a 406.
"""

import uuid

from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from passports.api.schemas import ErrorResponse
from passports.models import Organisation, Passport, SigningKey
from passports.representation import with_related
from passports.untp.did import organisation_did_document
from passports.untp.services import credential_sign, passport_credential_issue

JWT = "application/vc+jwt"
VC = "application/vc"
JSON = "application/json"
FORMATS = {"jwt": JWT, "json": JSON}


class DidJsonRenderer(JSONRenderer):
    """A DID document in its JSON representation (DID Core, application/did+json)."""

    media_type = "application/did+json"
    format = "did"


class ViewDecides(BaseContentNegotiation):
    """Leaves the representation to the view; DRF renders only errors, always as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _error(status: int, field: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "message": message}]}, status=status)


def _wanted(request) -> str | None:
    """The media type asked for: ?format= first, then the first acceptable Accept entry."""
    fmt = request.query_params.get("format")
    if fmt is not None:
        return FORMATS.get(fmt)
    for entry in request.headers.get("Accept", "").split(","):
        media_type, *params = (part.strip() for part in entry.split(";"))
        if "q=0" in params or "q=0.0" in params:
            continue
        if media_type in (JWT, VC, JSON):
            return media_type
    return JWT


class PassportCredentialView(APIView):
    """The passport as a UNTP Digital Product Passport credential (W3C VC 2.0), public tier.

    Signed by the manufacturer's current key as an enveloped JOSE credential; the JWS `kid`
    is the key's DID URL in the manufacturer's did:web document.
    """

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ViewDecides

    @extend_schema(
        operation_id="passport_credential",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=list(FORMATS),
                required=False,
                description="jwt (default): the credential signed as a compact JWS; json: the "
                "credential unsigned, for reading. Accept: application/vc also gives it unsigned.",
            )
        ],
        responses={
            # JSON first: schema checkers that read one schema per status take the first.
            (200, JSON): OpenApiResponse(OpenApiTypes.OBJECT, description="Unsigned credential."),
            (200, VC): OpenApiResponse(OpenApiTypes.OBJECT, description="Unsigned credential."),
            (200, JWT): OpenApiResponse(OpenApiTypes.STR, description="Compact JWS (EdDSA)."),
            (400, JSON): ErrorResponse,
            (404, JSON): ErrorResponse,
            (409, JSON): ErrorResponse,
            (503, JSON): ErrorResponse,
        },
        tags=["passports"],
    )
    def get(self, request, pk):
        """The passport's public tier as a UNTP Digital Product Passport credential.

        By default a compact JWS (typ vc+jwt) signed by the manufacturer's current key, whose
        kid is a DID URL in the manufacturer's did:web document; with ?format=json (or Accept:
        application/vc) the credential unsigned.
        """
        wanted = _wanted(request)
        if wanted is None:
            return _error(
                400, "format", "format is jwt (the signed credential) or json (unsigned)."
            )
        passport = with_related(Passport.objects.filter(pk=pk)).first()
        if passport is None:
            return _error(404, "id", "No passport has this id.")
        if passport.archived_from:
            # Only the public halves of an archived operator's keys are here: nothing can sign.
            return _error(
                409,
                "passport",
                f"This passport is a read-only archived copy from {passport.archived_from}; "
                "this instance holds no signing key of its manufacturer, so it issues no "
                "credential for it. The archived copy carries the origin's signatures: its "
                "events and bundle verify against the origin's keys.",
            )
        key = SigningKey.objects.active().filter(organisation=passport.manufacturer_id).first()
        if key is None:
            return _error(503, "", "The manufacturer has no active signing key.")
        credential = passport_credential_issue(passport=passport, key=key)
        if wanted == JWT:
            response = HttpResponse(
                credential_sign(credential=credential, key=key), content_type=JWT
            )
        else:
            response = Response(credential, content_type=wanted)
        response["Vary"] = "Accept"
        response["Cache-Control"] = "public, max-age=60"
        return response


@extend_schema(
    operation_id="organisation_did_document",
    responses={
        (200, "application/did+json"): OpenApiResponse(
            OpenApiTypes.OBJECT, description="The organisation's DID document."
        ),
        (200, JSON): OpenApiResponse(OpenApiTypes.OBJECT),
        (404, JSON): ErrorResponse,
    },
    tags=["organisations"],
)
@api_view(["GET"])
@permission_classes([AllowAny])
@renderer_classes([DidJsonRenderer, JSONRenderer])
def organisation_did_view(request, organisation_id: str):
    """An organisation's did:web document: its Ed25519 keys, current and retired, as JWKs.

    The path names the organisation by its id (a UUID): unlike a name or a slug made from one,
    it never changes, so a DID in a credential stays resolvable.
    """
    try:
        organisation = Organisation.objects.filter(pk=uuid.UUID(organisation_id)).first()
    except ValueError:
        organisation = None
    if organisation is None:
        return _error(404, "organisation", "No organisation has this id.")
    response = Response(organisation_did_document(organisation))
    response["Cache-Control"] = "public, max-age=60"
    return response
