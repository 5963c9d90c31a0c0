"""Tampering is refused by PostgreSQL, and anything that slips past is named by the audits."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from lifecycle.models import Event, LogLeaf, LogNode
from lifecycle.services.events import event_record
from lifecycle.services.log import LogInconsistent, checkpoint_publish, log_integrate
from lifecycle.verify import leaf_data, leaf_hash, node_hash, verify_bundle
from passports.models import Passport
from tests.conftest import require_services, uses_postgresql
from tests.factories import declaration


@pytest.fixture
def logged(manufacturer):
    ids = []
    for i in range(3):
        created = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial=f"T-{i}"), format="json"
        ).json()
        manufacturer.client.post(
            f"/api/v1/passports/{created['id']}/events/",
            {"type": "placed_on_market", "occurred_at": "2026-06-01T00:00:00Z",
             "payload": {"country": "FR"}},
            format="json",
        )  # fmt: skip
        ids.append(created["id"])
    log_integrate()
    checkpoint_publish()
    return ids


def test_verify_log_passes_on_an_untouched_log(logged):
    out = io.StringIO()
    call_command("verify_log", stdout=out)

    assert "ok: checked 6 leaves, 6 events, 1 checkpoints" in out.getvalue()


class triggers_disabled:
    """What an attacker with superuser access does on PostgreSQL: bypass the triggers."""

    def __enter__(self):
        if uses_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")

    def __exit__(self, *exc):
        if uses_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


def rewrite_event(event: Event, country: str) -> None:
    """What an attacker with database access does: change the payload, keep the signature."""
    envelope = json.loads(bytes(event.envelope))
    envelope["payload"]["country"] = country
    altered = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    with triggers_disabled():
        Event.objects.filter(pk=event.pk).update(envelope=altered)


def test_an_altered_event_is_named_by_verify_log_and_by_the_bundle(logged, regulator):
    victim = Event.objects.get(passport_id=logged[1], seq=1)
    rewrite_event(victim, "XX")

    out = io.StringIO()
    with pytest.raises(CommandError, match="mismatches"):
        call_command("verify_log", stdout=out)
    report = out.getvalue()
    assert f"event {victim.passport_id}#1: signature does not verify" in report
    assert "stored leaf data differs" in report
    assert "checkpoint 6: root differs" in report

    bundle = regulator.client.get(f"/api/v1/passports/{logged[1]}/bundle/").json()
    checks = verify_bundle(bundle, bundle["log_vkey"], [])
    assert not checks[-1].ok
    assert checks[-1].name == "event 1 signature"


def test_no_consistent_checkpoint_can_be_signed_over_a_rewritten_tree(logged):
    victim = Event.objects.get(passport_id=logged[0], seq=1)
    rewrite_event(victim, "XX")
    victim.refresh_from_db()
    index = victim.leaf.index
    data = leaf_data(bytes(victim.envelope), bytes(victim.signature))
    # Rewrite the leaf and every node above it, as a careful attacker would.
    with triggers_disabled():
        LogLeaf.objects.filter(index=index).update(data=data, hash=leaf_hash(data))
        level, position, value = 0, index, leaf_hash(data)
        while True:
            LogNode.objects.filter(level=level, index=position).update(hash=value)
            sibling = LogNode.objects.filter(level=level, index=position ^ 1).first()
            if sibling is None:
                break
            other = bytes(sibling.hash)
            pair = (value, other) if position % 2 == 0 else (other, value)
            level, position, value = level + 1, position // 2, node_hash(*pair)
    _grow_log(logged)  # the signer only signs when the tree has grown past the checkpoint

    with pytest.raises(LogInconsistent, match="does not extend checkpoint 6"):
        checkpoint_publish()


def _grow_log(logged) -> None:
    passport = Passport.objects.get(pk=logged[2])
    event_record(
        passport_id=passport.pk,
        actor=passport.manufacturer,
        event_type="health_reported",
        occurred_at=dt.datetime(2026, 6, 2, tzinfo=dt.UTC),
        payload={"state_of_health_pct": 99},
    )
    log_integrate()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lifecycle_event SET type = 'disposed'",
        "DELETE FROM lifecycle_event",
        "UPDATE lifecycle_logleaf SET data = 'x'",
        "DELETE FROM lifecycle_lognode",
        "UPDATE lifecycle_checkpoint SET body = 'x'",
    ],
)
def test_postgresql_refuses_updates_and_deletes_of_logged_records(logged, statement):
    if not uses_postgresql():
        require_services("PostgreSQL (append-only triggers)")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
