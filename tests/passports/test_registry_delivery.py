"""Passports placed on the market reach the EU registry through the outbox, over real HTTP."""

import datetime as dt

import pytest
from django.db import transaction

from lifecycle.models import Event
from lifecycle.services.events import event_record
from passports.registry.models import DeliveryStatus, RegistryDelivery
from passports.registry.tasks import deliver_registration, sweep_registrations
from tests.factories import declaration
from tests.passports.registry_support import (
    PLACED_AT,
    passports_place,
    registry_call,
    registry_start,
)

# Real commits: the outbox row, the on-commit delivery and the rollback are what is tested.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registry(settings):
    server = registry_start(settings)
    yield server
    server.stop()


def registered_keys(server) -> list[str]:
    return [r["idempotency_key"] for r in registry_call(server, "/_inspect")["registrations"]]


def test_a_placed_passport_is_registered_once_and_its_identifier_stored(registry, manufacturer):
    [passport_id] = passports_place(manufacturer, 1)

    delivery = RegistryDelivery.objects.get(passport_id=passport_id)
    seen = registry_call(registry, "/_inspect")
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert [r["registration_id"] for r in seen["registrations"]] == [delivery.registration_id]
    sent = seen["registrations"][0]["payload"]
    assert sent["passport_identifier"] == passport_id
    assert sent["unique_product_identifier"]["serial"] == "REG-0000"
    assert sent["digital_link"].endswith("/21/REG-0000")
    assert sent["economic_operator"]["id"] == str(manufacturer.organisation.pk)
    assert sent["economic_operator"]["gs1_company_prefix"] == "9506000"
    assert sent["placed_on_market"] == {"country": "FR", "date": PLACED_AT[:10]}
    assert seen["registrations"][0]["idempotency_key"] == str(delivery.idempotency_key)


def test_the_owner_reads_the_registration_identifier_and_others_do_not(
    registry, manufacturer, recycler
):
    [passport_id] = passports_place(manufacturer, 1)
    delivery = RegistryDelivery.objects.get(passport_id=passport_id)

    own = manufacturer.client.get(f"/api/v1/passports/{passport_id}/").json()
    theirs = recycler.client.get(f"/api/v1/passports/{passport_id}/").json()

    assert own["registry"]["status"] == "delivered"
    assert own["registry"]["registration_id"] == delivery.registration_id
    assert "registry" not in theirs


def test_a_passport_not_yet_placed_has_no_registry_upload(registry, manufacturer):
    created = manufacturer.client.post(
        "/api/v1/passports/bulk/",
        {"passports": [declaration()]},
        format="json",
    ).json()["passports"][0]

    read = manufacturer.client.get(f"/api/v1/passports/{created['id']}/").json()

    assert read["registry"] is None
    assert RegistryDelivery.objects.count() == 0
    assert registry_call(registry, "/_inspect")["uploads"] == 0


def test_an_outage_then_recovery_delivers_everything_once(registry, manufacturer):
    registry_call(registry, "/_control", {"mode": "down"})
    ids = passports_place(manufacturer, 5)
    waiting = RegistryDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert waiting.count() == 5
    assert all(d.attempts == 1 and "503" in d.last_error for d in waiting)

    sweep_registrations()  # still down: one more failed attempt each
    registry_call(registry, "/_control", {"mode": "up", "fail_next": 2})
    sweep_registrations()  # two fail again, three get through
    sweep_registrations()  # the last two get through

    deliveries = RegistryDelivery.objects.filter(passport_id__in=ids)
    assert {d.status for d in deliveries} == {DeliveryStatus.DELIVERED}
    registrations = registry_call(registry, "/_inspect")["registrations"]
    assert len(registrations) == 5
    assert sorted(r["payload"]["passport_identifier"] for r in registrations) == sorted(ids)
    assert len({d.registration_id for d in deliveries}) == 5
    assert sorted(d.attempts for d in deliveries) == [3, 3, 3, 4, 4]


def test_lost_answers_never_register_a_passport_twice(registry, manufacturer):
    registry_call(registry, "/_control", {"mode": "lose_answers"})
    ids = passports_place(manufacturer, 3)
    # The registry has them all, but we heard nothing back.
    assert len(registered_keys(registry)) == 3
    assert RegistryDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3
    assert all("No answer" in d.last_error for d in RegistryDelivery.objects.all())

    sweep_registrations()  # still losing answers: the retries replay the same keys
    registry_call(registry, "/_control", {"mode": "up"})
    sweep_registrations()

    seen = registry_call(registry, "/_inspect")
    assert seen["uploads"] == 9
    assert len(seen["registrations"]) == 3
    stored = dict(RegistryDelivery.objects.values_list("passport_id", "registration_id"))
    by_passport = {
        r["payload"]["passport_identifier"]: r["registration_id"] for r in seen["registrations"]
    }
    assert {str(k): v for k, v in stored.items()} == by_passport
    assert sorted(by_passport) == sorted(ids)


