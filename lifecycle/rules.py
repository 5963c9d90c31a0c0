"""The status machine and who may post which event: the rules as data.

Status: original -> reused | repurposed | remanufactured -> waste -> recycled | disposed.
Recycled and disposed are terminal; the passport ceases but stays readable. Repurposing and
remanufacturing also create a successor passport (EU Battery Regulation Art. 77(7)); the
predecessor then takes no further events.
"""

from lifecycle.models import EventType as E
from passports.models import OrganisationKind as K
from passports.models import PassportStatus as S

IN_USE = frozenset({S.ORIGINAL, S.REUSED, S.REPURPOSED, S.REMANUFACTURED})

# event type -> (statuses it may follow, status it leads to or None to keep the current one)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    E.PLACED_ON_MARKET: (IN_USE, None),
    E.PUT_INTO_SERVICE: (IN_USE, None),
    E.HEALTH_REPORTED: (IN_USE, None),
    E.REPAIRED: (IN_USE, None),
    E.OWNERSHIP_TRANSFERRED: (IN_USE, None),
    E.REUSED: (frozenset({S.ORIGINAL, S.REMANUFACTURED}), S.REUSED),
    E.REPURPOSED: (frozenset({S.ORIGINAL, S.REUSED}), S.REPURPOSED),
    E.REMANUFACTURED: (frozenset({S.ORIGINAL, S.REUSED}), S.REMANUFACTURED),
    E.COLLECTED: (IN_USE, S.WASTE),
    E.RECYCLED: (frozenset({S.WASTE}), S.RECYCLED),
    E.DISPOSED: (frozenset({S.WASTE}), S.DISPOSED),
}

TERMINAL = frozenset({S.RECYCLED, S.DISPOSED})

# Who may post what. "owner" is the manufacturer, "holder" the organisation currently holding
# the product (after a transfer or a collection); the rest are organisation kinds.
HOLDER_EVENTS = frozenset(
    {E.PLACED_ON_MARKET, E.PUT_INTO_SERVICE, E.HEALTH_REPORTED, E.OWNERSHIP_TRANSFERRED}
)
MAY_POST: dict[str, frozenset[str]] = {
    "owner": HOLDER_EVENTS,
    "holder": HOLDER_EVENTS,
    K.REPAIRER: frozenset(
        {E.HEALTH_REPORTED, E.REPAIRED, E.REUSED, E.REPURPOSED, E.REMANUFACTURED}
    ),
    K.COLLECTOR: frozenset({E.COLLECTED}),
    K.RECYCLER: frozenset({E.COLLECTED, E.RECYCLED, E.DISPOSED}),
    K.REGULATOR: frozenset(),
    K.MANUFACTURER: frozenset(),
}


def allowed_for(*, organisation_id, organisation_kind: str, manufacturer_id, holder_id) -> set:
    """Every event type this organisation may post on a passport, by role."""
    allowed = set(MAY_POST.get(organisation_kind, frozenset()))
    if organisation_id == manufacturer_id:
        allowed |= MAY_POST["owner"]
    if organisation_id == holder_id:
        allowed |= MAY_POST["holder"]
    return allowed


def next_events(status: str) -> list[str]:
    """Event types the status machine allows after this status."""
    return sorted(t for t, (sources, _) in TRANSITIONS.items() if status in sources)
