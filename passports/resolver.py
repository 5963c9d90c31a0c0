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
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.utils.http import parse_etags
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django.views.defaults import page_not_found
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from passports import scan_cache
from passports.api.throttling import ScanThrottle
from passports.identifiers import IdentifierError, check_serial, normalise_gtin
from passports.linkset import (
    GS1_VOC,
    LINK_TYPE_PREFIXES,
    LINKSET,
    LINKSET_REQUESTS,
    link_type,
    linkset,
)
from passports.models import Passport
from passports.purpose import PurposeError, purpose_stated
from passports.representation import passport_for_reader
from passports.tiers import tier_for


def _bad_identifier(message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=400)


def _resolver_http(view):
    """GET and HEAD answered by the view; OPTIONS lists them; anything else a JSON 405.

    CORS (preflights included) is answered by passports.cors for the resolver as for the
    answers its links lead to. Scans carry no CSRF token and change nothing, so the check is
    off here and a POST gets the 405 it deserves rather than a CSRF page.
    """

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            message = f"The resolver answers GET, HEAD and OPTIONS, not {request.method}."
            response = JsonResponse(
                {"errors": [{"field": "method", "message": message}]}, status=405
            )
        response["Allow"] = "GET, HEAD, OPTIONS"
        return response

    return wrapper


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
    known, stamp = None, None
    if scan_cache.servable(request):
        known = scan_cache.passport_id_find(gtin=gtin14, serial=serial)
        if known is None:
            # The id alone, so the stamp can be taken before the row is read (scan_cache).
            found = Passport.objects.filter(gtin=gtin14, serial=serial).values_list("pk", flat=True)
            known = str(found.first() or "")
            if known:
                scan_cache.passport_id_remember(gtin=gtin14, serial=serial, passport_id=known)
        if known:
            response, stamp = _cached(request, known)
            if response is not None:
                return response
    passport = _scanned(Passport.objects.filter(gtin=gtin14, serial=serial))
    if passport is None:
        return _not_found(request)
    if known is not None and known != str(passport.pk):
        stamp = None  # taken for another passport's id
        scan_cache.passport_id_remember(gtin=gtin14, serial=serial, passport_id=passport.pk)
    return _answer(request, passport, stamp=stamp)


@_resolver_http
@_throttled
def resolve_uuid(request, passport_id: str):
    try:
        pk = uuid.UUID(passport_id)
    except ValueError:
        return _bad_identifier(f"{passport_id!r} is not a passport id.")
    stamp = None
    if scan_cache.servable(request):
        response, stamp = _cached(request, str(pk))
        if response is not None:
            return response
    passport = _scanned(Passport.objects.filter(pk=pk))
    if passport is None:
        return _not_found(request)
    return _answer(request, passport, stamp=stamp)


@_resolver_http
def resolve_without_serial(request, gtin: str, rest: str = ""):
    """A GTIN alone, or with qualifiers other than a serial: no passport answers to it."""
    return _not_found(
        request,
        "Passports are found by GTIN and serial number: /01/{gtin}/21/{serial}.",
    )


@vary_on_headers("Accept")
def _not_found(request, message: str = "No passport has this identifier.") -> HttpResponse:
    """A JSON 404 for clients that asked for JSON; browsers get the site's HTML 404 page."""
    if _wants_json(request):
        return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=404)
    # Rendered here rather than raised, so the page carries the Vary header too and a cache
    # never hands the HTML page to a client that asked for JSON.
    return page_not_found(request, Http404(message))


def _scanned(queryset) -> Passport | None:
    """The scanned passport's row with what the ETag needs; composition comes only if sent."""
    return queryset.select_related("manufacturer", "successor", "head").first()


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


# What the resolver can answer, the page first: a client that accepts anything gets the page.
ANSWER_TYPES = ("text/html", "application/json", LINKSET)


def _preferred(request) -> str:
    """The answer type the client prefers by its Accept header's q-values; the page otherwise."""
    return _preferred_for(request.META.get("HTTP_ACCEPT"))


@functools.lru_cache(maxsize=512)
def _preferred_for(accept: str | None) -> str:
    """The answer type for one Accept header value (None: no header), as Django chooses it.

    Kept per value because parsing the header was a tenth of a cached scan's CPU, and scanners
    and browsers send few distinct values; bounded, so made-up values only cost a parse.
    """
    probe = HttpRequest()
    if accept is not None:
        probe.META["HTTP_ACCEPT"] = accept
    return probe.get_preferred_type(ANSWER_TYPES) or "text/html"


def _wants_json(request) -> bool:
    """True for the answers that are JSON: the passport, its linkset."""
    return request.GET.get("linkType") in LINKSET_REQUESTS or _preferred(request) != "text/html"


