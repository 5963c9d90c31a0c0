"""Each item of a batch is answered on its own: an item's errors never depend on the last's."""

from tests.lifecycle.test_event_batch import URL, errors

BODIES = [
    {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z", "payload": payload}
    for payload in (
        {"full_cycles": -1, "x": 1},
        {"remaining_power_capability_soc_pct": "50"},
        {"state_of_health_pct": "101"},
        {"full_cycles": 3, "remaining_power_capability_soc_pct": "50"},
    )
]


def test_items_with_different_fields_get_the_single_endpoints_errors(
    manufacturer, registered_battery
):
    passport = registered_battery["id"]
    expected = {}
    for index, body in enumerate(BODIES):
        single = manufacturer.client.post(
            f"/api/v1/passports/{passport}/events/", body, format="json"
        )
        assert single.status_code == 400
        expected |= {f"events[{index}].{field}": m for field, m in errors(single).items()}

    for _ in range(2):  # and the same again from a second request
        batch = manufacturer.client.post(
            URL, {"events": [{**body, "passport": passport} for body in BODIES]}, format="json"
        )
        assert batch.status_code == 400
        assert errors(batch) == expected
