"""Statistics as readers see them: filtered to the reader, targets attached per regime, and,
for anyone but a regulator, figures describing too few products or manufacturers suppressed
and folded into an "other" row (recycling/disclosure.py).
"""

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from passports.declaration import decimal_text
from passports.models import CompositionEntry, Organisation, OrganisationKind
from recycling.bounds import OBSERVED_BASIS, basis_family, denominator_bounded, is_bounded
from recycling.digests import records_digest
from recycling.disclosure import Population, combined, suppressed
from recycling.models import InventoryCell, Statistic
from recycling.services.content import content_rows
from recycling.services.forecast import urban_mine_forecast
from recycling.services.small_cells import (
    disclosure_rule,
    population_of,
    population_read,
    sees_small_cells,
)
from recycling.targets import applicable_target

ZERO = Decimal(0)


def rounded_text(value: Decimal) -> str:
    """Computed quantities, rounded to the milligram the records are kept in."""
    return decimal_text(value.quantize(Decimal("0.000001")))


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def render(row: dict, regime: str) -> dict:
    numerator, denominator, basis = row["numerator_kg"], row["denominator_kg"], row.get("basis", "")
    bounded = is_bounded(row["metric"], basis)
    if bounded and numerator > denominator:
        # Rows computed before rates were bounded: what was recovered or collected was there.
        denominator, basis = numerator, OBSERVED_BASIS.get(basis, basis)
    rate = _rate(numerator, denominator)
    target = applicable_target(
        regime=regime,
        metric=row["metric"],
        product_type=row["product_type"],
        year=row["year"],
        category=row.get("category", ""),
        element=row.get("element", ""),
    )
    scope = {"product_type": row["product_type"]}
    for name in ("recycler", "recycler_name", "category", "element", "region"):
        if row.get(name):
            scope[name] = str(row[name])
    scope.update(row.get("scope_extra", {}))
    detail = row.get("detail", {})
    population = population_read(population_of(row))
    behind_denominator = detail.get("denominator_population")
    cross_border = detail.get("cross_border_kg")
    low = low_confidence(population, behind_denominator)
    flags = [
        flag
        for flag, raised in (
            ("above_100", rate is not None and rate > 100),
            ("denominator_observed", basis != basis_family(basis)),
            ("cross_border", bool(cross_border) and Decimal(cross_border) > 0),
            ("low_confidence", low),
        )
        if raised
    ]
    return {
        "metric": row["metric"],
        "scope": scope,
        "period": {"year": row["year"]},
        "numerator_kg": rounded_text(numerator),
        "denominator_kg": rounded_text(denominator),
        "unit": "kg",
        "rate_pct": None if rate is None else format(rate, "f"),
        "bounded": bounded,
        "basis": basis,
        "target": target,
        "target_met": None if target is None or rate is None else rate >= target["percent"],
        "digest": row["digest"],
        "computed_at": row.get("computed_at"),
        "detail": detail,
        "population": population,
        "denominator_population": behind_denominator,
        "cross_border_kg": cross_border,
        "low_confidence": low,
        "flags": flags,
        "suppressed": False,
    }


def low_confidence(population: dict | None, behind_denominator: dict | None = None) -> bool:
    """Whether too few products stand behind numerator or denominator to trust the rate.

    The threshold is STATISTIC_MIN_PRODUCTS, a statistical one, apart from the disclosure
    thresholds: a regulator sees every figure, and needs to know which ones rest on a handful.
    """
    least = settings.STATISTIC_MIN_PRODUCTS
    counted = [p["products"] for p in (population, behind_denominator) if p is not None]
    return any(products < least for products in counted)


def _withheld(rendered: dict, reason: str) -> dict:
    """A statistic that keeps its place and scope but none of its figures."""
    figures = ("numerator_kg", "denominator_kg", "rate_pct", "target_met", "digest", "population",
               "denominator_population", "cross_border_kg", "low_confidence")  # fmt: skip
    return {**rendered, **dict.fromkeys(figures), "detail": {}, "flags": [], "suppressed": True,
            "reason": reason}  # fmt: skip


