"""/api/v1/registry/deliveries/: an operator's uploads, scoped to it, and the retry action."""

import pytest

from passports.registry.models import DeliveryStatus, RegistryDelivery
from tests.passports.registry_support import passports_place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivery_off(settings):
    settings.REGISTRY_URL = ""


def test_the_operator_lists_its_uploads_with_status_and_attempts(delivery_off, manufacturer):
    ids = passports_place(manufacturer, 2)

    response = manufacturer.client.get("/api/v1/registry/deliveries/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["passport"] for row in rows) == sorted(ids)
    assert {row["status"] for row in rows} == {"pending"}
    assert {row["attempts"] for row in rows} == {0}
    assert all(row["payload"]["passport_identifier"] == row["passport"] for row in rows)


def test_the_list_filters_by_status(delivery_off, manufacturer):
    passports_place(manufacturer, 2)
    first = RegistryDelivery.objects.order_by("created_at").first()
    RegistryDelivery.objects.filter(pk=first.pk).update(
        status=DeliveryStatus.REJECTED, last_error="The registry answered 422."
    )

    rows = manufacturer.client.get("/api/v1/registry/deliveries/?status=rejected").json()

    assert [row["id"] for row in rows["results"]] == [str(first.pk)]
    assert rows["results"][0]["last_error"] == "The registry answered 422."


def test_an_unknown_status_filter_is_a_400_naming_the_field(delivery_off, manufacturer):
    response = manufacturer.client.get("/api/v1/registry/deliveries/?status=lost")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_another_organisations_upload_is_a_404(delivery_off, manufacturer, other_manufacturer):
    passports_place(manufacturer, 1)
    delivery = RegistryDelivery.objects.get()

    read = other_manufacturer.client.get(f"/api/v1/registry/deliveries/{delivery.pk}/")
    retried = other_manufacturer.client.post(f"/api/v1/registry/deliveries/{delivery.pk}/retry/")
    listed = other_manufacturer.client.get("/api/v1/registry/deliveries/").json()

    assert read.status_code == 404
    assert retried.status_code == 404
    assert listed["results"] == []


def test_anonymous_callers_are_refused(delivery_off, manufacturer, anonymous):
    passports_place(manufacturer, 1)
    delivery = RegistryDelivery.objects.get()

    assert anonymous.get("/api/v1/registry/deliveries/").status_code == 401
    assert anonymous.get(f"/api/v1/registry/deliveries/{delivery.pk}/").status_code == 401
    assert anonymous.post(f"/api/v1/registry/deliveries/{delivery.pk}/retry/").status_code == 401


def test_a_delivered_upload_cannot_be_retried(delivery_off, manufacturer):
    passports_place(manufacturer, 1)
    delivery = RegistryDelivery.objects.get()
    RegistryDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED, registration_id="EU-DPP-1"
    )

    response = manufacturer.client.post(f"/api/v1/registry/deliveries/{delivery.pk}/retry/")

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "status"


def test_a_malformed_id_is_a_404(delivery_off, manufacturer):
    assert manufacturer.client.get("/api/v1/registry/deliveries/not-a-uuid/").status_code == 404
