"""Words for the stored codes (statuses, routes, fraction kinds), in the reader's language."""

from django.utils.translation import gettext_lazy as _

from web.labels import (  # noqa: F401 (re-exported)
    COUNTS_AS,
    EVENT_TYPES,
    PROCESS_ROUTES,
    PRODUCT_TYPES,
    STATUSES,
)

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
