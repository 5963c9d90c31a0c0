"""The passport page's attribute groups, label symbols, performance values with their units,
a chart per value reported over the product's life, and the mandatory values never reported.

Everything starts from the tier-filtered passport, so a group holds exactly what the reader's
tier may see; what it may not see is listed as withheld by the page's access section.
"""

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from web.console.schema_inputs import flatten, key_label, path_label, unit
from web.console.views.health import HEALTH_LABELS
from web.passport.charts import number
from web.passport.labels import HEALTH_FIELDS, label

# The battery's attributes by topic, in the order a reader looks for them; an attribute named
# in no group (a field added to the schema later) joins "Performance and durability". The
# registration form uses the same groups.
BATTERY_GROUPS = [
    (
        "identity",
        _("Identity and operator"),
        ("category", "chemistry", "manufacturer_information", "operator", "warranty"),
    ),
    ("labels", _("Labels and symbols"), ("labels",)),
    ("due_diligence", _("Due diligence"), ("due_diligence",)),
    (
        "materials",
        _("Materials and hazardous substances"),
        ("materials", "hazardous_substances", "extinguishing_agent"),
    ),
    (
        "circularity",
        _("Circularity"),
        ("part_numbers", "spare_parts_sources", "renewable_content_pct"),
    ),
    ("performance", _("Performance and durability"), ()),
]
# Shown in the page's product card and safety section instead.
PRODUCT_CARD = ("category", "chemistry")
SAFETY_CARD = ("extinguishing_agent",)
ELSEWHERE = {*PRODUCT_CARD, *SAFETY_CARD}
# Symbols drawn from our own static files, so the page needs no image from elsewhere (the
# Content Security Policy allows images from this site only).
# Every value a health report can carry: the report form's words, the page's where it has them.
DYNAMIC_LABELS = HEALTH_LABELS | HEALTH_FIELDS
SYMBOL_IMAGES = {"separate_collection": "web/symbols/separate_collection.svg"}


def with_unit(key: str, value) -> str:
    """A value with the unit its field name carries: "75" -> "75 kWh"."""
    suffix = unit(key)
    if suffix == "years":
        suffix = str(_("years"))
    return f"{value} {suffix}" if suffix and value not in ("", None) else str(value)


def value_rows(key: str, value) -> list[tuple[str, str]]:
    """(label, value) pairs for one attribute; a nested object gives one pair per value."""
    if isinstance(value, dict):
        return [
            (path_label((key, *path.split("."))), with_unit(path.rsplit(".", 1)[-1], text))
            for path, text in flatten(value).items()
        ]
    if isinstance(value, list) and not value:
        return [(key_label(key), str(_("none")))]
    if isinstance(value, list) and not all(isinstance(item, dict) for item in value):
        return [(key_label(key), ", ".join(str(v) for v in value))]
    return [(key_label(key), with_unit(key, value))]


LEADING_COLUMNS = {"name": 0, "substance": 1, "component": 2}


def item_table(key: str, items: list[dict]) -> dict:
    """A list of objects as a table: one column per value any item has."""
    rows = [flatten(item) for item in items]
    # Stored JSON may come back with its keys reordered (PostgreSQL's jsonb does), so the order
    # is fixed here: what the item is first, then its values by name.
    columns = sorted(
        {path for row in rows for path in row},
        key=lambda path: (LEADING_COLUMNS.get(path, len(LEADING_COLUMNS)), path),
    )
    return {
        "key": key,
        "label": key_label(key),
        "columns": [path_label(tuple(path.split("."))) for path in columns],
        "rows": [
            [with_unit(path.rsplit(".", 1)[-1], row.get(path, "")) for path in columns]
            for row in rows
        ],
    }


def symbols(labels: dict) -> list[dict]:
    """Each label or symbol on the product: its image (or where to find it) and its meaning."""
    found = []
    for key, value in labels.items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            local = SYMBOL_IMAGES.get(item.get("identifier", ""))
            found.append(
                {
                    "name": key_label(key),
                    "image": static(local) if local else "",
                    "image_url": item.get("image_url", ""),
                    "meaning": item.get("meaning", ""),
                }
            )
    return found


def attribute_sections(product_type: str, attributes: dict) -> list[dict]:
    """The attributes the reader may see, grouped; an empty group is left out."""
    if product_type != "battery":
        return []
    named = {name for _key, _legend, names in BATTERY_GROUPS for name in names}
    sections = []
    for key, heading, names in BATTERY_GROUPS:
        members = [
            name
            for name in attributes
            if name not in ELSEWHERE and (name in names or (not names and name not in named))
        ]
        facts, tables, symbol_list = [], [], []
        for name in members:
            value = attributes[name]
            if name == "labels" and isinstance(value, dict):
                symbol_list = symbols(value)
                facts += [
                    (key_label(k), str(_("none")))
                    for k, v in value.items()
                    if isinstance(v, list) and not v
                ]
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                tables.append(item_table(name, value))
            else:
                facts += value_rows(name, value)
        if facts or tables or symbol_list:
            sections.append(
                {
                    "key": key,
                    "heading": heading,
                    "facts": facts,
                    "tables": tables,
                    "symbols": symbol_list,
                }
            )
    return sections


def dynamic_charts(reports: list[dict]) -> list[dict]:
    """One line chart per numeric value reported over the product's life, with its unit."""
    names = list(
        dict.fromkeys(
            name
            for report in reports
            for name, value in report["values"].items()
            if not isinstance(value, bool) and number(value) is not None
        )
    )
    charts = []
    for name in names:
        points = [(r["occurred_at"][:10], number(r["values"].get(name))) for r in reports]
        words = label(DYNAMIC_LABELS, name)
        charts.append(
            {
                "id": f"chart-dynamic-{name}",
                "label": words,
                "spec": {
                    "type": "line",
                    "unit": unit(name) if unit(name) != "years" else "",
                    "labels": [when for when, _value in points],
                    "datasets": [{"label": words, "values": [v for _when, v in points]}],
                },
            }
        )
    return charts


def missing_mandatory(data: dict) -> list[str]:
    """The mandatory values over the battery's life that no health report has given yet."""
    return [label(DYNAMIC_LABELS, name) for name in data.get("missing_dynamic") or []]
