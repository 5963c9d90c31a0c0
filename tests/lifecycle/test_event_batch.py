"""POST /api/v1/events/batch: many events over many passports, all or nothing, idempotent."""

import threading

import pytest
from django.db import connection

from lifecycle.models import Event
from lifecycle.verify import verify_bundle
from passports.models import Passport
from tests.conftest import uses_postgresql
from tests.factories import declaration

URL = "/api/v1/events/batch"


def register(actor, count: int) -> list[str]:
    """Registers `count` batteries in one bulk call; their ids in order."""
    declarations = [declaration(serial=f"BATCH-{i:05d}", gbt_code=None) for i in range(count)]
    response = actor.client.post(
        "/api/v1/passports/bulk/", {"passports": declarations}, format="json"
    )
    assert response.status_code == 201, response.json()
    return [p["id"] for p in response.json()["passports"]]


def health(passport: str, soh: str, when: str = "2026-06-01T10:00:00Z", **extra) -> dict:
    return {
        "passport": passport,
        "type": "health_reported",
        "occurred_at": when,
        "payload": {"state_of_health_pct": soh},
        **extra,
    }


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_batch_over_many_passports_chains_each_in_item_order(manufacturer):
    passports = register(manufacturer, 5)
    items = [
        health(passports[i % 5], f"{90 + i % 10}", f"2026-06-{1 + i // 5:02d}T10:00:00Z")
        for i in range(40)
    ]

    response = manufacturer.client.post(URL, {"events": items}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()["events"]
    assert [e["seq"] for e in body] == [1 + i // 5 for i in range(40)]
    assert all(e["replayed"] is False for e in body)
    for passport in passports:
        chain = list(Event.objects.filter(passport_id=passport).order_by("seq"))
        assert len(chain) == 9
        assert all(b.prev == a.hash for a, b in zip(chain, chain[1:], strict=False))
        stored = Passport.objects.get(pk=passport)
        assert stored.head_hash == chain[-1].hash
        # The latest reading is the one of the last item for this passport.
        last = [i for i in items if i["passport"] == passport][-1]
        assert (
            stored.health["state_of_health_pct"]["value"] == last["payload"]["state_of_health_pct"]
        )


def test_batched_chains_verify_offline_and_are_in_the_log(manufacturer):
    passports = register(manufacturer, 3)
    items = [health(p, "95") for p in passports] + [
        {"passport": passports[0], "type": "placed_on_market",
         "occurred_at": "2026-06-02T00:00:00Z", "payload": {"country": "FR"}},
    ]  # fmt: skip
    response = manufacturer.client.post(URL, {"events": items}, format="json")
    assert response.status_code == 201, response.json()
    assert all(e["inclusion"] == "pending" for e in response.json()["events"])

    for passport in passports:
        bundle = manufacturer.client.get(f"/api/v1/passports/{passport}/bundle/").json()
        checks = verify_bundle(bundle, bundle["log_vkey"], [])
        assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]
        assert len(bundle["events"]) == 3 if passport == passports[0] else 2
    # The log took the batch's events in as it takes single ones: every event is a leaf.
    assert not Event.objects.filter(passport_id__in=passports, leaf__isnull=True).exists()
    assert Passport.objects.get(pk=passports[0]).market_country == "FR"


def test_more_than_a_thousand_events_are_refused_whole(manufacturer, registered_battery):
    items = [health(registered_battery["id"], "90")] * 1001

    response = manufacturer.client.post(URL, {"events": items}, format="json")

    assert response.status_code == 400
    assert "1000" in errors(response)["events"]
    assert Event.objects.count() == 1


def test_an_invalid_item_names_its_path_and_nothing_is_written(manufacturer):
    passports = register(manufacturer, 2)
    items = [
        health(passports[0], "90"),
        health(passports[1], "101"),
        {"passport": passports[0], "type": "placed_on_market", "occurred_at": "yesterday",
         "payload": {"country": "XX"}},
        {"passport": "not-a-uuid", "type": "repaired", "occurred_at": "2026-06-01T00:00:00Z"},
    ]  # fmt: skip

    response = manufacturer.client.post(URL, {"events": items}, format="json")

    assert response.status_code == 400
    found = errors(response)
    assert set(found) == {
        "events[1].payload.state_of_health_pct",
        "events[2].occurred_at",  # as for a single event, the payload waits for a valid type
        "events[3].passport",
    }, found
    assert Event.objects.filter(passport_id__in=passports).count() == 2  # the geneses only


def test_a_refused_item_refuses_the_batch_with_its_path(manufacturer):
    passports = register(manufacturer, 2)
    items = [
        health(passports[0], "90"),
        {"passport": passports[1], "type": "disposed", "occurred_at": "2026-06-01T00:00:00Z",
         "payload": {"method": "landfill"}},
    ]  # fmt: skip

    response = manufacturer.client.post(URL, {"events": items}, format="json")

    assert response.status_code == 403
    assert "may not post disposed" in errors(response)["events[1].type"]
    assert Event.objects.filter(passport_id__in=passports).count() == 2


def test_a_retried_batch_replays_without_duplicates(manufacturer):
    passports = register(manufacturer, 3)
    items = [health(p, "93", idempotency_key=f"gw-1-{i}") for i, p in enumerate(passports)]

    first = manufacturer.client.post(URL, {"events": items}, format="json")
    again = manufacturer.client.post(URL, {"events": items}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert [e["id"] for e in again.json()["events"]] == [e["id"] for e in first.json()["events"]]
    assert all(e["replayed"] for e in again.json()["events"])
    assert Event.objects.filter(passport_id__in=passports).count() == 6


def test_a_retry_with_new_items_replays_the_old_and_appends_the_new(manufacturer):
    passports = register(manufacturer, 2)
    old = health(passports[0], "93", idempotency_key="gw-2-0")
    manufacturer.client.post(URL, {"events": [old]}, format="json")

    new = health(passports[1], "92", idempotency_key="gw-2-1")
    response = manufacturer.client.post(URL, {"events": [old, new]}, format="json")

    assert response.status_code == 201
    assert [e["replayed"] for e in response.json()["events"]] == [True, False]
    assert Event.objects.filter(passport_id__in=passports).count() == 4


def test_a_key_reused_with_another_body_is_refused(manufacturer, registered_battery):
    passport = registered_battery["id"]
    manufacturer.client.post(
        URL, {"events": [health(passport, "93", idempotency_key="gw-3")]}, format="json"
    )

    response = manufacturer.client.post(
        URL, {"events": [health(passport, "80", idempotency_key="gw-3")]}, format="json"
    )

    assert response.status_code == 409
    assert "different request body" in errors(response)["events[0].idempotency_key"]


def test_a_key_twice_in_one_batch_is_refused(manufacturer, registered_battery):
    passport = registered_battery["id"]
    items = [
        health(passport, "93", idempotency_key="k"),
        health(passport, "92", idempotency_key="k"),
    ]

    response = manufacturer.client.post(URL, {"events": items}, format="json")

    assert response.status_code == 400
    assert "Item 0" in errors(response)["events[1].idempotency_key"]


def test_a_key_first_used_on_the_single_endpoint_replays_in_a_batch(
    manufacturer, registered_battery
):
    passport = registered_battery["id"]
    single = manufacturer.client.post(
        f"/api/v1/passports/{passport}/events/",
        {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
         "payload": {"state_of_health_pct": "93"}},
        format="json", HTTP_IDEMPOTENCY_KEY="gw-4",
    )  # fmt: skip

    response = manufacturer.client.post(
        URL, {"events": [health(passport, "93", idempotency_key="gw-4")]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["events"][0]["id"] == single.json()["id"]


def test_another_organisations_passport_is_not_found_in_its_item(
    manufacturer, other_manufacturer, registered_battery
):
    own = register(other_manufacturer, 1)[0]
    items = [health(own, "90"), health(registered_battery["id"], "90")]

    response = other_manufacturer.client.post(URL, {"events": items}, format="json")

    assert response.status_code == 404
    assert errors(response) == {"events[1].passport": "No passport with this id is visible."}
    assert Event.objects.filter(passport_id=own).count() == 1


def test_a_passport_that_does_not_exist_reads_the_same_as_a_hidden_one(manufacturer):
    response = manufacturer.client.post(
        URL, {"events": [health("00000000-0000-4000-8000-000000000000", "90")]}, format="json"
    )

    assert response.status_code == 404
    assert errors(response) == {"events[0].passport": "No passport with this id is visible."}


def test_anonymous_is_401(anonymous, registered_battery):
    response = anonymous.post(
        URL, {"events": [health(registered_battery["id"], "90")]}, format="json"
    )

    assert response.status_code == 401


def test_a_non_holder_posts_what_the_rules_allow_and_nothing_else(
    make_actor, manufacturer, registered_battery
):
    repairer = make_actor("repairer", "Fix It")
    passport = registered_battery["id"]
    allowed = repairer.client.post(URL, {"events": [health(passport, "88")]}, format="json")
    refused = repairer.client.post(
        URL,
        {"events": [{"passport": passport, "type": "placed_on_market",
                     "occurred_at": "2026-06-01T00:00:00Z", "payload": {"country": "DE"}}]},
        format="json",
    )  # fmt: skip

    assert allowed.status_code == 201, allowed.json()
    assert refused.status_code == 403
    assert "does not hold" in errors(refused)["events[0].type"]


def test_state_moves_between_items_of_one_passport(
    make_actor, manufacturer, recycler, registered_battery
):
    collector = make_actor("collector", "Collect GmbH")
    passport = registered_battery["id"]
    items = [
        {"passport": passport, "type": "collected", "occurred_at": "2026-06-01T00:00:00Z",
         "payload": {"region": "DE-BY"}},
        {"passport": passport, "type": "disposed", "occurred_at": "2026-06-02T00:00:00Z",
         "payload": {"method": "landfill"}},
        {"passport": passport, "type": "ownership_transferred",
         "occurred_at": "2026-06-03T00:00:00Z", "payload": {"to": str(recycler.organisation.pk)}},
    ]  # fmt: skip

    response = collector.client.post(URL, {"events": items}, format="json")

    # The collection made the collector the holder, so it may dispose; disposal ended the life.
    assert response.status_code == 409, response.json()
    assert "while the passport is disposed" in errors(response)["events[2].type"]
    response = collector.client.post(URL, {"events": items[:2]}, format="json")
    assert response.status_code == 201, response.json()
    stored = Passport.objects.get(pk=passport)
    assert (stored.status, stored.holder_id) == ("disposed", collector.organisation.pk)


def test_batches_over_overlapping_passports_in_opposite_order_do_not_deadlock(
    manufacturer, transactional_db
):
    if not uses_postgresql():
        pytest.skip("needs PostgreSQL: SQLite serialises writers and has no row locks")
    passports = register(manufacturer, 6)
    forward = [health(p, "90") for p in passports]
    backward = [health(p, "89") for p in reversed(passports)]
    answers: list[int] = []

    def post(items: list[dict]) -> None:
        try:
            for _ in range(3):
                answers.append(manufacturer.client.post(URL, {"events": items}, format="json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(items,)) for items in (forward, backward)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [201] * 6, [a.json() for a in answers]
    for passport in passports:
        seqs = list(Event.objects.filter(passport_id=passport).values_list("seq", flat=True))
        assert sorted(seqs) == list(range(7))


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("health_reported", {}),
        ("health_reported", {"state_of_health_pct": "101"}),
        ("health_reported", {"pmax_w": "300"}),
        ("health_reported", {"full_cycles": -1, "x": 1}),
        ("health_reported", {"remaining_power_capability_soc_pct": "50"}),
        ("health_reported", "text"),
        ("placed_on_market", {"country": "XX"}),
        ("repaired", {}),
        ("collected", {"region": "XX-1", "mass_kg": "-1"}),
        ("repurposed", {"successor": {}, "application": ""}),
        ("disposed", {"method": "burial"}),
    ],
)
def test_an_item_is_refused_with_the_single_endpoints_words(
    manufacturer, registered_battery, event_type, payload
):
    passport = registered_battery["id"]
    body = {"type": event_type, "occurred_at": "2026-06-01T10:00:00Z", "payload": payload}
    single = manufacturer.client.post(f"/api/v1/passports/{passport}/events/", body, format="json")

    batch = manufacturer.client.post(
        URL, {"events": [body, {**body, "passport": passport}]}, format="json"
    )

    assert single.status_code == batch.status_code == 400
    expected = {f"events[1].{field}".rstrip("."): m for field, m in errors(single).items()}
    assert errors(batch) == {"events[0].passport": "This field is required.", **expected}


def test_a_batch_answer_reads_as_the_chain_does_afterwards(manufacturer):
    passports = register(manufacturer, 2)
    items = [health(passports[0], "91"), health(passports[1], "92"), health(passports[0], "90")]

    answer = manufacturer.client.post(URL, {"events": items}, format="json").json()["events"]

    for event in answer:
        assert event.pop("replayed") is False
    chains = {
        p: manufacturer.client.get(f"/api/v1/passports/{p}/events/").json()["results"]
        for p in passports
    }
    assert answer == [chains[passports[0]][1], chains[passports[1]][1], chains[passports[0]][2]]


def test_each_item_is_checked_on_the_fields_it_gives(manufacturer):
    # The payload checkers are shared by the items: the fields the first item gave must not
    # decide which fields a later item has checked and stored.
    passports = register(manufacturer, 1)
    items = [
        health(passports[0], "90"),
        {**health(passports[0], "89"), "payload": {"full_cycles": 120, "overcharge_events": 2}},
    ]
    refused = [items[0], {**items[1], "payload": {"full_cycles": -1}}]

    stored = manufacturer.client.post(URL, {"events": items}, format="json")
    response = manufacturer.client.post(URL, {"events": refused}, format="json")

    assert stored.status_code == 201, stored.json()
    assert stored.json()["events"][1]["payload"] == {
        "occurred_at": "2026-06-01T10:00:00.000000Z", "full_cycles": 120, "overcharge_events": 2,
    }  # fmt: skip
    assert response.status_code == 400
    assert set(errors(response)) == {"events[1].payload.full_cycles"}
