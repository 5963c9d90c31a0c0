"""B2: lifecycle event appends, 8 concurrent clients over 1,000 passports, with a real worker.

The server is gunicorn; the clients are a second process; log integration runs in a real
Celery worker on the bench's Redis database, as in production. Integration lag is how long
after a load stopped the log still lacked its events (the worst of the timed rounds).

Limit: the same single append with no framework, from 8 threads of this process over raw
psycopg connections: in one transaction, lock the passport's narrow head row and read the
chain head from it (SELECT ... FOR UPDATE), build the RFC 8785 envelope, sign it (Ed25519),
insert the event, move the head and merge the readings into the latest health, commit. The
key is unsealed once per thread, not per event. What the workload adds is HTTP, DRF,
validation, the state machine and the key read: the framework.
A batched design is bounded by COPY instead (B1's limit), not by this.

Workload and limit alternate in rounds of equal length after a warm-up round (the first
seconds of a fresh server are connection set-up and imports, not appends). CPU is the whole
system under test (see bench.accounting): gunicorn, the Celery worker, PostgreSQL backends.

Both sides' events reach the log the same way and inside their own timed block: after each
commit the limit wakes the same Celery worker as the server does (a run of integrate_log
unless one is queued), the worker integrates while the appends go on, and a block ends when
the log holds every event it appended. An append is not done until its event is in the
log, and integration costs about as much PostgreSQL CPU per event as the append itself: a
limit whose events were integrated outside its block, while the worker's integration of the
workload's ran inside the workload's, was cheaper than the same work. Between blocks,
untimed, the worker finishes (tiles, checkpoint) and goes idle, so no block pays for the
previous one's work.
"""

import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
import uuid

from django.utils import timezone

from bench import fixtures
from bench.accounting import PROCESS_GROUPS, group_cpu_seconds, load_block, measured
from bench.common import Outcome, cpu_note, percentile
from bench.paired import Sample, alternate
from bench.services import named
from lifecycle.canonical import canonical_bytes, rfc3339, sha256_hex
from lifecycle.models import Event
from lifecycle.services.chain import envelope_build
from lifecycle.services.log import log_integrate, log_size
from lifecycle.services.registration import passports_register
from lifecycle.tasks import integrate_log, task_send
from passports.services.keys import signer_for

GOAL_RATE = 1000
GOAL_P99_MS = 50
ROUNDS = 4
WARMUP_SECONDS = 2.0

# The head row is what the framework locks and moves too; a health report also merges its
# readings into the latest health kept there.
_LOCK_HEAD = "SELECT seq, hash FROM passports_passporthead WHERE passport_id = %s FOR UPDATE"
_INSERT = (
    "INSERT INTO lifecycle_event (id, passport_id, seq, prev, hash, type, time, actor_id, kid, "
    "envelope, signature, idempotency_key, request_digest) "
    "VALUES (%s, %s, %s, %s, %s, 'health_reported', %s, %s, %s, %s, %s, NULL, '')"
)
_MOVE_HEAD = (
    "UPDATE passports_passporthead SET seq = %s, hash = %s, health = health || %s::jsonb "
    "WHERE passport_id = %s"
)


def _passports(organisation, count: int) -> list:
    items = fixtures.declarations(count, f"E{uuid.uuid4().hex[:6]}", seed=11, families=1)
    for item in items:
        item["manufactured_at"] = min(item["manufactured_at"], timezone.now().date())
    passports = []
    for start in range(0, count, 1000):
        passports += passports_register(
            organisation=organisation, declarations=items[start : start + 1000]
        )
    log_integrate(limit=5000)
    return passports


