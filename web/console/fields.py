"""Form inputs named by the API's field paths, so validation messages land beside their input.

The console's forms do not use Django forms: the declaration and event serializers already
hold every rule and message. An input's name is the field path `flatten_errors` reports
(`composition[1].mass_kg`), which makes mapping a message back to its input a dictionary lookup.
"""

import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

TRAILING_INDEX = re.compile(r"\[\d+\]$")


@dataclass
class FormField:
    """One input of a console form: its path name, label, kind, value and messages."""

    name: str
    label: str
    kind: str = "text"  # text, decimal, integer, date, datetime, select, textarea, list, checkbox
    choices: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""
    required: bool = False
    value: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.name).strip("-")

    @property
    def inputmode(self) -> str:
        return {"decimal": "decimal", "integer": "numeric"}.get(self.kind, "")


def with_blank(choices) -> list[tuple[str, str]]:
    """Choices for a select that may be left empty."""
    return [("", _("(not given)")), *[(value, label) for value, label in choices]]


def plain_choices(values: list[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def attach_errors(
    fields: list[FormField], errors: list[dict[str, str]], rename=lambda path: path
) -> list[dict[str, str]]:
    """Puts each message on the input its path names; returns the messages no input took.

    `rename` turns an error path into an input name (e.g. shifting row indexes). A path inside a
    list (`attributes.hazardous_substances[0]`) falls back to the input for the whole list."""
    by_name = {f.name: f for f in fields}
    unplaced = []
    for error in errors:
        name = rename(error["field"])
        while name not in by_name and TRAILING_INDEX.search(name):
            name = TRAILING_INDEX.sub("", name)
        target = by_name.get(name)
        if target is None:
            unplaced.append({"field": name, "message": error["message"]})
        else:
            target.errors.append(error["message"])
    return unplaced


def fill_values(fields: list[FormField], data) -> None:
    """Keeps what the person typed, so a rejected form comes back as they left it."""
    for form_field in fields:
        form_field.value = str(data.get(form_field.name, "")).strip()


def details_merge(declaration: dict, text: str) -> str | None:
    """Merges a JSON object (the details input or cell) into a declaration, one level deep.

    Returns why the text could not be read, or None. Objects already in the declaration
    (attributes, manufacturing_place, carbon_footprint) gain the keys; other keys are set.
    """
    if not text.strip():
        return None
    try:
        details = json.loads(text)
    except ValueError as exc:
        return str(_("This is not valid JSON: %(error)s") % {"error": exc})
    if not isinstance(details, dict):
        return str(_("Give a JSON object, { ... }."))
    for key, value in details.items():
        current = declaration.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            declaration[key] = {**current, **value}
        else:
            declaration[key] = value
    return None
