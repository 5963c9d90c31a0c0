"""Dates before 1990 or more than a day ahead are refused, by field, wherever they are given."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lifecycle.models import Event
from passports.models import Passport
from passports.validators import validate_plausible_date
from recycling.models import Batch, Collection
from tests.factories import declaration

TOO_EARLY = ["1989-12-31", "0001-01-01"]


def far_future() -> str:
    return (timezone.now() + dt.timedelta(days=2)).date().isoformat()


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_the_rule_allows_1990_and_a_day_ahead_only():
    now = timezone.now()
    validate_plausible_date(dt.date(1990, 1, 1))
    validate_plausible_date(now + dt.timedelta(hours=23))
    validate_plausible_date((now + dt.timedelta(days=1)).date())
    for value in (dt.date(1989, 12, 31), now + dt.timedelta(hours=25), dt.date(9999, 1, 1)):
        with pytest.raises(ValidationError):
            validate_plausible_date(value)


@pytest.mark.parametrize("when", [*TOO_EARLY, "far future"])
def test_manufacture_date_outside_the_range_is_refused(manufacturer, when):
    when = far_future() if when == "far future" else when
    item = declaration(manufactured_at=when)

    response = manufacturer.client.post("/api/v1/passports/", item, format="json")

    assert response.status_code == 400
    assert fields(response) == ["manufactured_at"]
    assert Passport.objects.count() == 0


def test_manufacture_date_of_1990_is_accepted(manufacturer):
    item = declaration(manufactured_at="1990-01-01")

    response = manufacturer.client.post("/api/v1/passports/", item, format="json")
    assert response.status_code == 201, response.json()


def event_body(occurred_at: str, **payload) -> dict:
    return {
        "type": "put_into_service",
        "occurred_at": occurred_at,
        "payload": {"date": "2026-01-01", "application": "home storage", **payload},
    }


@pytest.mark.parametrize("when", ["1989-12-31T23:00:00Z", "0001-01-01T00:00:00Z"])
def test_event_before_1990_is_refused(manufacturer, registered_battery, when):
    url = f"/api/v1/passports/{registered_battery['id']}/events/"

    response = manufacturer.client.post(url, event_body(when), format="json")

    assert response.status_code == 400
    assert fields(response) == ["occurred_at"]
    assert Event.objects.count() == 1


def test_service_date_outside_the_range_is_refused(manufacturer, registered_battery):
    url = f"/api/v1/passports/{registered_battery['id']}/events/"
    now = timezone.now().isoformat()

    early = manufacturer.client.post(url, event_body(now, date="1970-01-01"), format="json")
    late = manufacturer.client.post(url, event_body(now, date=far_future()), format="json")

    for response in (early, late):
        assert response.status_code == 400
        assert fields(response) == ["payload.date"]
    assert Event.objects.count() == 1


@pytest.mark.parametrize("when", ["1989-06-01T00:00:00Z", "far future"])
def test_collection_date_outside_the_range_is_refused(make_actor, registered_battery, when):
    collector = make_actor("collector", "Collect GmbH", country="DE")
    when = far_future() + "T00:00:00Z" if when == "far future" else when
    body = {
        "region": "DE-BY",
        "collected_at": when,
        "items": [{"passport": registered_battery["id"]}],
    }

    response = collector.client.post("/api/v1/collections/", body, format="json")

    assert response.status_code == 400
    assert fields(response) == ["collected_at"]
    assert Collection.objects.count() == 0


@pytest.mark.parametrize("when", ["1989-06-01T00:00:00Z", "far future"])
def test_batch_start_outside_the_range_is_refused(recycler, when):
    when = far_future() + "T00:00:00Z" if when == "far future" else when
    body = {
        "process_route": "mechanical",
        "product_type": "battery",
        "chemistry_category": "lithium",
        "site": {"country": "DE"},
        "started_at": when,
    }

    response = recycler.client.post("/api/v1/batches/", body, format="json")

    assert response.status_code == 400
    assert fields(response) == ["started_at"]
    assert Batch.objects.count() == 0
