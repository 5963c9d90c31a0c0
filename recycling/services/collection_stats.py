"""Collection rates: collected mass against what was placed on the market before.

Two denominators, as the issue of "what could have been collected" has two honest answers: the
average mass placed on the market in the three preceding years (Regulation (EU) 2023/1542
Art. 59, WEEE Directive Art. 7), and the stock model's outflow in the year (what reached end of
life, "available for collection").
"""

from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.utils import timezone

from passports.models import Passport
from passports.reference import load
from recycling.digests import records_digest
from recycling.models import CollectionItem, Statistic
from recycling.stock_model import dsm_inflow_driven, lifetime_from_dict

ZERO = Decimal(0)
SIX = Decimal("0.000001")


def product_category(product_type: str, attributes: dict) -> str:
    """Collection targets for batteries are set per battery category (portable, LMT, ...)."""
    return attributes.get("category", "") if product_type == "battery" else ""


def default_lifetime(product_type: str) -> dict:
    """The reference lifetime of a product type, as the stock model takes it."""
    reference = load("lifetimes")["defaults"][product_type]
    return {k: v for k, v in reference.items() if k in ("type", "mean", "sd", "shape", "scale")}


def collection_statistics(product_type: str) -> list[Statistic]:
    """Collection-rate rows per country, category and year with collections."""
    collected: dict[tuple, Decimal] = defaultdict(Decimal)
    records: dict[tuple, list] = defaultdict(list)
    products: dict[tuple, set] = defaultdict(set)
    manufacturers: dict[tuple, set] = defaultdict(set)
    items = CollectionItem.objects.filter(passport__product_type=product_type).select_related(
        "collection", "passport"
    )
    for item in items:
        key = (
            item.collection.region[:2],
            product_category(product_type, item.passport.attributes),
            item.collection.collected_at.year,
        )
        mass = item.mass_kg if item.mass_kg is not None else item.passport.mass_kg
        collected[key] += mass
        records[key].append(str(item.event_id))
        products[key].add(item.passport_id)
        manufacturers[key].add(str(item.passport.manufacturer_id))
    placed: dict[tuple, Decimal] = defaultdict(Decimal)
    placed_passports = Passport.objects.filter(
        product_type=product_type, placed_on_market_on__isnull=False
    ).only("market_country", "placed_on_market_on", "mass_kg", "attributes")
    for passport in placed_passports:
        category = product_category(product_type, passport.attributes)
        placed[(passport.market_country, category, passport.placed_on_market_on.year)] += (
            passport.mass_kg
        )
    now = timezone.now()
    rows = []
    for (country, category, year), mass in sorted(collected.items()):
        history = {y: placed.get((country, category, y), ZERO) for y in range(year - 3, year)}
        average = (sum(history.values(), ZERO) / 3).quantize(SIX)
        common = {
            "bucket": f"collection|{product_type}",
            "metric": "collection_rate",
            "product_type": product_type,
            "year": year,
            "category": category,
            "region": country,
            "numerator_kg": mass,
            "digest": records_digest(records[(country, category, year)]),
            "product_count": len(products[(country, category, year)]),
            "manufacturers": sorted(manufacturers[(country, category, year)]),
            "computed_at": now,
        }
        if average:
            rows.append(
                Statistic(
                    basis="placed_on_market_3y_average",
                    denominator_kg=average,
                    detail={"placed_on_market_kg": {str(y): str(m) for y, m in history.items()}},
                    **common,
                )
            )
        available = available_for_collection(placed, country, category, product_type, year)
        if available:
            rows.append(
                Statistic(
                    basis="available_for_collection",
                    denominator_kg=available,
                    detail={"lifetime": default_lifetime(product_type)},
                    **common,
                )
            )
    return rows


def available_for_collection(placed, country, category, product_type, year) -> Decimal:
    """The stock model's outflow in the year, from the mass placed on the market by year."""
    years = sorted(y for (c, k, y) in placed if c == country and k == category)
    if not years or years[0] >= year:
        return ZERO
    start = years[0]
    inflow = np.array(
        [float(placed.get((country, category, y), ZERO)) for y in range(start, year + 1)]
    )
    lifetime = lifetime_from_dict(default_lifetime(product_type))
    outflow = dsm_inflow_driven(inflow, lifetime).outflow[-1]
    return Decimal(str(round(float(outflow), 6)))
