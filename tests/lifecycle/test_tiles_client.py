"""An independent tlog-tiles client verifies the live log from /checkpoint and /tile/... alone."""

import pytest
import requests
from django.core.management import call_command

from lifecycle.models import LogLeaf
from tests.factories import declaration
from tests.lifecycle.tlog_client import (
    ClientError,
    TileClient,
    hash_leaf,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)


@pytest.fixture
def sequenced(settings):
    """Writes wake the sequencer (here run by hand) instead of integrating through Celery."""
    settings.LOG_SEQUENCER = True
    settings.CHECKPOINT_INTERVAL_SECONDS = 0


def register(actor, count: int) -> None:
    body = {"passports": [declaration(serial=None, gtin=None) for _ in range(count)]}
    response = actor.client.post("/api/v1/passports/bulk/", body, format="json")
    assert response.status_code == 201, response.json()


def signed_checkpoint(base: str):
    vkey = requests.get(f"{base}/api/v1/log/vkey", timeout=10).text
    response = requests.get(f"{base}/checkpoint", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    return verify_checkpoint(response.text, vkey)


def check_inclusion(client: TileClient, index: int, root: bytes) -> bytes:
    entry = client.entry(index)
    proof = client.path(index, 0, client.size)
    verify_inclusion(index, client.size, hash_leaf(entry), proof, root)
    return entry


@pytest.mark.django_db(transaction=True)
def test_tile_client_verifies_inclusion_and_consistency_across_tile_boundaries(
    live_server, manufacturer, regulator, sequenced
):
    base = live_server.url
    register(manufacturer, 100)
    call_command("run_sequencer", "--once")
    first = signed_checkpoint(base)
    assert 100 <= first.size < 256
    small = TileClient(base, first.size, regulator.token)
    # Everything in a tree smaller than a tile sits in partial tiles.
    assert small.hash_range(0, first.size) == first.root
    entry = check_inclusion(small, first.size - 1, first.root)
    assert entry == bytes(LogLeaf.objects.get(index=first.size - 1).data)
    assert all(".p/" in path for path in small.fetched)

    register(manufacturer, 250)
    register(manufacturer, 200)
    call_command("run_sequencer", "--once")
    second = signed_checkpoint(base)
    assert second.size >= first.size + 450 > 512
    big = TileClient(base, second.size, regulator.token)
    assert big.hash_range(0, second.size) == second.root
    for index in (0, 255, 256, first.size - 1, 511, 512, second.size - 1):
        check_inclusion(big, index, second.root)
    assert "tile/0/000" in big.fetched and "tile/entries/001" in big.fetched
    assert any(path.startswith("tile/1/000.p/") for path in big.fetched)

    proof = big.subproof(first.size, 0, second.size, True)
    verify_consistency(first.size, second.size, proof, first.root, second.root)
    with pytest.raises(ClientError):
        verify_consistency(first.size, second.size, proof, second.root, second.root)

    # The proof endpoints, now computed from tiles, agree with the client's own proofs.
    api = requests.get(
        f"{base}/api/v1/log/proof/inclusion?index=300&size={second.size}", timeout=10
    ).json()
    assert [bytes.fromhex(h) for h in api["proof"]] == big.path(300, 0, second.size)
    assert bytes.fromhex(api["root"]) == second.root
    api = requests.get(
        f"{base}/api/v1/log/proof/consistency?first={first.size}&second={second.size}",
        timeout=10,
    ).json()
    assert [bytes.fromhex(h) for h in api["proof"]] == proof


@pytest.mark.django_db(transaction=True)
def test_a_tampered_tile_fails_the_client(live_server, manufacturer, regulator, sequenced):
    from lifecycle.services.tiles import _cache, tile_storage

    register(manufacturer, 300)
    call_command("run_sequencer", "--once")
    checkpoint = signed_checkpoint(live_server.url)
    storage = tile_storage()
    with storage.open("tile/0/000", "rb") as handle:
        tile = bytearray(handle.read())
    tile[40] ^= 1
    storage.delete("tile/0/000")
    storage.save("tile/0/000", __import__("io").BytesIO(bytes(tile)))
    _cache.clear()
    client = TileClient(live_server.url, checkpoint.size, regulator.token)
    with pytest.raises(ClientError):
        check_inclusion(client, 1, checkpoint.root)
