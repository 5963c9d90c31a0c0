"""/tile/... and /checkpoint over HTTP, the tile writer's bookkeeping, and the sequencer."""

import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError

from lifecycle import note
from lifecycle.models import Checkpoint, LogLeaf, LogNode
from lifecycle.services.log import checkpoint_note, checkpoint_publish, log_integrate
from lifecycle.services.sequencer import sequencer_run
from lifecycle.services.tiles import WATERMARK, log_tiles_write, tile_storage, tiles_written
from lifecycle.services.witness import witness_name
from passports.services.keys import signer_for
from tests.factories import declaration


def register(actor, count: int) -> None:
    body = {"passports": [declaration(serial=None, gtin=None) for _ in range(count)]}
    response = actor.client.post("/api/v1/passports/bulk/", body, format="json")
    assert response.status_code == 201, response.json()


@pytest.fixture
def log_of_300(manufacturer) -> Checkpoint:
    register(manufacturer, 300)
    log_integrate()
    checkpoint = checkpoint_publish()
    assert checkpoint.size == 300
    return checkpoint


def level0(first: int, count: int) -> bytes:
    nodes = LogNode.objects.filter(level=0, index__gte=first, index__lt=first + count)
    return b"".join(bytes(h) for h in nodes.order_by("index").values_list("hash", flat=True))


def test_a_full_tile_is_served_as_immutable_bytes(log_of_300, anonymous):
    response = anonymous.get("/tile/0/000")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert "immutable" in response["Cache-Control"]
    assert response.content == level0(0, 256)


def test_a_partial_tile_is_served_with_a_short_lifetime(log_of_300, anonymous):
    response = anonymous.get("/tile/0/001.p/44")

    assert response.status_code == 200
    assert response.content == level0(256, 44)
    assert response["Cache-Control"] == "public, max-age=5"
    level1 = anonymous.get("/tile/1/000.p/1").content
    assert len(level1) == 32


def test_an_entry_bundle_holds_the_leaf_data_length_prefixed(log_of_300, regulator):
    response = regulator.client.get("/tile/entries/001.p/44")
    bundle = response.content

    assert response["Cache-Control"] == "private, max-age=5"

    data = LogLeaf.objects.filter(index__gte=256).order_by("index").values_list("data", flat=True)
    assert bundle == b"".join(len(d).to_bytes(2, "big") + bytes(d) for d in data)


def test_partial_tiles_are_removed_once_their_tile_is_full(manufacturer, anonymous):
    register(manufacturer, 100)
    log_integrate()
    checkpoint_publish()
    assert anonymous.get("/tile/0/000.p/100").status_code == 200
    register(manufacturer, 200)
    log_integrate()
    checkpoint_publish()

    # Removed from storage; a process that already read it may still serve it, correctly, since
    # a tile path always names the same bytes.
    storage = tile_storage()
    assert not storage.exists("tile/0/000.p/100")
    assert not storage.exists("tile/entries/000.p/100")
    assert storage.exists("tile/0/001.p/44")
    assert anonymous.get("/tile/0/000").status_code == 200


def test_a_malformed_tile_path_is_a_json_400_naming_the_path(log_of_300, anonymous):
    # The last: tile 1 spelt in Arabic-Indic digits, a second spelling of /tile/0/001.
    for path in (
        "/tile/0/0",
        "/tile/0/000.p/256",
        "/tile/64/000",
        "/tile/0/x000/000",
        "/tile/0/٠٠١",
    ):
        response = anonymous.get(path)
        assert response.status_code == 400, path
        assert response.json()["errors"][0]["field"] == "path"


def test_a_tile_not_written_is_a_json_404(log_of_300, anonymous):
    response = anonymous.get("/tile/0/002")

    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "path"
    assert anonymous.get("/tile/0/001.p/45").status_code == 404


def test_tiles_are_read_only(log_of_300, anonymous):
    assert anonymous.post("/tile/0/000").status_code == 405
    assert anonymous.post("/checkpoint").status_code == 405


def test_checkpoint_is_the_latest_signed_note_and_not_cached(log_of_300, anonymous):
    response = anonymous.get("/checkpoint")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response.content.decode() == checkpoint_note(log_of_300)


def test_checkpoint_before_any_is_a_json_404(anonymous):
    response = anonymous.get("/checkpoint")

    assert response.status_code == 404
    assert response.json()["errors"]


