"""The urban-mine forecast: expected end-of-life element mass per year from the passports.

Inflow is the element mass placed on the market per year (passport composition times count;
the manufacture year stands in for products never reported as placed on the market); the
dynamic stock model with the product type's lifetime turns it into stock and outflow, the
expected end of life. Collected and recovered actuals come from the records.
"""

from collections import defaultdict
from decimal import Decimal

import numpy as np

from passports.models import CompositionEntry
from recycling.models import CollectionItem, InventoryCell
from recycling.services.collection_stats import default_lifetime
from recycling.stock_model import Lifetime, dsm_inflow_driven, lifetime_from_dict


def urban_mine_forecast(
    *, element: str, product_type: str, until: int, region: str = "",
    lifetime: Lifetime | None = None, lifetime_spec: dict | None = None,
) -> dict:  # fmt: skip
    """Inflow, stock and expected end of life per year, beside collected and recovered."""
    spec = lifetime_spec or default_lifetime(product_type)
    lifetime = lifetime or lifetime_from_dict(spec)
    inflow: dict[int, float] = defaultdict(float)
    entries = CompositionEntry.objects.filter(
        substance=element, passport__product_type=product_type, passport__archived_from=""
    ).values_list(
        "mass_kg",
        "passport__placed_on_market_on",
        "passport__manufactured_at",
        "passport__market_country",
        "passport__manufacturing_country",
        "passport_id",
        "passport__manufacturer_id",
    )
    products, manufacturers = set(), set()
    for mass, placed, made, market, made_in, passport, manufacturer in entries:
        if region and (market or made_in) != region[:2]:
            continue
        inflow[(placed or made).year] += float(mass)
        products.add(passport)
        manufacturers.add(str(manufacturer))
    collected: dict[int, float] = defaultdict(float)
    items = CollectionItem.objects.filter(passport__product_type=product_type).values_list(
        "collection__collected_at__year", "collection__region", "passport_id"
    )
    element_mass = dict(
        CompositionEntry.objects.filter(
            substance=element, passport__product_type=product_type
        ).values_list("passport_id", "mass_kg")
    )
    for year, where, passport in items:
        if not region or where.startswith(region[:2]):
            collected[year] += float(element_mass.get(passport, Decimal(0)))
    recovered: dict[int, float] = defaultdict(float)
    cells = InventoryCell.objects.filter(
        product_type=product_type, element=element, stage="recovered"
    )
    if region:
        cells = cells.filter(region=region[:2])
    for year, mass in cells.values_list("year", "mass_kg"):
        recovered[year] += float(mass)
    first = min([*inflow, *collected, *recovered], default=until)
    years = list(range(first, until + 1))
    series = np.array([inflow.get(year, 0.0) for year in years])
    model = dsm_inflow_driven(series, lifetime) if years else None
    return {
        "element": element,
        "product_type": product_type,
        "region": region or None,
        "lifetime": spec,
        "years": years,
        "inflow_kg": series.tolist(),
        "stock_kg": model.stock.tolist() if model else [],
        "expected_eol_kg": model.outflow.tolist() if model else [],
        "collected_kg": [collected.get(year, 0.0) for year in years],
        "recovered_kg": [recovered.get(year, 0.0) for year in years],
        # Every figure of the forecast derives from the products declaring the element.
        "population": {"products": len(products), "manufacturers": sorted(manufacturers)},
    }
