"""The urban-mine forecast: expected end-of-life element mass beside collected and recovered."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from passports.models import CompositionEntry, ProductType
from passports.substances import is_element
from recycling.api.forecasts import UrbanMineQuery
from recycling.services.forecast import urban_mine_forecast
from recycling.stock_model import LIFETIME_TYPES
from web.access import area_required
from web.dashboard.labels import PRODUCT_TYPE_LABELS, label
from web.dashboard.queries import query_read, query_values

FILTERS = ["element", "product_type", "until", "region", "lifetime_type", "lifetime_mean",
           "lifetime_sd", "lifetime_shape", "lifetime_scale"]  # fmt: skip
HORIZON_YEARS = 10


def forecast_defaults() -> dict[str, str]:
    """Lithium in batteries to ten years ahead: the forecast most asked about."""
    return {"element": "Li", "product_type": "battery",
            "until": str(timezone.now().year + HORIZON_YEARS)}  # fmt: skip


@area_required("dashboard")
def forecast(request):
    """Expected end of life per year (stock model) beside the collected and recovered actuals."""
    params = request.GET.copy()
    for name, value in forecast_defaults().items():
        if not params.get(name):
            params[name] = value
    query, errors = query_read(UrbanMineQuery, params)
    result = urban_mine_forecast(**query) if not errors else None
    rows, chart = [], None
    if result is not None:
        rows = [
            {"year": year, "inflow": inflow, "stock": stock, "expected": expected,
             "collected": collected, "recovered": recovered}
            for year, inflow, stock, expected, collected, recovered in zip(
                result["years"], result["inflow_kg"], result["stock_kg"],
                result["expected_eol_kg"], result["collected_kg"], result["recovered_kg"],
                strict=True,
            )
        ]  # fmt: skip
        chart = {
            "labels": result["years"],
            "expected": result["expected_eol_kg"],
            "collected": result["collected_kg"],
            "recovered": result["recovered_kg"],
            "legend": {
                "expected": _("Expected end of life (kg)"),
                "collected": _("Collected (kg)"),
                "recovered": _("Recovered (kg)"),
            },
            "axis": _("Element mass (kg)"),
        }
    substances = set(CompositionEntry.objects.values_list("substance", flat=True))
    elements = sorted(s for s in substances if is_element(s))
    context = {
        "values": query_values(params, FILTERS),
        "errors": errors,
        "result": result,
        "rows": rows,
        "chart": chart,
        "elements": elements,
        "product_types": [(v, label(PRODUCT_TYPE_LABELS, v)) for v in ProductType.values],
        "lifetime_types": list(LIFETIME_TYPES),
    }
    return render(request, "web/dashboard/forecast.html", context, status=400 if errors else 200)
