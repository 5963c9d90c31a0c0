"""Request checks that must happen before any view, parser or other middleware reads input.

NUL characters in URLs and query strings are refused: PostgreSQL cannot store NUL in text, so
a query parameter carrying one would otherwise fail deep inside a filter with a server error.

API request bodies are read here, up to the project's own limit, so that the limit is the
same whatever Django's DATA_UPLOAD_MAX_MEMORY_SIZE says and a body that is too large is a JSON
413 rather than Django's HTML 400. Chunked bodies (no Content-Length) are read to their end
when the server delivers them whole, and refused otherwise, never taken as empty.
"""

from io import BytesIO

from django.conf import settings
from django.http import JsonResponse

API_PREFIX = "/api/"
_READ_SIZE = 64 * 1024


def _error(status: int, field: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "message": message}]}, status=status)


class RejectNulCharactersMiddleware:
    """Answers 400 when the path or query string holds a NUL character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return _error(400, "query", "NUL characters are not allowed.")
        return self.get_response(request)


class ApiBodyLimitMiddleware:
    """Reads an API request's body up to API_MAX_BODY_BYTES; 413 past it, 411 if unreadable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = _body_read(request)
            if refused is not None:
                return refused
        return self.get_response(request)


def _body_read(request) -> JsonResponse | None:
    """Buffers the body on the request as Django's own `request.body` would, within the limit."""
    limit = settings.API_MAX_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if declared:
        try:
            length = int(declared)
        except ValueError:
            return _error(400, "", "The Content-Length header is not a number.")
        if length > limit:
            return _too_large(limit)
        if length <= 0:
            return None
        stream = request._stream
    elif chunked:
        stream = _chunked_stream(request)
        if stream is None:
            return _error(411, "", "Send a Content-Length: this server cannot read chunked bodies.")
    else:
        return None
    body = _read_at_most(stream, limit + 1)
    if len(body) > limit:
        return _too_large(limit)
    # What HttpRequest.body leaves behind after reading, so Django, DRF and every middleware
    # read this buffer and none of them applies a limit of its own.
    request._body = body
    request._stream = BytesIO(body)
    request.META["CONTENT_LENGTH"] = str(len(body))
    return None


def _too_large(limit: int) -> JsonResponse:
    # Built only when refused: every API request passes here, nearly all of them bodiless.
    return _error(413, "", f"The request body is larger than {limit} bytes.")


def _chunked_stream(request):
    """The stream holding a chunked body, or None when the server cannot tell where it ends."""
    environ = getattr(request, "environ", None)
    if environ is None or "wsgi.input" not in environ:
        return request._stream  # ASGI: the server has already received the whole body
    # Django wraps wsgi.input in a stream of Content-Length bytes, none here. Reading the raw
    # input is safe only when the server marks it as ending with the body (gunicorn does).
    if environ.get("wsgi.input_terminated"):
        return environ["wsgi.input"]
    return None


def _read_at_most(stream, size: int) -> bytes:
    parts, remaining = [], size
    while remaining > 0:
        part = stream.read(min(_READ_SIZE, remaining))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)
