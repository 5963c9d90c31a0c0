"""On PostgreSQL, concurrent appends never fork a chain: seq is contiguous, prev always links."""

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from lifecycle.models import Event
from tests.conftest import require_services, uses_postgresql
from tests.factories import declaration

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql_only():
    if not uses_postgresql():
        require_services("PostgreSQL (set DATABASE_URL=postgres://...)")


def health_poster(token: str):
    def post(job: tuple[str, int]) -> int:
        passport, n = job
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            return client.post(
                f"/api/v1/passports/{passport}/events/",
                {"type": "health_reported", "occurred_at": "2026-06-01T00:00:00Z",
                 "payload": {"full_cycles": n}},
                format="json",
            ).status_code  # fmt: skip
        finally:
            connection.close()

    return post


def assert_chain_intact(passport: str, length: int) -> None:
    events = list(Event.objects.filter(passport_id=passport).order_by("seq"))
    assert [e.seq for e in events] == list(range(length))
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev == hashlib.sha256(bytes(before.envelope)).hexdigest()


def register(manufacturer, count: int) -> list[str]:
    items = [declaration(serial=f"C-{i}") for i in range(count)]
    response = manufacturer.client.post("/api/v1/passports/bulk/", {"passports": items},
                                        format="json")  # fmt: skip
    return [p["id"] for p in response.json()["passports"]]


def test_sixteen_writers_on_one_passport_make_one_unbroken_chain(manufacturer):
    (passport,) = register(manufacturer, 1)
    jobs = [(passport, n) for n in range(800)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(health_poster(manufacturer.token), jobs))

    assert statuses == [201] * 800
    assert_chain_intact(passport, 801)


def test_writers_across_many_passports_keep_every_chain_intact(manufacturer):
    passports = register(manufacturer, 40)
    jobs = [(p, n) for n in range(20) for p in passports]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(health_poster(manufacturer.token), jobs))

    assert statuses == [201] * 800
    for passport in passports:
        assert_chain_intact(passport, 21)


def test_a_writer_that_waited_for_the_head_sees_the_status_it_left(manufacturer):
    """Appends lock only the head row; one that waited must not act on the passport's state
    as its statement first read it: of eight concurrent reuses, exactly one is allowed (a
    reused product cannot be reused again)."""
    passports = register(manufacturer, 4)

    def reuse(passport: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {manufacturer.token}")
        try:
            return client.post(
                f"/api/v1/passports/{passport}/events/",
                {"type": "reused", "occurred_at": "2026-06-01T00:00:00Z", "payload": {}},
                format="json",
            ).status_code  # fmt: skip
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(reuse, [p for p in passports for _ in range(8)]))

    assert sorted(statuses) == [201] * 4 + [409] * 28
    for passport in passports:
        assert Event.objects.filter(passport_id=passport, type="reused").count() == 1
        assert_chain_intact(passport, 2)
