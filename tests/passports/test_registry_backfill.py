"""manage.py registry_backfill: passports placed before registry delivery existed are sent once."""

from io import StringIO

import pytest
from django.core.management import call_command

from passports.registry.models import DeliveryStatus, RegistryDelivery
from tests.passports.registry_support import (
    PLACED_AT,
    passports_place,
    registry_call,
    registry_start,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def placed_before_delivery(settings, manufacturer) -> list[str]:
    """Passports placed on the market with no outbox row, as before this feature."""
    settings.REGISTRY_URL = ""
    ids = passports_place(manufacturer, 3)
    # One was later placed on a second market too: the first placement is the one registered.
    manufacturer.client.post(
        f"/api/v1/passports/{ids[0]}/events/",
        {"type": "placed_on_market", "occurred_at": PLACED_AT, "payload": {"country": "DE"}},
        format="json",
    )
    RegistryDelivery.objects.all().delete()
    return ids


def backfill(*args) -> str:
    out = StringIO()
    call_command("registry_backfill", *args, stdout=out)
    return out.getvalue()


def test_backfill_registers_each_placed_passport_once(settings, placed_before_delivery):
    server = registry_start(settings)
    try:
        first = backfill()
        second = backfill()
        seen = registry_call(server, "/_inspect")
    finally:
        server.stop()

    assert "Queued 3 passports; sent 3" in first
    assert "Queued 0 passports; sent 0" in second
    assert len(seen["registrations"]) == seen["uploads"] == 3
    assert sorted(r["payload"]["passport_identifier"] for r in seen["registrations"]) == sorted(
        placed_before_delivery
    )
    assert {d.status for d in RegistryDelivery.objects.all()} == {DeliveryStatus.DELIVERED}
    again = RegistryDelivery.objects.get(passport_id=placed_before_delivery[0])
    assert again.payload["placed_on_market"]["country"] == "FR"


def test_backfill_with_delivery_off_queues_and_says_nothing_is_sent(placed_before_delivery):
    output = backfill()

    assert "Queued 3 passports" in output
    assert "REGISTRY_URL is not set" in output
    assert RegistryDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3


def test_a_dry_run_only_counts(placed_before_delivery):
    assert "3 passports would be queued" in backfill("--dry-run")
    assert RegistryDelivery.objects.count() == 0
