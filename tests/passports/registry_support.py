"""Helpers for registry tests: a local registry on a free port, and talking to it over HTTP."""

import json
import urllib.request

from passports.registry.local_server import LocalRegistryServer
from tests.factories import declaration

TOKEN = "test-registry-token"
PLACED_AT = "2026-09-01T08:00:00Z"


def registry_start(settings) -> LocalRegistryServer:
    """Starts the local registry in a thread and points this process's settings at it."""
    server = LocalRegistryServer(token=TOKEN).serve_in_thread()
    settings.REGISTRY_URL = f"{server.url}/registrations"
    settings.REGISTRY_TOKEN = TOKEN
    settings.REGISTRY_TIMEOUT_SECONDS = 5.0
    # Retries fall due at once, so tests never wait for a backoff; the backoff has its own tests.
    settings.REGISTRY_RETRY_BASE_SECONDS = 0.0
    return server


def registry_call(server: LocalRegistryServer, path: str, body: dict | None = None) -> dict:
    """GET (no body) or POST JSON to the local registry, as any client would."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def passports_place(actor, count: int, country: str = "FR", prefix: str = "REG") -> list[str]:
    """Registers `count` passports for the actor and places each on the market; their ids."""
    items = [declaration(serial=f"{prefix}-{i:04d}") for i in range(count)]
    created = actor.client.post("/api/v1/passports/bulk/", {"passports": items}, format="json")
    assert created.status_code == 201, created.json()
    ids = [p["id"] for p in created.json()["passports"]]
    for passport_id in ids:
        placed = actor.client.post(
            f"/api/v1/passports/{passport_id}/events/",
            {"type": "placed_on_market", "occurred_at": PLACED_AT, "payload": {"country": country}},
            format="json",
        )
        assert placed.status_code == 201, placed.json()
    return ids
