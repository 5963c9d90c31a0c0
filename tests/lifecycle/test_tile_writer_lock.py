"""Tile files are written under a lock of their own, so integration goes on meanwhile."""

import io
import threading

import pytest
from django.db import connection, transaction

from lifecycle.models import Checkpoint, LogLeaf
from lifecycle.services.log import checkpoint_publish, log_integrate, log_root
from lifecycle.services.tiles import (
    WATERMARK,
    _lock_tiles,
    log_tiles_write,
    tile_storage,
    tiles_written,
)
from tests.conftest import uses_postgresql
from tests.lifecycle.test_tiles_api import register

needs_pg = pytest.mark.skipif(not uses_postgresql(), reason="needs PostgreSQL connections")


def test_a_writer_that_read_a_smaller_size_leaves_the_tiles_further_along_alone(manufacturer):
    register(manufacturer, 300)
    log_integrate()
    assert log_tiles_write(size=300) > 0
    before = tile_storage().open("tile/0/000", "rb").read()

    # As a catch-up that read the size before another writer got to 300 would.
    assert log_tiles_write(size=100) == 0

    assert tiles_written() == (300, log_root(300))
    assert tile_storage().open("tile/0/000", "rb").read() == before
    assert tile_storage().exists("tile/0/001.p/44")


def test_tiles_beyond_the_log_are_rewritten_from_zero(manufacturer):
    register(manufacturer, 30)
    log_integrate()
    storage = tile_storage()
    storage.save(WATERMARK, io.BytesIO(f"500 {'11' * 32}\n".encode()))  # a replaced database

    assert log_tiles_write(size=30) > 0

    assert tiles_written() == (30, log_root(30))
    leaves = LogLeaf.objects.order_by("index").values_list("hash", flat=True)
    assert storage.open("tile/0/000.p/30", "rb").read() == b"".join(bytes(h) for h in leaves)


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_integration_goes_on_while_tiles_are_being_written(manufacturer, settings):
    settings.LOG_SEQUENCER = True  # the writes queue no integration of their own
    register(manufacturer, 12)
    assert LogLeaf.objects.count() == 0
    holding, release = threading.Event(), threading.Event()

    def tile_writer() -> None:
        try:
            with transaction.atomic():
                _lock_tiles()  # as a long write to a remote bucket would hold it
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=tile_writer)
    writer.start()
    try:
        assert holding.wait(30)
        integrated: list[int] = []
        integrator = threading.Thread(
            target=lambda: (integrated.append(log_integrate()), connection.close())
        )
        integrator.start()
        integrator.join(30)
        assert not integrator.is_alive(), "integration waited for the tile writer"
        assert integrated == [12]
    finally:
        release.set()
        writer.join(30)

    checkpoint = checkpoint_publish()
    assert checkpoint.size == 12
    assert tiles_written()[0] == 12
    assert Checkpoint.objects.count() == 1


def _lock_order(monkeypatch) -> list[str]:
    """Records the order checkpoint_publish takes the log's and the tiles' locks in."""
    from lifecycle.services import log, tiles

    taken: list[str] = []
    for module, name, label in ((log, "_lock_log", "log"), (tiles, "_lock_tiles", "tiles")):
        real = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda real=real, label=label: (taken.append(label), real())[1]
        )
    return taken


@pytest.mark.django_db(transaction=True)
def test_publishing_writes_most_tiles_before_taking_the_log_lock(
    manufacturer, monkeypatch, settings
):
    settings.LOG_SEQUENCER = True  # nothing integrates or signs but this test
    register(manufacturer, 5)
    log_integrate()
    taken = _lock_order(monkeypatch)

    assert checkpoint_publish().size == 5

    # The catch-up's own transaction first (released at its commit), then the signing one.
    assert taken == ["tiles", "log", "tiles"]
    assert tiles_written()[0] == 5


def test_publishing_inside_a_callers_transaction_never_holds_the_tiles_lock_into_the_logs(
    manufacturer, monkeypatch
):
    register(manufacturer, 5)
    log_integrate()
    taken = _lock_order(monkeypatch)

    with transaction.atomic():  # a lock taken now is held until this block ends
        checkpoint_publish()

    assert taken == ["log", "tiles"]
    assert tiles_written()[0] == 5
    assert Checkpoint.objects.get().size == 5
