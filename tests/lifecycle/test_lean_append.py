"""The single-event path in few round trips: cached token and signer, one locked read."""

import base64

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lifecycle.api.passports import EventRead, event_read
from lifecycle.models import Event
from lifecycle.payloads import EventRequest
from lifecycle.tasks import integrate_log, log_integrated_at_commit
from passports.api.errors import flatten_errors
from passports.models import Passport, PassportHead
from passports.services.keys import signing_key_rotate
from passports.services.tokens import token_create
from tests.conftest import uses_postgresql
from tests.factories import declaration

HEALTH = {
    "type": "health_reported",
    "occurred_at": "2026-06-01T10:00:00Z",
    "payload": {"state_of_health_pct": "90"},
}

# Before: 14 statements (two for the token, the organisation, the passport read through the
# filter set, the lock, the head event, a deferred-field reload, the signing key, the insert,
# the update, the re-read of event and leaf, the checkpoint size, and the savepoint pair).
# Now: the savepoint pair (BEGIN and COMMIT outside a test), the lock (with head and active
# key), insert and update in one statement. A new event is answered as pending, unread.
MAX_STATEMENTS = 4


def url(passport_id: str) -> str:
    return f"/api/v1/passports/{passport_id}/events/"


def test_a_warm_append_takes_few_statements(manufacturer, registered_battery):
    if not uses_postgresql():
        pytest.skip("counts PostgreSQL round trips; SQLite has no network")
    manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json")  # warm-up

    with CaptureQueriesContext(connection) as queries:
        response = manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json")

    assert response.status_code == 201, response.json()
    assert len(queries.captured_queries) <= MAX_STATEMENTS, [
        q["sql"][:120] for q in queries.captured_queries
    ]


def test_the_answer_built_from_the_write_equals_a_later_read(manufacturer, registered_battery):
    posted = manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json").json()

    listed = manufacturer.client.get(url(registered_battery["id"])).json()["results"]

    assert listed[-1] == posted


@pytest.mark.django_db(transaction=True)
def test_an_event_integrated_by_its_own_commit_is_answered_with_its_log_index(make_actor):
    # Tasks run eagerly here, so the commit integrates the event before the answer is built.
    manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")
    passport = manufacturer.client.post("/api/v1/passports/", declaration(), format="json")

    posted = manufacturer.client.post(url(passport.json()["id"]), HEALTH, format="json").json()

    assert (posted["log_index"], posted["inclusion"]) == (1, "integrated")
    listed = manufacturer.client.get(url(passport.json()["id"])).json()["results"]
    assert {**listed[-1], "inclusion": "integrated"} == posted  # a checkpoint may follow


def test_the_log_can_move_at_commit_only_where_tasks_run_in_the_committing_thread(
    transactional_db, settings
):
    app = integrate_log.app  # the autouse fixture restores its eagerness after the test
    app.conf.task_always_eager, settings.LOG_SEQUENCER = True, False
    assert log_integrated_at_commit()
    with transaction.atomic():
        assert not log_integrated_at_commit()  # nothing has committed yet
    settings.LOG_SEQUENCER = True
    assert not log_integrated_at_commit()
    app.conf.task_always_eager, settings.LOG_SEQUENCER = False, False
    assert not log_integrated_at_commit()