def _stored_rows(query: dict, organisation) -> list[dict]:
    statistics = Statistic.objects.all()
    if organisation.kind == OrganisationKind.RECYCLER:
        # `recycler__in=[..., None]` would never match NULL: the collection rates need isnull.
        statistics = statistics.filter(Q(recycler=organisation) | Q(recycler__isnull=True))
    elif organisation.kind != OrganisationKind.REGULATOR:
        statistics = statistics.filter(recycler__isnull=True)
    filters = {
        "year": query.get("year"),
        "recycler_id": query.get("recycler"),
        "product_type": query.get("product_type"),
        "category": query.get("category"),
        "element": query.get("element"),
        "metric": query.get("metric"),
    }
    statistics = statistics.filter(**{k: v for k, v in filters.items() if v is not None})
    if query.get("region"):
        statistics = statistics.filter(region__startswith=query["region"][:2])
    return [
        {
            "metric": s.metric,
            "product_type": s.product_type,
            "year": s.year,
            "recycler": s.recycler_id,
            "recycler_name": s.recycler.name if s.recycler_id else "",
            # A recycler's own operations are its own figures, whatever their size.
            "own": s.recycler_id is not None and s.recycler_id == organisation.pk,
            "category": s.category,
            "element": s.element,
            "region": s.region,
            "numerator_kg": s.numerator_kg,
            "denominator_kg": s.denominator_kg,
            "basis": s.basis,
            "digest": s.digest,
            "product_count": s.product_count,
            "manufacturers": s.manufacturers,
            "computed_at": s.computed_at,
            "detail": s.detail,
        }
        for s in statistics.select_related("recycler")
    ]


def _content_rows(query: dict, organisation) -> list[dict]:
    if query.get("metric") not in (None, "recycled_content", "rc", "osr"):
        return []
    if query.get("recycler") or query.get("region") or query.get("category"):
        return []
    entries = CompositionEntry.objects.all()
    if organisation.kind == OrganisationKind.MANUFACTURER:
        entries = entries.filter(passport__manufacturer=organisation)
    elif organisation.kind != OrganisationKind.REGULATOR:
        return []
    if query.get("product_type"):
        entries = entries.filter(passport__product_type=query["product_type"])
    if query.get("year"):
        entries = entries.filter(passport__manufactured_at__year=query["year"])
    if query.get("element"):
        entries = entries.filter(substance=query["element"])
    rows = content_rows(entries)
    now = timezone.now()  # computed from the passports as they are read
    for row in rows:
        row["computed_at"] = now
        row["own"] = True  # a manufacturer reads only its own products here
    if query.get("metric"):
        rows = [r for r in rows if r["metric"] == query["metric"]]
    return rows


def _eol_rr_rows(query: dict, organisation) -> list[dict]:
    """UNEP end-of-life recycling rate EOL-RR = O / D per product type, element and year.

    O is the element mass recovered from end-of-life products (the material-recovery
    numerators of every recycler); D the element mass reaching end of life: the stock model's
    outflow of what was placed on the market, or, where the model expected less than was
    observed arising (collected, or entering treatment), the observed mass (basis
    `end_of_life_observed`). Where everything collected was treated, EOL-RR = collection rate
    x recovery rate of the element (both in the row's detail).
    """
    if organisation.kind != OrganisationKind.REGULATOR or query.get("metric") not in (
        None, "eol_rr",
    ):  # fmt: skip
        return []
    recoveries = _stored_rows({**query, "metric": "material_recovery"}, organisation)
    groups: dict[tuple, dict] = defaultdict(
        lambda: {"O": ZERO, "T": ZERO, "digests": [], "products": 0, "makers": set()}
    )
    for row in recoveries:
        group = groups[(row["product_type"], row["element"], row["year"])]
        group["O"] += row["numerator_kg"]
        group["T"] += row["denominator_kg"]
        group["digests"].append(row["digest"])
        # A product enters one first-step recycler: the rows' products are disjoint.
        group["products"] += row["product_count"]
        group["makers"] |= set(row["manufacturers"])
    rows = []
    forecasts: dict[tuple, dict] = {}
    for (product_type, element, year), group in sorted(groups.items()):
        if (product_type, element) not in forecasts:
            forecasts[(product_type, element)] = urban_mine_forecast(
                element=element, product_type=product_type, until=year
            )
        forecast = forecasts[(product_type, element)]
        by_year = dict(zip(forecast["years"], forecast["expected_eol_kg"], strict=True))
        collected_by_year = dict(zip(forecast["years"], forecast["collected_kg"], strict=True))
        modelled = Decimal(str(round(by_year.get(year, 0.0), 6)))
        collected = Decimal(str(round(collected_by_year.get(year, 0.0), 6)))
        recovered, treated = group["O"], group["T"]
        denominator = denominator_bounded(
            expected=modelled, observed=max(collected, treated, recovered)
        )
        if not denominator.kg:
            continue
        population = forecast["population"]
        rows.append(
            {
                "metric": "eol_rr",
                "product_type": product_type,
                "year": year,
                "element": element,
                "numerator_kg": recovered,
                "denominator_kg": denominator.kg,
                "basis": OBSERVED_BASIS["stock_model_outflow"]
                if denominator.observed
                else "stock_model_outflow",
                "digest": records_digest(group["digests"]),
                "product_count": group["products"],
                "manufacturers": sorted(group["makers"]),
                "detail": {
                    "lifetime": forecast["lifetime"],
                    "modelled_kg": rounded_text(modelled),
                    "collected_kg": rounded_text(collected),
                    "treated_kg": rounded_text(treated),
                    "collection_rate_pct": _text(_rate(collected, denominator.kg)),
                    "recovery_rate_pct": _text(_rate(recovered, treated)),
                    "denominator_population": {
                        "products": population["products"],
                        "manufacturers": len(population["manufacturers"]),
                    },
                },
            }
        )
    return rows


