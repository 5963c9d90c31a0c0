"""Reads are filtered by tier; restricted reads are recorded and visible to owner and regulators."""

import pytest

from passports.models import AccessRecord

RESTRICTED = {"composition", "batch", "status", "holder", "health"}
PUBLIC_DOCUMENTS = {
    "declaration_of_conformity", "waste_prevention", "separate_collection",
    "end_of_life_information",
}  # fmt: skip
RESTRICTED_DOCUMENTS = {"dismantling", "safety"}  # legitimate interest
ALL_DOCUMENTS = PUBLIC_DOCUMENTS | RESTRICTED_DOCUMENTS | {"test_report"}


def detail(actor_client, passport_id):
    return actor_client.get(f"/api/v1/passports/{passport_id}/")


def test_owner_sees_everything(manufacturer, registered_battery):
    body = detail(manufacturer.client, registered_battery["id"]).json()

    assert body["tier"] == "owner"
    assert body["withheld"] == []
    assert set(body) >= RESTRICTED
    assert {d["kind"] for d in body["documents"]} == ALL_DOCUMENTS
    assert body["origin"][0]["supplier"] == "Mine Co"


def test_anonymous_reader_gets_the_public_tier_only(anonymous, registered_battery):
    response = detail(anonymous, registered_battery["id"])

    body = response.json()
    assert response.status_code == 200
    assert body["tier"] == "public"
    assert not RESTRICTED & set(body)
    assert "expected_lifetime_years" not in body["attributes"]
    assert body["attributes"]["chemistry"] == "NMC811"
    assert body["critical_raw_materials"] == ["Li", "Co", "Ni", "graphite"]
    assert {d["kind"] for d in body["documents"]} == PUBLIC_DOCUMENTS
    assert "attributes.materials" in body["withheld"]
    assert all("supplier" not in o for o in body["origin"])
    assert "composition" in body["withheld"]
    assert AccessRecord.objects.count() == 0


def test_recycler_sees_legitimate_interest_but_not_test_reports(recycler, registered_battery):
    body = detail(recycler.client, registered_battery["id"]).json()

    assert body["tier"] == "legitimate_interest"
    assert body["composition"][1]["substance"] == "Co"
    assert {d["kind"] for d in body["documents"]} == PUBLIC_DOCUMENTS | RESTRICTED_DOCUMENTS
    assert "documents.test_report" in body["withheld"]


def test_regulator_sees_everything_and_the_read_is_recorded(regulator, registered_battery):
    body = detail(regulator.client, registered_battery["id"]).json()

    assert body["tier"] == "authority"
    assert {d["kind"] for d in body["documents"]} == ALL_DOCUMENTS
    record = AccessRecord.objects.get()
    assert record.organisation == regulator.organisation
    assert record.tier == "authority"
    assert str(record.passport_id) == registered_battery["id"]


def test_another_manufacturer_reads_only_the_public_tier(other_manufacturer, registered_battery):
    body = detail(other_manufacturer.client, registered_battery["id"]).json()

    assert body["tier"] == "public"
    assert "composition" not in body


def test_unknown_passport_is_404(manufacturer):
    response = detail(manufacturer.client, "00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"]


def test_list_shows_own_passports_to_manufacturers(
    manufacturer, other_manufacturer, registered_battery
):
    own = manufacturer.client.get("/api/v1/passports/").json()
    other = other_manufacturer.client.get("/api/v1/passports/").json()

    assert [p["id"] for p in own["results"]] == [registered_battery["id"]]
    assert other["results"] == []


def test_list_filters_by_product_type(manufacturer, registered_battery):
    batteries = manufacturer.client.get("/api/v1/passports/?product_type=battery").json()
    magnets = manufacturer.client.get("/api/v1/passports/?product_type=magnet").json()
    invalid = manufacturer.client.get("/api/v1/passports/?product_type=toaster")

    assert batteries["count"] == 1
    assert magnets["count"] == 0
    assert invalid.status_code == 400


def test_regulator_lists_every_passport(regulator, registered_battery):
    body = regulator.client.get("/api/v1/passports/").json()

    assert body["count"] == 1
    assert body["results"][0]["tier"] == "authority"


def test_list_is_for_signed_in_callers(anonymous):
    assert anonymous.get("/api/v1/passports/").status_code == 401


@pytest.mark.parametrize("reader", ["manufacturer", "regulator"])
def test_owner_and_regulator_read_the_access_log(request, recycler, registered_battery, reader):
    detail(recycler.client, registered_battery["id"])
    client = request.getfixturevalue(reader).client

    response = client.get(f"/api/v1/passports/{registered_battery['id']}/access-log/")

    assert response.status_code == 200
    entries = response.json()["results"]
    assert [e["organisation"] for e in entries][0] == str(recycler.organisation.id)
    assert entries[0]["tier"] == "legitimate_interest"


def test_others_get_404_for_the_access_log(recycler, other_manufacturer, registered_battery):
    url = f"/api/v1/passports/{registered_battery['id']}/access-log/"

    assert recycler.client.get(url).status_code == 404
    assert other_manufacturer.client.get(url).status_code == 404


def test_access_log_is_not_anonymous(anonymous, registered_battery):
    url = f"/api/v1/passports/{registered_battery['id']}/access-log/"

    assert anonymous.get(url).status_code == 401


def test_notified_body_reads_test_reports_but_no_legitimate_interest_data(
    make_actor, registered_battery
):
    body = detail(make_actor("notified_body").client, registered_battery["id"]).json()

    assert body["tier"] == "notified_body"
    assert {d["kind"] for d in body["documents"]} == PUBLIC_DOCUMENTS | {"test_report"}
    assert not RESTRICTED & set(body)
    assert "attributes.materials" in body["withheld"]
    assert AccessRecord.objects.get().tier == "notified_body"
