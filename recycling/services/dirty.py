"""Marking aggregate buckets dirty in the same transaction as the records that change them."""

from collections.abc import Iterable

from django.utils import timezone

from lifecycle.models import EventType, LogLeaf
from lifecycle.tasks import enqueue_on_commit
from passports.models import Passport
from recycling.models import Batch, DirtyBucket, FeedCursor
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


def batch_buckets(batch: Batch) -> list[tuple[str, str]]:
    """Recovery statistics of the recycler, product and category, and the site's inventory."""
    return [
        ("recovery", bucket_key(batch.product_type)),
        ("inventory", bucket_key(batch.product_type, batch.site_country)),
    ]


FEED = "passport-changes"
FEED_BATCH = 5000


def feed_read() -> int:
    """Marks the buckets of passports that changed since the last read of the log."""
    FeedCursor.objects.get_or_create(name=FEED)
    cursor = FeedCursor.objects.select_for_update().get(name=FEED)
    leaves = list(
        LogLeaf.objects.filter(index__gte=cursor.position)
        .order_by("index")
        .values_list(
            "index", "event__type", "event__passport__product_type",
            "event__passport__market_country", "event__passport__manufacturing_country",
        )[:FEED_BATCH]
    )  # fmt: skip
    if not leaves:
        return 0
    buckets = set()
    for _, event_type, product_type, market, made in leaves:
        # A placement moves a product from its country of manufacture to its market.
        buckets |= {("inventory", bucket_key(product_type, c)) for c in {market, made} if c}
        if event_type == EventType.PLACED_ON_MARKET:
            buckets.add(("collection", bucket_key(product_type)))
    buckets_mark(buckets)
    cursor.position = leaves[-1][0] + 1
    cursor.save(update_fields=["position"])
    return len(leaves)
