"""Substances a composition may name: element symbols and named materials, with CAS numbers."""

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

_CAS_PATTERN = re.compile(r"([0-9]{2,7})-([0-9]{2})-([0-9])")


@dataclass(frozen=True)
class Substance:
    """An element or named material, its CAS number if known, and its critical-raw-material flag."""

    name: str
    kind: Literal["element", "material"]
    cas: str | None
    critical: bool


@cache
def _load(filename: str) -> dict[str, Any]:
    with (REFERENCE_DIR / filename).open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _critical_symbols() -> frozenset[str]:
    return frozenset(_load("critical_raw_materials.json")["element_symbols_flagged_critical"])


ELEMENT_SYMBOLS: frozenset[str] = frozenset(_load("substances.json")["elements"])


# Pure answers, asked for every item of every declaration of a bulk request; bounded, as the
# names come from clients.
@lru_cache(maxsize=1024)
def valid_cas(cas: str) -> bool:
    """Return whether `cas` is a well-formed CAS Registry number with a correct check digit."""
    match = _CAS_PATTERN.fullmatch(cas)
    if match is None:
        return False
    body = match[1] + match[2]
    # The check digit weights digits 1, 2, 3, ... counting from the right of the body.
    total = sum(weight * int(digit) for weight, digit in enumerate(reversed(body), start=1))
    return total % 10 == int(match[3])


def is_element(symbol: str) -> bool:
    """Return whether `symbol` is a chemical element symbol, capitalised as written ("Co")."""
    return symbol in ELEMENT_SYMBOLS


@lru_cache(maxsize=1024)
def lookup(name: str) -> Substance | None:
    """Return the substance named by an element symbol or a material name, or None if unknown."""
    data = _load("substances.json")
    element = data["elements"].get(name)
    if element is not None:
        return Substance(
            name=element["name"],
            kind="element",
            cas=element["cas"],
            critical=name in _critical_symbols(),
        )
    material = data["materials"].get(name)
    if material is not None:
        return Substance(
            name=name, kind="material", cas=material["cas"], critical=material["critical"]
        )
    return None
