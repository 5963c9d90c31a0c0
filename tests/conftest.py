"""Shared fixtures: organisations of every kind with tokens, API clients, declarations."""

import os
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from passports.models import Organisation
from passports.services.organisations import organisation_bootstrap
from tests.factories import declaration

# Tests never judge wall-clock time: on a loaded machine a slow example is not a failure.
hypothesis_settings.register_profile("no-deadline", deadline=None)
hypothesis_settings.load_profile("no-deadline")


class SerialLiveServer(WSGIServer):
    """The live server answering one request at a time, with `Connection: close`.

    On in-memory SQLite the test and the server share one connection object. The default
    threaded server hands it to a thread per request, so a page that loads two images at once
    has two threads reading from one cursor, and a primary-key lookup can see the other query's
    rows. Serial answers keep the shared connection to one user at a time."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    LiveServerThread.server_class = SerialLiveServer


@pytest.fixture(autouse=True)
def tasks_run_eagerly(request):
    """Tasks run in-process unless a test brings a real worker (marked `worker`)."""
    from settings.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Tests call the API far faster than anyone would; tests of throttling set their own limits.

    Lifting the limits rather than clearing the cache between tests: with Redis the cache shares
    its database with the Celery broker in integration tests, and a flush would drop queued tasks.
    """
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES)


@pytest.fixture(autouse=True)
def scan_cache_per_test(settings):
    """Each test reads and writes its own scan cache entries: the database rolls back after a
    test, the cache does not, and a passport id or GTIN may come again in the next test."""
    settings.SCAN_CACHE_VERSION = uuid.uuid4().hex


@pytest.fixture(autouse=True)
def log_tiles_in_tmp(settings, tmp_path):
    """Each test writes the log's tiles to its own folder: a tile path names one content."""
    settings.LOG_TILE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "log-tiles"), "allow_overwrite": True},
    }


@dataclass
class Actor:
    """An organisation with its service-account token and an authenticated API client."""

    organisation: Organisation
    token: str
    client: APIClient


@pytest.fixture
def make_actor(db):
    def make(kind: str, name: str | None = None, **extra) -> Actor:
        organisation, token = organisation_bootstrap(
            name=name or f"{kind.title()} Ltd", kind=kind, **extra
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return Actor(organisation, token, client)

    return make


@pytest.fixture
def manufacturer(make_actor) -> Actor:
    return make_actor("manufacturer", "Acme Cells", country="DE", gs1_company_prefix="9506000")


@pytest.fixture
def other_manufacturer(make_actor) -> Actor:
    return make_actor("manufacturer", "Other Cells", country="FR")


@pytest.fixture
def recycler(make_actor) -> Actor:
    return make_actor("recycler", "Recycle AG", country="DE")


@pytest.fixture
def regulator(make_actor) -> Actor:
    return make_actor("regulator", "Market Surveillance", country="DE")


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def registered_battery(manufacturer) -> dict:
    response = manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def require_services(*missing: str) -> None:
    """Skips with the names of what is missing, or fails when CI demands the services."""
    message = "needs " + ", ".join(missing)
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(message + " (REQUIRE_SERVICES is set)")
    pytest.skip(message)
