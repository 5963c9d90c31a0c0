"""Recovery statistics against their legal targets: a chart per selection, a verdict per row.

The rows are the ones `/api/v1/statistics/recovery` serves (the same service and the same query
serializer); this module only arranges them for people: names instead of ids, the verdict in
words, the target that comes into force next where none applies yet, and a link to the records.
"""

import math
from collections import defaultdict
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from passports.models import Organisation, OrganisationKind, ProductType
from recycling.api.statistics import METRICS, REGIMES, RecoveryQuery
from recycling.categories import CATEGORIES
from recycling.models import Statistic
from recycling.services.reporting import statistics_rows
from recycling.targets import applicable_target
from web.access import area_required
from web.dashboard.labels import BASIS_LABELS, METRIC_LABELS, PRODUCT_TYPE_LABELS, label
from web.dashboard.queries import query_read, query_values

FILTERS = ["metric", "recycler", "product_type", "category", "element", "year", "region", "regime"]
STORED_METRICS = {"recycling_efficiency", "material_recovery", "collection_rate"}
CONTENT_METRICS = {"recycled_content", "rc", "osr"}
ROWS_PER_PAGE = 50
MAX_CHARTS = 6
MAX_BARS = 30
LABEL_CHARACTERS = 14
MISSED_LINES = 15
LOOK_AHEAD_YEARS = 15


@cache
def upcoming_target(
    regime: str, metric: str, product_type: str, year: int, category: str, element: str
) -> dict | None:
    """The first target that comes into force after `year`, when none applies in it."""
    for later in range(year + 1, year + LOOK_AHEAD_YEARS + 1):
        target = applicable_target(
            regime=regime, metric=metric, product_type=product_type, year=later,
            category=category, element=element,
        )  # fmt: skip
        if target is not None:
            return {**target, "year": later}
    return None


def verdict(rate: str | None, target: dict | None) -> str:
    """met, missed, no_rate or no_target: what the row's badge says."""
    if rate is None:
        return "no_rate"
    if target is None:
        return "no_target"
    return "met" if float(rate) >= target["percent"] else "missed"


def drill_url(row: dict, regime: str) -> str:
    """Where a statistic's records are listed: batches and collections, or passports."""
    scope, metric, year = row["scope"], row["metric"], row["period"]["year"]
    if metric in STORED_METRICS:
        query = {"metric": metric, "element": scope.get("element", ""), "basis": row["basis"],
                 "regime": regime}  # fmt: skip
        url = reverse("web:dashboard-statistic", kwargs={"digest": row["digest"]})
        return f"{url}?{urlencode({k: v for k, v in query.items() if v})}"
    if metric in CONTENT_METRICS:
        query = {"metric": metric, "product_type": scope["product_type"], "year": year,
                 "element": scope.get("element", ""), "manufacturer": scope.get("manufacturer", ""),
                 "model": scope.get("model", ""), "plant": scope.get("plant", ""),
                 "regime": regime}  # fmt: skip
        url = reverse("web:dashboard-content")
        return f"{url}?{urlencode({k: v for k, v in query.items() if v != ''})}"
    # EOL-RR's numerator is the recyclers' material recovery: drill into those statistics.
    query = {"metric": "material_recovery", "product_type": scope["product_type"],
             "element": scope.get("element", ""), "year": year, "regime": regime}  # fmt: skip
    return f"{reverse('web:dashboard')}?{urlencode(query)}"


drill_url_lazy = lazy(drill_url, str)


def statistic_present(row: dict, names: dict[str, str], regime: str) -> dict:
    """A rendered statistic with the names, verdict and links a person reads."""
    scope, year = row["scope"], row["period"]["year"]
    upcoming = None
    if row["target"] is None:
        upcoming = upcoming_target(
            regime, row["metric"], scope["product_type"], year, scope.get("category", ""),
            scope.get("element", ""),
        )  # fmt: skip
    place = " · ".join(
        part for part in (scope.get("model", ""), scope.get("plant", ""), scope.get("region", ""))
        if part
    )  # fmt: skip
    return {
        **row,
        "year": year,
        "metric_label": label(METRIC_LABELS, row["metric"]),
        "product_type_label": label(PRODUCT_TYPE_LABELS, scope["product_type"]),
        "recycler_name": names.get(scope.get("recycler", ""), ""),
        "manufacturer_name": names.get(scope.get("manufacturer", ""), ""),
        "place": place,
        "basis_label": label(BASIS_LABELS, row["basis"]),
        "verdict": verdict(row["rate_pct"], row["target"]),
        "upcoming": upcoming,
        "upcoming_verdict": verdict(row["rate_pct"], upcoming) if upcoming else None,
        # Links are made only for the rows shown: a page lists 50 of up to thousands.
        "drill_url": drill_url_lazy(row, regime),
    }


