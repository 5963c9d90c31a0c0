"""Recycled content and UNEP's recycling indicators, computed from passport compositions.

Recycled content per element, model, plant and year is the declared recycled share weighted by
mass. UNEP (2011) indicators from the same declarations: recycled content
RC = (O + N) / (P + O + N) and old-scrap ratio OSR = O / (O + N), with O the post-consumer
(old scrap) mass, N the pre-consumer (new scrap) mass and P the primary mass.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet

from passports.models import CompositionEntry
from passports.substances import is_element
from recycling.digests import records_digest

ZERO = Decimal(0)


def content_rows(entries: QuerySet[CompositionEntry]) -> list[dict]:
    """recycled_content per (manufacturer, model, plant, year, element), rc and osr per year."""
    per_model: dict[tuple, dict] = defaultdict(
        lambda: {"mass": ZERO, "pre": ZERO, "post": ZERO, "records": [], "makers": set()}
    )
    per_year: dict[tuple, dict] = defaultdict(
        lambda: {"mass": ZERO, "pre": ZERO, "post": ZERO, "records": [], "makers": set()}
    )
    rows = entries.select_related("passport").only(
        "substance", "mass_kg", "recycled_share_pre_consumer", "recycled_share_post_consumer",
        "passport__id", "passport__manufacturer_id", "passport__model", "passport__product_type",
        "passport__manufacturing_facility", "passport__manufactured_at",
    )  # fmt: skip
    for entry in rows:
        if not is_element(entry.substance) or not entry.mass_kg:
            continue
        passport = entry.passport
        year = passport.manufactured_at.year
        keys = [
            (per_model, (passport.product_type, passport.manufacturer_id, passport.model,
                         passport.manufacturing_facility, year, entry.substance)),
            (per_year, (passport.product_type, year, entry.substance)),
        ]  # fmt: skip
        for table, key in keys:
            bucket = table[key]
            bucket["mass"] += entry.mass_kg
            bucket["pre"] += entry.mass_kg * entry.recycled_share_pre_consumer
            bucket["post"] += entry.mass_kg * entry.recycled_share_post_consumer
            bucket["records"].append(str(passport.id))
            bucket["makers"].add(str(passport.manufacturer_id))
    result = []
    for (product_type, manufacturer, model, plant, year, element), b in per_model.items():
        result.append(
            {
                "metric": "recycled_content",
                "product_type": product_type,
                "year": year,
                "element": element,
                "scope_extra": {"manufacturer": str(manufacturer), "model": model, "plant": plant},
                "numerator_kg": b["pre"] + b["post"],
                "denominator_kg": b["mass"],
                "basis": "passport_declaration",
                "digest": records_digest(b["records"]),
                "product_count": len(set(b["records"])),
                "manufacturers": sorted(b["makers"]),
            }
        )
    for (product_type, year, element), b in per_year.items():
        recycled = b["pre"] + b["post"]
        common = {"product_type": product_type, "year": year, "element": element,
                  "basis": "passport_declaration", "digest": records_digest(b["records"]),
                  "product_count": len(set(b["records"])), "manufacturers": sorted(b["makers"]),
                  "scope_extra": {}}  # fmt: skip
        result.append({"metric": "rc", "numerator_kg": recycled, "denominator_kg": b["mass"],
                       **common})  # fmt: skip
        if recycled:
            result.append({"metric": "osr", "numerator_kg": b["post"],
                           "denominator_kg": recycled, **common})  # fmt: skip
    return result
