"""/tile/... and /checkpoint: the log served as C2SP tlog-tiles, cacheable.

Hash tiles and the checkpoint are public: they reveal nothing but hashes, and are all a
verifier needs to check an entry it already holds (every passport bundle carries its events).
Entry bundles hold the signed envelopes themselves, whose payloads are restricted data (health
reports, holders, successors), so they are for regulators, as /api/v1/log/leaves is.

Plain Django views rather than DRF: they serve bytes from the tile storage and nothing else,
and the framework's negotiation would cost more than the read. The same files can be served
straight from the folder or bucket by a web server; these views give the same answers.
"""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.exceptions import AuthenticationFailed

from lifecycle.api.log import _checkpoint_catch_up
from lifecycle.models import Checkpoint
from lifecycle.services.log import checkpoint_note
from lifecycle.services.tiles import checkpoint_file, tile_read
from lifecycle.tiles import TILE_WIDTH, TileError, parse_path
from passports.api.auth import CachedTokenAuthentication
from passports.models import OrganisationKind

# A full tile or bundle never changes; a partial one may be removed once its tile is full.
IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=5"
# Entry bundles go only to regulators: no shared cache may keep them.
ENTRIES_IMMUTABLE = "private, max-age=31536000, immutable"
ENTRIES_PARTIAL = "private, max-age=5"


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=status)


@require_GET
def tile(request, path: str):
    """A Merkle tree tile `tile/<L>/<N>[.p/<W>]` or an entry bundle `tile/entries/<N>[.p/<W>]`.

    lifecycle.middleware answers GETs of hash tiles before they get here; without it, this
    view gives the same answer.
    """
    if not path.startswith("entries/"):
        return hash_tile(path)
    try:
        _, _, width = parse_path(f"tile/{path}")
    except TileError as error:
        return _error(400, str(error))
    refused = _regulators_only(request)
    if refused is not None:
        return refused
    return _tile_answer(f"tile/{path}", width, ENTRIES_IMMUTABLE, ENTRIES_PARTIAL)


def hash_tile(path: str) -> HttpResponse:
    """The answer to `tile/<path>` for a hash tile: public bytes, the same for every caller."""
    name = f"tile/{path}"
    try:
        _, _, width = parse_path(name)
    except TileError as error:
        return _error(400, str(error))
    return _tile_answer(name, width, IMMUTABLE, PARTIAL)


def _tile_answer(name: str, width: int, full: str, partial: str) -> HttpResponse:
    data = tile_read(name)
    if data is None:
        return _error(404, "This tile has not been written: fetch /checkpoint for the size.")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = full if width == TILE_WIDTH else partial
    return response


def _regulators_only(request) -> JsonResponse | None:
    """None for a regulator (session or token); else the 401 or 403 the log's leaves give."""
    user = request.user if request.user.is_authenticated else None
    if user is None:
        try:
            found = CachedTokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return JsonResponse({"errors": [{"field": "", "message": str(exc.detail)}]}, status=401)
        user = found[0] if found else None
    if user is None:
        message = "Entry bundles hold restricted event data: sign in or send a regulator's token."
        return JsonResponse({"errors": [{"field": "", "message": message}]}, status=401)
    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.kind != OrganisationKind.REGULATOR:
        return JsonResponse(
            {"errors": [{"field": "", "message": "Entry bundles are for regulators."}]}, status=403
        )
    return None


@require_GET
def checkpoint(request):
    """The latest signed checkpoint note, with witness cosignatures (text/plain)."""
    _checkpoint_catch_up()
    data = checkpoint_file()
    if data is None:
        # Written by every publish; a log signed before tiles existed serves its last one.
        latest = Checkpoint.objects.order_by("-size").prefetch_related("cosignatures").first()
        if latest is None:
            return JsonResponse(
                {"errors": [{"field": "", "message": "No checkpoint has been signed yet."}]},
                status=404,
            )
        data = checkpoint_note(latest).encode()
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
