"""A real Celery worker delivers registry uploads, retrying through failures and lost answers."""

import pytest

from passports.registry.models import DeliveryStatus, RegistryDelivery
from tests.integration.conftest import wait_for
from tests.passports.registry_support import (
    TOKEN,
    passports_place,
    registry_call,
    registry_start,
)

pytestmark = [pytest.mark.integration, pytest.mark.worker]


def test_the_worker_registers_each_passport_once_through_failures(
    celery_workers, make_actor, settings, monkeypatch
):
    server = registry_start(settings)
    # The worker is another process: it reads the registry settings from its environment.
    monkeypatch.setenv("REGISTRY_URL", settings.REGISTRY_URL)
    monkeypatch.setenv("REGISTRY_TOKEN", TOKEN)
    monkeypatch.setenv("REGISTRY_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("REGISTRY_RETRY_MAX_SECONDS", "1")
    try:
        registry_call(server, "/_control", {"fail_next": 3, "lose_next": 2})
        celery_workers()
        manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")
        ids = passports_place(manufacturer, 4)

        delivered = RegistryDelivery.objects.filter(status=DeliveryStatus.DELIVERED)
        wait_for(lambda: delivered.count() == 4, what="4 delivered uploads")
        seen = registry_call(server, "/_inspect")
    finally:
        server.stop()

    assert len(seen["registrations"]) == 4
    assert seen["uploads"] >= 4 + 3 + 2  # every failure and lost answer was retried
    assert sorted(r["payload"]["passport_identifier"] for r in seen["registrations"]) == sorted(ids)
    stored = {str(p): r for p, r in delivered.values_list("passport_id", "registration_id")}
    assert stored == {
        r["payload"]["passport_identifier"]: r["registration_id"] for r in seen["registrations"]
    }
