"""One error shape for the whole API: {"errors": [{"field": "a[1].b", "message": "..."}]}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def flatten_errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    """Turns DRF's nested error detail into a flat list of field paths and messages."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            elif path:
                child = f"{path}.{key}"
            else:
                child = str(key)
            errors.extend(flatten_errors(value, child))
        return errors
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return [{"field": path, "message": str(item)} for item in detail]
        errors = []
        for index, item in enumerate(detail):
            if item in ({}, [], None):
                continue
            errors.extend(flatten_errors(item, f"{path}[{index}]"))
        return errors
    return [{"field": path, "message": str(detail)}]


def error_response(status_code: int, errors: list[dict[str, str]], **extra) -> Response:
    return Response({"errors": errors, **extra}, status=status_code)


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
        errors = flatten_errors(exc.detail)
    else:
        detail = getattr(exc, "detail", str(exc))
        errors = [{"field": "", "message": str(detail)}]
    response.data = {"errors": errors}
    return response
