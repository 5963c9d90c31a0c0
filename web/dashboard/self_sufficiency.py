"""Self-sufficiency: how much of an element's demand secondary supply can meet, to 2050."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passports.api.access import organisation_of
from passports.models import CompositionEntry
from passports.substances import is_element
from recycling.api.self_sufficiency import (
    DEFAULT_UNTIL,
    SelfSufficiencyQuery,
    self_sufficiency_read,
)
from recycling.self_sufficiency import DEFAULT_SCENARIO, SCENARIOS
from web.access import area_required
from web.dashboard.queries import query_read, query_values

FILTERS = ["element", "market", "until", "scenario", "demand_growth_pct", "demand_base_years",
           "collection_rate", "recovery_rate", "threshold"]  # fmt: skip
SCENARIO_LABELS = {
    "observed": gettext_lazy("Observed rates"),
    "eu-targets": gettext_lazy("EU targets"),
    "high-growth": gettext_lazy("High growth"),
}
RATE_SOURCES = {
    "observed": gettext_lazy("observed statistics"),
    "targets": gettext_lazy("EU targets in force, observed where none applies"),
}


def self_sufficiency_defaults() -> dict[str, str]:
    """Lithium on every market to 2050 under observed rates: the question most asked."""
    return {"element": "Li", "until": str(DEFAULT_UNTIL), "scenario": DEFAULT_SCENARIO}


def _percent(values: list[float | None]) -> list[float | None]:
    return [None if value is None else round(100 * value, 2) for value in values]


def _chart(answer: dict) -> dict:
    """Demand and secondary supply as bars, arisings as a line, SSR in per cent on its own axis."""
    threshold = answer["scenario"]["threshold"]
    return {
        "labels": answer["years"],
        "demand": [round(v, 3) for v in answer["demand_kg"]],
        "arisings": [round(v, 3) for v in answer["arisings_kg"]],
        "secondary": [round(v, 3) for v in answer["secondary_supply_kg"]],
        "ssr": _percent(answer["ssr"]),
        "threshold": [round(100 * threshold, 2)] * len(answer["years"]),
        "legend": {
            "demand": _("Demand (kg)"),
            "arisings": _("End-of-life arisings (kg)"),
            "secondary": _("Secondary supply (kg)"),
            "ssr": _("Self-sufficiency ratio (%)"),
            "threshold": _("Threshold (%)"),
        },
        "axis": _("Element mass (kg)"),
        "ratio_axis": _("Self-sufficiency ratio (%)"),
    }


def _rows(answer: dict) -> list[dict]:
    names = ("demand_kg", "arisings_kg", "collected_kg", "secondary_supply_kg", "ssr")
    return [
        {"year": year, "forecast": year > answer["base_year"],
         **{name: answer[name][i] for name in names},
         "ssr_pct": None if answer["ssr"][i] is None else 100 * answer["ssr"][i]}
        for i, year in enumerate(answer["years"])
    ]  # fmt: skip


@area_required("dashboard")
def self_sufficiency(request):
    """Demand against secondary supply per year, the SSR line and the scenario beside them."""
    params = request.GET.copy()
    for name, value in self_sufficiency_defaults().items():
        if not params.get(name):
            params[name] = value
    query, errors = query_read(SelfSufficiencyQuery, params)
    answer = chart = download = None
    if not errors:
        answer = self_sufficiency_read(query, organisation_of(request))
        if not answer["suppressed"]:
            chart = _chart(answer)
        given = {name: value for name, value in query_values(params, FILTERS).items() if value}
        download = f"{reverse('forecast-self-sufficiency')}?{urlencode({**given, 'format': 'csv'})}"
    elements = sorted(
        s
        for s in CompositionEntry.objects.order_by().values_list("substance", flat=True).distinct()
        if is_element(s)
    )
    scenario = answer["scenario"] if answer else None
    context = {
        "values": query_values(params, FILTERS),
        "errors": errors,
        "answer": answer,
        "chart": chart,
        "rows": _rows(answer) if chart else [],
        "download": download,
        "elements": elements,
        "scenarios": [(key, SCENARIO_LABELS.get(key, s.name)) for key, s in SCENARIOS.items()],
        "scenario_label": SCENARIO_LABELS.get(scenario["key"]) if scenario else None,
        "rate_source": RATE_SOURCES.get(scenario["rates"]) if scenario else None,
        "threshold_pct": 100 * scenario["threshold"] if scenario else None,
    }
    return render(
        request, "web/dashboard/self_sufficiency.html", context, status=400 if errors else 200
    )
