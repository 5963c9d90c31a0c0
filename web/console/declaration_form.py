"""The registration form: its inputs, grouped as a manufacturer fills them, and the declaration
they become.

Inputs are read off the declaration serializers (web/console/schema_inputs.py), so every
attribute has one and a field added to a schema appears without a hand-written input. The dict
is validated by `PassportDeclaration`, the serializer behind `POST /api/v1/passports/`, so the
form and the API accept and refuse exactly the same passports with the same messages. Input
names are the API's field paths, with the product type after `attributes.` so that the three
types' attributes can share one page (`attributes.battery.rated_energy_kwh`).
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from passports.declaration import ATTRIBUTE_SCHEMAS, PassportDeclaration
from passports.declaration.fields import PostalAddress
from passports.models import ProductType
from web.console import schema_inputs
from web.console.fields import FormField, attach_errors, fill_values, plain_choices, with_blank
from web.console.schema_inputs import Leaf, Repeat
from web.passport.sections import BATTERY_GROUPS

PRODUCT_TYPE_LABELS = {
    ProductType.BATTERY: _("Battery"),
    ProductType.PV_MODULE: _("PV module"),
    ProductType.MAGNET: _("Permanent magnet"),
}
ROWS_ADDED = 3
# Rows shown before anyone asks for more: enough for a typical product, by the list's name.
DEFAULT_ROWS = {
    "composition": 6,
    "origin": 4,
    "documents": 8,
    "materials": 4,
    "hazardous_substances": 2,
}
COUNTRY_HELP = _("Two-letter ISO 3166-1 code, e.g. DE.")
LIST_HELP = _("Separate several values with semicolons.")
ROW_PATH = re.compile(r"^(.+)\[(\d+)\]$")
TOP_LEVEL = ("composition", "origin", "documents", "carbon_footprint")


def product_type_choices() -> list[tuple[str, str]]:
    return list(PRODUCT_TYPE_LABELS.items())


def common_fields() -> list[FormField]:
    fields = [
        FormField(
            "product_type", _("Product type"), "select", product_type_choices(), required=True
        ),
        FormField("model", _("Model"), required=True),
        FormField(
            "gtin", _("GTIN"), help=_("8 to 14 digits with check digit; give it with a serial.")
        ),
        FormField("serial", _("Serial number"), help=_("Up to 20 characters, GS1 set 82.")),
        FormField(
            "gbt_code",
            _("GB/T 34014 code"),
            help=_("24-character Chinese battery code; batteries only."),
        ),
        FormField("batch", _("Batch")),
        FormField("manufactured_at", _("Manufacture date"), "date", required=True),
        FormField(
            "manufacturing_place.country",
            _("Country of manufacture"),
            help=COUNTRY_HELP,
            required=True,
        ),
        FormField("manufacturing_place.facility", _("Manufacturing facility")),
        FormField("mass_kg", _("Product mass (kg)"), "decimal", required=True),
    ]
    address = schema_inputs.walk(PostalAddress(), "manufacturing_place.address.", ("address",))
    return fields + [input_for(leaf, leaf.path, required=False) for leaf in address]


def input_for(leaf: Leaf, name: str, required: bool | None = None) -> FormField:
    """A form input for a schema leaf, named `name`."""
    kind = leaf.kind
    choices = with_blank(plain_choices(list(leaf.choices))) if leaf.kind == "select" else []
    help_text = leaf.help
    if leaf.kind == "list":
        help_text = f"{help_text} {LIST_HELP}".strip()
    if leaf.keys[-1] == "country":
        # Typed as a two-letter code, as on the API; a list of 250 codes helps nobody.
        kind, choices, help_text = "text", [], COUNTRY_HELP
    return FormField(
        name,
        schema_inputs.path_label(leaf.keys),
        kind,
        choices,
        help=help_text,
        required=leaf.required if required is None else required,
    )


@dataclass
class Row:
    """One item of a list: its inputs and messages about the item as a whole."""

    index: int
    fields: list[FormField]
    errors: list[str] = field(default_factory=list)


@dataclass
class RowGroup:
    """A list of objects on the form: rows of inputs, "add rows", and "there are none"."""

    name: str
    label: str
    repeat: Repeat
    rows: list[Row]
    none: FormField | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return "rows-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.name).strip("-")

    def row(self, index: int) -> Row:
        return Row(
            index,
            [
                input_for(leaf, f"{self.name}[{index}].{leaf.path}", False)
                for leaf in self.repeat.leaves
            ],
        )


@dataclass
class Group:
    """One fieldset: its single inputs and its lists."""

    key: str
    legend: str
    fields: list[FormField]
    lists: list[RowGroup]
    product_type: str = ""


def rows_wanted(data, name: str, default: int, add_rows: str, maximum: int) -> int:
    """As many rows as were posted (at least the default), plus more when asked for."""
    pattern = re.compile(rf"^{re.escape(name)}\[(\d+)\]")
    indexes = [int(match.group(1)) for key in data if (match := pattern.match(key))]
    count = max(default, max(indexes, default=-1) + 1)
    if add_rows == name:
        count += ROWS_ADDED
    return min(count, maximum)


def build_group(key, legend, found: list, prefix: str, data, add_rows: str, **extra) -> Group:
    fields, lists = [], []
    for item in found:
        if isinstance(item, Leaf):
            fields.append(input_for(item, prefix + item.path))
            continue
        name = prefix + item.path
        group = RowGroup(name, schema_inputs.path_label(item.keys), item, [])
        default = DEFAULT_ROWS.get(item.keys[-1], 1)
        count = rows_wanted(data, name, default, add_rows, item.max_rows)
        group.rows = [group.row(i) for i in range(count)]
        if item.path not in ("composition", "origin"):
            group.none = FormField(
                name,
                _("There are none (state it)"),
                "checkbox",
                help=_("Tick when the list is empty on purpose, e.g. no Cd or Pb symbol needed."),
            )
        lists.append(group)
    return Group(key, legend, fields, lists, **extra)


def attribute_groups(product_type: str, data, add_rows: str) -> list[Group]:
    """The type's attributes in fieldsets: batteries by topic, other types in one."""
    found = schema_inputs.walk(ATTRIBUTE_SCHEMAS[product_type]())
    prefix = f"attributes.{product_type}."
    if product_type != ProductType.BATTERY:
        legend = _("Attributes: %(kind)s") % {"kind": PRODUCT_TYPE_LABELS[product_type]}
        return [build_group(product_type, legend, found, prefix, data, add_rows,
                            product_type=product_type)]  # fmt: skip
    named = {name for _key, _legend, names in BATTERY_GROUPS for name in names}
    groups = []
    for key, legend, names in BATTERY_GROUPS:
        members = [
            item
            for item in found
            if item.keys[0] in names or (not names and item.keys[0] not in named)
        ]
        groups.append(
            build_group(key, legend, members, prefix, data, add_rows, product_type=product_type)
        )
    return groups


