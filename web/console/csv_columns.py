"""Path columns: a CSV column for every nested declaration value, named by its field path.

A value a single flat column cannot name (the manufacturer's address, a hazardous substance, a
document, a carbon-footprint stage) has a column named exactly as the API names the field:
`attributes.manufacturer_information.postal_address.city`, `attributes.hazardous_substances[0].
name`, `documents[2].url`, `carbon_footprint.stages.main_production`. Items of a list are
numbered from 0; add columns with higher numbers for more items. A list of plain values
(`hazard_classes`) is one cell with the values separated by semicolons; a list column itself
(`attributes.labels.cadmium_lead_symbols`) holding `none` states that the list is empty.

The columns are read off the declaration serializers (schema_inputs.py), so a field added to a
schema is a column here too, in the templates and on import.
"""

import re

from django.utils.translation import gettext as _

from passports.declaration import ATTRIBUTE_SCHEMAS, PassportDeclaration
from web.console import schema_inputs
from web.console.schema_inputs import Leaf, Repeat

NONE = "none"
INDEX = re.compile(r"\[\d+\]")
# Declaration-level values that have a path column (the rest have flat columns).
TOP_LEVEL = ("manufacturing_place.address", "carbon_footprint", "documents")
# Items a template offers columns for, by the list's name; one when not named.
TEMPLATE_ROWS = {"documents": 9, "materials": 3, "hazardous_substances": 2}


def _entries(found: list, prefix: str) -> list[tuple[str, str]]:
    """(column pattern, kind) for leaves and list items, `[]` standing for an item number."""
    entries = []
    for item in found:
        if isinstance(item, Leaf):
            entries.append((prefix + item.path, item.kind))
        else:
            entries.append((prefix + item.path, "rows"))
            for leaf in item.leaves:
                entries.append((f"{prefix}{item.path}[].{leaf.path}", leaf.kind))
    return entries


def _attribute_entries(product_type: str) -> list[tuple[str, str]]:
    """A type's attributes that a flat column cannot hold: nested objects and lists."""
    found = [
        item
        for item in schema_inputs.walk(ATTRIBUTE_SCHEMAS[product_type]())
        if isinstance(item, Repeat) or "." in item.path
    ]
    return _entries(found, "attributes.")


def _declaration_entries() -> list[tuple[str, str]]:
    flat_carbon = {"kg_co2e_per_kwh", "kg_co2e_per_kwp", "kg_co2e_per_kg", "total_kg_co2e"}
    found = [
        item
        for item in schema_inputs.walk(PassportDeclaration())
        if item.path.startswith(TOP_LEVEL) and item.path.split(".")[-1] not in flat_carbon
    ]
    return _entries(found, "")


TYPE_ENTRIES = {
    product_type: _attribute_entries(product_type) for product_type in ATTRIBUTE_SCHEMAS
}
DECLARATION_ENTRIES = _declaration_entries()
KINDS = dict(DECLARATION_ENTRIES) | {
    pattern: kind for entries in TYPE_ENTRIES.values() for pattern, kind in entries
}


def pattern_of(column: str) -> str:
    return INDEX.sub("[]", column)


def is_path_column(column: str) -> bool:
    return pattern_of(column) in KINDS


def column_for_path(path: str) -> str | None:
    """The path column an error path is about: the column itself, or the list or object it
    names (a message about a whole list goes on the list's column)."""
    pattern = pattern_of(path)
    if pattern in KINDS:
        return path
    if any(known.startswith((pattern + ".", pattern + "[")) for known in KINDS):
        return path
    return None


def template_columns(product_types: list[str]) -> list[str]:
    """The path columns of a template, each list offered with a few numbered items."""
    entries = [e for t in product_types for e in TYPE_ENTRIES[t]] + DECLARATION_ENTRIES
    entries = list(dict.fromkeys(entries))
    columns = []
    for pattern, kind in entries:
        if "[]" in pattern:
            continue  # written with its list, below
        columns.append(pattern)
        if kind != "rows":
            continue
        item_patterns = [p for p, _kind in entries if p.startswith(pattern + "[].")]
        count = TEMPLATE_ROWS.get(pattern.rsplit(".", 1)[-1], 1)
        for number in range(count):
            columns += [p.replace("[]", f"[{number}]", 1) for p in item_patterns]
    return columns


def list_cell(column: str) -> bool:
    """Whether a path column's cell holds several values separated by semicolons."""
    return KINDS.get(pattern_of(column)) == "list"


def path_values(cells: dict[str, str], product_type: str) -> tuple[dict, list[tuple[str, str]]]:
    """The part of a declaration a row's path columns hold, and (column, message) problems."""
    own = {pattern for pattern, _kind in TYPE_ENTRIES.get(product_type, [])}
    own |= {pattern for pattern, _kind in DECLARATION_ENTRIES}
    values: dict[str, object] = {}
    problems = []
    for column, cell in cells.items():
        if not is_path_column(column):
            continue
        pattern = pattern_of(column)
        if pattern not in own:
            problems.append(
                (
                    column,
                    _("This column is not used for product type %(type)s; leave it empty.")
                    % {"type": product_type},
                )
            )
            continue
        kind = KINDS[pattern]
        if kind == "rows":
            if cell.lower() != NONE:
                problems.append((column, _("Write “none” here, or fill the numbered columns.")))
                continue
            values[column] = []
        else:
            values[column] = schema_inputs.cell_value(kind, cell)
    tree, _rows = schema_inputs.tree(values)
    return tree, problems


def merge(declaration: dict, part: dict) -> None:
    """Adds the path columns' values to the declaration the flat columns began."""
    for key, value in part.items():
        current = declaration.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merge(current, value)
        else:
            declaration[key] = value
