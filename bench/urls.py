"""The project's URLs plus the lightest Django view, as B3's limit (B8's is in middleware.py)."""

from django.http import HttpResponse
from django.urls import path

from settings.urls import urlpatterns as project_urls


def minimal(request):
    """The cheapest answer the same server, middleware and database connection can give."""
    return HttpResponse(b'{"ok":true}', content_type="application/json")


urlpatterns = [
    path("bench/minimal", minimal),
    *project_urls,
]
