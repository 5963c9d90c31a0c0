"""Which legal target applies to a statistic, from reference/targets.json."""

import datetime as dt

from passports.reference import load


def applicable_target(
    *, regime: str, metric: str, product_type: str, year: int, category: str = "",
    element: str = "",
) -> dict | None:  # fmt: skip
    """The target in force at the end of the year: the latest whose date has been reached."""
    end_of_year = dt.date(year, 12, 31).isoformat()
    candidates = []
    for target in load("targets")["regimes"].get(regime, {}).get("targets", []):
        if target["metric"] != metric or target["scope"] != product_type:
            continue
        if "element" in target and target["element"] != element:
            continue
        wanted_category = target.get("chemistry_category") or target.get("category")
        if wanted_category and wanted_category != category:
            continue
        since = target.get("by") or target.get("from") or "0000-01-01"
        if since <= end_of_year:
            candidates.append((since, target))
    if not candidates:
        return None
    since, target = max(candidates, key=lambda pair: pair[0])
    return {
        "percent": target["percent"],
        "in_force_since": since,
        "source": target["source"],
        "regime": regime,
        "status": target["status"],
    }