class RawAppender:
    """The limit: single appends over raw psycopg from `clients` threads, one connection each."""

    def __init__(self, organisation, passport_ids: list, clients: int) -> None:
        import psycopg

        self.organisation_id = organisation.id
        self.passport_ids = passport_ids
        self.signers = [signer_for(organisation=organisation) for _ in range(clients)]
        url = named(os.environ["DATABASE_URL"], "limit")
        self.connections = [psycopg.connect(url, autocommit=True) for _ in range(clients)]
        self.position = 0
        self.lock = threading.Lock()

    def _next(self):
        with self.lock:
            self.position += 1
            return self.passport_ids[self.position % len(self.passport_ids)]

    def append(self, connection, signer) -> None:
        """One event: lock and read the head row, envelope, signature, insert, head and
        latest health moved, commit; then wake the log's worker, as the server does."""
        passport_id = self._next()
        now = dt.datetime.now(dt.UTC)
        payload = {"occurred_at": rfc3339(now), "state_of_health_pct": "97.5", "full_cycles": 120}
        with connection.transaction():
            seq, prev = connection.execute(_LOCK_HEAD, [passport_id]).fetchone()
            envelope = canonical_bytes(
                envelope_build(
                    passport_id=passport_id,
                    seq=seq + 1,
                    prev=prev,
                    event_type="health_reported",
                    time=now,
                    actor_id=self.organisation_id,
                    kid=signer.kid,
                    payload=payload,
                )
            )
            digest = sha256_hex(envelope)
            connection.execute(
                _INSERT,
                [
                    uuid.uuid4(),
                    passport_id,
                    seq + 1,
                    prev,
                    digest,
                    now,
                    self.organisation_id,
                    signer.kid,
                    envelope,
                    signer.sign(envelope),
                ],
            )
            at = payload["occurred_at"]
            latest = {
                name: {"value": value, "at": at, "seq": seq + 1}
                for name, value in payload.items()
                if name != "occurred_at"
            }
            connection.execute(_MOVE_HEAD, [seq + 1, digest, json.dumps(latest), passport_id])
        task_send(integrate_log)

    def block(self, seconds: float, log: "LogWatch") -> Sample:
        """Appends from every thread until `seconds` pass, then waits until the log holds
        them; the sample counts committed events."""
        done = [0] * len(self.connections)

        def client(number: int, deadline: float) -> None:
            connection, signer = self.connections[number], self.signers[number]
            while time.perf_counter() < deadline:
                self.append(connection, signer)
                done[number] += 1

        def run() -> int:
            deadline = time.perf_counter() + seconds
            threads = [
                threading.Thread(target=client, args=(n, deadline))
                for n in range(len(self.connections))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            log.holds(sum(done))
            return sum(done)

        return measured(run)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()


class LogWatch:
    """Whether the log holds the events a block appended, read from the log's size (one
    index lookup, so waiting inside a timed block costs next to nothing)."""

    def __init__(self, waiting) -> None:
        self.waiting = waiting  # our events not yet in the log
        self.size = log_size()
        # Of the last block: events not yet in the log when its appends stopped, and the
        # seconds until they were.
        self.behind, self.waited = 0, 0.0

    def holds(self, appended: int) -> float:
        """Waits until the log has grown by `appended` since the block began; the seconds."""
        started = time.perf_counter()
        target = self.size + appended
        self.behind = max(0, target - log_size())
        deadline = started + 120
        while log_size() < target and time.perf_counter() < deadline:
            time.sleep(0.01)
        self.waited = time.perf_counter() - started
        return self.waited

    def settle(self) -> None:
        """Untimed, between blocks: nothing of ours pending and the worker idle (its CPU
        still for 0.1 s, after the tiles and any checkpoint of the last run)."""
        deadline = time.perf_counter() + 120
        while self.waiting.exists() and time.perf_counter() < deadline:
            time.sleep(0.05)
        group, used = PROCESS_GROUPS.get("worker"), None
        while group is not None and time.perf_counter() < deadline:
            now = group_cpu_seconds({"worker": group})["worker"]
            if now == used:
                break
            used = now
            time.sleep(0.1)
        self.size = log_size()


def run(base_url: str, seconds: float = 15, clients: int = 8, passports: int = 1000) -> Outcome:
    outcome = Outcome("B2", f"event appends, {clients} clients over {passports} passports")
    organisation, token = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    targets = _passports(organisation, passports)
    occurred = (timezone.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps(
        {
            "type": "health_reported",
            "occurred_at": occurred,
            "payload": {"state_of_health_pct": "97.5", "full_cycles": 120},
        }
    )
    with (
        tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as urls,
        tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as bodies,
    ):
        urls.write("\n".join(f"{base_url}/api/v1/passports/{p.id}/events/" for p in targets))
        bodies.write(body + "\n")
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        base_url,
        "--urls-file",
        urls.name,
        "--method",
        "POST",
        "--bodies",
        bodies.name,
        "--clients",
        str(clients),
        "--header",
        f"Authorization: Token {token}",
        "--header",
        "Content-Type: application/json",
    ]
    ours = Event.objects.filter(actor=organisation)
    before = ours.count()
    log = LogWatch(ours.filter(leaf__isnull=True))
    log.settle()
    raw = RawAppender(organisation, [p.id for p in targets], clients)
    block = max(1.5, seconds / ROUNDS)
    results: list[dict] = []
    # Events not yet in the log when a block's appends stopped, and seconds until they were.
    lags: dict[str, list[tuple[int, float]]] = {"workload": [], "limit": []}
    blocks = {"n": 0}

    def workload() -> Sample:
        # The warm-up round is the first; its blocks are shorter and dropped.
        length = WARMUP_SECONDS if blocks["n"] < 2 else block
        blocks["n"] += 1
        # The block ends when the log holds its events, as the limit's does.
        sample, result = load_block(command, length, "201", then=log.holds)
        results.append(result)
        lags["workload"].append((log.behind, log.waited))
        log.settle()
        return sample

    def limit() -> Sample:
        length = WARMUP_SECONDS if blocks["n"] < 2 else block
        blocks["n"] += 1
        sample = raw.block(length, log)
        lags["limit"].append((log.behind, log.waited))
        log.settle()
        return sample

    try:
        paired = alternate(limit, {"appends": workload}, rounds=ROUNDS, warmup=1)["appends"]
    finally:
        raw.close()
    pending, lag = max(lags["workload"][1:], key=lambda pair: pair[1])
    limit_pending, limit_lag = max(lags["limit"][1:], key=lambda pair: pair[1])
    appended = ours.count() - before
    timed = results[1:]  # the first load block was the warm-up
    latencies = [ms for result in timed for ms in result["latencies_ms"]]
    p99, p50 = percentile(latencies, 99), percentile(latencies, 50)
    rate = paired.units_per_second()
    outcome.add(
        "appends/s",
        rate,
        "events/s",
        limit=paired.units_per_second("limit"),
        limit_name="raw lock head row+sign+insert+commit+log",
        goal=f">= {GOAL_RATE}/s",
        passed=rate >= GOAL_RATE and not paired.invalid(),
        paired=paired,
    )
    outcome.add(
        "append p99",
        p99,
        "ms",
        goal=f"< {GOAL_P99_MS} ms",
        passed=p99 < GOAL_P99_MS,
        higher_is_better=False,
    )
    outcome.add("append p50", p50, "ms", higher_is_better=False)
    outcome.add("log integration lag", lag, "s", higher_is_better=False)
    errors = sum(v for r in timed for k, v in r["statuses"].items() if k != "201")
    outcome.notes.append(
        f"{ROUNDS} rounds of {block:.1f} s a side after a {WARMUP_SECONDS:.0f} s warm-up; "
        f"{appended} events appended (API and limit), {errors} non-201 answers; at worst "
        f"{pending} were not yet in the log when a load stopped, all logged {lag:.2f} s later "
        f"(limit: {limit_pending}, {limit_lag:.2f} s), inside the block on both sides"
    )
    outcome.notes.append(cpu_note("append", paired))
    for result in results:
        result.pop("latencies_ms", None)
    outcome.details.update(loadgen=results, lags=lags)
    return outcome
