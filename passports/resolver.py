"""The resolver behind every QR code: /01/{gtin}/21/{serial} and /p/{uuid}.

Browsers get an HTML page, `Accept: application/json` the passport as JSON, and
`Accept: application/linkset+json` or `?linkType=linkset` (`all` before GS1 resolver 1.2) an
RFC 9264 linkset. `?linkType=gs1:dpp` (or any type in the linkset, as a CURIE or a full URI)
redirects to that link. Pages and JSON are filtered to the tier of whoever asks; every answer
about a passport names its linkset in a `Link` header.
"""

import functools
import hashlib
import math
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django.views.defaults import page_not_found
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from passports.api.throttling import ScanThrottle
from passports.identifiers import IdentifierError, check_serial, digital_link, normalise_gtin
from passports.models import Passport
from passports.purpose import PurposeError, purpose_stated
from passports.representation import passport_for_reader
from passports.tiers import tier_for

GS1_VOC = "https://gs1.org/voc/"
# The GS1 Web Vocabulary is published under several addresses that name the same terms.
GS1_NAMESPACES = ("gs1:", GS1_VOC, "https://www.gs1.org/voc/", "https://ref.gs1.org/voc/")
# `linkset` since GS1-Conformant Resolver 1.2; `all` is what 1.0 and 1.1 clients send.
LINKSET_REQUESTS = ("linkset", "all")
LINKSET = "application/linkset+json"
# The UN Transparency Protocol's link types, among them its Digital Product Passport credential.
UNTP_LINK_TYPES = "https://test.uncefact.org/vocabulary/linkTypes/"
UNTP_DPP_LINK_TYPE = UNTP_LINK_TYPES + "dpp"
# The prefixes a `linkType` may be written with, as the resolver description file lists them.
LINK_TYPE_PREFIXES = {"gs1:": GS1_VOC, "untp:": UNTP_LINK_TYPES}
# Scanner apps and partners' pages read the resolver from other origins (GS1-Conformant
# Resolver 1.2 asks for CORS). Only public answers are shared that way: a browser sends no
# cookie to a `*` origin, and a token is never sent without the caller choosing to.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Location, ETag, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Authorization, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


def _bad_identifier(message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=400)


def _resolver_http(view):
    """GET and HEAD answered by the view, OPTIONS by a CORS preflight; every answer allows CORS."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = "GET, HEAD, OPTIONS"
            for name, value in PREFLIGHT_HEADERS.items():
                response[name] = value
        else:
            response = view(request, *args, **kwargs)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    return require_http_methods(["GET", "HEAD", "OPTIONS"])(wrapper)


def _throttled(view):
    """Refuses a scan past the anonymous scan rate with a JSON 429 and Retry-After."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        throttle = ScanThrottle()
        if throttle.allow_request(request, None):
            return view(request, *args, **kwargs)
        wait = max(1, math.ceil(throttle.wait() or 1))
        message = f"Too many scans from this address; try again in {wait} seconds."
        response = JsonResponse({"errors": [{"field": "", "message": message}]}, status=429)
        response["Retry-After"] = str(wait)
        return response

    return wrapper


@_resolver_http
@_throttled
def resolve_gtin(request, gtin: str, serial: str):
    try:
        gtin14 = normalise_gtin(gtin)
        check_serial(serial)
    except IdentifierError as exc:
        return _bad_identifier(str(exc))
    passport = _scanned(Passport.objects.filter(gtin=gtin14, serial=serial))
    if passport is None:
        return _not_found(request)
    return _answer(request, passport)


@_resolver_http
@_throttled
def resolve_uuid(request, passport_id: str):
    try:
        pk = uuid.UUID(passport_id)
    except ValueError:
        return _bad_identifier(f"{passport_id!r} is not a passport id.")
    passport = _scanned(Passport.objects.filter(pk=pk))
    if passport is None:
        return _not_found(request)
    return _answer(request, passport)


