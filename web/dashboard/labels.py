"""Names people read for the codes statistics, stages and fractions carry."""

from django.utils.translation import gettext_lazy as _

METRIC_LABELS = {
    "recycling_efficiency": _("Recycling efficiency"),
    "material_recovery": _("Material recovery"),
    "collection_rate": _("Collection rate"),
    "recycled_content": _("Recycled content"),
    "rc": _("Recycled content (UNEP RC)"),
    "osr": _("Old-scrap ratio (UNEP OSR)"),
    "eol_rr": _("End-of-life recycling rate (UNEP EOL-RR)"),
}

PRODUCT_TYPE_LABELS = {
    "battery": _("Battery"),
    "pv_module": _("PV module"),
    "magnet": _("Permanent magnet"),
}

STAGE_LABELS = {
    "in_use": _("In use"),
    "expected_eol": _("Expected end of life"),
    "collected": _("Collected"),
    "in_treatment": _("In treatment"),
    "recovered": _("Recovered"),
    "lost": _("Lost"),
}

COUNTS_AS_LABELS = {
    "recycling": _("Recycling"),
    "energy_recovery": _("Energy recovery"),
    "backfilling": _("Backfilling"),
    "disposal": _("Disposal"),
    "intermediate": _("Intermediate"),
}

ROUTE_LABELS = {
    "mechanical": _("Mechanical"),
    "pyrometallurgical": _("Pyrometallurgical"),
    "hydrometallurgical": _("Hydrometallurgical"),
    "direct_recycling": _("Direct recycling"),
}

BASIS_LABELS = {
    "assay": _("assay"),
    "composition": _("passport composition"),
    "mixed": _("assay and passport composition"),
    "placed_on_market_3y_average": _("average placed on the market in the 3 preceding years"),
    "available_for_collection": _("available for collection (stock model outflow)"),
    "passport_declaration": _("passport declarations"),
    "stock_model_outflow": _("stock model outflow"),
}

EVENT_LABELS = {
    "registered": _("Registered"),
    "placed_on_market": _("Placed on the market"),
    "put_into_service": _("Put into service"),
    "health_reported": _("Health reported"),
    "repaired": _("Repaired"),
    "ownership_transferred": _("Ownership transferred"),
    "reused": _("Reused"),
    "repurposed": _("Repurposed"),
    "remanufactured": _("Remanufactured"),
    "collected": _("Collected"),
    "recycled": _("Recycled"),
    "disposed": _("Disposed"),
}


def label(table: dict, code: str) -> str:
    """The readable name of a code, or the code itself when it has none."""
    return str(table.get(code, code)) if code else ""
