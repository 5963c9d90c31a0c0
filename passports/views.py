"""Plain Django views and small API views: QR codes, the key set, the health check, the schema."""

import logging

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.identifiers import digital_link
from passports.models import Passport, SigningKey
from passports.qr import qr_png, qr_svg
from passports.services.keys import Signer, key_encryption_key, public_jwk
from settings.celery import app as celery_app

logger = logging.getLogger(__name__)


@require_GET
def jwks(request):
    """Every organisation's public keys, active and retired, as a JWK Set (RFC 7517)."""
    keys = SigningKey.objects.select_related("organisation").order_by("organisation", "valid_from")
    response = JsonResponse({"keys": [public_jwk(key) for key in keys]})
    response["Cache-Control"] = "public, max-age=60"
    return response


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _signing_keys() -> str:
    key_encryption_key()
    sample = SigningKey.objects.active().first()
    if sample is not None:
        Signer(sample)  # proves the KEK opens the stored keys
    return "ok"


@require_GET
def healthz(request):
    """200 when the database, the broker and the signing keys work; 503 naming what fails."""
    checks = {"database": _database, "broker": _broker, "signing_keys": _signing_keys}
    results, healthy = {}, True
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure is reported, none is fatal here
            logger.warning("health check %s failed: %s", name, exc)
            results[name] = f"failing: {type(exc).__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": results},
        status=200 if healthy else 503,
    )


class _QrCode(APIView):
    """The passport's QR code, encoding its GS1 Digital Link URI; the URL names the format."""

    permission_classes = [AllowAny]

    def perform_content_negotiation(self, request, force=False):
        # The image is the answer whatever Accept says (an <img> asks for image/avif first);
        # the renderer only ever writes the JSON errors.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def get(self, request, pk, fmt: str):
        passport = Passport.objects.filter(pk=pk).only("id", "gtin", "serial").first()
        if passport is None:
            raise Http404("No passport has this id.")
        uri = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.id)
        if fmt == "png":
            response = HttpResponse(qr_png(uri), content_type="image/png")
        else:
            response = HttpResponse(qr_svg(uri), content_type="image/svg+xml")
        response["Cache-Control"] = "public, max-age=86400"
        return response


class PassportQrSvg(_QrCode):
    """The passport's QR code as SVG."""

    @extend_schema(
        operation_id="passports_qr_svg",
        responses={(200, "image/svg+xml"): OpenApiTypes.STR, 404: ErrorResponse},
    )
    def get(self, request, pk, fmt: str = "svg"):
        """The passport's QR code as SVG, encoding its GS1 Digital Link URI."""
        return super().get(request, pk, fmt="svg")


class PassportQrPng(_QrCode):
    """The passport's QR code as PNG."""

    @extend_schema(
        operation_id="passports_qr_png",
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: ErrorResponse},
    )
    def get(self, request, pk, fmt: str = "png"):
        """The passport's QR code as PNG, encoding its GS1 Digital Link URI."""
        return super().get(request, pk, fmt="png")


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: YAML by default, JSON for ?format=json or Accept: application/json."""

    FORMATS = {"json": "application/json", "yaml": "application/vnd.oai.openapi"}

    def perform_content_negotiation(self, request, force=False):
        # URL_FORMAT_OVERRIDE is off for the whole API (`format` is an ordinary parameter
        # there), so the schema reads its own; an unknown one is answered in JSON, as errors are.
        wanted = request.query_params.get("format")
        if wanted is None:
            return super().perform_content_negotiation(request, force)
        media_type = self.FORMATS.get(wanted, "application/json")
        renderer = next(r for r in self.get_renderers() if r.media_type == media_type)
        return renderer, media_type

    @extend_schema(exclude=True)  # SERVE_INCLUDE_SCHEMA is off: the document leaves itself out
    def get(self, request, *args, **kwargs):
        wanted = request.query_params.get("format")
        if wanted is not None and wanted not in self.FORMATS:
            message = f"{wanted!r} is not a schema format; use json or yaml."
            return error_response(400, [{"field": "format", "message": message}])
        return super().get(request, *args, **kwargs)


def not_found(request, exception=None):
    """An unknown address: JSON under /api/, as every API error is; the site's page elsewhere."""
    if request.path.startswith("/api/"):
        message = "Nothing is at this address; the API's paths are listed at /api/schema/."
        return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=404)
    return page_not_found(request, exception)
