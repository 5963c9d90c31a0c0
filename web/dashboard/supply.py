"""Supply security: where an element comes from and how concentrated, beside the world's."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from passports.models import CompositionEntry, ProductType
from passports.substances import is_element
from recycling.api.supply import ConcentrationQuery, ImportDependenceQuery
from recycling.services.supply import (
    supply_concentration,
    supply_import_dependence,
    supply_recycled_share,
    watch_countries_default,
)
from web.access import area_required
from web.dashboard.labels import PRODUCT_TYPE_LABELS, label
from web.dashboard.queries import query_read, query_values

FILTERS = ["element", "product_type", "market", "year", "group", "watch"]


class SupplyPageQuery(ConcentrationQuery, ImportDependenceQuery):
    """The page's filters: the API's, so both give the same messages."""


def supply_defaults() -> dict[str, str]:
    """Cobalt against the EU: the concentration most asked about."""
    return {"element": "Co", "group": "EU", "watch": ",".join(watch_countries_default())}


def _chart(concentration: dict) -> dict | None:
    """Declared shares by country beside the world's mine production shares, in percent."""
    world = concentration["world"][0] if concentration["world"] else None
    world_shares = {row["country"]: row["share"] for row in world["shares"]} if world else {}
    names = [row["country"] for row in concentration["countries"]]
    names += [country for country in world_shares if country not in names]
    if not names:
        return None
    declared = {row["country"]: row["share"] for row in concentration["countries"]}
    special = {"undeclared": _("Undeclared"), "other": _("Other (suppressed)")}

    def percent(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 2)

    chart = {
        "labels": [str(special.get(name, name)) for name in names],
        "declared": [percent(declared.get(name)) for name in names],
        "legend": {"declared": _("Declared origin, percent of element mass")},
        "axis": "%",
    }
    if world:
        chart["world"] = [percent(world_shares.get(name)) for name in names]
        chart["legend"]["world"] = _("World %(stage)s %(year)s, percent of production") % {
            "stage": world["stage"],
            "year": world["year"],
        }
    return chart


@area_required("dashboard")
def supply(request):
    """Shares by origin country, HHI and top share beside the world's, import dependence of
    each market and the recycled share, for one element."""
    params = request.GET.copy()
    for name, value in supply_defaults().items():
        if name not in params:
            params[name] = value
    query, errors = query_read(SupplyPageQuery, params)
    concentration = dependence = recycled = chart = None
    downloads = {}
    if not errors:
        scope = {name: query.get(name) for name in ("element", "product_type", "market", "year")}
        group = query.get("group") or {"name": None, "countries": []}
        concentration = supply_concentration(**scope, watch=query.get("watch", []),
                                             all_shown=True)  # fmt: skip
        dependence = supply_import_dependence(
            **scope, group=group["countries"], group_name=group["name"], all_shown=True
        )
        recycled = supply_recycled_share(**scope, all_shown=True)
        chart = _chart(concentration)
        given = {name: value for name, value in query_values(params, FILTERS).items() if value}
        for name, url in (("concentration", "supply-concentration"),
                          ("import_dependence", "supply-import-dependence"),
                          ("recycled_share", "supply-recycled-share")):  # fmt: skip
            downloads[name] = f"{reverse(url)}?{urlencode({**given, 'format': 'csv'})}"
    elements = sorted(
        s
        for s in CompositionEntry.objects.order_by().values_list("substance", flat=True).distinct()
        if is_element(s)
    )
    context = {
        "values": query_values(params, FILTERS),
        "errors": errors,
        "concentration": concentration,
        "dependence": dependence,
        "recycled": recycled,
        "chart": chart,
        "downloads": downloads,
        "elements": elements,
        "product_types": [(v, label(PRODUCT_TYPE_LABELS, v)) for v in ProductType.values],
    }
    return render(request, "web/dashboard/supply.html", context, status=400 if errors else 200)
