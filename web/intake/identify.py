"""What a scanned or typed code names: a GS1 Digital Link, its `01/…/21/…` path, or a passport id.

The QR code printed on a product holds the resolver URI of the deployment that registered it, so
the host is ignored: only the path (or the bare id) says which passport is meant.
"""

import re
import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from passports.identifiers import IdentifierError, check_serial, normalise_gtin
from passports.models import Passport

MAX_CODE_LENGTH = 500
GTIN_SERIAL_PATH = re.compile(r"(?:^|/)01/([^/]+)/21/([^/?#]+)")
UUID_PATH = re.compile(r"(?:^|/)p/([0-9a-fA-F-]{36})/?$")

NOT_AN_IDENTIFIER = _(
    "This is not a passport identifier: give a Digital Link URI, 01/<GTIN>/21/<serial> "
    "or a passport id."
)
UNKNOWN_IDENTIFIER = _("No passport has this identifier.")


class UnknownCode(ValueError):
    """A code that names no passport; the message says whether it is malformed or unknown."""


@dataclass(frozen=True)
class Reference:
    """A parsed code: either a GTIN with a serial, or a passport id."""

    gtin: str | None = None
    serial: str | None = None
    passport_id: uuid.UUID | None = None


def reference_parse(code: str) -> Reference:
    """Reads a Digital Link URI, a `01/<gtin>/21/<serial>` path or a passport UUID."""
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise UnknownCode(NOT_AN_IDENTIFIER)
    path = urlsplit(code).path if "://" in code else code
    found = GTIN_SERIAL_PATH.search(path)
    if found:
        try:
            return Reference(
                gtin=normalise_gtin(found.group(1)), serial=check_serial(unquote(found.group(2)))
            )
        except IdentifierError as exc:
            raise UnknownCode(NOT_AN_IDENTIFIER) from exc
    found = UUID_PATH.search(path)
    candidate = found.group(1) if found else code
    try:
        return Reference(passport_id=uuid.UUID(candidate))
    except ValueError as exc:
        raise UnknownCode(NOT_AN_IDENTIFIER) from exc


def passport_identify(code: str) -> Passport:
    """The passport a code names; raises UnknownCode with a message for the person scanning."""
    reference = reference_parse(code)
    if reference.passport_id is not None:
        passport = Passport.objects.filter(pk=reference.passport_id).first()
    else:
        passport = Passport.objects.filter(gtin=reference.gtin, serial=reference.serial).first()
    if passport is None:
        raise UnknownCode(UNKNOWN_IDENTIFIER)
    return passport
