"""The chain heads of a batch's passports, locked and read in one statement.

A batch of a thousand items over a thousand passports read its heads as model instances
through select_related: the joins' row conversion and three instances per passport cost more
than the lock itself and as much as signing the thousand events. Here the same rows come back
as plain values (the columns the checks and effects of an append read, nothing more), and the
instances the shared rules expect are built from them with Model.from_db, which is what the
ORM would call but without the per-row compiler machinery.
"""

import uuid

from django.db.models import OuterRef, Subquery

from lifecycle.services.head_lock import passport_linked
from lifecycle.services.key_lists import key_list
from passports.models import Passport, PassportHead

# Passport columns an append's checks and effects read (see _check_allowed, passport_changes
# and registry_queue_if_placed). The wide row's declaration, attributes and documents stay
# unread; a rare event that needs them (a successor copies the declaration) loads them on
# access, as a deferred field does.
# Both lists are in the models' field order, the order Model.from_db takes values in.
PASSPORT_COLUMNS = [
    f.attname
    for f in Passport._meta.concrete_fields
    if f.attname in {"id", "manufacturer_id", "holder_id", "product_type", "status",
                     "manufactured_at", "market_country", "placed_on_market_on", "archived_from"}
]  # fmt: skip
HEAD_COLUMNS = [f.attname for f in PassportHead._meta.concrete_fields]
HASH = HEAD_COLUMNS.index("hash")


def heads_locked(*, passport_ids: list[uuid.UUID]) -> dict[uuid.UUID, Passport]:
    """The passports by id, each with its head, their head rows locked in id order.

    Locking in id order lets two batches over the same passports wait for each other instead
    of deadlocking. Only the narrow head rows are locked, as a single append locks them.
    Passports that do not exist are absent from the answer.
    """
    locked = (
        PassportHead.objects.select_for_update(of=("self",))
        .annotate(seen_hash=Subquery(PassportHead.objects.filter(pk=OuterRef("pk")).values("hash")))
        .order_by("pk")
        .values_list(
            *HEAD_COLUMNS,
            *(f"passport__{name}" for name in PASSPORT_COLUMNS if name != "id"),
            "passport__successor__id",
            "seen_hash",
        )
    )
    pk = PassportHead._meta.pk
    rows = list(locked.filter(pk__in=key_list(passport_ids, field=pk)))
    # A head moved while this batch waited for its lock: the locked head row is its newest
    # version, but the joined passport columns are what the statement's snapshot saw. Read
    # those again now that the locks are ours.
    stale = {row[0] for row in rows if row[-1] != row[HASH]}
    if stale:
        again = locked.filter(pk__in=key_list(stale, field=pk))
        rows = [row for row in rows if row[0] not in stale] + list(again)
    return {row[0]: _passport(row, locked.db) for row in rows}


def _passport(row: tuple, alias: str) -> Passport:
    """A Passport of the selected columns with its head and successor cached on it."""
    width = len(HEAD_COLUMNS)
    head = PassportHead.from_db(alias, HEAD_COLUMNS, row[:width])
    passport = Passport.from_db(alias, PASSPORT_COLUMNS, (row[0], *row[width:-2]))
    return passport_linked(head, passport, row[-2], alias)
