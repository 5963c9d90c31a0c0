"""/.well-known/did.json: the service's own did:web document.

It lives beside the log because the service's own key is the transparency log's: the DID lets a
verifier that already resolves organisations' did:web documents find the log key the same way.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from lifecycle.services.log import log_key_record
from passports.untp.did import service_did_document
from passports.untp.views import DidJsonRenderer


@extend_schema(
    operation_id="service_did_document",
    responses={
        (200, "application/did+json"): OpenApiResponse(
            OpenApiTypes.OBJECT, description="The service's DID document."
        ),
        (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
    },
)
@api_view(["GET"])
@permission_classes([AllowAny])
@renderer_classes([DidJsonRenderer, JSONRenderer])
def service_did(request):
    """The service's DID document (did:web:<host>), listing the transparency log's key."""
    key = log_key_record()
    response = Response(
        service_did_document(public_key=bytes(key.public_key), created_at=key.created_at)
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
