"""CSV cells a spreadsheet would run as formulas are written as text; plain numbers stay numbers."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passports.spreadsheet import DictWriter, is_formula, safe_cell

PAYLOAD = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize(
    "text",
    [PAYLOAD, "+1+1", "-1+1", "-SUM(A1:A2)", "@SUM(1)", "\t=1", "\r=1", "-", "-inf", "-0x1F"],
)
def test_text_a_spreadsheet_would_evaluate_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-1.5", "+3", "-0", "2.5e-3", "-.5", "-7.", "12"])
def test_plain_decimal_numbers_are_left_alone(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [Decimal("-1.5"), -3, -0.25, True, None, ""])
def test_values_that_are_not_text_are_left_alone(value):
    assert safe_cell(value) is value


@given(st.text())
def test_no_safe_cell_starts_a_formula(text):
    cell = safe_cell(text)

    assert not is_formula(cell)
    assert cell == text or cell == "'" + text


@given(st.sampled_from(["=", "@", "\t", "\r"]), st.text())
def test_cells_starting_with_a_formula_character_are_always_neutralised(prefix, rest):
    assert safe_cell(prefix + rest) == "'" + prefix + rest


@given(
    st.sampled_from(["+", "-"]), st.text().filter(lambda rest: not any(c.isdigit() for c in rest))
)
def test_signs_without_a_number_after_them_are_neutralised(sign, rest):
    assert safe_cell(sign + rest) == "'" + sign + rest


@given(st.sampled_from(["", "+", "-"]), st.decimals(allow_nan=False, allow_infinity=False))
def test_signed_decimals_written_as_text_stay_numbers(sign, number):
    text = sign + str(abs(number))
    assert safe_cell(text) == text


def test_the_dict_writer_neutralises_every_cell_it_writes():
    buffer = io.StringIO()
    writer = DictWriter(buffer, fieldnames=["model", "mass_kg"])
    writer.writeheader()
    writer.writerows([{"model": PAYLOAD, "mass_kg": "-1.5"}])

    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))

    assert rows == [{"model": "'" + PAYLOAD, "mass_kg": "-1.5"}]