@vary_on_headers("Accept")
def _not_found(request) -> HttpResponse:
    """A JSON 404 for clients that asked for JSON; browsers get the site's HTML 404 page."""
    message = "No passport has this identifier."
    if _wants_json(request):
        return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=404)
    # Rendered here rather than raised, so the page carries the Vary header too and a cache
    # never hands the HTML page to a client that asked for JSON.
    return page_not_found(request, Http404(message))


def _scanned(queryset) -> Passport | None:
    """The scanned passport's row with what the ETag needs; composition comes only if sent."""
    return queryset.select_related("manufacturer", "successor").first()


def _etag(passport: Passport, kind: str, language: str) -> str:
    """Changes whenever the public answer can: every change to a passport is a chain event."""
    successor = getattr(passport, "successor", None)
    parts = [
        str(passport.pk),
        passport.head_hash,
        kind,
        language,
        passport.manufacturer.name,
        str(successor.pk) if successor else "",
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _wants(request, media_type: str) -> bool:
    return media_type in request.headers.get("Accept", "")


def _wants_json(request) -> bool:
    """True for the answers that are JSON: the passport, its linkset."""
    return (
        request.GET.get("linkType") in LINKSET_REQUESTS
        or _wants(request, "application/json")
        or _wants(request, LINKSET)
    )


def _reader(request):
    """The signed-in user: a browser session, or an API token as on the rest of the API."""
    if request.user.is_authenticated:
        return request.user
    found = TokenAuthentication().authenticate(request)
    return found[0] if found else None


@vary_on_headers("Accept", "Cookie", "Authorization")
def _answer(request, passport: Passport) -> HttpResponse:
    try:
        user = _reader(request)
    except AuthenticationFailed as exc:
        return JsonResponse({"errors": [{"field": "", "message": str(exc.detail)}]}, status=401)
    organisation = user.organisation if user is not None else None
    user = user if organisation is not None else None
    tier = tier_for(organisation, passport)
    links = linkset(request, passport)
    requested = request.GET.get("linkType", "")
    if requested in LINKSET_REQUESTS or (not requested and _wants(request, LINKSET)):
        return _with_link_header(JsonResponse(links, content_type=LINKSET), links)
    if requested:
        return _with_link_header(_follow(request, links, requested), links)
    kind = "json" if _wants(request, "application/json") else "html"
    # Only public answers are revalidated: a restricted read must be recorded each time, and
    # the public tier is what most QR scans get.
    language = getattr(request, "LANGUAGE_CODE", "")
    etag = _etag(passport, kind, language) if tier == "public" and user is None else None
    if etag and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return _with_link_header(response, links)
    try:
        purpose = purpose_stated(request.GET, request.headers)
    except PurposeError as exc:
        return JsonResponse({"errors": [{"field": "purpose", "message": str(exc)}]}, status=400)
    prefetch_related_objects([passport], "composition", "origin")
    data = passport_for_reader(passport, user=user, tier=tier, via="resolver", purpose=purpose)
    if kind == "json":
        response = JsonResponse(data)
    else:
        page = import_string(settings.PASSPORT_PAGE_VIEW)
        response = page(request, passport=passport, data=data, user=user, tier=tier)
    if etag:
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"  # store, but ask again each time: 304 is cheap
    return _with_link_header(response, links)


def link_type(requested: str) -> str:
    """The linkset key a requested link type names: `gs1:pip` and every GS1 address of it alike.

    Anything else (an IANA relation such as `icon`) is looked up as given.
    """
    for namespace in GS1_NAMESPACES:
        if requested.startswith(namespace):
            return GS1_VOC + requested[len(namespace) :]
    for prefix, namespace in LINK_TYPE_PREFIXES.items():
        if requested.startswith(prefix):
            return namespace + requested[len(prefix) :]
    return requested


def _follow(request, links: dict, requested: str) -> HttpResponse:
    """A 307 to the requested link; to the default link when the passport has no such link.

    The GS1 resolver standard sends a client whose request cannot be matched to the default
    link; a client that asked for JSON cannot use that HTML page, so it gets a JSON 404
    naming the parameter instead.
    """
    entry = links["linkset"][0]
    targets = entry.get(link_type(requested))
    if not targets:
        if _wants(request, "application/json") or _wants(request, LINKSET):
            message = (
                f"This passport has no link of type {requested!r}; "
                "?linkType=linkset lists the ones it has."
            )
            return JsonResponse({"errors": [{"field": "linkType", "message": message}]}, status=404)
        targets = entry[f"{GS1_VOC}defaultLink"]
    # The standard passes the rest of the query on (a stated purpose, say); linkType itself is
    # dropped, or the default link, which is this resolver again, would loop.
    rest = urlencode(
        [
            (key, value)
            for key, values in request.GET.lists()
            if key != "linkType"
            for value in values
        ]
    )
    target = targets[0]["href"]
    if rest:
        target += ("&" if "?" in target else "?") + rest
    return HttpResponseRedirect(target, status=307)


def _with_link_header(response: HttpResponse, links: dict) -> HttpResponse:
    """Names the passport's linkset (RFC 9264 section 6), as GS1 resolvers do even on redirects."""
    anchor = links["linkset"][0]["anchor"]
    response["Link"] = (
        f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET}"; '
        'title="Links for this passport"'
    )
    return response


