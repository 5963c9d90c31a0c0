"""One error shape for the whole API: {"errors": [{"field": "a[1].b", "message": "..."}]}.

An answer lists at most MAX_ERRORS errors and then one entry saying how many more were found:
a hostile body of a hundred thousand bad items must not turn into a megabytes-long answer
that takes a worker seconds to render.
"""

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Enough for a person to fix a body in one go (a full declaration with every field wrong
# has fewer); anything past it is the same mistake repeated.
MAX_ERRORS = 100


def iter_errors(detail: Any, path: str = "") -> Iterator[dict[str, str]]:
    """DRF's nested error detail as field paths and messages, in order, one at a time."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            elif path:
                child = f"{path}.{key}"
            else:
                child = str(key)
            yield from iter_errors(value, child)
    elif isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            for item in detail:
                yield {"field": path, "message": str(item)}
            return
        for index, item in enumerate(detail):
            if item in ({}, [], None):
                continue
            yield from iter_errors(item, f"{path}[{index}]")
    else:
        yield {"field": path, "message": str(detail)}


def flatten_errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    """Turns DRF's nested error detail into a flat list of field paths and messages."""
    return list(iter_errors(detail, path))


def more_errors_entry(count: int) -> dict[str, str]:
    """The closing entry of a capped answer, counting the errors it leaves out."""
    return {
        "field": "",
        "message": f"{count} more errors were found and are not listed; fix the ones above first.",
    }


def capped_errors(errors: Iterator[dict] | list[dict], limit: int = MAX_ERRORS) -> list[dict]:
    """The first `limit` errors, and if there were more, one entry saying how many."""
    errors = iter(errors)
    shown = list(islice(errors, limit))
    rest = sum(1 for _ in errors)
    if rest:
        shown.append(more_errors_entry(rest))
    return shown


def error_response(status_code: int, errors: list[dict[str, str]], **extra) -> Response:
    return Response({"errors": capped_errors(errors), **extra}, status=status_code)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Renders every API error in the one shape, keeping DRF's status codes and headers."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = capped_errors(iter_errors(exc.detail))
    else:
        detail = getattr(exc, "detail", str(exc))
        errors = [{"field": "", "message": str(detail)}]
    response.data = {"errors": errors}
    return response
