"""Collection rates: collected mass against what was placed on the market before.

Two denominators, as the issue of "what could have been collected" has two honest answers: the
average mass placed on the market in the three preceding years (Regulation (EU) 2023/1542
Art. 59, WEEE Directive Art. 7), and the stock model's outflow in the year (what reached end of
life, "available for collection").

Attribution follows Regulation (EU) 2023/1542 Art. 59 and Annex XI: a Member State's rate is the
mass collected in that Member State over the mass placed on that Member State's market. A
battery placed on the market in Germany and collected in Sweden therefore counts in Sweden's
numerator and Germany's denominator; that share of the numerator is published beside the rate
(`cross_border_kg`, and per market of origin), so a cross-border flow is visible instead of
silently inflating one country's rate. Against the three-year average a rate may exceed 100 %
(a shrinking market, a stored backlog) and is flagged; against what was available for
collection it may not: what was collected was available, so when the stock model expected
less than was collected, the collected mass is the denominator and the basis says so.
"""

from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.db.models import Count, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.utils import timezone

from passports.declaration import decimal_text
from passports.models import Passport
from passports.reference import load
from recycling.bounds import OBSERVED_BASIS, denominator_bounded
from recycling.digests import records_digest
from recycling.models import CollectionItem, Statistic
from recycling.services.exact import micro_kg, micro_sum
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


def _kg(value: Decimal) -> str:
    return decimal_text(value.quantize(SIX))


def _population(products: int, makers: set) -> dict:
    return {"products": products, "manufacturers": len(makers)}


def _category(product_type: str, attributes: str):
    """`product_category` in SQL: the battery category declared in the attributes."""
    if product_type != "battery":
        return Value("")
    return Coalesce(KeyTextTransform("category", attributes), Value(""), output_field=TextField())


def _kg_exact(micro: int) -> Decimal:
    """Whole milligrams as kilograms with six places, as a sum of the stored decimals is."""
    return micro_kg(micro).quantize(SIX)


def collection_statistics(product_type: str) -> list[Statistic]:
    """Collection-rate rows per country, category and year with collections.

    Collected and placed masses are summed in the database per country, category, year,
    market and maker (a handful of rows per statistic); only the collection events, whose ids
    the digest covers, are read one by one.
    """
    collected: dict[tuple, int] = defaultdict(int)
    crossing: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    records: dict[tuple, list] = defaultdict(list)
    products: dict[tuple, int] = defaultdict(int)
    manufacturers: dict[tuple, set] = defaultdict(set)
    items = CollectionItem.objects.filter(passport__product_type=product_type).annotate(
        country=Substr("collection__region", 1, 2),
        category=_category(product_type, "passport__attributes"),
        year=ExtractYear("collection__collected_at"),
    )
    for country, category, year, market, maker, micro, count in (
        items.values_list(
            "country", "category", "year", "passport__market_country", "passport__manufacturer_id"
        )
        .annotate(micro=micro_sum(Coalesce("mass_kg", "passport__mass_kg")), count=Count("id"))
        .order_by()
    ):
        key = (country, category, year)
        collected[key] += micro
        if market != country:
            # Placed on another market (or never reported as placed): counted here all the
            # same, as the Regulation counts it, and shown as such.
            crossing[key][market or "unknown"] += micro
        products[key] += count  # a product is collected once
        manufacturers[key].add(str(maker))
    for country, category, year, event in items.values_list(
        "country", "category", "year", "event_id"
    ).order_by():
        records[(country, category, year)].append(str(event))
    placed: dict[tuple, Decimal] = defaultdict(Decimal)
    placed_products: dict[tuple, int] = defaultdict(int)
    placed_makers: dict[tuple, set] = defaultdict(set)
    for market, category, year, maker, micro, count in (
        Passport.objects.filter(
            product_type=product_type, placed_on_market_on__isnull=False, archived_from=""
        )
        .annotate(
            category=_category(product_type, "attributes"), year=ExtractYear("placed_on_market_on")
        )
        .values_list("market_country", "category", "year", "manufacturer_id")
        .annotate(micro=micro_sum("mass_kg"), count=Count("id"))
        .order_by()
    ):
        key = (market, category, year)
        placed[key] += micro
        placed_products[key] += count
        placed_makers[key].add(maker)
    placed = {key: _kg_exact(micro) for key, micro in placed.items()}
    collected = {key: _kg_exact(micro) for key, micro in collected.items()}
    crossing = {
        key: {market: _kg_exact(micro) for market, micro in by_market.items()}
        for key, by_market in crossing.items()
    }
    now = timezone.now()
    rows = []
    for (country, category, year), mass in sorted(collected.items()):
        key = (country, category, year)
        history = {y: placed.get((country, category, y), ZERO) for y in range(year - 3, year)}
        average = (sum(history.values(), ZERO) / 3).quantize(SIX)
        from_abroad = crossing.get(key, {})
        common = {
            "bucket": f"collection|{product_type}",
            "metric": "collection_rate",
            "product_type": product_type,
            "year": year,
            "category": category,
            "region": country,
            "numerator_kg": mass,
            "digest": records_digest(records[key]),
            "product_count": products[key],
            "manufacturers": sorted(manufacturers[key]),
            "computed_at": now,
        }
        crossing_detail = {
            "cross_border_kg": _kg(sum(from_abroad.values(), ZERO)),
            "cross_border_from": {market: _kg(kg) for market, kg in sorted(from_abroad.items())},
        }

        def placed_population(years, country=country, category=category) -> dict:
            keys = [(country, category, y) for y in years]
            return _population(
                sum(placed_products.get(k, 0) for k in keys),
                set().union(*(placed_makers.get(k, set()) for k in keys)),
            )

        if average:
            rows.append(
                Statistic(
                    basis="placed_on_market_3y_average",
                    denominator_kg=average,
                    detail={
                        "placed_on_market_kg": {str(y): str(m) for y, m in history.items()},
                        "denominator_population": placed_population(history),
                        **crossing_detail,
                    },
                    **common,
                )
            )
        expected = available_for_collection(placed, country, category, product_type, year)
        if expected:
            denominator = denominator_bounded(expected=expected, observed=mass)
            placed_years = {
                y for (c, k, y) in placed if (c, k) == (country, category) and y <= year
            }
            rows.append(
                Statistic(
                    basis=OBSERVED_BASIS["available_for_collection"]
                    if denominator.observed
                    else "available_for_collection",
                    denominator_kg=denominator.kg,
                    detail={
                        "lifetime": default_lifetime(product_type),
                        "modelled_kg": _kg(expected),
                        "denominator_population": placed_population(sorted(placed_years)),
                        **crossing_detail,
                    },
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