def declaration_groups(data, add_rows: str) -> list[Group]:
    """Composition, origin, documents and the carbon footprint: every product type has them."""
    found: dict[str, list] = {}
    for item in schema_inputs.walk(PassportDeclaration()):
        head = item.path.split(".")[0].split("[")[0]
        if head in TOP_LEVEL:
            found.setdefault(head, []).append(item)
    legends = {
        "composition": _("Composition"),
        "origin": _("Origin of materials"),
        "documents": _("Documents"),
        "carbon_footprint": _("Carbon footprint and its life-cycle stages"),
    }
    return [
        build_group(head, legends[head], found.get(head, []), "", data, add_rows)
        for head in TOP_LEVEL
    ]


@dataclass
class RegistrationForm:
    """Everything the registration template renders, filled from a POST when there is one."""

    common: list[FormField]
    groups: list[Group]
    other_errors: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def blank(cls, data=None, add_rows: str = "") -> "RegistrationForm":
        data = data or {}
        groups = []
        for product_type in PRODUCT_TYPE_LABELS:
            groups.extend(attribute_groups(product_type, data, add_rows))
        groups.extend(declaration_groups(data, add_rows))
        form = cls(common=common_fields(), groups=groups)
        fill_values(form.all_fields(), data)
        return form

    @property
    def lists(self) -> list[RowGroup]:
        return [row_group for group in self.groups for row_group in group.lists]

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)

    def all_fields(self) -> list[FormField]:
        fields = list(self.common)
        for group in self.groups:
            fields.extend(group.fields)
            for row_group in group.lists:
                if row_group.none is not None:
                    fields.append(row_group.none)
                for row in row_group.rows:
                    fields.extend(row.fields)
        return fields

    @property
    def product_type(self) -> str:
        return self.common[0].value

    @property
    def error_count(self) -> int:
        rows = [row for g in self.lists for row in g.rows]
        return (
            sum(len(f.errors) for f in self.all_fields())
            + sum(len(row.errors) for row in rows)
            + sum(len(g.errors) for g in self.lists)
            + len(self.other_errors)
        )

    def declaration(self) -> tuple[dict, dict[str, list[int]]]:
        """The declaration the form describes, and for each list which form row each item is.

        Blank inputs are left out, as a JSON client would leave the key out; fully blank rows
        are skipped, so items are renumbered and the row map takes messages back to their row."""
        product_type = self.product_type
        own = f"attributes.{product_type}."
        values: dict[str, object] = {}
        nones: dict[str, list] = {}
        for form_field in self.all_fields():
            name = form_field.name
            if name.startswith("attributes."):
                if not name.startswith(own):
                    continue  # another product type's inputs
                name = "attributes." + name.removeprefix(own)
            if form_field.kind == "checkbox":
                if form_field.value:
                    nones[name] = []
                continue
            if form_field.value == "":
                continue
            values[name] = schema_inputs.cell_value(form_field.kind, form_field.value)
        values.update({name: [] for name in nones if not _has_rows(values, name)})
        declaration, rows = schema_inputs.tree(values)
        # Always present, so a missing value is reported on its input, not on the group.
        declaration.setdefault("manufacturing_place", {})
        declaration.setdefault("attributes", {})
        declaration.setdefault("composition", [])
        return declaration, rows

    def show_errors(self, errors: list[dict[str, str]], rows: dict[str, list[int]]) -> None:
        """Places the serializer's or service's messages on the inputs they are about."""
        product_type = self.product_type

        def rename(path: str) -> str:
            path = schema_inputs.typed_path(path, rows)
            if path.startswith("attributes."):
                return f"attributes.{product_type}.{path.removeprefix('attributes.')}"
            return path

        by_name = {g.name: g for g in self.lists}
        placed_on_inputs = []
        for error in errors:
            name = rename(error["field"])
            row = ROW_PATH.match(name)
            if name in by_name and by_name[name].none is None:
                by_name[name].errors.append(error["message"])
            elif row and row.group(1) in by_name:
                row_group, index = by_name[row.group(1)], int(row.group(2))
                if index < len(row_group.rows):
                    row_group.rows[index].errors.append(error["message"])
                else:
                    row_group.errors.append(error["message"])
            else:
                placed_on_inputs.append({"field": name, "message": error["message"]})
        self.other_errors.extend(attach_errors(self.all_fields(), placed_on_inputs))


def _has_rows(values: dict, name: str) -> bool:
    return any(key.startswith(f"{name}[") for key in values)
