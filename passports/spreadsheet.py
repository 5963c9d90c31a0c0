"""CSV cells a spreadsheet will not run as formulas (OWASP's "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that begins with `=`, `+`, `-` or `@` as a
formula, and a leading tab or carriage return can smuggle one past a trimming reader. A value
taken from a declaration (a model name, a facility, a supplier) could then fetch a URL or run a
command on the reader's computer when a regulator opens our CSV. OWASP's remedy is to prefix
such a cell with a single quote, which the spreadsheet shows as text and does not evaluate.

One exception: a cell that is a plain decimal number (`-1.5`, `+3`, `2.5e-3`) is left alone.
A spreadsheet reads it as that number and nothing else, and the numbers we write (masses,
rates, percentages) must stay numbers in the reader's sheet. Anything else starting with those
characters, `-1+2` or `-SUM(A1)` included, is neutralised.

No Django here: every layer that writes or reads CSV uses it.
"""

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Plain ASCII decimal notation only: "-inf", "-0x1F" and "-1,5" are not numbers here.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could evaluate this text: a formula prefix and not a plain number."""
    return text.startswith(FORMULA_PREFIXES) and PLAIN_NUMBER.fullmatch(text) is None


def safe_cell(value: Any) -> Any:
    """The value to write into a CSV cell: text a spreadsheet would evaluate gets a `'` first.

    Values that are not text (numbers, Decimals, booleans, None) are returned unchanged: the
    csv module writes them in a form that never starts a formula.
    """
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value


class DictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every cell, the header's included, passes through `safe_cell`."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)
