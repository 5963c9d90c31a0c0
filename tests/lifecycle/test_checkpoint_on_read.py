"""Without a beat, reading the latest checkpoint signs one over a burst's uncovered tail."""

import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone

from lifecycle.models import Checkpoint
from lifecycle.services.log import log_size
from tests.factories import declaration


def later(seconds: float):
    """Moves the clock forward, as the interval passing would, without waiting for it."""
    now = timezone.now() + dt.timedelta(seconds=seconds)
    return mock.patch("django.utils.timezone.now", return_value=now)


def checkpoint_size(client) -> int:
    response = client.get("/api/v1/log/checkpoint", {"format": "json"})
    assert response.status_code == 200, response.content
    return response.json()["size"]


@pytest.fixture
def burst(make_actor):
    """Three registrations in a row: the first publishes, the others land within the interval."""
    manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")
    for i in range(3):
        response = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial=f"BURST-{i}"), format="json"
        )
        assert response.status_code == 201, response.json()
    return manufacturer


@pytest.mark.django_db(transaction=True)
def test_a_read_after_the_interval_covers_every_integrated_event(burst, anonymous, settings):
    settings.CHECKPOINT_INTERVAL_SECONDS = 60
    assert log_size() == 3
    assert Checkpoint.objects.get().size == 1  # the tail of the burst is integrated only

    with later(61):
        size = checkpoint_size(anonymous)

    assert size == 3
    assert Checkpoint.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_read_within_the_interval_serves_the_latest_signed(burst, anonymous, settings):
    settings.CHECKPOINT_INTERVAL_SECONDS = 60

    assert checkpoint_size(anonymous) == 1
    assert Checkpoint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_checkpoint_list_also_catches_up(burst, anonymous, settings):
    settings.CHECKPOINT_INTERVAL_SECONDS = 60

    with later(61):
        listing = anonymous.get("/api/v1/log/checkpoints/").json()

    assert [c["size"] for c in listing["results"]] == [3, 1]


@pytest.mark.django_db(transaction=True)
def test_a_reader_that_loses_the_race_serves_what_the_winner_signed(burst, anonymous, settings):
    settings.CHECKPOINT_INTERVAL_SECONDS = 60
    lost = IntegrityError("UNIQUE constraint failed: lifecycle_checkpoint.size")

    with later(61), mock.patch("lifecycle.services.log.checkpoint_publish", side_effect=lost):
        size = checkpoint_size(anonymous)

    assert size == 1


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_reads_leave_signing_to_the_beat(burst, anonymous, settings):
    from settings.celery import app

    settings.CHECKPOINT_INTERVAL_SECONDS = 60
    app.conf.task_always_eager = False  # the autouse fixture restores it
    with later(61):
        size = checkpoint_size(anonymous)

    assert size == 1
