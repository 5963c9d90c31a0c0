"""Reading EPCIS events in our API's terms: values as our serializers take them, and every
refusal rewritten to its JSON path in the document."""

from __future__ import annotations

from lifecycle.errors import EventRefused
from passports.api.errors import flatten_errors
from recycling.epcis import vocabulary as v

P = v.PREFIX


class CaptureRefused(Exception):
    """A document that cannot be recorded; nothing of it was written."""

    def __init__(self, status: int, errors: list[dict[str, str]]):
        super().__init__(errors)
        self.status = status
        self.errors = errors


def refuse(path: str, message: str, status: int = 400) -> CaptureRefused:
    return CaptureRefused(status, [{"field": path, "message": message}])


def epcs_of(event: dict, key: str, where: str) -> list[str]:
    values = event.get(key)
    if not isinstance(values, list) or not values:
        raise refuse(f"{where}.{key}", "A non-empty list of GS1 Digital Link URIs.")
    return values


def mapping_of(event: dict, key: str, where: str) -> dict:
    value = event.get(key, {})
    if not isinstance(value, dict):
        raise refuse(f"{where}.{key}", "An object.")
    return value


def event_time_of(event: dict, where: str) -> str:
    value = event.get("eventTime")
    if not isinstance(value, str):
        raise refuse(f"{where}.eventTime", "An RFC 3339 date-time is required.")
    return value


def refused_at(errors: list[dict], paths: dict[str, str], where: str) -> list[dict]:
    """Rewrites API field paths ("items[1].passport") as paths in the EPCIS document."""
    rewritten = []
    for error in errors:
        field = error["field"]
        target = next(
            (paths[prefix] for prefix in sorted(paths, key=len, reverse=True)
             if field == prefix or field.startswith((prefix + ".", prefix + "["))),
            where,
        )  # fmt: skip
        rewritten.append({"field": target, "message": error["message"]})
    return rewritten


def checked(serializer_class, data: dict, paths: dict, where: str, **kwargs) -> dict:
    checked = serializer_class(data=data, **kwargs)
    if not checked.is_valid():
        raise CaptureRefused(400, refused_at(flatten_errors(checked.errors), paths, where))
    return checked.validated_data


def service_call(paths: dict, where: str, call):
    try:
        return call()
    except EventRefused as refused:
        raise CaptureRefused(refused.status, refused_at(refused.errors, paths, where)) from None


def number_text(value):
    """EPCIS quantities are JSON numbers; ours are exact decimals, so read them as text."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
