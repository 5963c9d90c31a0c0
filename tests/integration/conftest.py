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


@pytest.fixture
def celery_worker_process(transactional_db):
    """Starts `celery worker` on the test database; stops it after the test."""
    missing = []
    if not uses_postgresql():
        missing.append("PostgreSQL (DATABASE_URL)")
    if not settings.CELERY_BROKER_URL or not redis_answers():
        missing.append("Redis (CELERY_BROKER_URL)")
    if missing:
        require_services(*missing)
    from settings.celery import app

    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
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
            pytest.fail("the Celery worker did not start")
    yield worker
    worker.terminate()
    worker.wait(timeout=20)


def wait_for(condition, timeout: float = 30.0, what: str = "the worker") -> None:
    """Polls until condition() is true, failing with a message at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
