"""Plain Django views: QR codes, the published key set and the health check."""

import logging

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found

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


@require_GET
def passport_qr(request, pk, fmt: str):
    """The passport's QR code (SVG or PNG), encoding its GS1 Digital Link URI."""
    passport = Passport.objects.filter(pk=pk).only("id", "gtin", "serial").first()
    if passport is None or fmt not in ("svg", "png"):
        raise Http404("No passport has this id.")
    uri = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.id)
    if fmt == "png":
        response = HttpResponse(qr_png(uri), content_type="image/png")
    else:
        response = HttpResponse(qr_svg(uri), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def not_found(request, exception=None):
    """An unknown address: JSON under /api/, as every API error is; the site's page elsewhere."""
    if request.path.startswith("/api/"):
        message = "Nothing is at this address; the API's paths are listed at /api/schema/."
        return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=404)
    return page_not_found(request, exception)