def test_a_replayed_key_answers_the_stored_event(manufacturer, registered_battery):
    first = manufacturer.client.post(
        url(registered_battery["id"]), HEALTH, format="json", HTTP_IDEMPOTENCY_KEY="lean-1"
    )
    again = manufacturer.client.post(
        url(registered_battery["id"]), HEALTH, format="json", HTTP_IDEMPOTENCY_KEY="lean-1"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_after_rotation_events_are_signed_with_the_new_key(manufacturer, registered_battery):
    passport = registered_battery["id"]
    before = manufacturer.client.post(url(passport), HEALTH, format="json").json()

    new_key = signing_key_rotate(organisation=manufacturer.organisation)
    after = manufacturer.client.post(url(passport), HEALTH, format="json").json()

    assert before["kid"] != after["kid"] == new_key.kid
    assert base64.b64decode(after["envelope"]).count(new_key.kid.encode()) == 1


def test_a_revoked_token_is_refused_at_once(manufacturer, registered_battery):
    spare, secret = token_create(organisation=manufacturer.organisation, name="gateway")
    manufacturer.client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert (
        manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json").status_code
        == 201
    )

    spare.knox_token.delete()

    refused = manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json")
    assert refused.status_code == 401


def test_a_hidden_passport_is_404_before_its_body_is_checked(
    other_manufacturer, registered_battery
):
    response = other_manufacturer.client.post(
        url(registered_battery["id"]), {"type": "nonsense"}, format="json"
    )

    assert response.status_code == 404
    assert Event.objects.filter(passport_id=registered_battery["id"]).count() == 1


def test_an_unknown_passport_is_404(manufacturer):
    response = manufacturer.client.post(
        url("00000000-0000-4000-8000-000000000000"), HEALTH, format="json"
    )

    assert response.status_code == 404


def test_the_head_row_keeps_the_latest_health_and_head(manufacturer, registered_battery):
    posted = manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json").json()

    stored = PassportHead.objects.get(pk=registered_battery["id"])
    assert (stored.seq, stored.hash) == (posted["seq"], posted["hash"])
    assert stored.health["state_of_health_pct"] == {
        "value": "90", "at": "2026-06-01T10:00:00.000000Z", "seq": posted["seq"],
    }  # fmt: skip
    assert Passport.objects.get(pk=registered_battery["id"]).head_hash == posted["hash"]


def _writes_to(table: str, queries) -> list[str]:
    """The captured statements that update or row-lock `table`."""
    quoted = f'"{table}"'

    def touches(sql: str) -> bool:
        if f"UPDATE {quoted}" in sql:
            return True
        if " FOR UPDATE" not in sql:
            return False
        locking = sql.rsplit(" FOR UPDATE", 1)[1]
        # FOR UPDATE OF names the locked tables; a bare FOR UPDATE locks every one joined.
        return quoted in (locking if locking.startswith(" OF ") else sql)

    return [q["sql"] for q in queries.captured_queries if touches(q["sql"])]


def test_a_health_report_neither_locks_nor_rewrites_the_wide_row(manufacturer, registered_battery):
    with CaptureQueriesContext(connection) as queries:
        response = manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json")

    assert response.status_code == 201, response.json()
    assert _writes_to("passports_passport", queries) == []
    assert _writes_to("passports_passporthead", queries) != []


def test_a_batch_of_health_reports_leaves_the_wide_rows_alone(manufacturer, registered_battery):
    events = [{"passport": registered_battery["id"], **HEALTH} for _ in range(3)]

    with CaptureQueriesContext(connection) as queries:
        response = manufacturer.client.post(
            "/api/v1/events/batch", {"events": events}, format="json"
        )

    assert response.status_code == 201, response.json()
    assert _writes_to("passports_passport", queries) == []
    assert PassportHead.objects.get(pk=registered_battery["id"]).seq == 3


def test_a_transfer_moves_the_wide_row_with_the_head(make_actor, manufacturer, registered_battery):
    repairer = make_actor("repairer", "Fleet Service")
    placed = {"type": "placed_on_market", "occurred_at": "2026-06-01T10:00:00Z",
              "payload": {"country": "DE"}}  # fmt: skip
    manufacturer.client.post(url(registered_battery["id"]), placed, format="json")
    handed = {"type": "ownership_transferred", "occurred_at": "2026-06-02T10:00:00Z",
              "payload": {"to": str(repairer.organisation.pk)}}  # fmt: skip

    posted = manufacturer.client.post(url(registered_battery["id"]), handed, format="json")

    assert posted.status_code == 201, posted.json()
    stored = Passport.objects.select_related("head").get(pk=registered_battery["id"])
    assert (stored.holder_id, stored.market_country) == (repairer.organisation.pk, "DE")
    assert stored.head.seq == posted.json()["seq"] == 2


# Bodies in an order where a serializer kept from one request to the next could carry what
# an earlier body gave into a later one's check.
BODIES = [
    HEALTH,
    {**HEALTH, "payload": {"full_cycles": -1}},
    {**HEALTH, "payload": {"full_cycles": 120, "overcharge_events": 2}},
    {**HEALTH, "payload": {"state_of_health_pct": "101", "typo_pct": "3"}},
    {**HEALTH, "payload": {}},
    {**HEALTH, "payload": {"remaining_power_capability_soc_pct": "50"}},
    {**HEALTH, "payload": ["not", "a", "dict"]},
    {"type": "health_reported", "payload": {"state_of_health_pct": "90"}},
    {**HEALTH, "type": "registered"},
    {**HEALTH, "type": "placed_on_market", "payload": {"country": "XX"}},
    {**HEALTH, "type": "put_into_service", "payload": {"date": "2026-05-01"}},
    ["not", "an", "object"],
    {**HEALTH, "payload": {"accidents": ["x" * 501]}},
    {**HEALTH, "payload": {"state_of_charge_pct": "55"}},
]


def test_a_body_is_checked_as_a_fresh_serializer_checks_it(manufacturer, registered_battery):
    for body in BODIES:
        fresh = EventRequest(data=body, context={"product_type": "battery"})
        valid = fresh.is_valid()

        response = manufacturer.client.post(url(registered_battery["id"]), body, format="json")

        if valid:
            assert response.status_code == 201, (body, response.json())
            signed = {k: v for k, v in response.json()["payload"].items() if k != "occurred_at"}
            assert signed.keys() == fresh.validated_data["payload"].keys()
        else:
            assert response.status_code == 400, body
            assert response.json() == {"errors": flatten_errors(fresh.errors)}, body


def test_the_answer_serializer_kept_per_thread_reads_each_context(manufacturer, registered_battery):
    posted = manufacturer.client.post(url(registered_battery["id"]), HEALTH, format="json").json()
    event = Event.objects.get(pk=posted["id"])
    contexts = [
        {"checkpoint_size": 0, "log_indexes": {event.pk: None}},
        {"checkpoint_size": 9, "log_indexes": {event.pk: 3}},
        {"checkpoint_size": 2, "log_indexes": {event.pk: 3}},
    ]

    answers = [event_read(event, context=context) for context in contexts]

    assert [(a["log_index"], a["inclusion"]) for a in answers] == [
        (None, "pending"), (3, "checkpointed"), (3, "integrated"),
    ]  # fmt: skip
    assert answers == [EventRead(event, context=context).data for context in contexts]


def test_a_null_body_is_refused_as_a_fresh_serializer_refuses_it(manufacturer, registered_battery):
    fresh = EventRequest(data=None, context={"product_type": "battery"})
    assert not fresh.is_valid()

    response = manufacturer.client.post(
        url(registered_battery["id"]), "null", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"errors": flatten_errors(fresh.errors)}
    assert response.json() == {"errors": [{"field": "", "message": "No data provided"}]}
