"""Recovery statistics against their legal targets: a chart per selection, a verdict per row.

The rows are the ones `/api/v1/statistics/recovery` serves (the same service and the same query
serializer); this module only arranges them for people: names instead of ids, the verdict in
words, the target that comes into force next where none applies yet, and a link to the records.
"""

from collections import defaultdict
from functools import cache
from urllib.parse import urlencode

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
        charts.append(
            {
                "id": f"chart-{len(charts)}",
                "title": title,
                "labels": [_bar_label(r) for r in members],
                "rates": [float(r["rate_pct"]) for r in members],
                "targets": [r["target"]["percent"] if r["target"] else None for r in members],
                "upcoming": [r["upcoming"]["percent"] if r["upcoming"] else None for r in members],
                "verdicts": [chart_verdict(r) for r in members],
                "words": words,
                "legend": {
                    "rate": _("Rate (%)"),
                    "target": _("Target in force (%)"),
                    "upcoming": _("Target coming into force (%)"),
                },
            }
        )
    return charts


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
        "regime": regime,
        "report_year": query.get("year") or max((r["year"] for r in rows), default=""),
    }
    return render(request, "web/dashboard/recovery.html", context, status=400 if errors else 200)
