"""On PostgreSQL, one EPCIS document sent several times at once is recorded once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from recycling.models import CapturedEvent, Collection
from tests.conftest import require_services, uses_postgresql
from tests.recycling.epcis_documents import URL, document, link, receiving
from tests.recycling.epcis_fleet import register

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql_only():
    if not uses_postgresql():
        require_services("PostgreSQL (set DATABASE_URL=postgres://...)")


def post_as(token: str, body: dict) -> tuple[int, dict]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        response = client.post(URL, body, format="json")
        return response.status_code, response.json()
    finally:
        connection.close()


def test_racing_sends_of_one_document_record_it_once_and_answer_each_with_its_records(
    manufacturer, make_actor
):
    collector = make_actor("collector", "Collect GmbH", country="DE")
    passports = [register(manufacturer, f"RACE-{n}") for n in range(3)]
    sent = document(
        *(
            receiving(link(passport), eventID=f"urn:uuid:00000000-0000-4000-8000-00000000000{n}")
            for n, passport in enumerate(passports)
        )
    )

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: post_as(collector.token, sent), range(6)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 5 + [201], answers
    assert all(body["captured"] == answers[0][1]["captured"] for _, body in answers)
    assert Collection.objects.count() == 3
    assert CapturedEvent.objects.count() == 3
