"""GS1's EPCIS 2.0 JSON Schema, applied to captured documents before we map them.

A partner's document gets the standard's own verdict first, so what we refuse as "not EPCIS"
is what any conforming system would refuse; our own mapping rules come after, on documents
the standard accepts. The schema is the copy shipped in `schemas/` (NOTICE.md there).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "EPCIS-JSON-Schema.json"
# A message quotes the offending value; a partner's megabyte string stays out of our answer.
MESSAGE_LIMIT = 300


@cache
def validator() -> Draft7Validator:
    """One validator per process: the schema is large and compiling its references is not free."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # Formats (date-time, uri) are part of the standard's verdict, not advice.
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def json_path(parts) -> str:
    """A path in the document as our errors write it: `epcisBody.eventList[0].eventTime`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def schema_violations(document) -> list[dict[str, str]]:
    """Each place where the document breaks GS1's schema, once, in document order."""
    found: dict[tuple[str, str], None] = {}
    for error in validator().iter_errors(document):
        found.setdefault(_violation(error), None)
    ordered = sorted(found, key=lambda pair: _document_order(pair[0]))
    return [{"field": field or "(document)", "message": message} for field, message in ordered]


def _document_order(path: str) -> list:
    # eventList[10] comes after eventList[2], as in the document.
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def _violation(error: ValidationError) -> tuple[str, str]:
    parts = list(error.absolute_path)
    if error.validator == "required":
        # "'x' is a required property" is clearer as an error on x itself.
        missing = next(
            (name for name in error.validator_value if repr(name) in error.message), None
        )
        if missing is not None:
            return json_path([*parts, missing]), "Required by the EPCIS 2.0 schema."
    if error.validator in ("anyOf", "oneOf") and error.context:
        # "is not valid under any of the given schemas" quotes the whole event and says
        # nothing; the reasons of the alternatives say what to change.
        reasons = sorted({_short(sub) for sub in error.context})
        message = "Matches none of the forms the EPCIS 2.0 schema allows: " + "; ".join(reasons)
        return json_path(parts), message[:MESSAGE_LIMIT]
    return json_path(parts), _short(error)


def _short(error: ValidationError) -> str:
    here = json_path(error.relative_path)
    message = error.message if len(error.message) <= MESSAGE_LIMIT else _generic(error)
    return f"{here}: {message}" if here and error.parent is not None else message


def _generic(error: ValidationError) -> str:
    """A message that does not quote the (long) offending value."""
    return f"Fails the schema's `{error.validator}` rule ({str(error.validator_value)[:100]})."
