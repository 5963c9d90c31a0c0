"""B2's blocks end with their events in the log, on the limit's side as on the workload's."""

import sys

import pytest
from django.db import connection

from bench import fixtures
from bench.accounting import load_block
from bench.b2_events import LogWatch, RawAppender, _passports
from lifecycle.models import Event
from lifecycle.services.log import log_size
from tests.conftest import uses_postgresql


@pytest.mark.skipif(not uses_postgresql(), reason="the limit appends over raw psycopg")
@pytest.mark.django_db(transaction=True)
def test_the_limits_block_ends_with_what_it_appended_in_the_log(monkeypatch) -> None:
    database = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
    )
    organisation, _ = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    passports = _passports(organisation, 3)
    appended = Event.objects.filter(actor=organisation, type="health_reported")
    log = LogWatch(appended.filter(leaf__isnull=True))
    woken = []

    def wake(task) -> None:
        # What the worker would do with the message, here in the appending thread.
        woken.append(task.name)
        try:
            task()
        finally:
            connection.close()

    monkeypatch.setattr("bench.b2_events.task_send", wake)
    raw = RawAppender(organisation, [p.id for p in passports], clients=2)
    try:
        sample = raw.block(0.3, log)
    finally:
        raw.close()
    assert set(woken) == {"lifecycle.tasks.integrate_log"}
    assert sample.units == appended.count() == len(woken) > 0
    assert not appended.filter(leaf__isnull=True).exists()
    assert log_size() == log.size + sample.units


@pytest.mark.django_db
def test_the_time_a_load_block_takes_to_finish_counts_as_its_wall_time() -> None:
    # A load that reports 3 answers in 0.5 s of its own clock (it ignores the arguments).
    report = "import json; print(json.dumps({'seconds': 0.5, 'statuses': {'201': 3}}))"
    load = [sys.executable, "-c", report]
    finished = []

    def then(units: int) -> float:
        finished.append(units)
        return 0.25

    sample, result = load_block(load, 0.5, "201", then=then)
    assert finished == [3]
    assert sample.units == 3
    assert sample.wall == pytest.approx(0.75)
    assert result["seconds"] == 0.5