def test_a_rolled_back_placement_leaves_no_outbox_row(registry, manufacturer):
    created = manufacturer.client.post(
        "/api/v1/passports/bulk/",
        {"passports": [declaration()]},
        format="json",
    ).json()["passports"][0]
    events_before = Event.objects.count()

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        event_record(
            passport_id=created["id"],
            actor=manufacturer.organisation,
            event_type="placed_on_market",
            occurred_at=dt.datetime.fromisoformat(PLACED_AT),
            payload={"country": "FR"},
        )
        assert RegistryDelivery.objects.count() == 1  # written with the event...
        raise Abandon

    assert RegistryDelivery.objects.count() == 0  # ...and gone with it
    assert Event.objects.count() == events_before
    assert registry_call(registry, "/_inspect")["uploads"] == 0


def test_a_refused_placement_writes_no_outbox_row(registry, manufacturer):
    created = manufacturer.client.post(
        "/api/v1/passports/bulk/",
        {"passports": [declaration()]},
        format="json",
    ).json()["passports"][0]

    refused = manufacturer.client.post(
        f"/api/v1/passports/{created['id']}/events/",
        {"type": "placed_on_market", "occurred_at": PLACED_AT, "payload": {"country": "XX"}},
        format="json",
    )

    assert refused.status_code == 400
    assert RegistryDelivery.objects.count() == 0


def test_placing_again_on_another_market_does_not_register_twice(registry, manufacturer):
    [passport_id] = passports_place(manufacturer, 1)

    again = manufacturer.client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {"type": "placed_on_market", "occurred_at": PLACED_AT, "payload": {"country": "DE"}},
        format="json",
    )

    assert again.status_code == 201
    assert RegistryDelivery.objects.count() == 1
    assert registry_call(registry, "/_inspect")["uploads"] == 1


def test_running_the_delivery_task_twice_changes_nothing(registry, manufacturer):
    registry_call(registry, "/_control", {"fail_next": 1})
    [passport_id] = passports_place(manufacturer, 1)
    delivery = RegistryDelivery.objects.get(passport_id=passport_id)

    first = deliver_registration(str(delivery.pk))
    second = deliver_registration(str(delivery.pk))

    delivery.refresh_from_db()
    assert (first, second) == ("delivered", "skipped")
    assert delivery.attempts == 2
    assert registry_call(registry, "/_inspect")["uploads"] == 2
    assert len(registered_keys(registry)) == 1


def test_a_refusal_by_the_registry_is_kept_and_not_retried_until_asked(
    registry, settings, manufacturer
):
    settings.REGISTRY_TOKEN = "not-the-registry-token"
    [passport_id] = passports_place(manufacturer, 1)
    delivery = RegistryDelivery.objects.get(passport_id=passport_id)
    assert delivery.status == DeliveryStatus.REJECTED
    assert "401" in delivery.last_error

    sweep_registrations()
    assert registry_call(registry, "/_inspect")["uploads"] == 0  # 401s are not counted there
    settings.REGISTRY_TOKEN = registry.state.token
    retried = manufacturer.client.post(f"/api/v1/registry/deliveries/{delivery.pk}/retry/")

    assert retried.status_code == 200
    assert retried.json()["status"] == "delivered"
    assert retried.json()["registration_id"] == registered_ids(registry)[0]


def registered_ids(server) -> list[str]:
    return [r["registration_id"] for r in registry_call(server, "/_inspect")["registrations"]]


def test_with_delivery_off_uploads_wait_and_say_so(settings, manufacturer):
    settings.REGISTRY_URL = ""
    [passport_id] = passports_place(manufacturer, 1)

    sweep_registrations()
    delivery = RegistryDelivery.objects.get(passport_id=passport_id)
    listed = manufacturer.client.get("/api/v1/registry/deliveries/").json()["results"]

    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert listed[0]["status"] == "pending"
    assert "REGISTRY_URL is not set" in listed[0]["note"]


def test_a_failed_upload_waits_its_backoff_before_the_next_attempt(
    registry, settings, manufacturer
):
    settings.REGISTRY_RETRY_BASE_SECONDS = 3600.0
    settings.REGISTRY_RETRY_MAX_SECONDS = 7200.0
    registry_call(registry, "/_control", {"fail_next": 1})
    [passport_id] = passports_place(manufacturer, 1)

    sweep_registrations()
    deliver_registration(str(RegistryDelivery.objects.get().pk))

    delivery = RegistryDelivery.objects.get(passport_id=passport_id)
    waited = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert 1800 <= waited <= 3600
    assert registry_call(registry, "/_inspect")["uploads"] == 1


def test_passports_placed_through_the_batch_endpoint_are_registered_once(registry, manufacturer):
    items = [declaration(serial=f"BAT-{i:04d}") for i in range(3)]
    created = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    )
    ids = [p["id"] for p in created.json()["passports"]]
    events = [
        {"passport": pid, "type": "placed_on_market", "occurred_at": PLACED_AT,
         "payload": {"country": "DE"}}
        for pid in ids
    ]  # fmt: skip

    answer = manufacturer.client.post("/api/v1/events/batch", {"events": events}, format="json")

    assert answer.status_code == 201, answer.json()
    deliveries = RegistryDelivery.objects.filter(passport_id__in=ids)
    assert sorted(str(d.passport_id) for d in deliveries) == sorted(ids)
    assert {d.status for d in deliveries} == {DeliveryStatus.DELIVERED}
    assert len(set(registered_keys(registry))) == 3
