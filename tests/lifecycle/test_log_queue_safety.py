"""The queue of pending events under concurrent writers and integrators, upgrades, restores
and imports: every committed event gets exactly one leaf, and nothing else does."""

import datetime as dt
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lifecycle.models import Event, LogLeaf, PendingEvent
from lifecycle.services.audit import log_audit
from lifecycle.services.chain import event_sign
from lifecycle.services.log import log_integrate, log_size
from passports.models import Passport
from passports.services.keys import signer_for
from tests.conftest import uses_postgresql
from tests.factories import declaration
from tests.lifecycle.test_archive_import import archived, imported  # noqa: F401 - a fixture

needs_pg = pytest.mark.skipif(not uses_postgresql(), reason="needs PostgreSQL connections")


class Chain:
    """Appends raw signed events to one passport's chain (head row not moved: the log only
    cares about the event rows)."""

    def __init__(self, actor, passport_id):
        self.actor = actor
        self.passport = Passport.objects.get(pk=passport_id)
        last = self.passport.events.order_by("-seq").first()
        self.seq, self.prev = last.seq, last.hash
        self.signer = signer_for(organisation=actor.organisation)

    def next(self, *, time_=None) -> Event:
        event = event_sign(
            passport_id=self.passport.pk, seq=self.seq + 1, prev=self.prev,
            event_type="health_reported", actor=self.actor.organisation, signer=self.signer,
            payload={"occurred_at": "2026-06-01T10:00:00.000000Z", "state_of_health_pct": "90"},
            time=time_,
        )  # fmt: skip
        return event

    def store(self, event: Event) -> None:
        event.save(force_insert=True)
        self.seq, self.prev = event.seq, event.hash


def new_passport(manufacturer, serial) -> str:
    response = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial=serial), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def in_thread(target, errors):
    def run():
        try:
            target()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def with_integrators(writers, *, limit: int, errors: list) -> None:
    """Runs each writer in its own thread while three integrators run, until the writers end."""
    done = threading.Event()

    def integrator():
        while not done.is_set():
            log_integrate(limit=limit)

    started = [in_thread(writer, errors) for writer in writers]
    integrators = [in_thread(integrator, errors) for _ in range(3)]
    for thread in started:
        thread.join()
    done.set()
    for thread in integrators:
        thread.join()


def assert_log_whole():
    events = Event.objects.filter(archived_proof__isnull=True).count()
    assert LogLeaf.objects.count() == events == log_size()
    assert not PendingEvent.objects.exists()
    findings, _ = log_audit()
    assert [str(f) for f in findings if "leaf" in f.what or "node" in f.what] == []


# 1. Concurrency --------------------------------------------------------------------------


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_integrators_and_appenders_at_once_log_every_committed_event_once(manufacturer):
    ids = [new_passport(manufacturer, f"CONC-{i}") for i in range(3)]
    log_integrate()
    errors, rolled_back, committed = [], [], []

    def appender(passport_id):
        chain = Chain(manufacturer, passport_id)
        for i in range(120):
            event = chain.next()
            if i % 9 == 4:  # a rolled-back append: its queue row goes with it
                try:
                    with transaction.atomic():
                        event.save(force_insert=True)
                        raise RuntimeError("rollback")
                except RuntimeError:
                    rolled_back.append(event.pk)
                continue
            with transaction.atomic():
                chain.store(event)
            committed.append(event.pk)

    with_integrators([lambda p=p: appender(p) for p in ids], limit=5, errors=errors)
    assert errors == []
    log_integrate()
    assert not LogLeaf.objects.filter(event_id__in=rolled_back).exists()
    assert LogLeaf.objects.filter(event_id__in=committed).count() == len(committed)
    assert_log_whole()


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_an_integrator_waiting_on_the_lock_sees_the_rows_the_holder_deleted(
    manufacturer, registered_battery
):
    chain = Chain(manufacturer, registered_battery["id"])
    for _ in range(20):
        chain.store(chain.next())
    holding, errors, counts = threading.Event(), [], {}

    def holder():
        with transaction.atomic():
            counts["a"] = log_integrate()
            holding.set()
            time.sleep(1.5)  # holds the log lock, leaves and queue deletes uncommitted

    thread = in_thread(holder, errors)
    holding.wait(10)
    started = time.monotonic()
    counts["b"] = log_integrate()  # waits for the lock, then reads the queue afresh
    waited = time.monotonic() - started
    thread.join()
    assert errors == []
    assert waited > 1.0
    assert counts == {"a": 20, "b": 0}
    assert_log_whole()


# 2. A queue row for an event that already has a leaf, or for an imported one --------------


@pytest.mark.django_db(transaction=True)
def test_a_logged_event_still_queued_neither_blocks_the_log_nor_is_logged_twice(
    manufacturer, registered_battery
):
    """As after an upgrade where a worker on the former code logged a queued event without
    taking it off the queue, or a migration's backfill raced such a worker."""
    chain = Chain(manufacturer, registered_battery["id"])
    logged = chain.next()
    chain.store(logged)
    assert log_integrate() == 1
    PendingEvent.objects.create(event_id=logged.pk, time=logged.time)

    later = chain.next()
    chain.store(later)
    assert log_integrate() == 1
    assert LogLeaf.objects.filter(event_id=later.pk).exists()
    assert LogLeaf.objects.filter(event_id=logged.pk).count() == 1
    # The hourly sweep drops the stale row.
    assert log_integrate(everything=True) == 0
    assert_log_whole()


