"""The project's URLs plus the lightest Django views, as B3's and B8's limits."""

from django.http import HttpResponse
from django.urls import path

from settings.urls import urlpatterns as project_urls


def minimal(request):
    """The cheapest answer the same server, middleware and database connection can give."""
    return HttpResponse(b'{"ok":true}', content_type="application/json")


TILE_SIZED = bytes(range(256)) * 32


def bytes_8k(request):
    """8,192 constant bytes, a full tile's size, from the lightest view: B8's limit."""
    return HttpResponse(TILE_SIZED, content_type="application/octet-stream")


urlpatterns = [
    path("bench/minimal", minimal),
    path("bench/bytes-8k", bytes_8k),
    *project_urls,
]
