"""Words for the stored codes (statuses, routes, fraction kinds), in the reader's language."""

from django.utils.translation import gettext_lazy as _

PRODUCT_TYPES = {
    "battery": _("Battery"),
    "pv_module": _("PV module"),
    "magnet": _("Permanent magnet"),
}

STATUSES = {
    "original": _("In use (original)"),
    "reused": _("Reused"),
    "repurposed": _("Repurposed"),
    "remanufactured": _("Remanufactured"),
    "waste": _("Waste (collected)"),
    "recycled": _("Recycled"),
    "disposed": _("Disposed of"),
}

EVENT_TYPES = {
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
    "disposed": _("Disposed of"),
}

PROCESS_ROUTES = {
    "mechanical": _("Mechanical"),
    "pyrometallurgical": _("Pyrometallurgical"),
    "hydrometallurgical": _("Hydrometallurgical"),
    "direct_recycling": _("Direct recycling"),
}

COUNTS_AS = {
    "recycling": _("Recycling"),
    "energy_recovery": _("Energy recovery"),
    "backfilling": _("Backfilling"),
    "disposal": _("Disposal"),
    "intermediate": _("Intermediate (feeds another batch)"),
}

TIERS = {
    "public": _("public"),
    "legitimate_interest": _("legitimate-interest"),
    "authority": _("authority"),
    "owner": _("owner"),
}

BATCH_STATUSES = {"open": _("Open"), "closed": _("Closed")}

BASES = {"assay": _("Assay"), "composition": _("Passport composition")}

TECHNOLOGY_LABELS = {
    "battery": _("Chemistry"),
    "pv_module": _("Technology"),
    "magnet": _("Magnet type"),
}


def label(labels: dict, code: str) -> str:
    """The word for a code, or the code itself when it is new to this list."""
    return str(labels.get(code, code))
