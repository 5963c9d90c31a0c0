"""/tile/... and /checkpoint: the log served as C2SP tlog-tiles, public and cacheable.

Plain Django views rather than DRF: they serve bytes from the tile storage and nothing else,
and the framework's negotiation would cost more than the read. The same files can be served
straight from the folder or bucket by a web server; these views give the same answers.
"""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from lifecycle.api.log import _checkpoint_catch_up
from lifecycle.models import Checkpoint
from lifecycle.services.log import checkpoint_note
from lifecycle.services.tiles import checkpoint_file, tile_read
from lifecycle.tiles import TILE_WIDTH, TileError, parse_path

# A full tile or bundle never changes; a partial one may be removed once its tile is full.
IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=5"


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": "path", "message": message}]}, status=status)


@require_GET
def tile(request, path: str):
    """A Merkle tree tile `tile/<L>/<N>[.p/<W>]` or an entry bundle `tile/entries/<N>[.p/<W>]`."""
    name = f"tile/{path}"
    try:
        _, _, width = parse_path(name)
    except TileError as error:
        return _error(400, str(error))
    data = tile_read(name)
    if data is None:
        return _error(404, "This tile has not been written: fetch /checkpoint for the size.")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE if width == TILE_WIDTH else PARTIAL
    return response


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
