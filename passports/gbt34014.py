"""GB/T 34014-2017 traction battery codes: parse, build and compare with a declared chemistry."""

import json
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "reference" / "gbt34014.json"

ProductType = Literal["pack", "module", "cell"]

# Spelled out because str.isalnum() and str.isupper() also accept non-ASCII letters and digits.
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class GbtCodeError(ValueError):
    """A battery code that breaks GB/T 34014-2017; the message names the position and problem."""


@dataclass(frozen=True)
class BatteryCode:
    """The parts of a GB/T 34014-2017 battery code."""

    code: str
    manufacturer_code: str
    product_type: ProductType
    battery_type: str
    battery_type_name: str
    specification_code: str
    traceability_code: str
    production_date: date
    serial: str


@dataclass(frozen=True)
class _Field:
    name: str
    label: str
    start: int
    length: int

    @property
    def position(self) -> str:
        if self.length == 1:
            return f"character {self.start + 1}"
        return f"characters {self.start + 1}-{self.start + self.length}"

    def take(self, code: str) -> str:
        return code[self.start : self.start + self.length]


@cache
def _tables() -> dict[str, Any]:
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _fields() -> dict[str, _Field]:
    fields: dict[str, _Field] = {}
    start = 0
    for entry in _tables()["layout"]:
        fields[entry["field"]] = _Field(entry["field"], entry["label"], start, entry["length"])
        start += entry["length"]
    if start != _tables()["length"]:
        raise RuntimeError(f"gbt34014.json layout covers {start} characters, not the code length")
    return fields


@cache
def _allowed_by_chemistry() -> dict[str, frozenset[str]]:
    chemistries = _tables()["chemistry_battery_types"]["chemistries"]
    return {name.casefold(): frozenset(letters) for name, letters in chemistries.items()}


def _describe(symbols: list[str]) -> str:
    """Render allowed symbols compactly, e.g. "P, M or C" or "1-9 or A-C"."""
    runs: list[list[str]] = []
    for symbol in symbols:
        if runs and ord(symbol) == ord(runs[-1][-1]) + 1:
            runs[-1].append(symbol)
        else:
            runs.append([symbol])
    parts: list[str] = []
    for run in runs:
        parts.extend([f"{run[0]}-{run[-1]}"] if len(run) > 2 else run)
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _decode[T](code: str, field: _Field, table: dict[str, T]) -> T:
    symbol = field.take(code)
    if symbol not in table:
        raise GbtCodeError(
            f"{field.position} ({field.label}) must be {_describe(list(table))}, got {symbol!r}"
        )
    return table[symbol]


def _field_at(index: int) -> _Field:
    return next(f for f in _fields().values() if f.start <= index < f.start + f.length)


def parse(code: str) -> BatteryCode:
    """Parse a 24-character GB/T 34014-2017 battery code, raising GbtCodeError if it is invalid."""
    tables = _tables()
    fields = _fields()
    if len(code) != tables["length"]:
        raise GbtCodeError(f"code must be {tables['length']} characters, got {len(code)}")
    for index, char in enumerate(code):
        if char not in _ALPHANUMERIC:
            field = _field_at(index)
            raise GbtCodeError(
                f"character {index + 1} ({field.label}) must be an uppercase letter or digit, "
                f"got {char!r}"
            )
    product_type = _decode(code, fields["product_type"], tables["product_types"])
    battery_type_name = _decode(code, fields["battery_type"], tables["battery_types"]["codes"])
    year = _decode(code, fields["year"], tables["year_codes"]["codes"])
    month = _decode(code, fields["month"], tables["month_codes"]["codes"])
    day = _decode(code, fields["day"], tables["day_codes"]["codes"])
    try:
        production_date = date(year, month, day)
    except ValueError:
        first, last = fields["year"], fields["day"]
        raise GbtCodeError(
            f"characters {first.start + 1}-{last.start + last.length} (production date) "
            f"{code[first.start : last.start + last.length]!r} give {year}-{month:02d}-{day:02d}, "
            "which is not a calendar date"
        ) from None
    return BatteryCode(
        code=code,
        manufacturer_code=fields["manufacturer_code"].take(code),
        product_type=cast(ProductType, product_type),
        battery_type=fields["battery_type"].take(code),
        battery_type_name=battery_type_name,
        specification_code=fields["specification_code"].take(code),
        traceability_code=fields["traceability_code"].take(code),
        production_date=production_date,
        serial=fields["serial"].take(code),
    )


def _symbol_for(table: dict[str, Any], value: object, what: str) -> str:
    for symbol, candidate in table.items():
        if candidate == value:
            return symbol
    raise GbtCodeError(f"{what} {value!r} has no code in the GB/T 34014 tables")


def build(
    manufacturer_code: str,
    product_type: ProductType,
    battery_type: str,
    specification_code: str,
    traceability_code: str,
    production_date: date,
    serial: str,
) -> BatteryCode:
    """Assemble a battery code from its parts and validate it as parse() does."""
    tables = _tables()
    fields = _fields()
    given = {
        "manufacturer_code": manufacturer_code,
        "battery_type": battery_type,
        "specification_code": specification_code,
        "traceability_code": traceability_code,
        "serial": serial,
    }
    # A part of the wrong length would shift every later field, so catch it before joining.
    for name, value in given.items():
        field = fields[name]
        if len(value) != field.length:
            raise GbtCodeError(f"{field.label} must be {field.length} characters, got {value!r}")
    parts = {
        **given,
        "product_type": _symbol_for(tables["product_types"], product_type, "product type"),
        "year": _symbol_for(tables["year_codes"]["codes"], production_date.year, "production year"),
        "month": _symbol_for(tables["month_codes"]["codes"], production_date.month, "month"),
        "day": _symbol_for(tables["day_codes"]["codes"], production_date.day, "day"),
    }
    return parse("".join(parts[name] for name in fields))


def as_dict(code: BatteryCode) -> dict[str, str]:
    """Return the code's parts as a JSON-ready dict, with the production date in ISO format."""
    return {**asdict(code), "production_date": code.production_date.isoformat()}


def chemistry_matches(code: BatteryCode, chemistry: str) -> bool:
    """Return whether the code's battery-type letter is allowed for a product-schema chemistry."""
    other = frozenset(_tables()["chemistry_battery_types"]["other"])
    allowed = _allowed_by_chemistry().get(chemistry.casefold(), other)
    return code.battery_type in allowed