def _bar_label(row: dict) -> str:
    parts = [row["recycler_name"], row["manufacturer_name"], row["place"], str(row["year"])]
    if row["metric"] == "collection_rate":
        parts.append(row["basis_label"])
    return " · ".join(part for part in parts if part)


def short(text: str, length: int = LABEL_CHARACTERS) -> str:
    """A name cut to fit under a bar; the tooltip and the table give it whole."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _bar_lines(row: dict) -> list[str]:
    """Two short horizontal lines under a bar: who or where, then the year."""
    who = row["recycler_name"] or row["manufacturer_name"] or row["place"] or _("all")
    year = str(row["year"])
    if row["metric"] == "collection_rate":
        year += " · " + (
            _("3-y avg") if row["basis"] == "placed_on_market_3y_average" else _("avail.")
        )
    return [short(who), year]


def axis_cap(members: list[dict]) -> float:
    """The y-axis top: 100 %, or 1.2 x the highest target above it; never an outlier."""
    targets = [r[kind]["percent"] for r in members for kind in ("target", "upcoming") if r[kind]]
    return float(max(100, math.ceil(max(targets, default=0) * 1.2 / 10) * 10))


def recovery_charts(rows: list[dict]) -> list[dict]:
    """One bar chart per metric, product, category and element: a bar per row, targets as lines."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        if row["rate_pct"] is not None:
            scope = row["scope"]
            key = (row["metric"], scope["product_type"], scope.get("category", ""),
                   scope.get("element", ""))  # fmt: skip
            groups[key].append(row)
    # Groups with a target (in force or coming) are the ones audited; the rest are charted
    # only when no group has one.
    audited = {
        key: members
        for key, members in groups.items()
        if any(r["target"] or r["upcoming"] for r in members)
    }
    ordered = sorted((audited or groups).items())
    charts = []
    words = verdict_words()
    for (metric, product_type, category, element), members in ordered[:MAX_CHARTS]:
        members = members[:MAX_BARS]
        title = " · ".join(
            str(part) for part in (
                label(METRIC_LABELS, metric), element, label(PRODUCT_TYPE_LABELS, product_type),
                category,
            ) if part
        )  # fmt: skip
        cap = axis_cap(members)
        rates = [float(r["rate_pct"]) for r in members]
        charts.append(
            {
                "id": f"chart-{len(charts)}",
                "title": title,
                "labels": [_bar_lines(r) for r in members],
                "names": [_bar_label(r) for r in members],
                # Bars stop at the axis top; an outlier is marked there and keeps its value
                # in the tooltip and the table, so the target lines stay in view.
                "cap": cap,
                "rates": [min(rate, cap) for rate in rates],
                "actual": rates,
                "outliers": [cap if rate > cap else None for rate in rates],
                "low_confidence": [bool(r.get("low_confidence")) for r in members],
                "targets": [r["target"]["percent"] if r["target"] else None for r in members],
                "upcoming": [r["upcoming"]["percent"] if r["upcoming"] else None for r in members],
                "verdicts": [chart_verdict(r) for r in members],
                "words": words,
                "legend": {
                    "rate": _("Rate (%)"),
                    "target": _("Target in force (%)"),
                    "upcoming": _("Target coming into force (%)"),
                    "outlier": _("Above the axis: value in the tooltip and the table"),
                    "low_confidence": _("few products: low confidence"),
                },
            }
        )
    return charts


