"""Recording collections: products become waste, each with a signed `collected` event."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from lifecycle.errors import EventRefused
from lifecycle.models import EventType
from lifecycle.services.events import event_record
from passports.models import Organisation, Passport
from recycling.models import Collection, CollectionItem
from recycling.services.alerts import collection_alerts_raise
from recycling.services.dirty import buckets_mark_for_passports


def collection_record(
    *,
    collector: Organisation,
    region: str,
    collected_at: dt.datetime,
    items: list[tuple[Passport, Decimal | None]],
) -> Collection:
    """Records every item or none; a refusal names the item by its index. A product collected
    outside the market it was placed in raises a cloned-label alert in the same transaction."""
    with transaction.atomic():
        collection = Collection.objects.create(
            collector=collector, region=region, collected_at=collected_at
        )
        rows = []
        for index, (passport, mass_kg) in enumerate(items):
            payload = {"region": region, "collector": collector.pk}
            if mass_kg is not None:
                payload["mass_kg"] = mass_kg
            try:
                event, _ = event_record(
                    passport_id=passport.pk,
                    actor=collector,
                    event_type=EventType.COLLECTED,
                    occurred_at=collected_at,
                    payload=payload,
                )
            except EventRefused as refused:
                raise EventRefused(
                    refused.status,
                    [
                        {
                            "field": f"items[{index}].{e['field']}".rstrip("."),
                            "message": e["message"],
                        }
                        for e in refused.errors
                    ],
                    refused.extra,
                ) from refused
            rows.append(
                CollectionItem(
                    collection=collection, passport=passport, mass_kg=mass_kg, event=event
                )
            )
        CollectionItem.objects.bulk_create(rows)
        buckets_mark_for_passports([passport.pk for passport, _ in items])
        collection_alerts_raise(collection=collection)
    return collection
