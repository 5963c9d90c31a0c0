"""A real Celery worker process against the test database and Redis, for integration tests."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_services, uses_postgresql

ROOT = Path(__file__).resolve().parents[2]


def redis_answers() -> bool:
    from settings.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any failure means the broker is not usable
        return False


def worker_services_require() -> None:
    """Skips (or fails under REQUIRE_SERVICES) unless PostgreSQL and Redis are configured."""
    missing = []
    if not uses_postgresql():
        missing.append("PostgreSQL (DATABASE_URL)")
    if not settings.CELERY_BROKER_URL or not redis_answers():
        missing.append("Redis (CELERY_BROKER_URL)")
    if missing:
        require_services(*missing)


def worker_start() -> subprocess.Popen:
    """Starts `celery worker` on the test database and the broker this process publishes to."""
    from settings.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": app.conf.broker_url,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "settings.celery", "worker", "--pool=solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            worker.wait()
            pytest.fail("the Celery worker did not start")
    return worker


def worker_stop(worker: subprocess.Popen) -> None:
    """Stops a worker politely, then firmly; a worker that already died is left as it is."""
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture
def celery_worker_process(transactional_db):
    """Starts `celery worker` on the test database; stops it after the test."""
    worker_services_require()
    from settings.celery import app

    app.control.purge()
    worker = worker_start()
    yield worker
    worker_stop(worker)


@pytest.fixture
def celery_workers(transactional_db):
    """Starts workers when the test asks (`celery_workers()`); stops them all after the test."""
    worker_services_require()
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        started.append(worker_start())
        return started[-1]

    yield start
    for worker in started:
        worker_stop(worker)


def wait_for(condition, timeout: float = 30.0, what: str = "the worker") -> None:
    """Polls until condition() is true, failing with a message at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
