"""The log's public reads answered early: hash tiles and anonymous proofs within the tiles.

Verifiers fetch these by the thousand, and each is the same answer for every caller: the
same bytes in every language, with no cookie, token or body to look at. Sessions, locale,
CSRF, authentication, messages and the sign-in lockout have nothing to add to them, yet
passing through them cost about as much as the answer. So this middleware sits after the
security, NUL-rejecting, CORS and body-limit middleware (whose headers and limits every answer
keeps) and answers those requests itself, after the common middleware's checks (allowed
hosts), adding the two headers the later middleware would (frame options and the content
security policy). A hash tile is answered to whoever asks, being public; a proof only when
the request carries neither a session cookie nor an Authorization header. Everything else
goes down the chain to the views as before; the routes stay in the URL configuration for
reversing and the API schema.
"""

import functools

from django.core.handlers.exception import response_for_exception
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.urls import ResolverMatch, resolve

from lifecycle.api import log, tiles

TILE_PREFIX = "/tile/"
ENTRIES_PREFIX = "/tile/entries/"
PROOFS = {
    "/api/v1/log/proof/inclusion": log.inclusion_within_tiles_answer,
    "/api/v1/log/proof/consistency": log.consistency_within_tiles_answer,
}


def _untouched(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only process_response is called")


class LogReadMiddleware:
    """Answers GETs of hash tiles, and anonymous JSON GETs of proofs the tiles hold."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._common = CommonMiddleware(_untouched)
        self._frame_options = XFrameOptionsMiddleware(_untouched)
        self._security_policy = ContentSecurityPolicyMiddleware(_untouched)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self._answer(request) if request.method == "GET" else None
        except Exception as exc:  # noqa: BLE001 - Django's own answer, with the headers below
            # Raised below this point, an error would become a 500 (or a 400 for a bad Host)
            # outside this middleware and lose the frame and content-security headers.
            response = response_for_exception(request, exc)
        if response is None:
            return self.get_response(request)
        response = self._frame_options.process_response(request, response)
        response = self._security_policy.process_response(request, response)
        response["Content-Length"] = str(len(response.content))
        return response

    def _answer(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if path.startswith(TILE_PREFIX):
            rest = path[len(TILE_PREFIX) :]
            # Entry bundles are for regulators: they need the session and token checks. And
            # only what the route `tile/<path:path>` takes (not empty, no newline) is a tile.
            if path.startswith(ENTRIES_PREFIX) or not rest or "\n" in rest:
                return None
            return self._common.process_request(request) or tiles.hash_tile(rest)
        answer = PROOFS.get(path)
        if answer is None or not log.anonymous_json_get(request):
            return None
        # The common middleware's checks first (allowed hosts, user agents, www), as there.
        refused = self._common.process_request(request)
        if refused is not None:
            return refused
        # The throttles pick a proof's stricter scope by its route, as for the DRF view.
        request.resolver_match = _route(path)
        return answer(request)


@functools.cache
def _route(path: str) -> ResolverMatch:
    """The URL configuration's match for one of the proof paths, resolved once per process."""
    return resolve(path)


@receiver(setting_changed)
def _routes_forget(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _route.cache_clear()