def test_a_cosignature_is_served_at_checkpoint(log_of_300, regulator, anonymous):
    signer = signer_for(organisation=regulator.organisation)
    line = note.cosignature_line(
        log_of_300.body, witness_name(regulator.organisation), signer._private, 1_780_000_000
    )
    response = regulator.client.post(
        "/api/v1/log/checkpoints/300/cosign", {"cosignature": line}, format="json"
    )
    assert response.status_code == 201, response.json()

    assert line in anonymous.get("/checkpoint").content.decode()


def test_tiles_that_do_not_match_the_log_are_rewritten(log_of_300, anonymous):
    storage = tile_storage()
    storage.delete("tile/0/000")
    storage.save("tile/0/000", io.BytesIO(b"\x00" * 8192))
    storage.delete(WATERMARK)
    storage.save(WATERMARK, io.BytesIO(f"300 {'00' * 32}\n".encode()))

    written = log_tiles_write(size=300)

    assert written > 0
    with storage.open("tile/0/000", "rb") as handle:
        assert handle.read() == level0(0, 256)
    assert tiles_written()[0] == 300


def test_run_sequencer_once_is_idempotent(manufacturer, settings):
    settings.LOG_SEQUENCER = True
    register(manufacturer, 10)
    out = io.StringIO()
    call_command("run_sequencer", "--once", stdout=out)
    call_command("run_sequencer", "--once", stdout=out)

    assert out.getvalue().splitlines() == ["integrated 10 events", "integrated 0 events"]
    assert LogLeaf.objects.count() == 10
    assert tiles_written()[0] == 10
    assert Checkpoint.objects.get().size == 10


def test_run_sequencer_refuses_a_non_positive_interval():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--interval"):
        call_command("run_sequencer", "--interval", "0")


@pytest.mark.django_db(transaction=True)
def test_the_running_sequencer_integrates_writes_and_signs(manufacturer, settings):
    settings.LOG_SEQUENCER = True
    settings.CHECKPOINT_INTERVAL_SECONDS = 0

    def signed(size: int) -> bool:
        try:
            return Checkpoint.objects.filter(size=size).exists()
        except OperationalError:
            return False  # SQLite's shared in-memory test database locks tables being written

    def run_until_signed(size: int) -> None:
        stop = threading.Event()
        worker = threading.Thread(
            target=sequencer_run, kwargs={"interval": 0.05, "stopping": stop.is_set}
        )
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while not signed(size):
                assert time.monotonic() < deadline, f"the sequencer did not sign {size} in 30 s"
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join(timeout=30)
        assert not worker.is_alive()

    register(manufacturer, 20)
    # With a sequencer the write queues no integration of its own: the leaves are its work.
    assert LogLeaf.objects.count() == 0
    run_until_signed(20)
    # Writes happen between runs here only because the shared in-memory SQLite of the tests
    # refuses a second thread's write while a table is read; PostgreSQL has no such limit.
    register(manufacturer, 5)
    run_until_signed(25)
    assert tiles_written()[0] == 25


@pytest.mark.django_db(transaction=True)
def test_a_write_wakes_the_listening_sequencer_on_postgresql(manufacturer, settings):
    from lifecycle.services.sequencer import _Listener
    from tests.conftest import uses_postgresql

    if not uses_postgresql():
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite the sequencer polls")
    settings.LOG_SEQUENCER = True
    listener = _Listener()
    try:
        assert listener.wait(0.01) is False
        register(manufacturer, 1)
        assert listener.wait(30) is True
    finally:
        listener.close()


def test_proofs_stay_right_as_tiles_fill_and_beyond_the_tiles(manufacturer, anonymous):
    from lifecycle.merkle import MemoryTree

    def proof(index: int, size: int) -> list[str]:
        answer = anonymous.get(f"/api/v1/log/proof/inclusion?index={index}&size={size}")
        assert answer.status_code == 200, answer.json()
        return answer.json()["proof"]

    register(manufacturer, 100)
    log_integrate()
    checkpoint_publish()
    early = proof(7, 100)  # read from the partial tile 000.p/100
    register(manufacturer, 200)
    log_integrate()
    checkpoint_publish()  # that partial tile is gone now: tile 0 is full
    register(manufacturer, 5)
    log_integrate()  # 305 leaves, tiles written for 300 only

    tree = MemoryTree()
    for data in LogLeaf.objects.order_by("index").values_list("data", flat=True):
        tree.append(bytes(data))
    assert early == [h.hex() for h in tree.inclusion_proof(7, 100)]
    assert proof(7, 100) == early
    assert proof(299, 300) == [h.hex() for h in tree.inclusion_proof(299, 300)]
    assert proof(302, 305) == [h.hex() for h in tree.inclusion_proof(302, 305)]


