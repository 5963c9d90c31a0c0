"""On PostgreSQL, racing registrations of the same identifiers: one wins, the rest get 409."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from lifecycle.models import Event
from passports.models import Passport
from tests.conftest import require_services, uses_postgresql
from tests.factories import declaration

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql_only():
    if not uses_postgresql():
        require_services("PostgreSQL (set DATABASE_URL=postgres://...)")


def post_as(token: str, path: str, body: dict) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        return client.post(path, body, format="json").status_code
    finally:
        connection.close()


def test_racing_registrations_of_one_identifier_store_exactly_one(manufacturer):
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda _: post_as(manufacturer.token, "/api/v1/passports/", declaration()),
                range(16),
            )
        )

    assert sorted(set(statuses)) == [201, 409]
    assert statuses.count(201) == 1
    assert Passport.objects.count() == 1
    assert Event.objects.count() == 1


def test_parallel_bulk_registrations_of_distinct_passports_all_land(manufacturer):
    def batch(start: int) -> int:
        items = [declaration(serial=f"P{start + i:06d}") for i in range(50)]
        return post_as(manufacturer.token, "/api/v1/passports/bulk/", {"passports": items})

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(batch, range(0, 400, 50)))

    assert statuses == [201] * 8
    assert Passport.objects.count() == 400
    assert Event.objects.filter(seq=0).count() == 400