def _text(rate: Decimal | None) -> str | None:
    return None if rate is None else format(rate, "f")


# Query filters that split a group of statistics adding up to one total; the others select
# whole groups (metric, product type, year, element).
SPLITTING = ("category", "region", "recycler")


def statistics_rows(query: dict, organisation: Organisation) -> list[dict]:
    """Every statistic the organisation may read that matches the query, rendered.

    For a non-regulator, statistics of others that describe too few products or manufacturers
    are suppressed; each group of statistics that add up (one metric, product type, year,
    basis and element) gets an "other" row summing what its suppressed rows hid. What is
    suppressed is decided over the whole group, whatever part of it the query asks for, so
    no two answers differ by a suppressed figure.
    """
    regime = query.get("regime") or "EU"
    if sees_small_cells(organisation):
        stored = _stored_rows(query, organisation)
        rows = stored + _content_rows(query, organisation)
        if not (query.get("recycler") or query.get("category") or query.get("region")):
            rows += _eol_rr_rows(query, organisation)
        return [render(row, regime) for row in rows]
    stored = _stored_rows({k: v for k, v in query.items() if k not in SPLITTING}, organisation)
    in_view = [_matches(row, query) for row in stored]
    own = _content_rows(query, organisation)
    return _disclosed(stored + own, in_view + [True] * len(own), regime)


def _matches(row: dict, query: dict) -> bool:
    if query.get("category") and row["category"] != query["category"]:
        return False
    if query.get("recycler") and row["recycler"] != query["recycler"]:
        return False
    return not query.get("region") or row["region"].startswith(query["region"][:2])


def _disclosed(rows: list[dict], in_view: list[bool], regime: str) -> list[dict]:
    rule = disclosure_rule()
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if not row.get("own"):
            # Rows add up whichever denominator (modelled or observed) each one took.
            key = (row["metric"], row["product_type"], row["year"],
                   basis_family(row.get("basis", "")), row.get("element", ""))  # fmt: skip
            groups[key].append(index)
    reasons: dict[int, str] = {}
    others = []
    for (metric, product_type, year, basis, element), members in groups.items():
        populations = [population_of(rows[i]) or Population(0) for i in members]
        decided = suppressed(populations, rule)
        hidden = [members[i] for i in decided]
        reasons.update({members[i]: reason for i, reason in decided.items()})
        # The "other" row is the same sum in every answer that shows it: only where the
        # answer holds every suppressed row of the group.
        if not hidden or not all(in_view[i] for i in hidden):
            continue
        folded = [rows[i] for i in hidden]
        population = combined(population_of(row) or Population(0) for row in folded)
        other = {
            "metric": metric,
            "product_type": product_type,
            "year": year,
            "element": element,
            "basis": basis,
            "scope_extra": {"other": True},
            "numerator_kg": sum((r["numerator_kg"] for r in folded), ZERO),
            "denominator_kg": sum((r["denominator_kg"] for r in folded), ZERO),
            "digest": records_digest(sorted(r["digest"] for r in folded)),
            "product_count": population.products,
            "manufacturers": sorted(population.manufacturers),
            "detail": {"folded_rows": len(folded)},
        }
        rendered = render(other, regime)
        rendered["target"] = rendered["target_met"] = None  # targets are per scope, not "other"
        reason = rule.reason(population)
        others.append(_withheld(rendered, reason) if reason else rendered)
    result = [
        _withheld(render(row, regime), reasons[i]) if i in reasons else render(row, regime)
        for i, row in enumerate(rows)
        if in_view[i]
    ]
    return result + others


