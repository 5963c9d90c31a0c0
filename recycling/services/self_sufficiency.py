"""Self-sufficiency forecasts from the passports: demand history, lifetimes and observed rates.

Demand is the element mass in products placed on the market, per year, from the passports;
the current year is not over, so the history ends with the last full year (the base year) and
the scenario's growth carries it on. Products are split into streams by product type and, for
batteries, category, because lifetimes and collection rates differ between them.

Observed rates, pooled over every year recorded (sum of numerators over sum of denominators):
- collection: the collection-rate statistics against what was available for collection (the
  stock model's outflow; the arisings are that outflow, so the rate applies to them), in the
  market for the stream's product type and category; failing that, in every market; failing
  that, the product type's in every market; failing that, none observed (0);
- recovery: the material-recovery statistics of the element for the product type, of every
  recycler (products placed on one market are treated wherever they are recycled).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from passports.models import CompositionEntry
from recycling.disclosure import Population, combined
from recycling.models import Statistic
from recycling.self_sufficiency import (
    DEFAULT_SCENARIO,
    SCENARIOS,
    Scenario,
    Stream,
    self_sufficiency,
)
from recycling.services.collection_stats import default_lifetime, product_category
from recycling.stock_model import lifetime_from_dict
from recycling.targets import applicable_target

TARGET_REGIME = "EU"


def _observed(statistics, attempts: list[tuple[str, dict]]) -> dict:
    """The first pooled rate found among the attempts, with what it rests on."""
    for scope, filters in attempts:
        rows = list(statistics.filter(**filters).values_list(
            "numerator_kg", "denominator_kg", "product_count", "manufacturers"))  # fmt: skip
        numerator = sum((row[0] for row in rows), Decimal(0))
        denominator = sum((row[1] for row in rows), Decimal(0))
        if denominator > 0:
            population = combined(Population(row[2], frozenset(row[3])) for row in rows)
            return {
                "rate": min(float(numerator / denominator), 1.0),
                "scope": scope,
                "statistics": len(rows),
                "numerator_kg": float(numerator),
                "denominator_kg": float(denominator),
                "population": population,
            }
    return {"rate": 0.0, "scope": "none observed", "statistics": 0, "numerator_kg": 0.0,
            "denominator_kg": 0.0, "population": None}  # fmt: skip


def observed_collection(*, product_type: str, category: str, market: str | None) -> dict:
    """Collected over available for collection, pooled over the years, for the narrowest scope
    with statistics."""
    statistics = Statistic.objects.filter(
        metric="collection_rate",
        product_type=product_type,
        basis__startswith="available_for_collection",
    )
    attempts = []
    if market:
        attempts.append(("market", {"category": category, "region": market}))
    attempts += [("all markets", {"category": category}), ("product type", {})]
    return _observed(statistics, attempts)


def observed_recovery(*, product_type: str, element: str) -> dict:
    """Material recovery of the element, pooled over recyclers and years."""
    statistics = Statistic.objects.filter(
        metric="material_recovery", product_type=product_type, element=element
    )
    return _observed(statistics, [("all recyclers", {})])


def _yearly(years: list[int], observed: float, fixed: float | None, target_of) -> tuple:
    """Rates per year: the scenario's fixed rate, else the target in force, else observed."""
    rates, targets = {}, {}
    for year in years:
        target = None if fixed is not None or target_of is None else target_of(year)
        if fixed is not None:
            rates[year] = fixed
        elif target is not None:
            rates[year] = target["percent"] / 100
            targets[target["in_force_since"]] = target
        else:
            rates[year] = observed
    return rates, sorted(targets.values(), key=lambda t: t["in_force_since"])


def scenario_resolve(key: str | None, overrides: dict) -> tuple[str, Scenario, list[str]]:
    """The named scenario with the caller's changes, and which parameters were changed."""
    key = key or DEFAULT_SCENARIO
    given = {name: value for name, value in overrides.items() if value is not None}
    return key, SCENARIOS[key].with_overrides(**given), sorted(given)


