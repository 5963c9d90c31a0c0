"""A worker keeps its database connection from one task to the next, as a server between
requests: a new PostgreSQL backend per task cost more than many tasks do."""

import pytest
from django.db import connection

from lifecycle.models import LogLeaf
from tests.factories import declaration
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.worker]


def other_backends() -> set[int]:
    """The PostgreSQL backends on the test database other than this process's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_the_worker_runs_task_after_task_on_one_connection(celery_worker_process, make_actor):
    manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")
    manufacturer.client.post("/api/v1/passports/", declaration(serial="C-0"), format="json")
    wait_for(lambda: LogLeaf.objects.count() == 1, what="the first leaf")
    first = other_backends()

    for n in range(1, 6):
        response = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial=f"C-{n}"), format="json"
        )
        assert response.status_code == 201, response.json()
        wait_for(lambda n=n: LogLeaf.objects.count() == n + 1, what=f"leaf {n + 1}")

    assert first, "the worker left no connection open after its task"
    assert other_backends() == first
