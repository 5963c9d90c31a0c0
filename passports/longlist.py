"""Checks passports/battery_attributes.py against the Battery Pass longlist CSV, row by row.

The longlist (Battery Pass consortium, data-attribute longlist v1.2, CC-BY-4.0) is not part
of this project; a checkout finds it at ../shared/reference when present. The test suite and
`manage.py battery_longlist` both compare with it here.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from passports.battery_attributes import BY_NUMBER, MARK_CATEGORIES

LONGLIST = Path("shared", "reference", "battery-passport-attributes.csv")
# The longlist's access column -> our tier (see battery_attributes.py).
ACCESS_TIERS = {
    "Public": "public",
    "Legit. interest": "legitimate_interest",
    "Legit. interest and the Commission": "legitimate_interest",
    "NB/MSA/Commission": "authority",
}
MARK_COLUMNS = ("EV", "LMT", "Ind>2kWh", "Stat>2kWh")


@dataclass
class Coverage:
    """How many longlist rows match our table, overall and among those mandatory for EVs."""

    rows: int
    matched: int
    ev_mandatory: int
    ev_matched: int
    problems: list[str]


def longlist_path() -> Path:
    return Path(settings.BASE_DIR).parent / LONGLIST


def longlist_rows(path: Path | None = None) -> list[dict]:
    with open(path or longlist_path(), newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def row_problems(row: dict) -> list[str]:
    """What differs between one longlist row and our table (empty when it matches)."""
    number = int(row["#"])
    ours = BY_NUMBER.get(number)
    if ours is None:
        return [f"#{number} {row['Attribute']}: no field in our schema"]
    problems = []
    if _words(ours.name) != _words(row["Attribute"]):
        problems.append(f"#{number}: named {ours.name!r}, the longlist says {row['Attribute']!r}")
    tier = ACCESS_TIERS.get(row["Access (BattReg)"].strip())
    if tier != ours.tier:
        problems.append(f"#{number}: tier {ours.tier}, the longlist says {row['Access (BattReg)']}")
    marks = "".join(row[column].strip() or "-" for column in MARK_COLUMNS)
    if marks != ours.marks:
        problems.append(f"#{number}: marks {ours.marks}, the longlist says {marks}")
    if (row["Static/Dynamic"].strip() == "Dynamic") != ours.dynamic:
        problems.append(f"#{number}: static/dynamic differs from the longlist")
    return problems


def coverage(rows: list[dict]) -> Coverage:
    problems: list[str] = []
    matched = ev_mandatory = ev_matched = 0
    ev = MARK_COLUMNS[MARK_CATEGORIES.index("ev")]
    for row in rows:
        found = row_problems(row)
        problems += found
        matched += not found
        if row[ev].strip() == "x":
            ev_mandatory += 1
            ev_matched += not found
    return Coverage(len(rows), matched, ev_mandatory, ev_matched, problems)