def test_an_imported_event_queued_again_stays_out_of_our_log(archived):  # noqa: F811
    """As after a data-only restore or an importer from before the queue."""
    imported(archived)
    assert not PendingEvent.objects.exists()
    # What an importer without the delete leaves behind (simulated: the old importer's insert).
    PendingEvent.objects.bulk_create(
        PendingEvent(event_id=pk, time=t) for pk, t in Event.objects.values_list("pk", "time")
    )
    assert log_integrate() == 0
    assert not LogLeaf.objects.exists()
    assert log_integrate(everything=True) == 0
    assert not PendingEvent.objects.exists()


# 3. Migration with data -------------------------------------------------------------------


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def trigger_exists() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'lifecycle_event_queued'"
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name = 'lifecycle_event_queued'"
            )
        return cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_exactly_the_unlogged_local_events_and_reverses(
    archived,  # noqa: F811
    manufacturer,
):
    imported(archived)  # 5 archived events, never ours to log
    battery = new_passport(manufacturer, "MIG-1")
    log_integrate()  # logged: the genesis
    chain = Chain(manufacturer, battery)
    queued = chain.next()
    chain.store(queued)  # unlogged, queued by the trigger
    old = chain.next(time_=timezone.now() - dt.timedelta(days=30))  # written below, unqueued

    migrate(("lifecycle", "0004_archived_proofs"))
    assert not trigger_exists()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "lifecycle_pendingevent" not in tables
    chain.store(old)  # an event stored while the old schema ran (no trigger)

    migrate(("lifecycle", "0005_pending_event_queue"))
    assert trigger_exists()
    assert set(PendingEvent.objects.values_list("event_id", flat=True)) == {queued.pk, old.pk}
    assert log_integrate() == 2
    # Leaves in (time, id) order as before: the 30-day-old event first.
    assert list(LogLeaf.objects.order_by("index").values_list("event_id", flat=True))[-2:] == [
        old.pk,
        queued.pk,
    ]
    assert_log_whole()


@pytest.mark.django_db
def test_the_queue_trigger_survives_every_migration():
    """On SQLite, a migration that alters the event table copies it into a new table and the
    trigger is lost with the old one: such a migration must create it again."""
    assert trigger_exists()


@pytest.mark.django_db(transaction=True)
def test_fleet_generator_leaves_nothing_queued():
    from recycling.fleet import fleet_generate

    fleet_generate(passports=40, seed=3)
    assert Event.objects.count() > 40
    assert not PendingEvent.objects.exists()
    assert log_integrate() == 0
    assert_log_whole()


@pytest.mark.django_db
def test_queue_order_is_time_then_id_as_documented(manufacturer):
    """Events of equal time are logged by id, as before the queue: ordering by the queue's
    relation to the event would follow the event's own ordering (passport, seq)."""
    older = new_passport(manufacturer, "ORDER-OLD")
    newer = new_passport(manufacturer, "ORDER-NEW")
    log_integrate()
    when = timezone.now() - dt.timedelta(seconds=5)
    a, b = Chain(manufacturer, older), Chain(manufacturer, newer)
    first, second = a.next(time_=when), b.next(time_=when)
    first.id = uuid.UUID(int=1)  # (time, id) puts the older passport's event first
    second.id = uuid.UUID(int=2)
    a.store(first)
    b.store(second)
    log_integrate()
    logged = list(LogLeaf.objects.order_by("index").values_list("event_id", flat=True))[-2:]
    assert logged == [first.pk, second.pk]


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_batches_single_appends_and_integrators_at_once(manufacturer):
    """Batches (COPY, statement trigger) and single appends (CTE) commit while three integrators
    run; each request also integrates at its commit (tasks are eager)."""
    declarations = [declaration(serial=f"CB-{i}", gbt_code=None) for i in range(12)]
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": declarations}, format="json"
    )
    assert response.status_code == 201, response.json()
    passports = [p["id"] for p in response.json()["passports"]]
    errors, statuses = [], []

    def batches(group):
        for round_ in range(10):
            items = [
                {"passport": p, "type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
                 "payload": {"state_of_health_pct": str(90 - round_)}}
                for p in group
            ]  # fmt: skip
            r = manufacturer.client.post("/api/v1/events/batch", {"events": items}, format="json")
            statuses.append(r.status_code)

    def singles(passport_id):
        for round_ in range(15):
            r = manufacturer.client.post(
                f"/api/v1/passports/{passport_id}/events/",
                {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
                 "payload": {"state_of_health_pct": str(80 - round_)}},
                format="json",
            )  # fmt: skip
            statuses.append(r.status_code)

    writers = [lambda g=passports[i : i + 5]: batches(g) for i in (0, 5)]
    writers += [lambda p=p: singles(p) for p in passports[10:]]
    with_integrators(writers, limit=3, errors=errors)
    assert errors == []
    assert set(statuses) == {201}, statuses
    log_integrate()
    assert Event.objects.count() == 12 + 2 * 10 * 5 + 2 * 15
    assert_log_whole()


@pytest.mark.django_db(transaction=True)
def test_a_restore_through_loaddata_logs_nothing_twice(manufacturer, registered_battery, tmp_path):
    """loaddata inserts every event again, so the trigger queues the logged ones too."""
    from django.core.management import call_command

    chain = Chain(manufacturer, registered_battery["id"])
    chain.store(chain.next())
    log_integrate()
    assert not PendingEvent.objects.exists()
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "passports", "lifecycle", "knox", "--output", str(dump), verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    call_command("loaddata", str(dump), verbosity=0)
    assert PendingEvent.objects.count() == Event.objects.count() == LogLeaf.objects.count() == 2
    assert log_integrate() == 0
    assert log_integrate(everything=True) == 0
    assert_log_whole()