def targets_missed(rows: list[dict]) -> dict:
    """Who misses which target, by how much: a line per recycler (or country) and target, a
    column per year, each cell the gap to the target in force in percentage points.

    Only lines with at least one miss are listed, the widest gap first.
    """
    cells: dict[tuple, dict[int, dict]] = defaultdict(dict)
    for row in rows:
        if row["verdict"] not in ("met", "missed"):
            continue
        scope = row["scope"]
        who = row["recycler_name"] or row["manufacturer_name"] or row["place"] or _("all")
        what = " · ".join(
            part for part in (row["metric_label"], scope.get("element", ""),
                              row["product_type_label"], scope.get("category", ""))
            if part
        )  # fmt: skip
        if row["metric"] == "collection_rate":
            what += " · " + row["basis_label"]
        gap = float(row["rate_pct"]) - row["target"]["percent"]
        # Where one line holds several rows of a year, the widest gap shows.
        earlier = cells[(who, what)].get(row["year"])
        if earlier and earlier["order"] <= gap:
            continue
        cells[(who, what)][row["year"]] = {
            "gap": f"{gap:+.1f}",
            "missed": row["verdict"] == "missed",
            "rate": row["rate_pct"],
            "target": row["target"]["percent"],
            "low_confidence": bool(row.get("low_confidence")),
            "order": gap,
        }
    lines = []
    for (who, what), by_year in cells.items():
        misses = [c["order"] for c in by_year.values() if c["missed"]]
        if misses:
            lines.append({"who": who, "what": what, "by_year": by_year, "worst": min(misses)})
    years = sorted({year for line in lines for year in line["by_year"]})
    lines.sort(key=lambda line: (line["worst"], line["who"], line["what"]))
    for line in lines:
        line["cells"] = [line["by_year"].get(year) for year in years]
    return {
        "years": years,
        "lines": lines[:MISSED_LINES],
        "more": max(0, len(lines) - MISSED_LINES),
    }


def chart_verdict(row: dict) -> str:
    """The verdict a bar shows: against the target in force, else against the coming one."""
    if row["verdict"] == "no_target" and row["upcoming_verdict"]:
        return f"upcoming_{row['upcoming_verdict']}"
    return row["verdict"]


def verdict_words() -> dict[str, str]:
    """The verdicts in words, written under each bar and in its tooltip."""
    return {
        "upcoming_met": _("would meet the coming target"),
        "upcoming_missed": _("would not meet the coming target"),
        "met": _("target met"),
        "missed": _("target not met"),
        "no_target": _("no target in force"),
        "no_rate": _("no rate"),
    }


def filter_choices() -> dict:
    """Options for the filter form, from what the statistics hold."""
    elements = set(Statistic.objects.exclude(element="").values_list("element", flat=True))
    categories = {c for table in CATEGORIES.values() for c in table.values()}
    return {
        "metrics": [(m, label(METRIC_LABELS, m)) for m in METRICS],
        "recyclers": Organisation.objects.filter(kind=OrganisationKind.RECYCLER).order_by("name"),
        "product_types": [(v, label(PRODUCT_TYPE_LABELS, v)) for v in ProductType.values],
        "categories": sorted(categories),
        "elements": sorted(elements),
        "regimes": REGIMES,
    }


@area_required("dashboard")
def recovery(request):
    """Statistics by metric, recycler, product, chemistry, element, year, region and regime."""
    query, errors = query_read(RecoveryQuery, request.GET)
    rows = []
    regime = query.get("regime", "EU")
    if not errors:
        names = {str(pk): name for pk, name in Organisation.objects.values_list("pk", "name")}
        rendered = statistics_rows(query, request.user.organisation)
        rows = [statistic_present(row, names, regime) for row in rendered]
        rows.sort(
            key=lambda r: (r["metric"], r["scope"]["product_type"], r["scope"].get("category", ""),
                           r["scope"].get("element", ""), r["year"], r["recycler_name"], r["place"])
        )  # fmt: skip
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    paging = request.GET.copy()
    paging.pop("page", None)
    context = {
        "values": query_values(request.GET, FILTERS) | {"regime": regime},
        "errors": errors,
        "choices": filter_choices(),
        "page": page,
        "paging_query": paging.urlencode(),
        "count": len(rows),
        "missed": sum(1 for r in rows if r["verdict"] == "missed"),
        "met": sum(1 for r in rows if r["verdict"] == "met"),
        "would_miss": sum(1 for r in rows if r["upcoming_verdict"] == "missed"),
        "charts": recovery_charts(rows),
        "targets_missed": targets_missed(rows),
        "low_confidence": sum(1 for r in rows if r.get("low_confidence")),
        "above_100": sum(1 for r in rows if "above_100" in r.get("flags", ())),
        "min_products": settings.STATISTIC_MIN_PRODUCTS,
        "regime": regime,
        "report_year": query.get("year") or max((r["year"] for r in rows), default=""),
    }
    return render(request, "web/dashboard/recovery.html", context, status=400 if errors else 200)
