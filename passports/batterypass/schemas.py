"""The shipped Battery Pass JSON Schemas and validation of a document against them."""

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator

SCHEMA_DIR = Path(__file__).parent / "schemas"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
ASPECTS = (
    "GeneralProductInformation",
    "CarbonFootprintForBatteries",
    "Circularity",
    "Labeling",
    "MaterialComposition",
    "PerformanceAndDurability",
    "SupplyChainDueDiligence",
)


@cache
def validator(aspect: str) -> Draft4Validator:
    """A draft-04 validator for one aspect, checking formats (uri, date-time) too."""
    schema = json.loads((SCHEMA_DIR / f"{aspect}-schema.json").read_text(encoding="utf-8"))
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def json_path(aspect: str, parts) -> str:
    """`Aspect.a.b[0].c` from a jsonschema error's absolute path."""
    path = aspect
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def aspect_errors(aspect: str, instance) -> list[dict[str, str]]:
    """Every schema violation of one aspect, as {"field": JSON path, "message"}.

    A missing required property is named by its own path, not its parent's.
    """
    found = []
    for error in validator(aspect).iter_errors(instance):
        parts = list(error.absolute_path)
        missing = _REQUIRED.match(error.message) if error.validator == "required" else None
        if missing:
            parts.append(missing.group(1))
        found.append({"field": json_path(aspect, parts), "message": error.message})
    return sorted(found, key=lambda e: e["field"])
