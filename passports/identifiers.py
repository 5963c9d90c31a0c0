"""GTINs, serials and GS1 Digital Link URIs (built and parsed with biip)."""

import functools
import re
import uuid
from urllib.parse import quote, urlsplit

from biip import ParseError
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from django.conf import settings

# GS1 AI (21) serials: up to 20 characters of GS1 AI encodable character set 82.
SERIAL_PATTERN = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")


PLAIN_SERIAL = re.compile(r"^[A-Za-z0-9._-]{1,20}$")


class IdentifierError(ValueError):
    """An identifier that cannot be a valid GTIN, serial or Digital Link."""


@functools.lru_cache(maxsize=4096)
def normalise_gtin(value: str) -> str:
    """Validates a GTIN-8/12/13/14 (digits and check digit) and returns it as 14 digits.

    Kept per value (a failure raises and is not kept): every scan names a GTIN, a fleet has few
    products, and biip's parse was a twentieth of a cached scan's CPU.
    """
    # ASCII only: str.isdigit() also holds for other scripts' digits, which the parser reads.
    if not (value.isascii() and value.isdigit()) or len(value) not in (8, 12, 13, 14):
        raise IdentifierError("A GTIN has 8, 12, 13 or 14 digits.")
    try:
        return Gtin.parse(value).as_gtin_14()
    except ParseError as exc:
        raise IdentifierError(str(exc)) from exc


def check_serial(value: str) -> str:
    if not SERIAL_PATTERN.match(value):
        raise IdentifierError(
            "A serial is 1 to 20 characters of GS1 character set 82 "
            "(letters, digits and !\"%&'()*+,-./:;<=>?_)."
        )
    return value


def digital_link(*, gtin: str | None, serial: str | None, passport_id: uuid.UUID) -> str:
    """The URI printed in the QR code: GS1 Digital Link when there is a GTIN, else /p/{uuid}."""
    base = settings.RESOLVER_BASE_URL
    if not gtin:
        return f"{base}/p/{passport_id}"
    parts = urlsplit(base)
    prefix = parts.path.strip("/") or None
    if len(gtin) == 14 and gtin.isdigit() and PLAIN_SERIAL.match(serial):
        # Nothing to encode (RFC 3986 unreserved characters only): the URI biip would build,
        # without parsing the element string, which costs most of a bulk registration's answer.
        path = f"/{prefix}" if prefix else ""
        return f"{parts.scheme}://{parts.netloc}{path}/01/{gtin}/21/{serial}"
    message = GS1Message.parse(f"01{gtin}21{serial}")
    # biip writes https URIs; keep the scheme the resolver is actually served under.
    built = message.as_gs1_digital_link_uri().as_uri(domain=parts.netloc, prefix=prefix)
    return f"{parts.scheme}://{built.split('://', 1)[1]}"


def resolver_path(gtin: str, serial: str) -> str:
    return f"/01/{gtin}/21/{quote(serial, safe='')}"
