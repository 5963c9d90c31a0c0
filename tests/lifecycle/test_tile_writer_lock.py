"""Tile files are written under a lock of their own, so integration goes on meanwhile."""

import io
import threading

import pytest
from django.db import connection, transaction

from lifecycle.models import Checkpoint, LogLeaf, LogNode
from lifecycle.services.log import checkpoint_publish, log_integrate, log_root
from lifecycle.services.tiles import (
    WATERMARK,
    _lock_tiles,
    log_tiles_write,
    tile_read,
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


def test_a_checkpointed_partial_tile_is_never_rewritten_under_its_readers(manufacturer):
    register(manufacturer, 300)
    log_integrate()
    assert checkpoint_publish().size == 300
    storage = tile_storage()
    level1 = "tile/1/000.p/1"  # one hash at level 1 for 300 leaves, and still for 360
    written_at = storage.get_modified_time(level1)
    register(manufacturer, 60)
    log_integrate()

    for size in range(301, 361):  # what catch-ups at these sizes would write
        log_tiles_write(size=size)

    assert storage.get_modified_time(level1) == written_at
    assert tile_read(level1) == bytes(LogNode.objects.get(level=8, index=0).hash)


def test_a_hash_tile_read_back_torn_is_not_served_nor_kept(manufacturer, monkeypatch):
    from lifecycle.services import tiles

    register(manufacturer, 30)
    log_integrate()
    log_tiles_write(size=30)
    whole = tiles._read("tile/0/000.p/30")
    tiles._cache.clear()
    monkeypatch.setattr(tiles, "_read", lambda name: whole[:100])  # caught mid-write

    assert tile_read("tile/0/000.p/30") is None
    monkeypatch.undo()
    assert tile_read("tile/0/000.p/30") == whole


def test_a_torn_watermark_reads_as_no_tiles_and_proofs_come_from_the_database(
    manufacturer, anonymous
):
    register(manufacturer, 30)
    log_integrate()
    checkpoint_publish()
    storage = tile_storage()
    storage.delete(WATERMARK)
    storage.save(WATERMARK, io.BytesIO(b"30 ab"))  # half a line, as while it is replaced

    assert tiles_written() == (0, None)
    response = anonymous.get("/api/v1/log/proof/inclusion?index=3&size=30")
    assert response.status_code == 200
    assert response.json()["root"] == log_root(30).hex()
