"""Words, in the reader's language, for the codes every area shows: product types, statuses,
event types, treatment routes and what an output fraction counts as."""

from django.utils.translation import gettext_lazy as _

PRODUCT_TYPES = {
    "battery": _("Battery"),
    "pv_module": _("PV module"),
    "magnet": _("Permanent magnet"),
}

STATUSES = {
    "original": _("In its original use"),
    "reused": _("Reused"),
    "repurposed": _("Repurposed"),
    "remanufactured": _("Remanufactured"),
    "waste": _("Collected as waste"),
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
