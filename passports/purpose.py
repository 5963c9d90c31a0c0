"""The purpose a reader states for a restricted read: `?purpose=repair` or `Purpose: repair`.

Annex XIII gives persons with a legitimate interest access for a purpose (repair, reuse,
repurposing, recycling, market surveillance, ...), so the access log records it beside who
read, when and at which tier. A read that states no purpose is still served: it is recorded
with the default of the reader's relation or kind (tiers.default_purpose: the holder reads
for holding, a repairer for repair, a collector for collection, a recycler for recycling, a
regulator for market surveillance, a notified body for conformity assessment). A stated
purpose that is not one of the known values is refused with a 400 naming them.
"""

from passports.models import AccessPurpose


class PurposeError(ValueError):
    """The stated purpose is not one of AccessPurpose's values."""


def purpose_stated(query, headers) -> str:
    """The purpose from the query string or the Purpose header ("" when none is given)."""
    value = (query.get("purpose") or headers.get("Purpose") or "").strip()
    if value and value not in AccessPurpose.values:
        raise PurposeError(
            f"{value[:50]!r} is not a purpose of access; give one of: "
            + ", ".join(AccessPurpose.values)
            + "."
        )
    return value
