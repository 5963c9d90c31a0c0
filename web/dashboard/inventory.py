"""The secondary-resource inventory: element mass by stage, as `/api/v1/inventory` reads it."""

from collections import defaultdict
from decimal import Decimal

from django.shortcuts import render
from django.utils.translation import gettext as _

from passports.declaration import decimal_text
from passports.models import ProductType
from recycling.api.statistics import STAGES, InventoryQuery
from recycling.models import InventoryCell
from recycling.services.inventory import UNFC
from recycling.services.reporting import rounded_text
from web.access import area_required
from web.dashboard.labels import PRODUCT_TYPE_LABELS, STAGE_LABELS, label
from web.dashboard.queries import query_read, query_values

FILTERS = ["region", "product_type", "category", "year", "stage", "element"]
# Stages a product passes through one after another, so their masses can be stacked; the
# expected end of life forecasts part of what is in use and is drawn beside them, not on top.
STACKED = ["in_use", "collected", "in_treatment", "recovered", "lost"]


def _grade(mass: Decimal, product_mass: Decimal | None) -> str:
    """kg of the element per tonne of product."""
    return (
        decimal_text((mass * 1000 / product_mass).quantize(Decimal("0.1"))) if product_mass else ""
    )


def inventory_table(cells) -> tuple[list[dict], list[str]]:
    """Mass per element and stage, with the grade; one UNFC class per stage, never mixed."""
    mass: dict[tuple, Decimal] = defaultdict(Decimal)
    product: dict[tuple, Decimal] = defaultdict(Decimal)
    for cell in cells:
        mass[(cell.element, cell.stage)] += cell.mass_kg
        product[(cell.element, cell.stage)] += cell.product_mass_kg
    stages = [s for s in STAGES if any(stage == s for _, stage in mass)]
    elements = sorted({element for element, _ in mass})
    rows = []
    for element in elements:
        rows.append(
            {
                "element": element,
                "cells": [
                    {
                        "stage": stage,
                        "mass_kg": rounded_text(mass[(element, stage)])
                        if (element, stage) in mass else "",
                        "grade": _grade(mass[(element, stage)], product.get((element, stage))),
                        "value": float(mass.get((element, stage), 0)),
                    }
                    for stage in stages
                ],
            }
        )  # fmt: skip
    return rows, stages


@area_required("dashboard")
def inventory(request):
    """Element mass by stage for the chosen region, product, chemistry, year and stage."""
    query, errors = query_read(InventoryQuery, request.GET)
    rows, stages = [], []
    if not errors:
        filters = {k: v for k, v in query.items() if k != "region"}
        cells = InventoryCell.objects.filter(**filters)
        if query.get("region"):
            cells = cells.filter(region=query["region"][:2])
        rows, stages = inventory_table(cells)
    stage_heads = [{"code": s, "label": label(STAGE_LABELS, s), "unfc": UNFC[s]} for s in stages]
    chart = {
        "labels": [row["element"] for row in rows],
        "datasets": [
            {
                "label": str(head["label"]),
                "stage": head["code"],
                "stack": "flow" if head["code"] in STACKED else "forecast",
                "data": [row["cells"][index]["value"] for row in rows],
            }
            for index, head in enumerate(stage_heads)
        ],
        "axis": _("Element mass (kg)"),
    }
    context = {
        "values": query_values(request.GET, FILTERS),
        "errors": errors,
        "rows": rows,
        "stage_heads": stage_heads,
        "chart": chart,
        "product_types": [(v, label(PRODUCT_TYPE_LABELS, v)) for v in ProductType.values],
        "stages": [(s, label(STAGE_LABELS, s)) for s in STAGES],
        "elements": sorted(set(InventoryCell.objects.values_list("element", flat=True))),
    }
    return render(request, "web/dashboard/inventory.html", context, status=400 if errors else 200)