# Inventory filters that split a group of cells adding up to one total; stage and element
# select whole groups.
INVENTORY_SPLITTING = ("region", "product_type", "category", "year")


def inventory_read(filters: dict, organisation: Organisation) -> dict:
    """Inventory cells matching the filters, with totals per stage, element and UNFC class.

    For a non-regulator, cells describing too few products or manufacturers are suppressed,
    decided over the whole group (every region, product type, category and year) so that no
    two answers differ by a suppressed cell. A total includes the suppressed cells (`other_kg`)
    only where the answer holds all of them; elsewhere it is the sum of the cells shown.
    """
    if filters.get("region"):
        filters["region"] = filters["region"][:2]
    rule = None if sees_small_cells(organisation) else disclosure_rule()
    grouping = {k: v for k, v in filters.items() if k not in INVENTORY_SPLITTING}
    cells = list(InventoryCell.objects.filter(**(grouping if rule else filters)))
    in_view = [all(getattr(c, k) == filters[k] for k in INVENTORY_SPLITTING if k in filters)
               for c in cells]  # fmt: skip
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, cell in enumerate(cells):
        groups[(cell.stage, cell.element, cell.unfc)].append(index)
    populations = [_cell_population(cell) for cell in cells]
    reasons: dict[int, str] = {}
    totals = []
    for (stage, element, unfc), members in sorted(groups.items()):
        decided = suppressed([populations[i] for i in members], rule) if rule else {}
        reasons.update({members[i]: reason for i, reason in decided.items()})
        hidden = [members[i] for i in decided]
        shown = [i for i in members if in_view[i] and i not in reasons]
        if not shown and not any(in_view[i] for i in members):
            continue
        counted = shown + (hidden if all(in_view[i] for i in hidden) else [])
        total = _total(
            (stage, element, unfc),
            [cells[i] for i in counted],
            [populations[i] for i in counted],
            other=[cells[i] for i in hidden if i in counted],
            rule=rule,
        )
        total["suppressed_cells"] = sum(1 for i in hidden if in_view[i])
        totals.append(total)
    rendered = []
    for index, cell in enumerate(cells):
        if not in_view[index]:
            continue
        row = {
            "region": cell.region,
            "product_type": cell.product_type,
            "category": cell.category,
            "year": cell.year,
            "stage": cell.stage,
            "element": cell.element,
            "mass_kg": rounded_text(cell.mass_kg),
            "unfc": cell.unfc,
            "grade_kg_per_t": rounded_text(cell.mass_kg * 1000 / cell.product_mass_kg)
            if cell.product_mass_kg
            else None,
            "population": population_read(populations[index]),
            "computed_at": cell.computed_at,
            "suppressed": False,
        }
        if index in reasons:
            row.update(mass_kg=None, grade_kg_per_t=None, population=None, suppressed=True,
                       reason=reasons[index])  # fmt: skip
        rendered.append(row)
    return {"cells": rendered, "totals": totals}


def _total(group: tuple, cells, populations, *, other, rule) -> dict:
    stage, element, unfc = group
    mass = sum((c.mass_kg for c in cells), ZERO)
    product = sum((c.product_mass_kg for c in cells), ZERO)
    population = combined(populations)
    total = {
        "stage": stage,
        "element": element,
        "unfc": unfc,
        "mass_kg": rounded_text(mass),
        "grade_kg_per_t": rounded_text(mass * 1000 / product) if product else None,
        "population": population_read(population),
        # Held by suppressed cells; null when there are none, or when the answer leaves some
        # of them out (the total is then only what it shows).
        "other_kg": rounded_text(sum((c.mass_kg for c in other), ZERO)) if other else None,
        "suppressed": False,
    }
    reason = rule.reason(population) if rule else None
    if reason:
        total.update(mass_kg=None, grade_kg_per_t=None, population=None, other_kg=None,
                     suppressed=True, reason=reason)  # fmt: skip
    return total


def _cell_population(cell: InventoryCell) -> Population:
    # Every year of one expected-end-of-life series describes the same cohort of products.
    shared = (
        (cell.region, cell.product_type, cell.category, cell.element)
        if cell.stage == "expected_eol"
        else None
    )
    return Population(cell.product_count, frozenset(cell.manufacturers), shared)
