"""B2: lifecycle event appends, 8 concurrent clients over 1,000 passports, with a real worker.

The server is gunicorn; the clients are a second process; log integration runs in a real
Celery worker on the bench's Redis database, as in production. Integration lag is how long
after the last append the log still lacked events. Limit: the same events (envelope
canonicalised and signed, row written with COPY) with no framework, per event.
"""

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import uuid

from django.db import connection, transaction
from django.utils import timezone

from bench import fixtures
from bench.common import Outcome
from lifecycle.canonical import canonical_bytes, sha256_hex
from lifecycle.models import Event
from lifecycle.services.chain import envelope_build
from lifecycle.services.log import log_integrate
from lifecycle.services.registration import passports_register
from passports.services.keys import signer_for

GOAL_RATE = 1000
GOAL_P99_MS = 50


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


def _limit(organisation, passports: list, events: int) -> float:
    """Events per second for signing and COPY alone, on the same passports."""
    signer = signer_for(organisation=organisation)
    now = timezone.now()
    rows = []
    started = time.perf_counter()
    for n in range(events):
        passport = passports[n % len(passports)]
        payload = {"occurred_at": "2026-01-01T00:00:00.000000Z", "state_of_health_pct": "97.5"}
        envelope = canonical_bytes(
            envelope_build(
                passport_id=passport.id,
                seq=1 + n // len(passports),
                prev=sha256_hex(str(n).encode()),
                event_type="health_reported",
                time=now,
                actor_id=organisation.id,
                kid=signer.kid,
                payload=payload,
            )
        )
        rows.append(
            (
                uuid.uuid4(),
                passport.id,
                1 + n // len(passports),
                sha256_hex(str(n).encode()),
                sha256_hex(envelope),
                "health_reported",
                now,
                organisation.id,
                signer.kid,
                envelope,
                signer.sign(envelope),
                None,
                "",
            )
        )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(
                "COPY lifecycle_event (id, passport_id, seq, prev, hash, type, time, actor_id, "
                "kid, envelope, signature, idempotency_key, request_digest) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return events / elapsed


class _Rollback(Exception):
    pass


def run(base_url: str, seconds: float = 15, clients: int = 8, passports: int = 1000) -> Outcome:
    outcome = Outcome("B2", f"event appends, {clients} clients over {passports} passports")
    organisation, token = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    targets = _passports(organisation, passports)
    limit = _limit(organisation, targets, 5000)
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
    ours = Event.objects.filter(actor=organisation)
    before = ours.count()
    result = json.loads(
        subprocess.run(
            [
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
                "--seconds",
                str(seconds),
                "--header",
                f"Authorization: Token {token}",
                "--header",
                "Content-Type: application/json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    ended = time.perf_counter()
    waiting = ours.filter(leaf__isnull=True)
    pending = waiting.count()
    deadline = ended + 120
    while waiting.exists() and time.perf_counter() < deadline:
        time.sleep(0.05)
    lag = time.perf_counter() - ended
    appended = ours.count() - before
    rate = result["statuses"].get("201", 0) / result["seconds"]
    outcome.add(
        "appends/s",
        rate,
        "events/s",
        limit=limit,
        limit_name="sign+JCS+COPY",
        goal=f">= {GOAL_RATE}/s",
        passed=rate >= GOAL_RATE,
    )
    outcome.add(
        "append p99",
        result["p99_ms"],
        "ms",
        goal=f"< {GOAL_P99_MS} ms",
        passed=result["p99_ms"] < GOAL_P99_MS,
        higher_is_better=False,
    )
    outcome.add("append p50", result["p50_ms"], "ms", higher_is_better=False)
    outcome.add("log integration lag", lag, "s", higher_is_better=False)
    outcome.notes.append(
        f"{appended} events appended; {pending} were not yet in the log when the load stopped, "
        f"and the worker had integrated all of them {lag:.2f} s later"
    )
    outcome.details.update(
        loadgen=result, pending_at_end=pending, lag_seconds=lag, limit_events_per_second=limit
    )
    return outcome
