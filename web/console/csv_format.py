"""The CSV import format: one passport per row, nested lists written compactly in one cell.

Columns are the declaration's fields. Attributes of all three product types have a column each;
a row fills those of its own type. Lists that a spreadsheet cannot nest use one cell:

- composition: `substance:mass_kg[:post-consumer share[:pre-consumer share]]` entries separated
  by `;`, e.g. `Li:6.9:0.06;Co:5.7:0.16;Ni:45.6`
- origin: `substance:country:share[:supplier]` entries separated by `;`, e.g. `Co:CD:0.7:Mine Co`
- hazardous_substances: names separated by `;` (PV modules; a battery's are objects, see below)

Nested values have a column named by their field path (`attributes.hazardous_substances[0].name`,
`documents[2].url`, `carbon_footprint.stages.main_production`): see csv_columns.py. Two
templates offer the columns: one for batteries, one for PV modules and magnets. The `details`
column (a JSON object merged into the declaration) is still read, for files written before the
path columns existed.

This module knows the format only; validation is `PassportDeclaration`'s, as in the API.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from biip.checksums import gs1_standard_check_digit
from django.utils.translation import gettext as _
from rest_framework import serializers

from passports.declaration import ATTRIBUTE_SCHEMAS
from passports.spreadsheet import DictWriter, is_formula
from recycling.battery_facts import (
    END_USER_DOCUMENTS,
    battery_facts,
    carbon_stages,
    postal_address,
)
from recycling.pv_facts import pv_datasheet
from web.console import csv_columns, schema_inputs
from web.console.fields import details_merge

COMMON_COLUMNS = [
    "product_type", "gtin", "serial", "gbt_code", "model", "batch", "manufactured_at",
    "manufacturing_country", "manufacturing_facility", "mass_kg",
]  # fmt: skip
# Attributes a cell can hold; nested objects and lists of objects go in the details column.
ATTRIBUTE_COLUMNS = list(
    dict.fromkeys(
        name
        for schema in ATTRIBUTE_SCHEMAS.values()
        for name, field in schema().fields.items()
        if not isinstance(field, (serializers.Serializer, serializers.ListSerializer))
    )
)
CARBON_COLUMNS = [
    "carbon_footprint_kg_co2e_per_kwh", "carbon_footprint_kg_co2e_per_kwp",
    "carbon_footprint_kg_co2e_per_kg", "carbon_footprint_total_kg_co2e",
]  # fmt: skip
LIST_COLUMNS = ["composition", "origin"]
COLUMNS = COMMON_COLUMNS + ATTRIBUTE_COLUMNS + CARBON_COLUMNS + LIST_COLUMNS + ["details"]
LIST_ATTRIBUTES = {"hazardous_substances"}
DELIMITERS = [",", ";", "\t"]
MAX_FILE_BYTES = 8 * 1024 * 1024
ROW_PATH = re.compile(r"^(composition|origin)\[")


class CsvProblem(ValueError):
    """The file as a whole cannot be read: wrong encoding, unknown columns, too many rows."""


@dataclass
class CellError:
    """A problem with one row, named by the declaration field path it concerns."""

    field: str
    message: str


def column_of(path: str) -> str:
    """The CSV column a declaration field path comes from (details for what has none)."""
    path_column = csv_columns.column_for_path(path)
    if path_column is not None:
        return path_column
    if path.startswith("manufacturing_place."):
        column = "manufacturing_" + path.removeprefix("manufacturing_place.").split(".")[0]
    elif path.startswith("attributes."):
        column = re.split(r"[.\[]", path.removeprefix("attributes."))[0]
    elif path.startswith("carbon_footprint."):
        column = "carbon_footprint_" + path.removeprefix("carbon_footprint.").split(".")[0]
    else:
        column = re.split(r"[.\[]", path)[0]
    if column not in COLUMNS and column not in ("", "attributes", "carbon_footprint"):
        return "details"
    return column


def read_rows(data: bytes, max_rows: int) -> list[tuple[int, dict[str, str]]]:
    """The non-blank rows with their spreadsheet row numbers (the header is row 1)."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvProblem(_("The file is larger than 8 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvProblem(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration as exc:
        raise CsvProblem(_("The file is empty.")) from exc
    except csv.Error as exc:
        raise CsvProblem(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    unknown = [
        name
        for name in header
        if name and name not in COLUMNS and not csv_columns.is_path_column(name)
    ]
    if unknown:
        raise CsvProblem(
            _("Unknown columns: %(columns)s. Use the columns of the template.")
            % {"columns": ", ".join(unknown)}
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise CsvProblem(_("Repeated columns: %(columns)s.") % {"columns": ", ".join(repeated)})
    if "product_type" not in header:
        raise CsvProblem(_("The header has no product_type column."))
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                raise CsvProblem(
                    _("Row %(row)s has more cells than the header has columns.") % {"row": number}
                )
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
            rows.append((number, {name: value for name, value in values.items() if name and value}))
            if len(rows) > max_rows:
                raise CsvProblem(
                    _("The file has more than %(limit)s passports; split it.") % {"limit": max_rows}
                )
    except csv.Error as exc:
        raise CsvProblem(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    if not rows:
        raise CsvProblem(_("The file has a header but no passports."))
    return rows


def path_of(column: str) -> str:
    """The declaration field path a CSV column fills; `column_of` reverses it."""
    if csv_columns.is_path_column(column):
        return column
    if column.startswith("manufacturing_"):
        return "manufacturing_place." + column.removeprefix("manufacturing_")
    if column in CARBON_COLUMNS:
        return "carbon_footprint." + column.removeprefix("carbon_footprint_")
    if column in ATTRIBUTE_COLUMNS:
        return f"attributes.{column}"
    return column


def formula_errors(cells: dict[str, str]) -> list[CellError]:
    """Cells, or parts of a list cell, that a spreadsheet would run as a formula.

    Refused rather than stored: the text would come back out in CSV files other people open.
    A plain number such as `-1.5` is not a formula (see `passports.spreadsheet`).
    """
    errors = []
    for column, cell in cells.items():
        parts = [cell]
        if column in LIST_COLUMNS or column in LIST_ATTRIBUTES or csv_columns.list_cell(column):
            parts += [part.strip() for part in re.split(r"[;:]", cell)]
        if any(is_formula(part) for part in parts):
            message = _(
                "Text may not start with =, +, - or @ (a number may): spreadsheets run such "
                "a cell as a formula."
            )
            errors.append(CellError(path_of(column), message))
    return errors


def row_declaration(cells: dict[str, str]) -> tuple[dict, list[CellError]]:
    """The declaration a row describes (blank cells left out) and the cells it could not read."""
    errors = formula_errors(cells)
    refused = {column_of(error.field) for error in errors}
    cells = {name: value for name, value in cells.items() if name not in refused}
    declaration: dict = {
        name: cells[name]
        for name in ("product_type", "gtin", "serial", "gbt_code", "model", "batch")
        if name in cells
    }
    for name in ("manufactured_at", "mass_kg"):
        if name in cells:
            declaration[name] = cells[name]
    declaration["manufacturing_place"] = {
        key: cells[f"manufacturing_{key}"]
        for key in ("country", "facility")
        if f"manufacturing_{key}" in cells
    }
    product_type = cells.get("product_type", "")
    schema = ATTRIBUTE_SCHEMAS.get(product_type)
    allowed = set(schema().fields) if schema else set(ATTRIBUTE_COLUMNS)
    attributes = {}
    for name in ATTRIBUTE_COLUMNS:
        if name not in cells:
            continue
        if name not in allowed:
            errors.append(
                CellError(
                    f"attributes.{name}",
                    _("This column is not used for product type %(type)s; leave it empty.")
                    % {"type": product_type},
                )
            )
        elif name in LIST_ATTRIBUTES:
            attributes[name] = [part.strip() for part in cells[name].split(";") if part.strip()]
        else:
            attributes[name] = cells[name]
    declaration["attributes"] = attributes
    carbon = {
        column.removeprefix("carbon_footprint_"): cells[column]
        for column in CARBON_COLUMNS
        if column in cells
    }
    if carbon:
        declaration["carbon_footprint"] = carbon
    declaration["composition"] = _entries(
        cells.get("composition", ""),
        "composition",
        ["substance", "mass_kg", "recycled_share_post_consumer", "recycled_share_pre_consumer"],
        errors,
    )
    if "origin" in cells:
        declaration["origin"] = _entries(
            cells["origin"], "origin", ["substance", "country", "share", "supplier"], errors
        )
    nested, problems = csv_columns.path_values(cells, product_type)
    csv_columns.merge(declaration, nested)
    errors += [CellError(column, message) for column, message in problems]
    problem = details_merge(declaration, cells.get("details", ""))
    if problem:
        errors.append(CellError("details", problem))
    return declaration, errors


def _entries(cell: str, column: str, keys: list[str], errors: list[CellError]) -> list[dict]:
    items = []
    for index, entry in enumerate(part for part in cell.split(";") if part.strip()):
        parts = [part.strip() for part in entry.split(":")]
        if column == "origin" and len(parts) > len(keys):
            # A supplier's name may itself contain a colon.
            parts = [*parts[: len(keys) - 1], ":".join(parts[len(keys) - 1 :])]
        if len(parts) < 2 or len(parts) > len(keys):
            errors.append(
                CellError(
                    f"{column}[{index}]",
                    _("“%(entry)s” does not read as %(format)s.")
                    % {"entry": entry.strip(), "format": ":".join(keys)},
                )
            )
            continue
        items.append({key: value for key, value in zip(keys, parts, strict=False) if value})
    return items


def example_gtin(prefix: str, item: int) -> str:
    """A GTIN-14 under the company prefix with a correct check digit, for the template."""
    prefix = prefix or "9506000"
    body = "0" + prefix + str(item).zfill(12 - len(prefix))
    return body + str(gs1_standard_check_digit(body))


def example_cells(part: dict) -> dict[str, str]:
    """A declaration part as the template's cells: flat columns where there is one, path
    columns for the rest, `none` for a list stated empty."""
    cells = {}
    for path, text in schema_inputs.flatten(part).items():
        name = path.removeprefix("attributes.")
        column = name if path.startswith("attributes.") and name in ATTRIBUTE_COLUMNS else path
        cells[column] = text if text != "" else csv_columns.NONE
    return cells


def _example_pv_cells() -> dict[str, str]:
    """A PV module's EN 50380 datasheet, its power warranty in the path columns."""
    datasheet = pv_datasheet(
        technology="c-Si-mono", pmax_w=Decimal(420), area_m2=Decimal("1.95"), silver_g=Decimal(7)
    )
    return example_cells({"attributes": datasheet})


def _example_battery_cells() -> dict[str, str]:
    """The data an EV battery must carry (Annex XIII), spread over the path columns."""
    attributes = battery_facts(
        maker="Example Cells GmbH", domain="example.com", country="DE", chemistry="NMC811",
        kwh=Decimal(75), voltage_v=Decimal(400),
    )  # fmt: skip
    attributes["warranty"] = {"years": 8}
    part = {
        "attributes": attributes,
        "manufacturing_place": {"address": postal_address("Musterstadt", "DE")},
        "carbon_footprint": {
            "stages": carbon_stages(Decimal("61.2")),
            "performance_class": "B",
            "study_url": "https://example.com/carbon-footprint-study.pdf",
        },
        "documents": [
            {"kind": kind, "url": f"https://example.com/docs/{kind}.pdf"}
            for kind in END_USER_DOCUMENTS
        ],
    }
    return example_cells(json.loads(json.dumps(part, default=str)))


TEMPLATE_TYPES = {"battery": ["battery"], "pv_magnet": ["pv_module", "magnet"]}


def template_columns(family: str) -> list[str]:
    """A template's columns: the common ones, the family's flat attributes, the lists, then a
    column for every nested value of the family."""
    types = TEMPLATE_TYPES[family]
    flat = [
        name
        for name in ATTRIBUTE_COLUMNS
        if any(
            name in fields and not isinstance(fields[name], serializers.ListSerializer)
            for fields in (ATTRIBUTE_SCHEMAS[t]().fields for t in types)
        )
    ]
    carbon = {
        "battery": ["carbon_footprint_kg_co2e_per_kwh"],
        "pv_magnet": ["carbon_footprint_kg_co2e_per_kwp", "carbon_footprint_kg_co2e_per_kg"],
    }[family] + ["carbon_footprint_total_kg_co2e"]
    return COMMON_COLUMNS + flat + carbon + LIST_COLUMNS + csv_columns.template_columns(types)


def template_csv(gs1_company_prefix: str, family: str = "battery") -> str:
    """The header and an example row per product type of the family, ready for a spreadsheet."""
    examples = [
        {
            "product_type": "battery", "gtin": example_gtin(gs1_company_prefix, 1),
            "serial": "BAT-000001", "model": "P75", "batch": "B-2026-01",
            "manufactured_at": "2026-03-14", "manufacturing_country": "DE",
            "manufacturing_facility": "Plant 1", "mass_kg": "450", "category": "ev",
            "chemistry": "NMC811", "rated_energy_kwh": "75", "nominal_voltage_v": "400",
            "expected_lifetime_years": "12", "expected_lifetime_cycles": "2000",
            "extinguishing_agent": "Water in large quantities",
            "carbon_footprint_kg_co2e_per_kwh": "61.2",
            "composition": "Li:6.9:0.06;Co:5.7:0.16;Ni:45.6;graphite:64",
            "origin": "Co:CD:0.7:Mine Co;Co:AU:0.3",
            **_example_battery_cells(),
        },
        {
            "product_type": "pv_module", "gtin": example_gtin(gs1_company_prefix, 2),
            "serial": "PV-000001", "model": "Mono 420", "manufactured_at": "2025-09-01",
            "manufacturing_country": "CN", "mass_kg": "21.5",
            **_example_pv_cells(),
            "composition": "glass:17.5;Al:2.62;Si:0.77;Ag:0.007;Cu:0.016",
            "origin": "Si:CN:1",
        },
        {
            "product_type": "magnet", "gtin": example_gtin(gs1_company_prefix, 3),
            "serial": "MAG-000001", "model": "Rotor set R1", "manufactured_at": "2024-05-20",
            "manufacturing_country": "JP", "mass_kg": "1.2", "magnet_type": "NdFeB",
            "grade": "N42SH", "application": "ev_motor",
            "composition": "Nd:0.264;Pr:0.072;Dy:0.036;Fe:0.786;B:0.012",
            "origin": "Nd:CN:0.9;Nd:AU:0.1",
        },
    ]  # fmt: skip
    types = TEMPLATE_TYPES[family]
    buffer = io.StringIO()
    writer = DictWriter(buffer, fieldnames=template_columns(family), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(row for row in examples if row["product_type"] in types)
    return buffer.getvalue()
