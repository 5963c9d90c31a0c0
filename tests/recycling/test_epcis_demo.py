"""Every event of the demo's fleet renders as EPCIS 2.0 that GS1's JSON Schema accepts."""

import io
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction

from lifecycle.models import Event
from tests.recycling.epcis_fleet import gs1_validator, schema_errors


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """One demo load for the module, rolled back at its end (as test_load_demo.py does)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def test_every_demo_event_renders_as_valid_epcis(loaded, db, regulator):
    validator = gs1_validator()
    seen, problems, params = set(), [], {"perPage": "200"}
    while True:
        response = regulator.client.get("/api/v1/epcis/events", params)
        assert response.status_code == 200, response.json()
        document = response.json()
        problems.extend(schema_errors(validator, document)[:5])
        events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        seen.update((e["eventID"], e["cmp:eventType"]) for e in events)
        if "Link" not in response:
            break
        query = urlsplit(response["Link"][1:].split(">")[0]).query
        params = {k: v[0] for k, v in parse_qs(query).items()}

    assert problems == []
    assert len(seen) == Event.objects.count()
    assert {kind for _, kind in seen} >= {"registered", "collected", "recycled"}