def test_run_sequencer_writes_tiles_for_leaves_integrated_elsewhere(manufacturer, settings):
    settings.LOG_SEQUENCER = True
    register(manufacturer, 12)
    log_integrate()  # as the Celery fallback or a bulk loader would, without tiles
    assert tiles_written()[0] == 0

    call_command("run_sequencer", "--once", stdout=io.StringIO())

    assert tiles_written()[0] == 12
    assert tile_storage().exists("tile/entries/000.p/12")


def test_entry_bundles_hold_restricted_data_and_are_for_regulators_only(
    log_of_300, anonymous, manufacturer, recycler
):
    path = "/tile/entries/001.p/44"
    refusals = [
        anonymous.get(path),
        anonymous.get(path, HTTP_AUTHORIZATION="Token not-a-token"),
        manufacturer.client.get(path),
        recycler.client.get(path),
    ]

    assert [r.status_code for r in refusals] == [401, 401, 403, 403]
    assert all(r["Content-Type"] == "application/json" for r in refusals)
    assert anonymous.get("/tile/0/001.p/44").status_code == 200  # hash tiles stay public


def _header_sets(response) -> dict[str, object]:
    # Vary and Allow are lists whose order means nothing (DRF's Allow order varies by process).
    listed = {"vary", "allow"}
    return {
        name.lower(): {part.strip() for part in value.split(",")}
        if name.lower() in listed
        else value
        for name, value in response.items()
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/log/proof/inclusion?index=5&size=300",
        "/api/v1/log/proof/inclusion?index=299&size=300",
        "/api/v1/log/proof/consistency?first=7&second=300",
        "/api/v1/log/proof/consistency?first=256&second=257",
    ],
)
def test_an_anonymous_proof_within_the_tiles_is_the_api_answer_byte_for_byte(
    log_of_300, anonymous, path
):
    plain = anonymous.get(path)
    # Another media range accepting JSON is left to DRF's negotiation, so DRF answers it.
    through_drf = anonymous.get(path, HTTP_ACCEPT="application/json, text/plain")

    assert not hasattr(plain, "accepted_renderer")  # answered without DRF
    assert hasattr(through_drf, "accepted_renderer")
    assert plain.status_code == through_drf.status_code == 200
    assert plain.content == through_drf.content
    # A proof is the same bytes in every language, so the plain answer names none.
    drf_headers = _header_sets(through_drf)
    drf_headers["vary"] -= {"Accept-Language"}
    del drf_headers["content-language"]
    assert _header_sets(plain) == drf_headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/log/proof/inclusion?index=300&size=300",
        "/api/v1/log/proof/inclusion?index=%C2%B2&size=300",
        "/api/v1/log/proof/inclusion?index=" + "9" * 5000 + "&size=300",
        "/api/v1/log/proof/inclusion?index=1&size=" + "9" * 5000,
        "/api/v1/log/proof/consistency?first=" + "9" * 5000 + "&second=8",
        "/api/v1/log/proof/consistency?first=9&second=8",
        "/api/v1/log/proof/consistency?first=1&second=301",
    ],
)
def test_a_refused_anonymous_proof_gets_the_api_error(log_of_300, anonymous, path):
    response = anonymous.get(path)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in {"index", "size", "first", "second"}


def test_a_throttled_anonymous_proof_gets_the_api_429(log_of_300, anonymous, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    settings.API_THROTTLE_RATES = {**dict.fromkeys(settings.API_THROTTLE_RATES), "proofs": "2/min"}
    path = "/api/v1/log/proof/inclusion?index=5&size=300"

    first, second, refused = (anonymous.get(path) for _ in range(3))
    through_drf = anonymous.get(path, HTTP_ACCEPT="application/json, text/plain")

    assert [first.status_code, second.status_code] == [200, 200]
    assert not hasattr(refused, "accepted_renderer")
    assert refused.status_code == through_drf.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["message"].startswith("Request was throttled.")
    assert _header_sets(refused).keys() == _header_sets(through_drf).keys()
    assert refused.json().keys() == through_drf.json().keys()
