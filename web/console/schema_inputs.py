"""Inputs read off the declaration serializers, and the declaration a set of inputs describes.

The registration form and the CSV columns are both built from the serializers that check a
declaration (passports/declaration/), so a field added to a schema gains an input and a column
without anyone writing one. A path names a value the way the API's error messages do:
`attributes.labels.separate_collection_symbol.image_url`, `documents[2].url`. A list of plain
values (`hazard_classes`) is one input holding the values separated by semicolons.
"""

import re
from dataclasses import dataclass

from rest_framework import serializers

from web.passport.labels import ATTRIBUTES, humanise

LIST_SEPARATOR = ";"
UNITS = {
    "_pct_per_c": "%/°C",
    "_kwh": "kWh",
    "_wh": "Wh",
    "_kw": "kW",
    "_w": "W",
    "_v": "V",
    "_ah": "Ah",
    "_mohm": "mΩ",
    "_pct": "%",
    "_c": "°C",
    "_kg": "kg",
    "_g": "g",
    "_mm": "mm",
    "_a": "A",
    "_m2": "m²",
    "_years": "years",
}
SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Leaf:
    """One value: where it lives below its parent, its words, its kind and its choices."""

    path: str
    keys: tuple[str, ...]
    kind: str  # text, textarea, decimal, integer, date, select, list
    choices: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Repeat:
    """A list of objects (`hazardous_substances`): the values of one item, and how many fit."""

    path: str
    keys: tuple[str, ...]
    leaves: tuple[Leaf, ...]
    max_rows: int


def unit(name: str) -> str:
    """The unit a field name carries in its suffix (`rated_energy_kwh` -> kWh), or ""."""
    if name.endswith("_pct_per_month"):
        return "% / month"
    if name.endswith("_w_per_wh"):
        return "W/Wh"
    if name.startswith("kg_co2e"):
        return ""  # the name is the unit
    return next((u for suffix, u in UNITS.items() if name.endswith(suffix)), "")


def key_label(key: str) -> str:
    """A field's words: from the label table, with its unit when the words do not say it."""
    words = str(ATTRIBUTES[key]) if key in ATTRIBUTES else humanise(key)
    suffix = unit(key)
    if suffix and not words.endswith(")"):
        words = f"{words} ({suffix})"
    return words


def path_label(keys: tuple[str, ...]) -> str:
    return " › ".join(key_label(key) for key in keys)


def walk(serializer: serializers.Serializer, prefix: str = "", keys=(), required=True) -> list:
    """The leaves and repeats of a serializer, in declaration order."""
    found: list = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        path = f"{prefix}{name}"
        here = (*keys, name)
        needed = required and field.required
        if isinstance(field, serializers.ListSerializer):
            item = field.child
            leaves = tuple(x for x in walk(item, "", (), False) if isinstance(x, Leaf))
            found.append(Repeat(path, here, leaves, field.max_length or 50))
        elif isinstance(field, serializers.Serializer):
            found.extend(walk(field, f"{path}.", here, needed))
        elif isinstance(field, serializers.DictField):
            continue
        else:
            found.append(leaf_for(field, path, here, needed))
    return found


def leaf_for(field, path: str, keys: tuple[str, ...], required: bool) -> Leaf:
    help_text = str(field.help_text or "")
    if isinstance(field, serializers.ListField):
        return Leaf(path, keys, "list", required=required, help=help_text)
    if isinstance(field, serializers.BooleanField):
        return Leaf(path, keys, "select", ("true", "false"), required, help_text)
    if isinstance(field, serializers.ChoiceField):
        return Leaf(path, keys, "select", tuple(field.choices), required, help_text)
    if isinstance(field, serializers.DecimalField):
        return Leaf(path, keys, "decimal", required=required, help=help_text)
    if isinstance(field, serializers.IntegerField):
        return Leaf(path, keys, "integer", required=required, help=help_text)
    if isinstance(field, serializers.DateField):
        return Leaf(path, keys, "date", required=required, help=help_text)
    long_text = isinstance(field, serializers.CharField) and (field.max_length or 0) >= 1000
    return Leaf(path, keys, "textarea" if long_text else "text", required=required, help=help_text)


def cell_value(kind: str, text: str):
    """What a typed value becomes in the declaration: lists split at semicolons."""
    if kind == "list":
        return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
    return text


def tree(values: dict[str, object]) -> tuple[dict, dict[str, list[int]]]:
    """The nested declaration that path -> value pairs describe, and the row map.

    Items are numbered as typed (`documents[4]`); the declaration holds only the rows given, in
    order, and the row map says for each list (by the path the API reports) which typed row
    each item was, so a message about `documents[1]` goes back to row 4."""
    root: dict = {}
    for path, value in values.items():
        node = root
        segments = SEGMENT.findall(path)
        for position, (name, indexes) in enumerate(segments):
            last = position == len(segments) - 1
            numbers = [int(n) for n in INDEX.findall(indexes)]
            if not numbers:
                if last:
                    node.setdefault(name, value)
                else:
                    node = node.setdefault(name, {})
                    if not isinstance(node, dict):
                        break
                continue
            rows = node.setdefault(name, _Rows())
            if not isinstance(rows, _Rows):
                break
            node = rows.setdefault(numbers[0], {})
            if last:
                break
    rows_map: dict[str, list[int]] = {}
    return _compact(root, "", rows_map), rows_map


class _Rows(dict):
    """Items of a list while it is being read, by the row they were typed in."""


def _compact(node, path: str, rows_map: dict[str, list[int]]):
    if isinstance(node, _Rows):
        kept = [index for index in sorted(node) if node[index]]
        rows_map[path] = kept
        return [_compact(node[index], f"{path}[{n}]", rows_map) for n, index in enumerate(kept)]
    if isinstance(node, dict):
        return {
            key: _compact(value, f"{path}.{key}" if path else key, rows_map)
            for key, value in node.items()
        }
    return node


def typed_path(path: str, rows_map: dict[str, list[int]]) -> str:
    """An error path with each list index turned back into the row it was typed in."""
    result, api_prefix, position = "", "", 0
    for match in INDEX.finditer(path):
        api_prefix += path[position : match.start()]
        index = int(match.group(1))
        typed = rows_map.get(api_prefix, [])
        result_index = typed[index] if index < len(typed) else index
        result += path[position : match.start()] + f"[{result_index}]"
        api_prefix += match.group(0)
        position = match.end()
    return result + path[position:]


def flatten(value, prefix: str = "") -> dict[str, str]:
    """A declaration as path -> text pairs (the inverse of `tree`, lists of plain values joined)."""
    flat: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{prefix}[{index}]"))
    elif isinstance(value, list):
        flat[prefix] = f"{LIST_SEPARATOR} ".join(str(v) for v in value)
    elif value is not None:
        flat[prefix] = str(value)
    return flat
