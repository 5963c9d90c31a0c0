"""The console's passport page tells the operator where its EU registry upload stands."""

import pytest
from django.test import Client
from django.urls import reverse

from passports.registry.models import DeliveryStatus, RegistryDelivery
from passports.services.organisations import person_create
from tests.factories import declaration
from tests.passports.registry_support import passports_place, registry_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def maker(manufacturer) -> Client:
    user = person_create(
        organisation=manufacturer.organisation, username="maker", password="a-long-test-password"
    )
    client = Client()
    client.force_login(user)
    return client


def registry_line(maker: Client, passport_id: str) -> str:
    html = maker.get(reverse("web:console-passport", args=[passport_id])).content.decode()
    return html.split('<dd class="registry">', 1)[1].split("</dd>", 1)[0]


def test_the_page_shows_the_registration_identifier(settings, maker, manufacturer):
    server = registry_start(settings)
    try:
        [passport_id] = passports_place(manufacturer, 1)
    finally:
        server.stop()

    delivery = RegistryDelivery.objects.get(passport_id=passport_id)
    assert delivery.registration_id in registry_line(maker, passport_id)


def test_the_page_says_why_an_upload_waits_or_was_refused(settings, maker, manufacturer):
    settings.REGISTRY_URL = ""
    [passport_id] = passports_place(manufacturer, 1)
    assert "delivery to the registry is off" in registry_line(maker, passport_id)

    RegistryDelivery.objects.update(
        status=DeliveryStatus.REJECTED, attempts=1, last_error="The registry answered 422."
    )
    assert "Refused by the registry: The registry answered 422." in registry_line(
        maker, passport_id
    )


def test_a_passport_not_on_the_market_is_not_registered(maker, manufacturer):
    created = manufacturer.client.post(
        "/api/v1/passports/bulk/",
        {"passports": [declaration()]},
        format="json",
    ).json()["passports"][0]

    assert "not been placed on the market" in registry_line(maker, created["id"])
