"""The registration form: its inputs, and the declaration dict it becomes.

The dict is validated by `PassportDeclaration`, the serializer behind `POST /api/v1/passports/`,
so the form and the API accept and refuse exactly the same passports with the same messages.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from passports.declaration import (
    BATTERY_CATEGORIES,
    BATTERY_CHEMISTRIES,
    MAGNET_APPLICATIONS,
    MAGNET_TYPES,
    PV_TECHNOLOGIES,
)
from passports.models import ProductType
from web.console.fields import (
    FormField,
    attach_errors,
    details_merge,
    fill_values,
    plain_choices,
    with_blank,
)

PRODUCT_TYPE_LABELS = {
    ProductType.BATTERY: _("Battery"),
    ProductType.PV_MODULE: _("PV module"),
    ProductType.MAGNET: _("Permanent magnet"),
}
COMPOSITION_ROWS = 6
ORIGIN_ROWS = 4
ROWS_ADDED = 3
MAX_ROWS = {"composition": 200, "origin": 500}
COUNTRY_HELP = _("Two-letter ISO 3166-1 code, e.g. DE.")
ROW_INDEX = re.compile(r"^(composition|origin)\[(\d+)\]")


def product_type_choices() -> list[tuple[str, str]]:
    return list(PRODUCT_TYPE_LABELS.items())


def common_fields() -> list[FormField]:
    return [
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


def attribute_fields(product_type: str) -> list[FormField]:
    """The type-specific attributes; input names carry the type so all three can coexist."""
    specs = {
        ProductType.BATTERY: [
            ("category", _("Battery category"), "select", plain_choices(BATTERY_CATEGORIES), True),
            ("chemistry", _("Chemistry"), "select", plain_choices(BATTERY_CHEMISTRIES), True),
            ("rated_energy_kwh", _("Rated energy (kWh)"), "decimal", [], True),
            ("rated_capacity_ah", _("Rated capacity (Ah)"), "decimal", [], False),
            ("nominal_voltage_v", _("Nominal voltage (V)"), "decimal", [], True),
            ("expected_lifetime_years", _("Expected lifetime (years)"), "integer", [], False),
            ("expected_lifetime_cycles", _("Expected lifetime (cycles)"), "integer", [], False),
            ("extinguishing_agent", _("Extinguishing agent"), "text", [], False),
        ],
        ProductType.PV_MODULE: [
            ("technology", _("Cell technology"), "select", plain_choices(PV_TECHNOLOGIES), True),
            ("rated_power_w", _("Rated power (W)"), "decimal", [], True),
            ("area_m2", _("Module area (m²)"), "decimal", [], True),
            ("efficiency_pct", _("Efficiency (%)"), "decimal", [], False),
            ("cell_count", _("Number of cells"), "integer", [], False),
            ("expected_lifetime_years", _("Expected lifetime (years)"), "integer", [], False),
        ],
        ProductType.MAGNET: [
            ("magnet_type", _("Magnet type"), "select", plain_choices(MAGNET_TYPES), True),
            ("grade", _("Grade"), "text", [], True),
            ("application", _("Application"), "select", plain_choices(MAGNET_APPLICATIONS), True),
            ("coating", _("Coating"), "text", [], False),
            (
                "max_operating_temperature_c",
                _("Max. operating temperature (°C)"),
                "decimal",
                [],
                False,
            ),
            ("host_product", _("Host product"), "text", [], False),
            ("expected_lifetime_years", _("Expected lifetime (years)"), "integer", [], False),
        ],
    }[product_type]
    return [
        FormField(
            f"attributes.{product_type}.{name}",
            label,
            kind,
            with_blank(choices) if choices else [],
            required=required,
        )
        for name, label, kind, choices, required in specs
    ]


def carbon_fields() -> list[FormField]:
    return [
        FormField("carbon_footprint.kg_co2e_per_kwh", _("kg CO₂e per kWh"), "decimal"),
        FormField("carbon_footprint.kg_co2e_per_kwp", _("kg CO₂e per kWp"), "decimal"),
        FormField("carbon_footprint.kg_co2e_per_kg", _("kg CO₂e per kg"), "decimal"),
        FormField("carbon_footprint.total_kg_co2e", _("Total kg CO₂e"), "decimal"),
    ]


def details_fields() -> list[FormField]:
    """One JSON input for what has no input of its own (a battery's nested Annex XIII data)."""
    return [
        FormField(
            "details",
            _("Further passport data (JSON)"),
            "textarea",
            help=_(
                "A JSON object merged into the declaration, e.g. "
                '{"attributes": {"warranty": {"years": 8}}, "documents": [...]}.'
            ),
        )
    ]


def composition_row(index: int) -> list[FormField]:
    prefix = f"composition[{index}]"
    return [
        FormField(f"{prefix}.substance", _("Substance")),
        FormField(f"{prefix}.mass_kg", _("Mass (kg)"), "decimal"),
        FormField(
            f"{prefix}.recycled_share_pre_consumer", _("Recycled share, pre-consumer"), "decimal"
        ),
        FormField(
            f"{prefix}.recycled_share_post_consumer", _("Recycled share, post-consumer"), "decimal"
        ),
        FormField(f"{prefix}.cas", _("CAS number")),
    ]


def origin_row(index: int) -> list[FormField]:
    prefix = f"origin[{index}]"
    return [
        FormField(f"{prefix}.substance", _("Substance")),
        FormField(f"{prefix}.country", _("Country of origin")),
        FormField(f"{prefix}.share", _("Share (0 to 1)"), "decimal"),
        FormField(f"{prefix}.supplier", _("Supplier")),
        FormField(f"{prefix}.facility", _("Facility")),
    ]


@dataclass
class Row:
    """A composition or origin row: its inputs and messages about the row as a whole."""

    index: int
    fields: list[FormField]
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.fields[0].name.split(".", 1)[0]


@dataclass
class RegistrationForm:
    """Everything the registration template renders, filled from a POST when there is one."""

    common: list[FormField]
    attributes: dict[str, list[FormField]]
    carbon: list[FormField]
    details: list[FormField]
    composition: list[Row]
    origin: list[Row]
    composition_errors: list[str] = field(default_factory=list)
    origin_errors: list[str] = field(default_factory=list)
    other_errors: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def blank(cls, data=None, add_rows: str = "") -> "RegistrationForm":
        data = data or {}
        composition = rows_wanted(data, "composition", COMPOSITION_ROWS, add_rows)
        origin = rows_wanted(data, "origin", ORIGIN_ROWS, add_rows)
        form = cls(
            common=common_fields(),
            attributes={t: attribute_fields(t) for t in PRODUCT_TYPE_LABELS},
            carbon=carbon_fields(),
            details=details_fields(),
            composition=[Row(i, composition_row(i)) for i in range(composition)],
            origin=[Row(i, origin_row(i)) for i in range(origin)],
        )
        fill_values(form.all_fields(), data)
        return form

    def all_fields(self) -> list[FormField]:
        fields = [*self.common, *self.carbon, *self.details]
        for group in self.attributes.values():
            fields.extend(group)
        for row in [*self.composition, *self.origin]:
            fields.extend(row.fields)
        return fields

    @property
    def attribute_groups(self) -> list[tuple[str, str, list[FormField]]]:
        return [(t, PRODUCT_TYPE_LABELS[t], fields) for t, fields in self.attributes.items()]

    @property
    def product_type(self) -> str:
        return self.common[0].value

    @property
    def error_count(self) -> int:
        rows = [*self.composition, *self.origin]
        return (
            sum(len(f.errors) for f in self.all_fields())
            + sum(len(r.errors) for r in rows)
            + len(self.composition_errors)
            + len(self.origin_errors)
            + len(self.other_errors)
        )

    def declaration(self) -> tuple[dict, dict[str, list[int]]]:
        """The declaration the form describes, and for each list which form row each item is.

        Blank inputs are left out, as a JSON client would leave the key out; fully blank rows
        are skipped, so items are renumbered and the row map takes messages back to their row."""
        values = {f.name: f.value for f in self.all_fields() if f.value != ""}
        product_type = values.get("product_type", "")
        declaration: dict = {}
        for name, value in values.items():
            if name.startswith(("attributes.", "composition[", "origin[")) or name == "details":
                continue
            head, _dot, tail = name.partition(".")
            if tail:
                declaration.setdefault(head, {})[tail] = value
            else:
                declaration[name] = value
        # Always present, so a missing country is reported on its input, not on the group.
        declaration.setdefault("manufacturing_place", {})
        prefix = f"attributes.{product_type}."
        declaration["attributes"] = {
            name.removeprefix(prefix): value
            for name, value in values.items()
            if name.startswith(prefix)
        }
        rows: dict[str, list[int]] = {}
        for list_name, form_rows in (("composition", self.composition), ("origin", self.origin)):
            items, rows[list_name] = [], []
            for row in form_rows:
                item = {f.name.split(".", 1)[1]: f.value for f in row.fields if f.value != ""}
                if item:
                    items.append(item)
                    rows[list_name].append(row.index)
            if items or list_name == "composition":
                declaration[list_name] = items
        problem = details_merge(declaration, values.get("details", ""))
        if problem:
            self.details[0].errors.append(problem)
        return declaration, rows

    def show_errors(self, errors: list[dict[str, str]], rows: dict[str, list[int]]) -> None:
        """Places the serializer's or service's messages on the inputs they are about."""
        product_type = self.product_type

        def rename(path: str) -> str:
            if path.startswith("attributes."):
                return f"attributes.{product_type}.{path.removeprefix('attributes.')}"
            match = ROW_INDEX.match(path)
            if match and int(match.group(2)) < len(rows.get(match.group(1), [])):
                row = rows[match.group(1)][int(match.group(2))]
                return f"{match.group(1)}[{row}]{path[match.end() :]}"
            return path

        unplaced = attach_errors(self.all_fields(), errors, rename)
        row_lists = {"composition": self.composition, "origin": self.origin}
        for error in unplaced:
            name = error["field"]
            match = ROW_INDEX.match(name)
            if name == "composition":
                self.composition_errors.append(error["message"])
            elif name == "origin":
                self.origin_errors.append(error["message"])
            elif match and int(match.group(2)) < len(row_lists[match.group(1)]):
                row_lists[match.group(1)][int(match.group(2))].errors.append(error["message"])
            else:
                self.other_errors.append(error)


def rows_wanted(data, list_name: str, default: int, add_rows: str) -> int:
    """As many rows as were posted (at least the default), plus more when asked for."""
    indexes = [
        int(match.group(2))
        for key in data
        if (match := ROW_INDEX.match(key)) and match.group(1) == list_name
    ]
    count = max(default, max(indexes, default=-1) + 1)
    if add_rows == list_name:
        count += ROWS_ADDED
    return min(count, MAX_ROWS[list_name])
