"""Names people read for the codes statistics, stages and fractions carry."""

from django.utils.translation import gettext_lazy as _

from web.labels import COUNTS_AS as COUNTS_AS_LABELS  # noqa: F401 (re-exported)
from web.labels import EVENT_TYPES as EVENT_LABELS  # noqa: F401
from web.labels import PROCESS_ROUTES as ROUTE_LABELS  # noqa: F401
from web.labels import PRODUCT_TYPES as PRODUCT_TYPE_LABELS  # noqa: F401

METRIC_LABELS = {
    "recycling_efficiency": _("Recycling efficiency"),
    "material_recovery": _("Material recovery"),
    "collection_rate": _("Collection rate"),
    "recycled_content": _("Recycled content"),
    "rc": _("Recycled content (UNEP RC)"),
    "osr": _("Old-scrap ratio (UNEP OSR)"),
    "eol_rr": _("End-of-life recycling rate (UNEP EOL-RR)"),
}


STAGE_LABELS = {
    "in_use": _("In use"),
    "expected_eol": _("Expected end of life"),
    "collected": _("Collected"),
    "in_treatment": _("In treatment"),
    "recovered": _("Recovered"),
    "lost": _("Lost"),
}


BASIS_LABELS = {
    "assay": _("assay"),
    "composition": _("passport composition"),
    "mixed": _("assay and passport composition"),
    "placed_on_market_3y_average": _("average placed on the market in the 3 preceding years"),
    "available_for_collection": _("available for collection (stock model outflow)"),
    "available_for_collection_observed": _(
        "available for collection (collected mass: the stock model expected less)"
    ),
    "end_of_life_observed": _("observed end of life (the stock model expected less)"),
    "passport_declaration": _("passport declarations"),
    "stock_model_outflow": _("stock model outflow"),
}


def label(table: dict, code: str) -> str:
    """The readable name of a code, or the code itself when it has none."""
    return str(table.get(code, code)) if code else ""
