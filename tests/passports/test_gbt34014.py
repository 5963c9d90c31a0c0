"""Tests for GB/T 34014-2017 battery code parsing and building."""

import json
import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passports.gbt34014 import (
    REFERENCE_FILE,
    BatteryCode,
    GbtCodeError,
    as_dict,
    build,
    chemistry_matches,
    parse,
)

TABLES = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))

# 2026-03-14 is year G, month 3, day E under the assumed tables.
NMC_PACK = "ABC" + "P" + "E" + "01" + "TRACE01" + "G3E" + "0000042"


def _inverse(table: dict[str, object]) -> dict[object, str]:
    return {value: symbol for symbol, value in table.items()}


def _with(code: str, position: int, char: str) -> str:
    """Return `code` with the 1-based `position` replaced by `char`."""
    return code[: position - 1] + char + code[position:]


def test_valid_code_parses() -> None:
    assert parse(NMC_PACK) == BatteryCode(
        code=NMC_PACK,
        manufacturer_code="ABC",
        product_type="pack",
        battery_type="E",
        battery_type_name="ternary (NMC/NCA)",
        specification_code="01",
        traceability_code="TRACE01",
        production_date=date(2026, 3, 14),
        serial="0000042",
    )


def test_build_round_trip() -> None:
    built = build("ABC", "pack", "E", "01", "TRACE01", date(2026, 3, 14), "0000042")
    assert built.code == NMC_PACK
    assert parse(built.code) == built


def test_as_dict_is_json_ready() -> None:
    data = as_dict(parse(NMC_PACK))
    assert json.loads(json.dumps(data)) == data
    assert data["production_date"] == "2026-03-14"
    assert data["product_type"] == "pack"
    assert data["code"] == NMC_PACK


@pytest.mark.parametrize(
    ("position", "char", "message"),
    [
        (4, "X", "character 4 (product type) must be P, M or C, got 'X'"),
        (5, "H", "character 5 (battery type) must be A-G or Z, got 'H'"),
        (15, "0", "character 15 (year) must be 1-9, A-H, J-N, P, R-T or W-Y, got '0'"),
        (15, "U", "character 15 (year) must be 1-9, A-H, J-N, P, R-T or W-Y, got 'U'"),
        (16, "D", "character 16 (month) must be 1-9 or A-C, got 'D'"),
        (16, "0", "character 16 (month) must be 1-9 or A-C, got '0'"),
        (17, "Z", "character 17 (day) must be 1-9, A-H, J-N, P or R-Y, got 'Z'"),
        (17, "I", "character 17 (day) must be 1-9, A-H, J-N, P or R-Y, got 'I'"),
    ],
)
def test_table_field_errors(position: int, char: str, message: str) -> None:
    with pytest.raises(GbtCodeError) as excinfo:
        parse(_with(NMC_PACK, position, char))
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("position", "label"),
    [
        (1, "manufacturer code"),
        (4, "product type"),
        (5, "battery type"),
        (7, "specification code"),
        (8, "traceability code"),
        (14, "traceability code"),
        (15, "year"),
        (16, "month"),
        (17, "day"),
        (18, "serial"),
        (24, "serial"),
    ],
)
def test_lowercase_is_rejected_with_position(position: int, label: str) -> None:
    char = NMC_PACK[position - 1].lower()
    if char == NMC_PACK[position - 1]:
        char = "a"
    with pytest.raises(GbtCodeError) as excinfo:
        parse(_with(NMC_PACK, position, char))
    assert str(excinfo.value) == (
        f"character {position} ({label}) must be an uppercase letter or digit, got {char!r}"
    )


@pytest.mark.parametrize("char", ["-", " ", "É", "٣"])
def test_non_ascii_alphanumerics_are_rejected(char: str) -> None:
    with pytest.raises(GbtCodeError, match="character 20 \\(serial\\)"):
        parse(_with(NMC_PACK, 20, char))


@pytest.mark.parametrize("code", ["", NMC_PACK[:-1], NMC_PACK + "1", " " + NMC_PACK[1:] + " "])
def test_wrong_length(code: str) -> None:
    with pytest.raises(GbtCodeError, match=f"code must be 24 characters, got {len(code)}"):
        parse(code)


def test_lowercase_code_is_rejected() -> None:
    with pytest.raises(GbtCodeError, match="character 1 \\(manufacturer code\\)"):
        parse(NMC_PACK.lower())


