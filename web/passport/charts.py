"""Chart specifications for the passport page, handed to passport.js as JSON.

A spec names labels, datasets and a unit, and marks which bars are critical raw materials;
passport.js turns it into a Chart.js chart. Every chart has a table beside it holding the same
numbers, so the chart is never the only way to read them.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from web.passport.labels import CARBON_STAGES, HEALTH_FIELDS, label


def number(value) -> float | None:
    """A decimal string from the passport as a chart value; None when it is not a number."""
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None


def substance_label(substance: str, critical: bool) -> str:
    # The mark is in the label's words as well as the bar's colour.
    return _("%(substance)s (CRM)") % {"substance": substance} if critical else substance


def composition_chart(composition: list[dict]) -> dict | None:
    """Mass per substance, heaviest first, critical raw materials highlighted."""
    items = sorted(composition, key=lambda item: number(item["mass_kg"]) or 0, reverse=True)
    if not items:
        return None
    return {
        "type": "bar",
        "horizontal": True,
        "unit": "kg",
        "labels": [substance_label(i["substance"], i["critical"]) for i in items],
        "datasets": [
            {
                "label": _("Mass (kg)"),
                "values": [number(i["mass_kg"]) for i in items],
                "highlight": [bool(i["critical"]) for i in items],
            }
        ],
    }


def origin_chart(origin: list[dict], critical: set[str]) -> dict | None:
    """Share of each substance by country of origin, one stacked bar per substance."""
    if not origin:
        return None
    substances = list(dict.fromkeys(row["substance"] for row in origin))
    countries = list(dict.fromkeys(row["country"] for row in origin))
    shares = {(row["substance"], row["country"]): number(row["share"]) or 0 for row in origin}
    return {
        "type": "bar",
        "horizontal": True,
        "stacked": True,
        "unit": "%",
        "max": 100,
        "countries": True,
        "labels": [substance_label(s, s in critical) for s in substances],
        "datasets": [
            {
                "label": country,
                "values": [round(shares.get((s, country), 0) * 100, 2) for s in substances],
            }
            for country in countries
        ],
    }


def recycled_chart(recycled: list[dict], critical: set[str]) -> dict | None:
    """Pre- and post-consumer recycled shares per substance, stacked to the total."""
    if not recycled:
        return None
    return {
        "type": "bar",
        "horizontal": True,
        "stacked": True,
        "unit": "%",
        "labels": [substance_label(r["substance"], r["substance"] in critical) for r in recycled],
        "datasets": [
            {
                "label": _("Pre-consumer"),
                "values": [
                    round((number(r["pre_consumer_share"]) or 0) * 100, 2) for r in recycled
                ],
            },
            {
                "label": _("Post-consumer"),
                "values": [
                    round((number(r["post_consumer_share"]) or 0) * 100, 2) for r in recycled
                ],
            },
        ],
    }


def carbon_chart(stages: dict, unit: str) -> dict | None:
    """The footprint per functional unit split into its life-cycle stages."""
    names = [name for name in stages if number(stages[name]) is not None]
    if not names:
        return None
    return {
        "type": "bar",
        "horizontal": True,
        "unit": unit,
        "labels": [label(CARBON_STAGES, name) for name in names],
        "datasets": [{"label": unit, "values": [number(stages[name]) for name in names]}],
    }


def health_chart(reports: list[dict]) -> dict | None:
    """Percentages reported over time (state of health, degradation, remanence loss)."""
    fields = list(
        dict.fromkeys(
            name
            for report in reports
            for name, value in report["values"].items()
            if name.endswith("_pct") and number(value) is not None
        )
    )
    if not fields:
        return None
    return {
        "type": "line",
        "unit": "%",
        "labels": [report["occurred_at"][:10] for report in reports],
        "datasets": [
            {
                "label": label(HEALTH_FIELDS, name),
                "values": [number(report["values"].get(name)) for report in reports],
            }
            for name in fields
        ],
    }
