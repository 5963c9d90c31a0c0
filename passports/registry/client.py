"""One upload to the registry over HTTP (standard library only), classified for retrying."""

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

# Answers worth retrying: timeouts, "too early", rate limits and the server's own failures.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
ERROR_TEXT_LIMIT = 500


class RegistryError(Exception):
    """An upload that did not register; `transient` says whether trying again may help."""

    def __init__(self, message: str, *, transient: bool, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True)
class Registered:
    """The registry's answer to an accepted upload."""

    registration_id: str
    replayed: bool  # the registry already had this idempotency key


def registration_upload(
    *, url: str, token: str, payload: dict, idempotency_key: str, timeout: float
) -> Registered:
    """POSTs one registration; returns the registry's identifier or raises RegistryError."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Idempotency-Key": idempotency_key,
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            status, text = response.status, response.read()
    except urllib.error.HTTPError as exc:
        raise _refusal(exc) from exc
    except (http.client.HTTPException, OSError) as exc:  # URLError and timeouts are OSErrors
        # No answer at all: the upload may or may not have registered; the key settles it.
        reason = getattr(exc, "reason", None) or exc
        raise RegistryError(f"No answer from the registry: {reason}", transient=True) from exc
    try:
        answer = json.loads(text)
        registration_id = answer["registration_id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(
            f"The registry answered {status} without a registration_id.", transient=True
        ) from exc
    if not isinstance(registration_id, str) or not registration_id.strip():
        raise RegistryError("The registry answered an empty registration_id.", transient=True)
    return Registered(registration_id=registration_id.strip(), replayed=status == 200)


def _refusal(exc: urllib.error.HTTPError) -> RegistryError:
    try:
        detail = exc.read().decode("utf-8", "replace")[:ERROR_TEXT_LIMIT]
    except OSError:
        detail = ""
    transient = exc.code >= 500 or exc.code in TRANSIENT_STATUSES
    message = f"The registry answered {exc.code}" + (f": {detail}" if detail else ".")
    return RegistryError(message, transient=transient, retry_after=_retry_after(exc))


def _retry_after(exc: urllib.error.HTTPError) -> float:
    """Retry-After in seconds when the registry sends it as a number; an HTTP date is ignored."""
    value = exc.headers.get("Retry-After", "") if exc.headers else ""
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0
