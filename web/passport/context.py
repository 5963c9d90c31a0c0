"""What the passport page shows, worked out from the tier-filtered passport.

Everything here starts from `data`, the passport the resolver already filtered to the reader's
tier; the lifecycle (timeline, health history, bundle) is read only for tiers that may see it,
with the same rule as the events API.
"""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils.translation import gettext as _

from passports.models import AccessTier, Organisation, Passport
from passports.tiers import allows
from web.passport import charts, sections
from web.passport.labels import (
    ATTRIBUTE_VALUES,
    ATTRIBUTES,
    CARBON_STAGES,
    CARBON_UNITS,
    DOCUMENT_KINDS,
    EVENT_TYPES,
    HEALTH_FIELDS,
    PAYLOAD_FIELDS,
    PRODUCT_TYPES,
    SAFETY_ATTRIBUTES,
    STATUSES,
    TIERS,
    WITHHELD,
    label,
)
from web.passport.timeline import passport_timeline

SAFETY_DOCUMENTS = ("dismantling", "safety")


def percent(share) -> str:
    """A share such as "0.06" as "6 %"; shares are exact decimals, so no float rounding."""
    try:
        value = Decimal(str(share)) * 100
    except (InvalidOperation, ValueError):
        return str(share)
    text = format(value.quantize(Decimal("0.01")).normalize(), "f")
    return f"{text} %"


def display(value) -> str:
    """A field value as text: lists joined, nested objects as "key: value" pairs."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{label(ATTRIBUTES, k)}: {display(v)}" for k, v in value.items())
    return str(value)


def mass(item: dict) -> Decimal:
    """Sort key: heaviest substance first, as in the composition chart."""
    try:
        return Decimal(str(item["mass_kg"]))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def parse_time(text: str) -> dt.datetime | str:
    try:
        return dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text


def facts(attributes: dict, names: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of the attributes, either the named ones or all the others."""
    chosen = [
        key
        for key in attributes
        if (key in names if names is not None else key not in SAFETY_ATTRIBUTES)
    ]
    return [(label(ATTRIBUTES, key), attribute_value(key, attributes[key])) for key in chosen]


def attribute_value(key: str, value) -> str:
    """The value in words where it is a code from a fixed list, else as declared."""
    words = ATTRIBUTE_VALUES.get(key, {})
    return str(words[value]) if isinstance(value, str) and value in words else display(value)


def documents(items: list[dict], kinds: tuple[str, ...], exclude: bool) -> list[dict]:
    return [
        {
            "kind": label(DOCUMENT_KINDS, doc["kind"]),
            "title": doc.get("title") or label(DOCUMENT_KINDS, doc["kind"]),
            "url": doc["url"],
        }
        for doc in items
        if (doc["kind"] in kinds) != exclude
    ]


def carbon(footprint: dict) -> dict | None:
    """The declared footprint per functional unit, its total, class and stages."""
    if not footprint:
        return None
    unit_key = next((key for key in CARBON_UNITS if key in footprint), None)
    unit = str(CARBON_UNITS[unit_key]) if unit_key else ""
    stages = footprint.get("stages") or {}
    return {
        "value": footprint.get(unit_key) if unit_key else None,
        "unit": unit,
        "total": footprint.get("total_kg_co2e"),
        "performance_class": footprint.get("performance_class"),
        "study_url": footprint.get("study_url"),
        "stages": [(label(CARBON_STAGES, name), value) for name, value in stages.items()],
        "chart": charts.carbon_chart(stages, unit),
    }


def organisation_names(ids: set[str]) -> dict[str, str]:
    """Names for organisation ids the reader's tier already shows (holder, transfers)."""
    valid = set()
    for value in ids:
        # An altered envelope may carry anything; only well-formed ids are looked up.
        try:
            valid.add(uuid.UUID(value))
        except (TypeError, ValueError):
            continue
    if not valid:
        return {}
    rows = Organisation.objects.filter(pk__in=valid).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


def payload_value(key: str, value, names: dict[str, str]) -> str:
    """An event payload value in words: organisations by name, product types translated."""
    if key in ("to", "collector") and isinstance(value, str):
        return names.get(value, value)
    if key == "product_type" and isinstance(value, str):
        return label(PRODUCT_TYPES, value)
    return attribute_value(key, value)


