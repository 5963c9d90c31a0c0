"""Integration reads a queue of pending events; the hourly sweep searches every event."""

import datetime as dt

from django.utils import timezone

from lifecycle.models import Event, PendingEvent
from lifecycle.services.chain import event_sign
from lifecycle.services.log import log_integrate
from lifecycle.tasks import integrate_stragglers
from passports.models import Passport
from passports.services.keys import signer_for
from tests.factories import declaration


def stale_event(manufacturer, registered_battery) -> Event:
    """An event signed long before the newest logged one, as by a node whose clock lagged or a
    transaction that committed late."""
    log_integrate()
    passport = Passport.objects.get(pk=registered_battery["id"])
    head = passport.events.get(seq=0)
    stale = event_sign(
        passport_id=passport.pk, seq=1, prev=head.hash, event_type="placed_on_market",
        actor=manufacturer.organisation, signer=signer_for(organisation=manufacturer.organisation),
        payload={"occurred_at": "2026-01-01T00:00:00.000000Z", "country": "DE"},
        time=timezone.now() - dt.timedelta(hours=3),
    )  # fmt: skip
    stale.save(force_insert=True)
    return stale


def test_storing_an_event_queues_it_and_logging_it_takes_it_off(manufacturer, registered_battery):
    stale = stale_event(manufacturer, registered_battery)
    assert list(PendingEvent.objects.values_list("event_id", "time")) == [(stale.pk, stale.time)]
    assert log_integrate() == 1
    assert Event.objects.get(pk=stale.pk).leaf.index == 1
    assert not PendingEvent.objects.exists()


def test_an_event_whose_queue_row_was_lost_is_found_by_the_full_search(
    manufacturer, registered_battery
):
    stale = stale_event(manufacturer, registered_battery)
    PendingEvent.objects.filter(event_id=stale.pk).delete()
    assert log_integrate() == 0
    assert log_integrate(everything=True) == 1
    assert Event.objects.get(pk=stale.pk).leaf.index == 1


def test_the_hourly_sweep_logs_it(manufacturer, registered_battery):
    stale = stale_event(manufacturer, registered_battery)
    PendingEvent.objects.filter(event_id=stale.pk).delete()
    assert integrate_stragglers.delay().get() == 1
    assert Event.objects.get(pk=stale.pk).leaf is not None


def test_every_way_of_storing_events_queues_them_for_the_log(manufacturer):
    """Bulk registration (COPY on PostgreSQL), a batch, and a single append each reach the log
    through the queue alone."""
    declarations = [declaration(serial=f"QUEUE-{i}", gbt_code=None) for i in range(3)]
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": declarations}, format="json"
    )
    assert response.status_code == 201, response.json()
    passports = [p["id"] for p in response.json()["passports"]]
    items = [
        {"passport": p, "type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
         "payload": {"state_of_health_pct": "95"}}
        for p in passports
    ]  # fmt: skip
    response = manufacturer.client.post("/api/v1/events/batch", {"events": items}, format="json")
    assert response.status_code == 201, response.json()
    response = manufacturer.client.post(
        f"/api/v1/passports/{passports[0]}/events/",
        {"type": "placed_on_market", "occurred_at": "2026-06-02T00:00:00Z",
         "payload": {"country": "FR"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()

    log_integrate()

    assert Event.objects.filter(passport_id__in=passports).count() == 7
    assert not Event.objects.filter(leaf__isnull=True).exists()
    assert not PendingEvent.objects.exists()
