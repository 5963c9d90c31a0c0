"""Marking aggregate buckets dirty in the same transaction as the records that change them."""

import json
from collections.abc import Iterable

from django.utils import timezone

from lifecycle.models import Event, EventType, LogLeaf
from lifecycle.tasks import enqueue_on_commit
from passports.models import Passport
from recycling.categories import category_of
from recycling.models import (
    Batch,
    BatchInput,
    CollectionItem,
    DirtyBucket,
    FeedCursor,
    StaleChain,
)
from recycling.services.recovery import chains_upstream
from recycling.tasks import refresh_aggregates


def bucket_key(*parts) -> str:
    return "|".join(str(part) for part in parts)


def buckets_mark(buckets: Iterable[tuple[str, str]]) -> None:
    """Marks (kind, key) buckets dirty and asks for a refresh once the transaction commits."""
    now = timezone.now()
    rows = [DirtyBucket(kind=kind, key=key, marked_at=now) for kind, key in sorted(set(buckets))]
    if not rows:
        return
    # An upsert, not insert-or-ignore: it waits for a refresher holding the row, so a refresh
    # that cannot have seen these records never clears the mark they leave.
    DirtyBucket.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["kind", "key"], update_fields=["marked_at"]
    )
    enqueue_on_commit(refresh_aggregates)


def passport_buckets(passport: Passport) -> list[tuple[str, str]]:
    """The inventory bucket a passport's product counts in (by product type and country)."""
    country = passport.market_country or passport.manufacturing_country
    return [("inventory", bucket_key(passport.product_type, country))]


def buckets_mark_for_passports(passport_ids: Iterable) -> None:
    passports = Passport.objects.filter(pk__in=list(passport_ids)).only(
        "product_type", "market_country", "manufacturing_country"
    )
    buckets = {bucket for passport in passports for bucket in passport_buckets(passport)}
    buckets |= {("collection", bucket_key(p.product_type)) for p in passports}
    buckets_mark(buckets)


def collected_buckets(passport_ids: Iterable) -> list[tuple[str, str]]:
    """The collected-stock cells the passports count in: by country, category and year.

    A product's collected cell is the year of its collection, or this year without one.
    """
    passports = list(
        Passport.objects.filter(pk__in=list(passport_ids)).values_list(
            "pk", "product_type", "market_country", "manufacturing_country", "attributes"
        )
    )
    years = dict(
        CollectionItem.objects.filter(passport_id__in=[p[0] for p in passports]).values_list(
            "passport_id", "collection__collected_at__year"
        )
    )
    this_year = timezone.now().year
    return [
        (
            "inventory_collected",
            bucket_key(
                product_type,
                market or made,
                category_of(product_type, attributes),
                years.get(pk, this_year),
            ),
        )
        for pk, product_type, market, made, attributes in passports
    ]


def batch_buckets(batch: Batch) -> list[tuple[str, str]]:
    """Recovery statistics of the product type, and the batch cells of the batch's chain.

    A batch's cells are those of its category in the year it started (while open) and the year
    it closed; the steps downstream of it count its products too, so theirs are marked as well.
    Which chains of the product type's recovery a close changed, `chains_mark` marks.
    """
    buckets = [("recovery", bucket_key(batch.product_type))]
    chain: set = set()
    frontier = {batch.pk}
    while frontier:
        chain |= frontier
        frontier = (
            set(
                BatchInput.objects.filter(source_output__batch_id__in=frontier).values_list(
                    "batch_id", flat=True
                )
            )
            - chain
        )
    for product_type, site, category, started, closed in Batch.objects.filter(
        pk__in=chain
    ).values_list("product_type", "site_country", "chemistry_category", "started_at", "closed_at"):
        for year in {started.year, closed.year if closed else started.year}:
            buckets.append(("inventory_batch", bucket_key(product_type, site, category, year)))
    return buckets


def chains_mark(batch: Batch) -> None:
    """Marks the treatment chains a closing batch belongs to, for its recovery bucket's refresh.

    Called after the product type's `recovery` bucket is marked: a refresher holds that row
    for its whole run, so a close waits for a running refresh before it marks chains the
    refresh could not have seen, and never the other way round.
    """
    now = timezone.now()
    chains = chains_upstream(batch.pk, batch.product_type)
    StaleChain.objects.bulk_create(
        [StaleChain(batch_id=pk, marked_at=now) for pk in chains],
        update_conflicts=True,
        unique_fields=["batch"],
        update_fields=["marked_at"],
    )


# Events that change neither a product's status, place nor placement year: no inventory cell
# or collection rate depends on them.
NO_STOCK_CHANGE = frozenset(
    {
        EventType.PUT_INTO_SERVICE,
        EventType.HEALTH_REPORTED,
        EventType.REPAIRED,
        EventType.OWNERSHIP_TRANSFERRED,
    }
)
# Events that take a product out of waste: only its collected cell can change.
LEAVES_WASTE = frozenset({EventType.RECYCLED, EventType.DISPOSED})
FEED = "passport-changes"
FEED_BATCH = 5000


def _markets_ever(placed: dict) -> set[tuple[str, str]]:
    """The inventory buckets of every market each placed product was ever placed in.

    A product may be placed again in another country; the passport row keeps only the last,
    and the former market's stock loses the product, so its bucket is marked too.
    """
    if not placed:
        return set()
    events = Event.objects.filter(passport_id__in=list(placed), type=EventType.PLACED_ON_MARKET)
    return {
        (
            "inventory",
            bucket_key(placed[passport], json.loads(bytes(envelope))["payload"]["country"]),
        )
        for passport, envelope in events.values_list("passport_id", "envelope")
    }


def feed_read() -> int:
    """Marks the buckets of passports that changed since the last read of the log."""
    FeedCursor.objects.get_or_create(name=FEED)
    cursor = FeedCursor.objects.select_for_update().get(name=FEED)
    leaves = list(
        LogLeaf.objects.filter(index__gte=cursor.position)
        .order_by("index")
        .values_list(
            "index", "event__type", "event__passport_id", "event__passport__product_type",
            "event__passport__market_country", "event__passport__manufacturing_country",
        )[:FEED_BATCH]
    )  # fmt: skip
    if not leaves:
        return 0
    buckets = set()
    leaving_waste = set()
    placed: dict = {}
    for _, event_type, passport, product_type, market, made in leaves:
        if event_type in NO_STOCK_CHANGE:
            continue
        if event_type in LEAVES_WASTE:
            leaving_waste.add(passport)
            continue
        # A placement moves a product from its country of manufacture to its market.
        buckets |= {("inventory", bucket_key(product_type, c)) for c in {market, made} if c}
        if event_type == EventType.PLACED_ON_MARKET:
            buckets.add(("collection", bucket_key(product_type)))
            placed[passport] = product_type
    buckets |= _markets_ever(placed)
    # A product already in a batch left the collected stock when it entered it.
    leaving_waste -= set(
        BatchInput.objects.filter(passport_id__in=leaving_waste).values_list(
            "passport_id", flat=True
        )
    )
    buckets |= set(collected_buckets(leaving_waste))
    buckets_mark(buckets)
    cursor.position = leaves[-1][0] + 1
    cursor.save(update_fields=["position"])
    return len(leaves)
