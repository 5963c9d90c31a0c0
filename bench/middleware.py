"""B8's limit, answered where the log's reads are: the same middleware, constant bytes."""

from django.http import HttpResponse

from lifecycle.middleware import LogReadMiddleware

TILE_SIZED = bytes(range(256)) * 32
LIMIT_PATH = "/bench/bytes-8k"


class LogReadWithLimitMiddleware(LogReadMiddleware):
    """The log-read middleware, also answering B8's limit: a full tile's 8,192 constant bytes.

    A tile is answered at this point in the chain, so its limit is too: the same server,
    middleware above it and headers added, minus reading the tile.
    """

    def _answer(self, request):
        if request.path_info == LIMIT_PATH:
            request.get_host()  # as the tiles' answers check it
            return HttpResponse(TILE_SIZED, content_type="application/octet-stream")
        return super()._answer(request)