@pytest.mark.parametrize(
    ("date_code", "shown"),
    [("G2Y", "2026-02-31"), ("G2X", "2026-02-30"), ("G2W", "2026-02-29"), ("G4Y", "2026-04-31")],
)
def test_impossible_dates(date_code: str, shown: str) -> None:
    code = NMC_PACK[:14] + date_code + NMC_PACK[17:]
    with pytest.raises(GbtCodeError) as excinfo:
        parse(code)
    assert str(excinfo.value) == (
        f"characters 15-17 (production date) {date_code!r} give {shown}, "
        "which is not a calendar date"
    )


def test_leap_day_is_accepted() -> None:
    code = NMC_PACK[:14] + "J2W" + NMC_PACK[17:]
    assert parse(code).production_date == date(2028, 2, 29)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("not a code")


@pytest.mark.parametrize(
    ("letter", "chemistry", "matches"),
    [
        ("E", "NMC811", True),
        ("E", "NMC622", True),
        ("E", "nca", True),
        ("B", "LFP", True),
        ("C", "LMO", True),
        ("A", "NiMH", True),
        ("B", "NMC811", False),
        ("E", "LFP", False),
        ("Z", "LFP", False),
        ("Z", "sodium-ion", True),
        ("E", "sodium-ion", False),
    ],
)
def test_chemistry_matches(letter: str, chemistry: str, matches: bool) -> None:
    code = parse(_with(NMC_PACK, 5, letter))
    assert chemistry_matches(code, chemistry) is matches


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"manufacturer_code": "ABCD"}, "manufacturer code must be 3 characters, got 'ABCD'"),
        ({"battery_type": "EE"}, "battery type must be 1 characters, got 'EE'"),
        ({"serial": "42"}, "serial must be 7 characters, got '42'"),
        ({"product_type": "box"}, "product type 'box' has no code in the GB/T 34014 tables"),
        (
            {"production_date": date(2010, 5, 1)},
            "production year 2010 has no code in the GB/T 34014 tables",
        ),
        ({"battery_type": "X"}, "character 5 (battery type) must be A-G or Z, got 'X'"),
    ],
)
def test_build_errors(kwargs: dict[str, object], message: str) -> None:
    parts: dict[str, object] = {
        "manufacturer_code": "ABC",
        "product_type": "pack",
        "battery_type": "E",
        "specification_code": "01",
        "traceability_code": "TRACE01",
        "production_date": date(2026, 3, 14),
        "serial": "0000042",
    } | kwargs
    with pytest.raises(GbtCodeError) as excinfo:
        build(**parts)  # type: ignore[arg-type]
    assert str(excinfo.value) == message


def test_tables_are_marked_for_checking() -> None:
    assert TABLES["status"] == "check"
    assert "confirm against the standard text" in TABLES["note"]
    assert sum(entry["length"] for entry in TABLES["layout"]) == TABLES["length"] == 24
    assert len(TABLES["day_codes"]["codes"]) == 31


_ALPHANUMERIC = string.digits + string.ascii_uppercase
_YEARS = TABLES["year_codes"]["codes"]


@given(
    manufacturer=st.text(_ALPHANUMERIC, min_size=3, max_size=3),
    product_symbol=st.sampled_from(sorted(TABLES["product_types"])),
    battery_symbol=st.sampled_from(sorted(TABLES["battery_types"]["codes"])),
    specification=st.text(_ALPHANUMERIC, min_size=2, max_size=2),
    traceability=st.text(_ALPHANUMERIC, min_size=7, max_size=7),
    produced=st.dates(date(min(_YEARS.values()), 1, 1), date(max(_YEARS.values()), 12, 31)),
    serial=st.text(_ALPHANUMERIC, min_size=7, max_size=7),
)
def test_codes_from_valid_table_entries_parse_back(
    manufacturer: str,
    product_symbol: str,
    battery_symbol: str,
    specification: str,
    traceability: str,
    produced: date,
    serial: str,
) -> None:
    date_code = (
        _inverse(TABLES["year_codes"]["codes"])[produced.year]
        + _inverse(TABLES["month_codes"]["codes"])[produced.month]
        + _inverse(TABLES["day_codes"]["codes"])[produced.day]
    )
    code = (
        manufacturer
        + product_symbol
        + battery_symbol
        + specification
        + traceability
        + date_code
        + serial
    )
    parsed = parse(code)
    product_type = TABLES["product_types"][product_symbol]
    assert parsed == BatteryCode(
        code=code,
        manufacturer_code=manufacturer,
        product_type=product_type,
        battery_type=battery_symbol,
        battery_type_name=TABLES["battery_types"]["codes"][battery_symbol],
        specification_code=specification,
        traceability_code=traceability,
        production_date=produced,
        serial=serial,
    )
    assert (
        build(
            manufacturer,
            product_type,
            battery_symbol,
            specification,
            traceability,
            produced,
            serial,
        )
        == parsed
    )
