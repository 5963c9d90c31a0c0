"""The append's locked read, written as SQL once, reads what the ORM query it replaced read."""

import threading
import uuid

import pytest
from django.db import connection, connections, transaction
from django.db.models import Subquery

from lifecycle.services.head_lock import passport_locked
from passports.models import Passport, PassportHead, SigningKey
from tests.conftest import uses_postgresql
from tests.factories import declaration


def orm_locked(passport_id, actor_id) -> Passport:
    """The read as the ORM made it before: select_related with two subquery annotations."""
    head = (
        PassportHead.objects.select_for_update(of=("self",))
        .select_related("passport", "passport__successor")
        .annotate(
            actor_kid=Subquery(
                SigningKey.objects.active().filter(organisation=actor_id).values("kid")[:1]
            ),
        )
        .get(pk=passport_id)
    )
    passport = head.passport
    passport.actor_kid = head.actor_kid
    return passport


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def assert_same_read(ours: Passport, former: Passport) -> None:
    assert fields(ours) == fields(former)
    assert fields(ours.head) == fields(former.head)
    assert ours.head.passport is ours
    assert ours.actor_kid == former.actor_kid
    assert hasattr(ours, "successor") == hasattr(former, "successor")
    if hasattr(former, "successor"):
        assert ours.successor.pk == former.successor.pk


@pytest.mark.django_db(transaction=True)
def test_the_read_equals_the_orm_reads(manufacturer, registered_battery):
    other = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial="HEADLOCK-2"), format="json"
    ).json()
    manufacturer.client.post(
        f"/api/v1/passports/{registered_battery['id']}/events/",
        {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
         "payload": {"state_of_health_pct": "90", "full_cycles": 12}},
        format="json",
    )  # fmt: skip
    Passport.objects.filter(pk=other["id"]).update(predecessor=registered_battery["id"])
    actors = [manufacturer.organisation.pk, uuid.uuid4()]  # with an active key, and without

    for passport_id in (registered_battery["id"], other["id"]):
        for actor_id in actors:
            with transaction.atomic():
                ours = passport_locked(passport_id=uuid.UUID(passport_id), actor_id=actor_id)
                former = orm_locked(passport_id, actor_id)
            assert_same_read(ours, former)

    assert passport_locked(
        passport_id=uuid.UUID(registered_battery["id"]), actor_id=actors[0]
    ).successor.pk == uuid.UUID(other["id"])
    assert not hasattr(
        passport_locked(passport_id=uuid.UUID(other["id"]), actor_id=actors[0]), "successor"
    )


def test_an_unknown_passport_is_does_not_exist(manufacturer):
    with pytest.raises(Passport.DoesNotExist), transaction.atomic():
        passport_locked(passport_id=uuid.uuid4(), actor_id=manufacturer.organisation.pk)


@pytest.mark.django_db(transaction=True)
def test_only_the_head_row_is_locked(manufacturer, registered_battery):
    if not uses_postgresql():
        pytest.skip("SQLite has no row locks")
    passport_id = registered_battery["id"]
    outcomes = {}

    def try_lock(name: str, table: str, column: str) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT 1 FROM {table} WHERE {column} = %s FOR UPDATE NOWAIT", [passport_id]
                )
            outcomes[name] = "locked"
        except Exception as exc:  # noqa: BLE001 - the lock error's class is the driver's
            outcomes[name] = type(exc).__name__
        finally:
            connections.close_all()

    with transaction.atomic():
        passport_locked(passport_id=uuid.UUID(passport_id), actor_id=manufacturer.organisation.pk)
        for name, table, column in (
            ("head", "passports_passporthead", "passport_id"),
            ("passport", "passports_passport", "id"),
        ):
            thread = threading.Thread(target=try_lock, args=(name, table, column))
            thread.start()
            thread.join()

    assert outcomes == {"head": "OperationalError", "passport": "locked"}