def _not_modified(request, etag: str) -> bool:
    """If-None-Match by RFC 9110's weak comparison: `*`, or any listed tag, W/ or not."""
    listed = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in listed or etag in {tag.removeprefix("W/") for tag in listed}


def _reader(request):
    """The signed-in user: a browser session, or an API token as on the rest of the API."""
    if request.user.is_authenticated:
        return request.user
    found = TokenAuthentication().authenticate(request)
    return found[0] if found else None


def _kind(request) -> tuple[str, str]:
    """(what is asked for: linkset, follow, json or html; the linkType asked for)."""
    requested = request.GET.get("linkType", "")
    if requested in LINKSET_REQUESTS or (not requested and _preferred(request) == LINKSET):
        return "linkset", requested
    if requested:
        return "follow", requested
    return ("json" if _preferred(request) == "application/json" else "html"), requested


def _cached(request, passport_id: str) -> tuple[HttpResponse | None, tuple | None]:
    """(the public answer from the cache or None, the stamp to store a fresh one under)."""
    kind, requested = _kind(request)
    # A redirect needs only the links, which the cached linkset holds.
    stored = "linkset" if kind == "follow" else kind
    language = "" if stored == "linkset" else getattr(request, "LANGUAGE_CODE", "")
    entry, stamp = scan_cache.public_answer_find(
        passport_id,
        kind=stored,
        language=language,
        where=scan_cache.answer_place(request, stored),
    )
    if entry is None:
        return None, stamp
    return _answer_cached(request, entry, kind, requested), stamp


@vary_on_headers("Accept", "Cookie", "Authorization")
def _answer_cached(request, entry: dict, kind: str, requested: str) -> HttpResponse:
    """The public answer as `_answer` gives it, from the cache: same order of checks, headers."""
    links = entry["links"]
    if kind == "follow":
        return _with_link_header(_follow(request, links, requested), links)
    if kind == "linkset":
        response = HttpResponse(entry["body"], content_type=entry["content_type"])
        return _with_link_header(response, links)
    etag = entry["etag"]
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return _with_link_header(response, links)
    try:
        purpose_stated(request.GET, request.headers)
    except PurposeError as exc:
        return JsonResponse({"errors": [{"field": "purpose", "message": str(exc)}]}, status=400)
    body = scan_cache.page_body(entry, request) if kind == "html" else entry["body"]
    response = HttpResponse(body, content_type=entry["content_type"], status=entry["status"])
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return _with_link_header(response, links)


def _keep(request, passport: Passport, stamp, kind: str, response, etag, links) -> None:
    """Stores a public answer for the next anonymous scan, if it was asked for by one."""
    if stamp is None or not scan_cache.servable(request):
        return
    scan_cache.public_answer_store(
        passport.pk,
        kind=kind,
        language="" if kind == "linkset" else getattr(request, "LANGUAGE_CODE", ""),
        where=scan_cache.answer_place(request, kind),
        stamp=stamp,
        response=response,
        etag=etag,
        links=links,
    )


@vary_on_headers("Accept", "Cookie", "Authorization")
def _answer(request, passport: Passport, stamp: tuple | None = None) -> HttpResponse:
    try:
        user = _reader(request)
    except AuthenticationFailed as exc:
        return JsonResponse({"errors": [{"field": "", "message": str(exc.detail)}]}, status=401)
    organisation = user.organisation if user is not None else None
    user = user if organisation is not None else None
    tier = tier_for(organisation, passport)
    links = linkset(request, passport)
    requested = request.GET.get("linkType", "")
    public = tier == "public" and user is None
    stamp = stamp if public else None
    if requested in LINKSET_REQUESTS or (not requested and _preferred(request) == LINKSET):
        response = _with_link_header(JsonResponse(links, content_type=LINKSET), links)
        _keep(request, passport, stamp, "linkset", response, None, links)
        return response
    if requested:
        return _with_link_header(_follow(request, links, requested), links)
    kind = "json" if _preferred(request) == "application/json" else "html"
    # Only public answers are revalidated: a restricted read must be recorded each time, and
    # the public tier is what most QR scans get.
    language = getattr(request, "LANGUAGE_CODE", "")
    etag = _etag(passport, kind, language) if public else None
    if etag and _not_modified(request, etag):
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
        _keep(request, passport, stamp, kind, response, etag, links)
    return _with_link_header(response, links)


def _follow(request, links: dict, requested: str) -> HttpResponse:
    """A 307 to the requested link; to the default link when the passport has no such link.

    The GS1 resolver standard sends a client whose request cannot be matched to the default
    link; a client that asked for JSON cannot use that HTML page, so it gets a JSON 404
    naming the parameter instead.
    """
    entry = links["linkset"][0]
    targets = entry.get(link_type(requested))
    if not targets:
        if _preferred(request) != "text/html":
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
    return JsonResponse(description)