def lifecycle(passport: Passport, data: dict) -> dict:
    """Timeline, health history and the names they mention, for tiers that may see them."""
    timeline = passport_timeline(passport)
    mentioned = {
        e.payload[key]
        for e in timeline.entries
        for key in ("to", "collector")
        if isinstance(e.payload.get(key), str)
    }
    if data.get("holder"):
        mentioned.add(data["holder"])
    names = organisation_names(mentioned)
    entries = []
    for entry in timeline.entries:
        details = []
        for key, value in entry.payload.items():
            details.append((label(PAYLOAD_FIELDS, key), payload_value(key, value, names)))
        entries.append(
            {
                "entry": entry,
                "type": label(EVENT_TYPES, entry.type),
                "time": parse_time(entry.time),
                "details": details,
            }
        )
    health_fields = list(
        dict.fromkeys(name for report in timeline.health_reports for name in report["values"])
    )
    return {
        "timeline": timeline,
        "events": entries,
        "holder_name": names.get(data.get("holder") or "", data.get("holder")),
        "health_columns": [label(HEALTH_FIELDS, name) for name in health_fields],
        "health_rows": [
            {
                "at": parse_time(report["occurred_at"]),
                "values": [display(report["values"].get(name, "")) for name in health_fields],
            }
            for report in timeline.health_reports
        ],
        "health_chart": charts.health_chart(timeline.health_reports),
        "dynamic_charts": sections.dynamic_charts(timeline.health_reports),
    }


def page_context(request, *, passport: Passport, data: dict, user, tier: str) -> dict:
    """The template context for one reader of one passport."""
    attributes = data.get("attributes") or {}
    critical = set(data.get("critical_raw_materials") or [])
    composition = data.get("composition")
    origin = data.get("origin") or []
    recycled = data.get("recycled_content") or []
    sees_lifecycle = allows(tier, AccessTier.LEGITIMATE_INTEREST)
    battery = data["product_type"] == "battery"
    withheld = [label(WITHHELD, key) for key in data.get("withheld", []) if key in WITHHELD]
    withheld += [
        label(ATTRIBUTES, key.split(".", 1)[1])
        for key in data.get("withheld", [])
        if key.startswith("attributes.")
    ]
    withheld += [
        label(DOCUMENT_KINDS, key.split(".", 1)[1])
        for key in data.get("withheld", [])
        if key.startswith("documents.")
    ]
    if not sees_lifecycle:
        withheld.append(_("Lifecycle timeline with signature checks"))
    context = {
        "passport": data,
        "tier": tier,
        "tier_label": label(TIERS, tier),
        "signed_in": user is not None,
        "product_type_label": label(PRODUCT_TYPES, data["product_type"]),
        "status_label": label(STATUSES, data["status"]) if data.get("status") else None,
        # A battery's other attributes are shown in their groups (sections.py).
        "facts": facts(attributes, sections.PRODUCT_CARD) if battery else facts(attributes),
        "safety_facts": facts(attributes, sections.SAFETY_CARD if battery else SAFETY_ATTRIBUTES),
        "attribute_sections": sections.attribute_sections(data["product_type"], attributes),
        "missing_mandatory": sections.missing_mandatory(data),
        "safety_documents": documents(data.get("documents", []), SAFETY_DOCUMENTS, False),
        "safety_withheld": any(
            key in {f"attributes.{name}" for name in SAFETY_ATTRIBUTES}
            or key in {f"documents.{kind}" for kind in SAFETY_DOCUMENTS}
            for key in data.get("withheld", [])
        ),
        "other_documents": documents(data.get("documents", []), SAFETY_DOCUMENTS, True),
        "critical": sorted(critical),
        "composition": sorted(composition, key=mass, reverse=True) if composition else None,
        "origin": [row | {"percent": percent(row["share"])} for row in origin],
        "origin_detail": any("supplier" in row for row in origin),
        "recycled": [
            {
                "substance": r["substance"],
                "critical": r["substance"] in critical,
                "pre": percent(r["pre_consumer_share"]),
                "post": percent(r["post_consumer_share"]),
            }
            for r in recycled
        ],
        "carbon": carbon(data.get("carbon_footprint") or {}),
        "withheld": withheld,
        "sees_lifecycle": sees_lifecycle,
        "charts": {
            "composition": charts.composition_chart(composition) if composition else None,
            "origin": charts.origin_chart(origin, critical),
            "recycled": charts.recycled_chart(recycled, critical),
        },
    }
    if battery:
        # The Battery Pass export answers every tier, each with what its tier may see, and
        # reads the same session as this page: the download holds what the page shows.
        context["batterypass_url"] = reverse("passport-batterypass", kwargs={"pk": passport.pk})
    if sees_lifecycle:
        context.update(lifecycle(passport, data))
        # The bundle endpoint serves the same tiers as the timeline (legitimate interest up).
        context["bundle_url"] = reverse("passport-bundle", kwargs={"pk": passport.pk})
    return context