def self_sufficiency_forecast(
    *, element: str, until: int, market: str | None = None, scenario: str | None = None,
    overrides: dict | None = None, today: dt.date | None = None,
) -> dict:  # fmt: skip
    """Yearly demand, arisings, secondary supply and SSR of one element on one market (or all)."""
    key, chosen, changed = scenario_resolve(scenario, overrides or {})
    base_year = (today or timezone.localdate()).year - 1
    entries = CompositionEntry.objects.filter(
        substance=element, passport__placed_on_market_on__isnull=False, passport__archived_from="",
        passport__placed_on_market_on__year__lte=base_year,
    )  # fmt: skip
    if market:
        entries = entries.filter(passport__market_country=market)
    history: dict[tuple, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    products, manufacturers = set(), set()
    # Who stands behind each published part of the history: a year of demand, a stream's series.
    parts: dict[tuple, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for mass, placed, product_type, attributes, passport, maker in entries.values_list(
        "mass_kg", "passport__placed_on_market_on", "passport__product_type",
        "passport__attributes", "passport_id", "passport__manufacturer_id",
    ):  # fmt: skip
        stream = (product_type, product_category(product_type, attributes or {}))
        history[stream][placed.year] += float(mass)
        products.add(passport)
        manufacturers.add(str(maker))
        for part in (("year", placed.year), ("stream", stream)):
            parts[part][0].add(passport)
            parts[part][1].add(str(maker))
    years = list(range(min((min(h) for h in history.values()), default=base_year), until + 1))
    streams, described = [], []
    populations = [Population(len(products), frozenset(manufacturers))] + [
        Population(len(members), frozenset(makers)) for members, makers in parts.values()
    ]
    for product_type, category in sorted(history):
        spec = default_lifetime(product_type)
        collection = observed_collection(product_type=product_type, category=category,
                                         market=market)  # fmt: skip
        recovery = observed_recovery(product_type=product_type, element=element)
        targets_apply = chosen.rates == "targets"
        collection_rates, collection_targets = _yearly(
            years, collection["rate"], chosen.collection_rate,
            (lambda year, pt=product_type, c=category: applicable_target(
                regime=TARGET_REGIME, metric="collection_rate", product_type=pt, year=year,
                category=c)) if targets_apply else None,
        )  # fmt: skip
        recovery_rates, recovery_targets = _yearly(
            years, recovery["rate"], chosen.recovery_rate,
            (lambda year, pt=product_type: applicable_target(
                regime=TARGET_REGIME, metric="material_recovery", product_type=pt, year=year,
                element=element)) if targets_apply else None,
        )  # fmt: skip
        # Observed rates are published beside the forecast whatever the scenario uses, so their
        # populations count too: an override must not unlock what they describe.
        for observed in (collection, recovery):
            if observed["population"] is not None:
                populations.append(observed["population"])
        streams.append(Stream(label=f"{product_type}/{category}" if category else product_type,
                              history=dict(history[(product_type, category)]),
                              lifetime=lifetime_from_dict(spec), collection_rate=collection_rates,
                              recovery_rate=recovery_rates))  # fmt: skip
        described.append({
            "product_type": product_type, "category": category or None, "lifetime": spec,
            "observed_collection_rate": _public(collection),
            "observed_recovery_rate": _public(recovery),
            "collection_targets": collection_targets, "recovery_targets": recovery_targets,
        })  # fmt: skip
    total, each = self_sufficiency(streams, scenario=chosen, base_year=base_year, until=until)
    for description, forecast in zip(described, each, strict=True):
        description["demand_kg"] = forecast.demand.tolist()
        description["arisings_kg"] = forecast.arisings.tolist()
        description["secondary_supply_kg"] = forecast.secondary_supply.tolist()
    return {
        "element": element,
        "market": market,
        "until": until,
        "scenario": {"key": key, **chosen.as_dict(), "changed": changed},
        "base_year": base_year,
        "years": total.years,
        "demand_kg": total.demand.tolist(),
        "arisings_kg": total.arisings.tolist(),
        "collection_rate": total.collection_rate,
        "collected_kg": total.collected.tolist(),
        "recovery_rate": total.recovery_rate,
        "secondary_supply_kg": total.secondary_supply.tolist(),
        "ssr": total.ssr,
        "first_year_reaching_threshold": total.first_year_reaching(chosen.threshold),
        "streams": described,
        "populations": populations,
    }


def _public(observed: dict) -> dict:
    """An observed rate as published: how many products stand behind it, never which."""
    population = observed["population"]
    return {**{k: v for k, v in observed.items() if k != "population"},
            "products": population.products if population else 0}  # fmt: skip
