"""Cross-origin reads of public answers: the resolver and everything its links point to.

A QR code is scanned by apps and partners' pages served from other origins; after the
resolver's 307 they fetch the passport data, its credential, the issuer's DID document or the
log. Browsers may read those answers from any origin (`*`), which never carries cookies, so a
cross-origin read sees the public tier unless the caller adds its own token. Writes get no
CORS headers, so a browser refuses to send them from another origin.
"""

from django.http import HttpResponse

READ_PATHS = ("/api/v1/", "/.well-known/", "/orgs/", "/01/", "/p/", "/checkpoint", "/tile/")
READ_METHODS = ("GET", "HEAD")
ANSWER_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Location, ETag, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Authorization, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


class PublicReadCorsMiddleware:
    """Answers CORS preflights for reads and marks read answers as shareable across origins."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(READ_PATHS):
            return self.get_response(request)
        wanted = request.headers.get("Access-Control-Request-Method", "")
        if request.method == "OPTIONS" and wanted:
            response = HttpResponse(status=204)
            if wanted.upper() in READ_METHODS:
                _headers_set(response, ANSWER_HEADERS | PREFLIGHT_HEADERS)
            return response
        response = self.get_response(request)
        if request.method in READ_METHODS:
            _headers_set(response, ANSWER_HEADERS)
        return response


def _headers_set(response, headers: dict) -> None:
    for name, value in headers.items():
        response[name] = value
