"""Statistics as regulators read them: filtered to the reader, targets attached per regime."""

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import timezone

from passports.declaration import decimal_text
from passports.models import CompositionEntry, Organisation, OrganisationKind
from recycling.digests import records_digest
from recycling.models import Statistic
from recycling.services.content import content_rows
from recycling.services.forecast import urban_mine_forecast
from recycling.targets import applicable_target


def rounded_text(value: Decimal) -> str:
    """Computed quantities, rounded to the milligram the records are kept in."""
    return decimal_text(value.quantize(Decimal("0.000001")))


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def render(row: dict, regime: str) -> dict:
    rate = _rate(row["numerator_kg"], row["denominator_kg"])
    target = applicable_target(
        regime=regime,
        metric=row["metric"],
        product_type=row["product_type"],
        year=row["year"],
        category=row.get("category", ""),
        element=row.get("element", ""),
    )
    scope = {"product_type": row["product_type"]}
    for name in ("recycler", "category", "element", "region"):
        if row.get(name):
            scope[name] = str(row[name])
    scope.update(row.get("scope_extra", {}))
    return {
        "metric": row["metric"],
        "scope": scope,
        "period": {"year": row["year"]},
        "numerator_kg": rounded_text(row["numerator_kg"]),
        "denominator_kg": rounded_text(row["denominator_kg"]),
        "unit": "kg",
        "rate_pct": None if rate is None else format(rate, "f"),
        "basis": row.get("basis", ""),
        "target": target,
        "target_met": None if target is None or rate is None else rate >= target["percent"],
        "digest": row["digest"],
        "computed_at": row.get("computed_at"),
        "detail": row.get("detail", {}),
    }


def _stored_rows(query: dict, organisation) -> list[dict]:
    statistics = Statistic.objects.all()
    if organisation.kind == OrganisationKind.RECYCLER:
        statistics = statistics.filter(recycler__in=[organisation.pk, None])
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
            "category": s.category,
            "element": s.element,
            "region": s.region,
            "numerator_kg": s.numerator_kg,
            "denominator_kg": s.denominator_kg,
            "basis": s.basis,
            "digest": s.digest,
            "computed_at": s.computed_at,
            "detail": s.detail,
        }
        for s in statistics
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
    if query.get("metric"):
        rows = [r for r in rows if r["metric"] == query["metric"]]
    return rows


def _eol_rr_rows(stored: list[dict], query: dict, organisation) -> list[dict]:
    """UNEP end-of-life recycling rate EOL-RR = O / D per product type, element and year.

    O is the element mass recovered from end-of-life products (the material-recovery
    numerators of every recycler); D the element mass reaching end of life, the stock model's
    outflow of what was placed on the market.
    """
    if organisation.kind != OrganisationKind.REGULATOR or query.get("metric") not in (
        None, "eol_rr",
    ):  # fmt: skip
        return []
    recovered: dict[tuple, Decimal] = defaultdict(Decimal)
    digests: dict[tuple, list] = defaultdict(list)
    for row in stored:
        if row["metric"] == "material_recovery":
            key = (row["product_type"], row["element"], row["year"])
            recovered[key] += row["numerator_kg"]
            digests[key].append(row["digest"])
    rows = []
    forecasts: dict[tuple, dict] = {}
    for (product_type, element, year), mass in sorted(recovered.items()):
        if (product_type, element) not in forecasts:
            forecasts[(product_type, element)] = urban_mine_forecast(
                element=element, product_type=product_type, until=year
            )
        forecast = forecasts[(product_type, element)]
        by_year = dict(zip(forecast["years"], forecast["expected_eol_kg"], strict=True))
        generated = Decimal(str(round(by_year.get(year, 0.0), 6)))
        if generated:
            rows.append(
                {
                    "metric": "eol_rr",
                    "product_type": product_type,
                    "year": year,
                    "element": element,
                    "numerator_kg": mass,
                    "denominator_kg": generated,
                    "basis": "stock_model_outflow",
                    "digest": records_digest(digests[(product_type, element, year)]),
                    "detail": {"lifetime": forecast["lifetime"]},
                }
            )
    return rows


def statistics_rows(query: dict, organisation: Organisation) -> list[dict]:
    """Every statistic the organisation may read that matches the query, rendered."""
    stored = _stored_rows(query, organisation)
    rows = stored + _content_rows(query, organisation)
    if not (query.get("recycler") or query.get("category") or query.get("region")):
        rows += _eol_rr_rows(stored, query, organisation)
    return [render(row, query.get("regime") or "EU") for row in rows]
