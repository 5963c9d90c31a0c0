"""Reading a passport's health history or event chain at a restricted tier is recorded."""

import pytest

from passports.models import AccessRecord


@pytest.fixture
def repairer(make_actor):
    return make_actor("repairer", "Fix It GmbH", country="DE")


@pytest.fixture
def battery(registered_battery):
    return registered_battery["id"]


def access_log(actor, passport_id) -> list[dict]:
    response = actor.client.get(f"/api/v1/passports/{passport_id}/access-log/")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_repairer_reading_health_and_events_shows_in_the_owners_access_log(
    manufacturer, repairer, battery
):
    health = repairer.client.get(f"/api/v1/passports/{battery}/health/")
    events = repairer.client.get(f"/api/v1/passports/{battery}/events/")

    assert (health.status_code, events.status_code) == (200, 200)
    rows = access_log(manufacturer, battery)
    assert sorted(r["via"] for r in rows) == ["events", "health"]
    assert {(r["organisation"], r["tier"]) for r in rows} == {
        (str(repairer.organisation.id), "legitimate_interest")
    }


def test_regulator_reading_events_is_recorded_at_the_authority_tier(regulator, battery):
    regulator.client.get(f"/api/v1/passports/{battery}/events/")

    record = AccessRecord.objects.get()
    assert (record.organisation, record.tier, record.via) == (
        regulator.organisation,
        "authority",
        "events",
    )


def test_owner_reading_its_own_chain_is_not_recorded(manufacturer, battery):
    manufacturer.client.get(f"/api/v1/passports/{battery}/health/")
    manufacturer.client.get(f"/api/v1/passports/{battery}/events/")

    assert not AccessRecord.objects.exists()


def test_another_manufacturer_gets_404_and_nothing_is_recorded(other_manufacturer, battery):
    health = other_manufacturer.client.get(f"/api/v1/passports/{battery}/health/")
    events = other_manufacturer.client.get(f"/api/v1/passports/{battery}/events/")

    assert (health.status_code, events.status_code) == (404, 404)
    assert not AccessRecord.objects.exists()


def test_anonymous_reads_of_health_and_events_are_401(anonymous, battery):
    assert anonymous.get(f"/api/v1/passports/{battery}/health/").status_code == 401
    assert anonymous.get(f"/api/v1/passports/{battery}/events/").status_code == 401
    assert not AccessRecord.objects.exists()
