"""A batch's heads are read in one statement, whatever the number of passports it touches."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lifecycle.services.batch_heads import heads_locked
from passports.models import Passport, PassportHead
from tests.conftest import uses_postgresql
from tests.lifecycle.test_event_batch import URL, health, register


def statements_for(actor, passports: list[str], events: int) -> list[str]:
    """The SQL of one batch of `events` health reports spread over `passports`."""
    items = [health(passports[n % len(passports)], "95") for n in range(events)]
    with CaptureQueriesContext(connection) as queries:
        response = actor.client.post(URL, {"events": items}, format="json")
    assert response.status_code == 201, response.json()
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.skipif(not uses_postgresql(), reason="counts PostgreSQL statements")
def test_a_thousand_events_take_as_many_statements_over_ten_or_a_thousand_passports(
    manufacturer,
):
    passports = register(manufacturer, 1000)

    few = statements_for(manufacturer, passports[:10], 1000)
    many = statements_for(manufacturer, passports, 1000)

    assert len(many) == len(few)
    locking = [sql for sql in many if "FOR UPDATE" in sql]
    assert len(locking) == 1 and "passports_passporthead" in locking[0]
    # The chain heads move in one statement too; the wide passport rows not at all.
    updates = [sql for sql in many if sql.startswith("UPDATE")]
    assert len(updates) == 1 and "passports_passporthead" in updates[0]


def test_heads_are_read_as_the_orm_reads_them(manufacturer):
    first, second, third = register(manufacturer, 3)
    manufacturer.client.post(URL, {"events": [health(first, "91")]}, format="json")
    Passport.objects.filter(pk=second).update(predecessor_id=first)  # second succeeds first

    with transaction.atomic():
        read = heads_locked(passport_ids=sorted([first, second, third]))

    assert sorted(str(pk) for pk in read) == sorted([first, second, third])
    for pk, passport in read.items():
        stored = PassportHead.objects.select_related("passport").get(pk=pk)
        assert (passport.head.seq, passport.head.hash) == (stored.seq, stored.hash)
        assert passport.health == stored.health
        for name in ["manufacturer_id", "holder_id", "product_type", "status",
                     "manufactured_at", "market_country", "placed_on_market_on",
                     "archived_from"]:  # fmt: skip
            assert getattr(passport, name) == getattr(stored.passport, name), name
    assert read[passport_id(first)].successor.pk == passport_id(second)
    assert not hasattr(read[passport_id(second)], "successor")
    # A column left unread is loaded on access, as a deferred field is.
    assert read[passport_id(third)].model == Passport.objects.get(pk=third).model


def passport_id(text: str):
    return Passport._meta.pk.to_python(text)
