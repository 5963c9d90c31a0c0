"""A real worker integrates events into the log and signs checkpoints, idempotently."""

import pytest

from lifecycle.models import Checkpoint, Event, LogLeaf
from lifecycle.tasks import integrate_log, publish_checkpoint
from lifecycle.verify import verify_bundle
from tests.factories import declaration
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.worker]


def test_worker_integrates_committed_events_and_signs_a_checkpoint(
    celery_worker_process, make_actor
):
    manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")
    regulator = make_actor("regulator", "Authority")
    items = [declaration(serial=f"W-{i}") for i in range(20)]
    created = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    ).json()["passports"]

    wait_for(lambda: LogLeaf.objects.count() == 20, what="20 leaves")
    wait_for(lambda: Checkpoint.objects.filter(size=20).exists(), what="a checkpoint of 20")

    bundle = regulator.client.get(f"/api/v1/passports/{created[7]['id']}/bundle/").json()
    checks = verify_bundle(bundle, bundle["log_vkey"], [])
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]


def test_the_same_task_delivered_twice_changes_nothing(celery_worker_process, make_actor):
    manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")
    manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    wait_for(lambda: LogLeaf.objects.count() == 1, what="the first leaf")

    integrate_log.delay()
    integrate_log.delay()
    publish_checkpoint.delay()
    # A marker task queued behind them: once it has run, the duplicates have run too.
    manufacturer.client.post("/api/v1/passports/", declaration(serial="LAST"), format="json")
    wait_for(lambda: LogLeaf.objects.count() == 2, what="the marker leaf")

    assert Event.objects.count() == LogLeaf.objects.count() == 2
    assert sorted(LogLeaf.objects.values_list("index", flat=True)) == [0, 1]
