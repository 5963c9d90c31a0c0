"""A restricted read records why it was made; mandatory health values never reported are listed."""

import pytest

from passports.models import AccessRecord

HEALTH = "/api/v1/passports/{}/events/"


def read(client, passport_id, **extra):
    return client.get(f"/api/v1/passports/{passport_id}/", **extra)


def test_a_stated_purpose_is_recorded_beside_who_when_and_tier(recycler, registered_battery):
    response = read(recycler.client, registered_battery["id"], data={"purpose": "repurposing"})

    record = AccessRecord.objects.get()
    assert response.status_code == 200
    assert (record.purpose, record.tier) == ("repurposing", "legitimate_interest")
    assert record.organisation == recycler.organisation and record.at is not None


def test_the_purpose_header_is_read_too(regulator, registered_battery):
    read(regulator.client, registered_battery["id"], HTTP_PURPOSE="research")

    assert AccessRecord.objects.get().purpose == "research"


@pytest.mark.parametrize(
    ("kind", "purpose"),
    [("recycler", "recycling"), ("regulator", "market_surveillance"),
     ("notified_body", "conformity_assessment"), ("repairer", "repair")],
)  # fmt: skip
def test_without_a_purpose_the_readers_kind_gives_it(make_actor, registered_battery, kind, purpose):
    read(make_actor(kind).client, registered_battery["id"])

    assert AccessRecord.objects.get().purpose == purpose


def test_an_unknown_purpose_is_a_400_naming_the_known_ones(recycler, registered_battery):
    response = read(recycler.client, registered_battery["id"], data={"purpose": "curiosity"})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "purpose" and "market_surveillance" in error["message"]
    assert AccessRecord.objects.count() == 0


def test_the_resolver_records_the_purpose_and_refuses_unknown_ones(recycler, registered_battery):
    url = "/01/09506000134352/21/BAT-000001"
    accept = {"HTTP_ACCEPT": "application/json"}

    assert recycler.client.get(url + "?purpose=curiosity", **accept).status_code == 400
    assert recycler.client.get(url + "?purpose=reuse", **accept).status_code == 200
    assert AccessRecord.objects.get().purpose == "reuse"


def test_the_access_log_shows_the_purpose(manufacturer, recycler, registered_battery):
    read(recycler.client, registered_battery["id"], data={"purpose": "repair"})

    log = manufacturer.client.get(f"/api/v1/passports/{registered_battery['id']}/access-log/")

    assert log.json()["results"][0]["purpose"] == "repair"


def test_missing_dynamic_lists_mandatory_health_values_until_reported(
    manufacturer, anonymous, registered_battery
):
    passport_id = registered_battery["id"]
    before = read(manufacturer.client, passport_id).json()["missing_dynamic"]
    manufacturer.client.post(
        HEALTH.format(passport_id),
        {
            "type": "health_reported",
            "occurred_at": "2026-06-01T00:00:00Z",
            "payload": {"state_of_charge_pct": "80", "temperature_c": "-5", "accidents": []},
        },
        format="json",
    )
    after = read(manufacturer.client, passport_id).json()["missing_dynamic"]

    assert {"state_of_charge_pct", "temperature_c", "accidents", "capacity_fade_pct"} <= set(before)
    assert "time_above_max_temperature_h" not in before  # not mandatory for EV batteries
    assert set(before) - set(after) == {"state_of_charge_pct", "temperature_c", "accidents"}
    public = read(anonymous, passport_id).json()
    assert "missing_dynamic" not in public and "missing_dynamic" in public["withheld"]
