"""Tests for the substance reference data and its lookups."""

import json

import pytest

from passports.substances import (
    ELEMENT_SYMBOLS,
    REFERENCE_DIR,
    Substance,
    is_element,
    lookup,
    valid_cas,
)

DATA = json.loads((REFERENCE_DIR / "substances.json").read_text(encoding="utf-8"))


def test_all_118_elements_are_present() -> None:
    assert len(ELEMENT_SYMBOLS) == 118
    assert {"H", "Co", "Nd", "Og"} <= ELEMENT_SYMBOLS


def test_element_lookup() -> None:
    assert lookup("Co") == Substance(name="cobalt", kind="element", cas="7440-48-4", critical=True)
    assert lookup("Te") == Substance(
        name="tellurium", kind="element", cas="13494-80-9", critical=False
    )


def test_material_lookup() -> None:
    assert lookup("graphite") == Substance(
        name="graphite", kind="material", cas="7782-42-5", critical=True
    )
    assert lookup("lithium_hexafluorophosphate") == Substance(
        name="lithium_hexafluorophosphate", kind="material", cas="21324-40-3", critical=False
    )
    glass = lookup("glass")
    assert glass is not None
    assert glass.cas is None


@pytest.mark.parametrize("name", ["co", "CO", "cobalt", "Graphite", "unobtainium", "", " Co"])
def test_unknown_names(name: str) -> None:
    assert lookup(name) is None


def test_is_element_is_case_sensitive() -> None:
    assert is_element("Nd")
    assert not is_element("ND")
    assert not is_element("nd")
    assert not is_element("graphite")


@pytest.mark.parametrize(
    ("symbol", "cas"),
    [
        ("Li", "7439-93-2"),
        ("Ni", "7440-02-0"),
        ("Mn", "7439-96-5"),
        ("Fe", "7439-89-6"),
        ("Si", "7440-21-3"),
        ("Ag", "7440-22-4"),
        ("Dy", "7429-91-6"),
        ("P", "7723-14-0"),
    ],
)
def test_element_cas_numbers(symbol: str, cas: str) -> None:
    substance = lookup(symbol)
    assert substance is not None
    assert substance.cas == cas


def test_every_cas_number_passes_the_check_digit() -> None:
    entries = {**DATA["elements"], **DATA["materials"]}
    numbers = [entry["cas"] for entry in entries.values() if entry["cas"] is not None]
    assert len(numbers) > 100
    assert [cas for cas in numbers if not valid_cas(cas)] == []


def test_cas_numbers_are_unique() -> None:
    entries = {**DATA["elements"], **DATA["materials"]}
    numbers = [entry["cas"] for entry in entries.values() if entry["cas"] is not None]
    assert len(numbers) == len(set(numbers))


@pytest.mark.parametrize(
    "cas",
    [
        "7440-48-5",  # cobalt with the wrong check digit
        "7440-84-4",  # cobalt with transposed digits
        "7732-18-4",  # water with the wrong check digit
        "7440-48",
        "7440484",
        "1-23-4",  # too few leading digits
        "12345678-90-1",  # too many leading digits
        "7440-48-4 ",
        "CAS 7440-48-4",
        "",
    ],
)
def test_invalid_cas_numbers_are_rejected(cas: str) -> None:
    assert not valid_cas(cas)


@pytest.mark.parametrize("cas", ["7732-18-5", "50-00-0", "7440-48-4", "13494-80-9"])
def test_valid_cas_numbers_are_accepted(cas: str) -> None:
    assert valid_cas(cas)


@pytest.mark.parametrize(("symbol", "critical"), [("Co", True), ("Li", True), ("Nd", True)])
def test_critical_elements(symbol: str, critical: bool) -> None:
    substance = lookup(symbol)
    assert substance is not None
    assert substance.critical is critical


@pytest.mark.parametrize("symbol", ["Fe", "O", "Ag"])
def test_non_critical_elements(symbol: str) -> None:
    substance = lookup(symbol)
    assert substance is not None
    assert substance.critical is False


def test_every_flagged_symbol_is_an_element() -> None:
    crm = json.loads((REFERENCE_DIR / "critical_raw_materials.json").read_text(encoding="utf-8"))
    assert set(crm["element_symbols_flagged_critical"]) <= ELEMENT_SYMBOLS


def test_material_names_are_snake_case_with_explicit_flags() -> None:
    for name, entry in DATA["materials"].items():
        assert name == name.lower()
        assert name.replace("_", "").isalpha()
        assert isinstance(entry["critical"], bool)
