"""Integration searches recent events only; an audit can ask for every pending event."""

import datetime as dt

from django.utils import timezone

from lifecycle.models import Event
from lifecycle.services.chain import event_sign
from lifecycle.services.log import PENDING_WINDOW, log_integrate
from lifecycle.tasks import integrate_stragglers
from passports.models import Passport
from passports.services.keys import signer_for


def stale_event(manufacturer, registered_battery) -> Event:
    """An event signed well before the newest logged one, as by a node whose clock lagged."""
    log_integrate()
    passport = Passport.objects.get(pk=registered_battery["id"])
    head = passport.events.get(seq=0)
    stale = event_sign(
        passport_id=passport.pk, seq=1, prev=head.hash, event_type="placed_on_market",
        actor=manufacturer.organisation, signer=signer_for(organisation=manufacturer.organisation),
        payload={"occurred_at": "2026-01-01T00:00:00.000000Z", "country": "DE"},
        time=timezone.now() - PENDING_WINDOW - dt.timedelta(minutes=5),
    )  # fmt: skip
    stale.save(force_insert=True)
    return stale


def test_an_event_signed_long_before_the_newest_logged_one_needs_a_full_search(
    manufacturer, registered_battery
):
    stale = stale_event(manufacturer, registered_battery)
    assert log_integrate() == 0
    assert log_integrate(everything=True) == 1
    assert Event.objects.get(pk=stale.pk).leaf.index == 1


def test_the_hourly_sweep_logs_it(manufacturer, registered_battery):
    stale = stale_event(manufacturer, registered_battery)
    assert integrate_stragglers.delay().get() == 1
    assert Event.objects.get(pk=stale.pk).leaf is not None
