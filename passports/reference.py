"""Read-only access to the project's reference data in reference/*.json."""

import json
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"


@cache
def load(name: str) -> Any:
    """The parsed contents of reference/{name}.json."""
    return json.loads((REFERENCE_DIR / f"{name}.json").read_text(encoding="utf-8"))


@cache
def country_codes() -> frozenset[str]:
    return frozenset(load("countries")["alpha2"])