def linkset(request, passport: Passport) -> dict:
    """An RFC 9264 linkset naming where to find this product's information.

    Keys are GS1 Web Vocabulary link types as full URIs, as the GS1 resolver standard writes
    them, or IANA-registered relations.
    """
    anchor = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.id)

    def url(name: str, **kwargs) -> str:
        return request.build_absolute_uri(reverse(name, kwargs={"pk": passport.id, **kwargs}))

    page = {"href": anchor, "title": "Product passport", "type": "text/html"}
    links = {
        "anchor": anchor,
        f"{GS1_VOC}defaultLink": [page],
        # The page behind the QR code is the product information page people read.
        f"{GS1_VOC}pip": [page],
        # GS1's link type for a Digital Product Passport: the passport itself, as data.
        f"{GS1_VOC}dpp": [
            {"href": url("passport-detail"), "title": "Passport data", "type": "application/json"}
        ],
        f"{GS1_VOC}traceability": [
            {
                "href": url("passport-events"),
                "title": "Signed lifecycle events",
                "type": "application/json",
            }
        ],
    }
    if passport.product_type == "battery":
        # The Battery Pass v1.2.0 document: GS1's type for sustainability and circularity.
        links[f"{GS1_VOC}sustainabilityInfo"] = [
            {
                "href": url("passport-batterypass"),
                "title": "Battery Pass v1.2.0",
                "type": "application/json",
            }
        ]
    # The passport as a UNTP Digital Product Passport: a verifiable credential of the public tier.
    # An archived copy has no key here to sign one, so it offers none.
    if not passport.archived_from:
        links[UNTP_DPP_LINK_TYPE] = [
            {
                "href": url("passport-credential"),
                "title": "Digital Product Passport (UNTP verifiable credential)",
                "type": "application/vc+jwt",
            }
        ]
    # IANA `icon` ("an icon representing the link's context"): the QR code is a picture that
    # stands for this product's identifier. It was `describedby`, which promises a document
    # describing the product, which an image of its address is not.
    links["icon"] = [
        {"href": url("passport-qr", fmt="svg"), "title": "QR code", "type": "image/svg+xml"},
        {"href": url("passport-qr", fmt="png"), "title": "QR code", "type": "image/png"},
    ]
    return {"linkset": [links]}


@require_http_methods(["GET", "HEAD"])
def resolver_description(request):
    """The description file GS1-Conformant Resolvers publish at /.well-known/gs1resolver."""
    root = settings.RESOLVER_BASE_URL
    description = {
        "name": "Product passport resolver",
        "resolverRoot": root,
        # Passports are found by GTIN with a serial number (AI 01 with 21).
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [
            {"namespace": namespace, "prefix": prefix}
            for prefix, namespace in LINK_TYPE_PREFIXES.items()
        ],
        "linkTypeDefaultCanBeLinkset": False,
    }
    response = JsonResponse(description)
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response
