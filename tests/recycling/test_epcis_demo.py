"""Every event of the demo's fleet renders as EPCIS 2.0 that GS1's JSON Schema accepts."""

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction

from lifecycle.models import Event
from tests.recycling.epcis_fleet import gs1_validator, pages, schema_errors


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """One demo load for the module, rolled back at its end (as test_load_demo.py does)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def test_every_demo_event_renders_as_valid_epcis(loaded, db, regulator):
    validator = gs1_validator()
    seen, problems = set(), []
    for response in pages(regulator.client, {"perPage": "200"}):
        document = response.json()
        problems.extend(schema_errors(validator, document)[:5])
        events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        seen.update((e["eventID"], e["cmp:eventType"]) for e in events)

    assert problems == []
    assert len(seen) == Event.objects.count()
    assert {kind for _, kind in seen} >= {"registered", "collected", "recycled"}
