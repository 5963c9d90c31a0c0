"""Aggregation survives a killed worker, a broker outage, duplicate messages and parallel closes.

Every test runs a real Celery worker against the PostgreSQL test database. The database is the
truth and a message only a hint: dirty buckets are written with the records, so whatever goes
wrong with workers or the broker, draining them must leave statistics equal to a full rebuild.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import kombu.pools
import pytest
import redis
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from rest_framework.test import APIClient

from recycling.models import (
    Batch,
    BatchInput,
    BatchOutput,
    BatchStatus,
    CollectionItem,
    DirtyBucket,
    InventoryCell,
    Statistic,
)
from recycling.services.aggregation import aggregates_differences, aggregates_rebuild, all_buckets
from recycling.tasks import refresh_aggregates
from settings.celery import app
from tests.conftest import require_services
from tests.factories import declaration, place
from tests.integration.conftest import wait_for, worker_services_require

pytestmark = [pytest.mark.integration, pytest.mark.worker]

WHEN = "2026-09-01T08:00:00Z"
# Product types, the chemistry category their test declarations fall in, and an element to recover.
KINDS = {"battery": ("lithium", "Li"), "pv_module": ("c_si", "Al"), "magnet": ("ndfeb", "Nd")}


# --- Records through the API ------------------------------------------------------------------


def waste(manufacturer, collector, kind: str, count: int, tag: str) -> list[str]:
    """Registers products made in Germany and collects them there; returns the passport ids."""
    ids = register(manufacturer, kind, count, tag)
    collect(collector, ids)
    return ids


def register(manufacturer, kind: str, count: int, tag: str) -> list[str]:
    """Registers products made (and so counted in the inventory) in Germany."""
    items = [
        declaration(kind, serial=f"{tag}-{i}", manufacturing_place=place("DE", kind))
        for i in range(count)
    ]
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    )
    assert response.status_code == 201, response.json()
    return [p["id"] for p in response.json()["passports"]]


def collect(collector, ids: list[str]) -> None:
    response = collector.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": WHEN, "items": [{"passport": i} for i in ids]},
        format="json",
    )
    assert response.status_code == 201, response.json()


def batch_open(recycler, kind: str) -> str:
    response = recycler.client.post(
        "/api/v1/batches/",
        {"process_route": "mechanical", "product_type": kind, "chemistry_category": KINDS[kind][0],
         "site": {"country": "DE", "region": "DE-BY"}, "started_at": WHEN},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def hand_over(collector, recycler, passports: list[str]) -> None:
    """The collector delivers the waste it holds to the recycler that treats it."""
    for passport in passports:
        response = collector.client.post(
            f"/api/v1/passports/{passport}/events/",
            {"type": "ownership_transferred", "occurred_at": WHEN,
             "payload": {"to": str(recycler.organisation.id)}},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()


def batch_fill(recycler, batch: str, kind: str, passports: list[str], collector) -> None:
    """Takes the products over from the collector, puts them in whole and takes out half their
    mass, with half of one element."""
    hand_over(collector, recycler, passports)
    product = declaration(kind)
    mass = Decimal(product["mass_kg"])
    element = KINDS[kind][1]
    element_mass = next(Decimal(c["mass_kg"]) for c in product["composition"]
                        if c["substance"] == element)  # fmt: skip
    for passport in passports:
        response = recycler.client.post(
            f"/api/v1/batches/{batch}/inputs/",
            {"passport": passport, "mass_kg": str(mass)},
            format="json",
        )
        assert response.status_code == 201, response.json()
    response = recycler.client.post(
        f"/api/v1/batches/{batch}/outputs/",
        {"fraction": f"{element} concentrate", "counts_as": "recycling",
         "mass_kg": str(mass * len(passports) / 2),
         "elements": {element: str(element_mass * len(passports) / 2)}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()


def batch_close(client: APIClient, batch: str) -> int:
    return client.post(f"/api/v1/batches/{batch}/close/", {}, format="json").status_code


def closed_batches(manufacturer, collector, recycler, tag: str, per_kind: int) -> None:
    """Closed two-product batches of every product type."""
    for kind in KINDS:
        passports = waste(manufacturer, collector, kind, 2 * per_kind, f"{tag}{kind[0]}")
        for n in range(per_kind):
            batch = batch_open(recycler, kind)
            batch_fill(recycler, batch, kind, passports[2 * n : 2 * n + 2], collector)
            assert batch_close(recycler.client, batch) == 200


@pytest.fixture
def people(make_actor):
    """A manufacturer, a collector and two recyclers."""
    return (
        make_actor("manufacturer", "Acme Cells", country="DE", gs1_company_prefix="9506000"),
        make_actor("collector", "Collect GmbH", country="DE"),
        make_actor("recycler", "Recycle AG", country="DE"),
        make_actor("recycler", "Refine AG", country="DE"),
    )


# --- What the aggregates hold ------------------------------------------------------------------


def aggregates_snapshot() -> tuple[list, list]:
    """Every statistic and inventory cell by value (not by id or computation time)."""
    statistics = Statistic.objects.values_list(
        "bucket", "metric", "product_type", "year", "recycler_id", "category", "element",
        "region", "numerator_kg", "denominator_kg", "basis", "detail", "digest",
    )  # fmt: skip
    cells = InventoryCell.objects.values_list(
        "bucket", "region", "product_type", "category", "year", "stage", "element", "mass_kg",
        "product_mass_kg", "unfc",
    )  # fmt: skip
    return sorted(statistics, key=repr), sorted(cells, key=repr)


def assert_nothing_counted_twice() -> None:
    """Efficiency denominators add up to the products that went into closed batches, once."""
    treated = BatchInput.objects.filter(
        passport__isnull=False, batch__status=BatchStatus.CLOSED
    ).aggregate(total=Sum("mass_kg"))["total"]
    counted = Statistic.objects.filter(metric="recycling_efficiency").aggregate(
        total=Sum("denominator_kg")
    )["total"]
    assert counted == treated
    statistics, cells = aggregates_snapshot()
    assert len(statistics) == len(set(map(repr, statistics)))
    assert len(cells) == len(set(map(repr, cells)))


def dirty_count() -> int:
    return DirtyBucket.objects.count()


def refreshes_run() -> int:
    """How many refresh tasks the worker has run.

    A solo-pool worker answers remote control only between tasks, so a count it reports is of
    tasks that have finished.
    """
    replies = app.control.inspect(timeout=2, limit=1).stats() or {}
    return sum(r.get("total", {}).get(refresh_aggregates.name, 0) for r in replies.values())


def backends(where: str, params=()) -> list[int]:
    """Database backends matching a condition, fresh even inside a transaction."""
    with connection.cursor() as cursor:
        # Activity statistics are otherwise read once per transaction and then kept.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(f"SELECT pid FROM pg_stat_activity WHERE {where}", params)
        return [row[0] for row in cursor.fetchall()]


def blocked_by_me() -> list[int]:
    """Backends waiting for a lock that this test's connection holds."""
    return backends("pg_backend_pid() = ANY(pg_blocking_pids(pid))")


