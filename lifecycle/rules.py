"""The status machine and who may post which event: the rules as data.

Status: original -> reused | repurposed | remanufactured -> waste -> recycled | disposed.
Recycled and disposed are terminal; the passport ceases but stays readable. Repurposing and
remanufacturing also create a successor passport (EU Battery Regulation Art. 77(7)); the
predecessor then takes no further events.

Who may post an event depends on the poster's kind and on its relation to the product:

- ``holder``: the organisation that holds the product now. The manufacturer holds it from
  registration until it hands it on (``ownership_transferred``); a collector or recycler holds
  it from the moment it records the collection; a waste holder hands it on to a recycler in the
  same way.
- ``owner``: the manufacturer, the passport's economic operator, whether or not it still holds
  the product.
- ``any``: any organisation of the kind, holding the product or not (a workshop that services a
  battery it does not own; a collector taking back a product from its last user).

A regulator never holds a product and posts no lifecycle event (it cosigns checkpoints); nor
does a notified body, which only reads (test reports, Annex XIII 4).
``recycled`` is never posted directly: closing the treatment batch that took the product in
signs it, as the batch's recycler, which must hold the product.
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
    # Waste changes hands too: a collector delivers what it collected to a recycler.
    E.OWNERSHIP_TRANSFERRED: (IN_USE | {S.WASTE}, None),
    E.REUSED: (frozenset({S.ORIGINAL, S.REMANUFACTURED}), S.REUSED),
    E.REPURPOSED: (frozenset({S.ORIGINAL, S.REUSED}), S.REPURPOSED),
    E.REMANUFACTURED: (frozenset({S.ORIGINAL, S.REUSED}), S.REMANUFACTURED),
    E.COLLECTED: (IN_USE, S.WASTE),
    E.RECYCLED: (frozenset({S.WASTE}), S.RECYCLED),
    E.DISPOSED: (frozenset({S.WASTE}), S.DISPOSED),
}

TERMINAL = frozenset({S.RECYCLED, S.DISPOSED})

HOLDER, OWNER, ANY = "holder", "owner", "any"
OPERATORS = frozenset({K.MANUFACTURER, K.REPAIRER})
WASTE_HANDLERS = frozenset({K.COLLECTOR, K.RECYCLER})
NOBODY: dict[str, frozenset[str]] = {}

# event type -> relation -> the organisation kinds that may post it in that relation.
MAY_POST: dict[str, dict[str, frozenset[str]]] = {
    E.REGISTERED: NOBODY,  # written by registration itself
    E.PLACED_ON_MARKET: {OWNER: frozenset({K.MANUFACTURER}), HOLDER: OPERATORS},
    E.PUT_INTO_SERVICE: {OWNER: frozenset({K.MANUFACTURER}), HOLDER: OPERATORS},
    E.HEALTH_REPORTED: {
        OWNER: frozenset({K.MANUFACTURER}),
        HOLDER: OPERATORS,
        ANY: frozenset({K.REPAIRER}),
    },
    E.REPAIRED: {HOLDER: OPERATORS, ANY: frozenset({K.REPAIRER})},
    E.OWNERSHIP_TRANSFERRED: {HOLDER: OPERATORS | WASTE_HANDLERS},
    E.REUSED: {HOLDER: OPERATORS},
    E.REPURPOSED: {HOLDER: OPERATORS},
    E.REMANUFACTURED: {HOLDER: OPERATORS},
    E.COLLECTED: {ANY: WASTE_HANDLERS},
    E.RECYCLED: NOBODY,  # signed by closing a batch: see BATCH_SIGNED
    E.DISPOSED: {HOLDER: WASTE_HANDLERS},
}

# Events signed by a service on the holder's behalf, never posted: event type -> who signs.
BATCH_SIGNED: dict[str, dict[str, frozenset[str]]] = {
    E.RECYCLED: {HOLDER: frozenset({K.RECYCLER})},
}

# Who may receive a product in an ownership transfer, by the product's status. A regulator
# never becomes a holder.
TRANSFER_RECIPIENTS: dict[str, frozenset[str]] = {
    **{status: OPERATORS for status in IN_USE},
    S.WASTE: WASTE_HANDLERS,
}


def relations(*, organisation_id, manufacturer_id, holder_id) -> set[str]:
    """How an organisation stands to a product: holder, owner, and always `any`."""
    found = {ANY}
    if organisation_id == manufacturer_id:
        found.add(OWNER)
    if organisation_id == holder_id:
        found.add(HOLDER)
    return found


def may_post(event_type: str, *, kind: str, relations_held: set[str], rules=MAY_POST) -> bool:
    """Whether an organisation of this kind, in these relations, may post the event."""
    granted = rules.get(event_type, NOBODY)
    return any(kind in granted.get(relation, frozenset()) for relation in relations_held)


def allowed_for(*, organisation_id, organisation_kind: str, manufacturer_id, holder_id) -> set[str]:
    """Every event type this organisation may post on a passport, by kind and relation."""
    held = relations(
        organisation_id=organisation_id, manufacturer_id=manufacturer_id, holder_id=holder_id
    )
    return {t for t in MAY_POST if may_post(t, kind=organisation_kind, relations_held=held)}


def next_events(status: str) -> list[str]:
    """Event types the status machine allows after this status."""
    return sorted(t for t, (sources, _) in TRANSITIONS.items() if status in sources)
