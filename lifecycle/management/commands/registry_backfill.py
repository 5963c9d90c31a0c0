"""manage.py registry_backfill: queues passports placed on the market before registry delivery.

It lives in lifecycle because it reads the signed `placed_on_market` events (who placed the
product, on which market, when); the outbox itself is in passports/registry.
"""

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand

from lifecycle.models import Event, EventType
from passports.registry.models import DeliveryStatus, RegistryDelivery
from passports.registry.services import registrations_backfill, registrations_due
from passports.registry.tasks import deliveries_enqueue


def placements_unregistered():
    """(passport, operator, country, date) of each first placement that has no outbox row."""
    seen = set()
    events = (
        Event.objects.filter(
            type=EventType.PLACED_ON_MARKET, passport__registry_delivery__isnull=True
        )
        .order_by("passport_id", "seq")
        .values_list("passport_id", "actor_id", "envelope")
    )
    for passport_id, actor_id, envelope in events.iterator(chunk_size=2000):
        if passport_id in seen:
            continue  # placed again on another market: the first placement registers it
        seen.add(passport_id)
        payload = json.loads(bytes(envelope))["payload"]
        placed_on = dt.date.fromisoformat(payload["occurred_at"][:10])
        yield passport_id, actor_id, payload["country"], placed_on


class Command(BaseCommand):
    help = (
        "Queues for the EU registry every passport placed on the market that has no upload yet, "
        "then sends every upload whose retry time has come. Running it again queues nothing new."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be queued"
        )

    def handle(self, *args, **options) -> None:
        if options["dry_run"]:
            count = sum(1 for _ in placements_unregistered())
            self.stdout.write(f"{count} passports would be queued for the registry.")
            return
        created = registrations_backfill(placements=placements_unregistered())
        if not settings.REGISTRY_URL:
            self.stdout.write(
                f"Queued {len(created)} passports. REGISTRY_URL is not set: nothing is sent "
                "until it is."
            )
            return
        due = registrations_due()
        deliveries_enqueue(due)
        waiting = RegistryDelivery.objects.filter(status=DeliveryStatus.PENDING).count()
        self.stdout.write(
            f"Queued {len(created)} passports; sent {len(due)} due uploads; "
            f"{waiting} uploads still waiting."
        )