# --- A broker of the test's own ----------------------------------------------------------------


class PrivateRedis:
    """A redis-server on a free port that the test can stop and start, keeping nothing on disk."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=10, what="the private redis-server")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            pytest.fail("the private redis-server exited")
        try:
            with redis.Redis(port=self.port, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False


def broker_use(url: str | None) -> None:
    """Points this process's Celery app at a broker, dropping connections to the previous one.

    Celery reads CELERY_BROKER_URL from the environment before its own configuration, so the
    variable is what decides; the pools are cached per broker and are rebuilt from scratch.
    """
    if url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(transactional_db):
    """A private Redis that this process publishes to; the shared broker is never touched."""
    worker_services_require()
    if shutil.which("redis-server") is None:
        require_services("redis-server (for a private broker)")
    server = PrivateRedis()
    previous = os.environ.get("CELERY_BROKER_URL")
    try:
        server.start()
        broker_use(server.url)
        yield server
    finally:
        broker_use(previous)
        server.stop()


@pytest.fixture
def private_workers(private_broker, celery_workers):
    """Workers on the private broker, stopped before the broker is."""
    return celery_workers


# --- The tests ---------------------------------------------------------------------------------


def test_a_worker_killed_in_the_middle_of_aggregation_loses_and_doubles_nothing(
    private_workers, people
):
    manufacturer, collector, recycler, _ = people
    closed_batches(manufacturer, collector, recycler, "K1", per_kind=3)
    aggregates_rebuild()
    closed_batches(manufacturer, collector, recycler, "K2", per_kind=3)
    dirty_before = set(DirtyBucket.objects.values_list("kind", "key"))
    assert ("recovery", "magnet") in dirty_before
    app.control.purge()  # the messages of the writes above: the test enqueues its own

    # A row lock held by the test stalls the refresh inside its transaction, at the moment it
    # replaces the magnet recovery rows, so the kill lands in the middle of aggregation.
    with transaction.atomic():
        held = Statistic.objects.select_for_update().filter(bucket="recovery|magnet").first()
        assert held is not None
        worker = private_workers()
        refresh_aggregates.delay()
        wait_for(lambda: blocked_by_me(), what="the refresh to reach the magnet bucket")
        (stalled,) = blocked_by_me()
        assert 0 < dirty_count() < len(dirty_before)  # some buckets done, the rest still dirty
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    # The killed worker's session ends once it can no longer write: its transaction rolls back.
    wait_for(
        lambda: not backends("pid = %s", [stalled]), timeout=10, what="the killed worker's session"
    )
    assert DirtyBucket.objects.filter(kind="recovery", key="magnet").exists()
    stale = {line.split(":")[0] for line in aggregates_differences()}
    assert stale <= {
        f"{kind}|{key}" for kind, key in DirtyBucket.objects.values_list("kind", "key")
    }

    # The unacknowledged message only comes back after the visibility timeout (an hour), and no
    # beat entry sweeps dirty buckets, so the test enqueues the sweep a sweeper would.
    private_workers()
    refresh_aggregates.delay()
    wait_for(lambda: dirty_count() == 0, what="the new worker to drain the dirty buckets")

    call_command("rebuild_aggregates", "--check")
    assert_nothing_counted_twice()


def test_writes_during_a_broker_outage_succeed_and_are_aggregated_after_it(
    private_broker, private_workers, people, caplog
):
    manufacturer, collector, recycler, _ = people
    worker = private_workers()
    passports = {kind: register(manufacturer, kind, 2, f"O{kind[0]}") for kind in KINDS}
    batches = {kind: batch_open(recycler, kind) for kind in KINDS}

    private_broker.stop()
    for kind in KINDS:
        started = time.monotonic()
        collect(collector, passports[kind])
        batch_fill(recycler, batches[kind], kind, passports[kind], collector)
        assert batch_close(recycler.client, batches[kind]) == 200
        # Five writes; each message to the dead broker costs Celery's publish retries (about
        # 0.6 s), and nothing waits longer than that.
        assert time.monotonic() - started < 15
    assert f"{refresh_aggregates.name} left to the sweeper" in caplog.text
    assert dirty_count() > 0

    private_broker.start()
    wait_for(lambda: app.control.ping(timeout=0.5), what="the worker to reconnect")
    assert worker.poll() is None  # the same worker outlived the outage
    # Every message sent during the outage is lost and no beat entry sweeps dirty buckets, so
    # the test sends the sweep a beat sweeper would.
    refresh_aggregates.delay()
    wait_for(lambda: dirty_count() == 0, what="the dirty buckets to drain")

    assert CollectionItem.objects.count() == BatchInput.objects.count() == 6
    assert BatchOutput.objects.count() == 3
    assert Batch.objects.filter(status=BatchStatus.CLOSED).count() == 3
    assert aggregates_differences() == []
    assert_nothing_counted_twice()


def test_the_same_refresh_delivered_twice_gives_the_statistics_of_one_run(private_workers, people):
    manufacturer, collector, recycler, refiner = people
    closed_batches(manufacturer, collector, recycler, "D1", per_kind=2)
    closed_batches(manufacturer, collector, refiner, "D2", per_kind=1)
    app.control.purge()
    private_workers()
    refresh_aggregates.delay()
    wait_for(lambda: refreshes_run() == 1 and dirty_count() == 0, what="the first refresh")
    incremental = aggregates_snapshot()

    def every_bucket_dirty() -> None:
        DirtyBucket.objects.bulk_create(DirtyBucket(kind=k, key=key) for k, key in all_buckets())

    # The same dirty state refreshed by one message, then by two: a refresh replaces rows rather
    # than adding to them, and the second of the pair finds every bucket clean already.
    every_bucket_dirty()
    refresh_aggregates.delay()
    wait_for(lambda: refreshes_run() == 2, what="a single delivery")
    once = aggregates_snapshot()
    every_bucket_dirty()
    refresh_aggregates.delay()
    refresh_aggregates.delay()
    wait_for(lambda: refreshes_run() == 4, what="both deliveries")
    twice = aggregates_snapshot()

    assert dirty_count() == 0
    assert once[0] and once[1]
    assert twice == once == incremental
    assert aggregates_differences() == []
    assert_nothing_counted_twice()


def test_fifty_batches_closed_at_once_leave_statistics_equal_to_a_rebuild(
    celery_worker_process, people, make_actor
):
    manufacturer, collector, *recyclers = people
    recyclers += [make_actor("recycler", f"Recycler {n}", country="DE") for n in range(3)]
    kinds = list(KINDS)
    passports = {kind: waste(manufacturer, collector, kind, 17, f"P{kind[0]}") for kind in kinds}
    jobs = []
    for n in range(50):
        kind, recycler = kinds[n % 3], recyclers[n % len(recyclers)]
        batch = batch_open(recycler, kind)
        batch_fill(recycler, batch, kind, [passports[kind][n // 3]], collector)
        jobs.append((recycler.token, batch))
    start = threading.Barrier(len(jobs), timeout=60)

    def close(job: tuple[str, str]) -> int:
        token, batch = job
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            start.wait()
            return batch_close(client, batch)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        statuses = list(pool.map(close, jobs))

    assert statuses == [200] * 50
    wait_for(lambda: dirty_count() == 0, what="the worker to drain the dirty buckets")
    assert Batch.objects.filter(status=BatchStatus.CLOSED).count() == 50
    assert aggregates_differences() == []
    assert_nothing_counted_twice()
