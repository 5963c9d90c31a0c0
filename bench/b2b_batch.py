"""B2b: batched event appends, 1,000 events per request, against a COPY-only limit.

    DATABASE_URL=postgres://.../<own database> CELERY_BROKER_URL=redis://.../<db> \\
        python -m bench.b2b_batch [--rounds 5] [--passports 1000]

A: POST /api/v1/events/batch through the whole framework in this process (middleware, token,
parsing, per-item validation and rules, signing, COPY, commit), 1,000 health reports over
--passports passports. B (the limit): the same number of events canonicalised, signed and
copied with no framework, rolled back. Rounds alternate A, B, A, B after one warm-up of each,
so both see the same machine load; the medians are compared. With a broker configured the log
integration is left to a worker (none need run), as in production; without one it runs in the
request and is measured with it.
"""

import argparse
import datetime as dt
import json
import statistics
import time
import uuid

from bench.common import django_on_own_database

GOAL_RATIO = 0.5
GOAL_RATE = 2000


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.b2b_batch", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passports", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    django_on_own_database()
    _run(args)


def _run(args) -> None:
    from django.test import Client
    from django.utils import timezone

    from bench import fixtures
    from bench.b2_events import _passports

    organisation, token = fixtures.actor("Bench Batch Gateway", "manufacturer", country="DE")
    targets = _passports(organisation, args.passports)
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    occurred = (timezone.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def framework() -> float:
        batch = uuid.uuid4().hex[:8]
        items = [
            {
                "passport": str(targets[n % len(targets)].id),
                "type": "health_reported",
                "occurred_at": occurred,
                "payload": {"state_of_health_pct": "97.5", "full_cycles": 120},
                "idempotency_key": f"b2b-{batch}-{n}",
            }
            for n in range(args.events)
        ]
        body = json.dumps({"events": items})
        started = time.perf_counter()
        response = client.post("/api/v1/events/batch", body, content_type="application/json")
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(f"batch refused: {response.status_code} {response.content[:500]!r}")
        return args.events / elapsed

    framework()
    _limit(organisation, targets, args.events)  # warm-up of both
    ours, limits = [], []
    for _ in range(args.rounds):
        ours.append(framework())
        limits.append(_limit(organisation, targets, args.events))
    rate, limit = statistics.median(ours), statistics.median(limits)
    ratio = rate / limit
    print(f"B2b batched appends, {args.events} events per batch over {len(targets)} passports")
    print(f"  framework: {rate:,.0f} events/s (rounds: {', '.join(f'{r:,.0f}' for r in ours)})")
    print(f"  COPY limit: {limit:,.0f} events/s (rounds: {', '.join(f'{r:,.0f}' for r in limits)})")
    print(f"  ratio {ratio:.2f} (goal >= {GOAL_RATIO}), rate goal >= {GOAL_RATE:,} events/s: "
          f"{'met' if ratio >= GOAL_RATIO and rate >= GOAL_RATE else 'not met'}")  # fmt: skip


class _Rollback(Exception):
    pass


def _limit(organisation, passports: list, events: int) -> float:
    """Events per second for canonicalising, signing and COPY alone, rolled back."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from lifecycle.canonical import canonical_bytes, sha256_hex
    from lifecycle.models import Event
    from lifecycle.services.chain import envelope_build
    from passports.services.keys import signer_for

    heads = dict(
        Event.objects.filter(passport__in=passports)
        .values("passport_id")
        .annotate(seq=Max("seq"))
        .values_list("passport_id", "seq")
    )
    started = time.perf_counter()
    signer = signer_for(organisation=organisation)
    now = timezone.now()
    rows = []
    for n in range(events):
        passport = passports[n % len(passports)]
        seq = heads[passport.id] + 1 + n // len(passports)
        prev = sha256_hex(f"{passport.id}/{seq}".encode())
        payload = {"occurred_at": "2026-01-01T00:00:00.000000Z", "state_of_health_pct": "97.5",
                   "full_cycles": 120}  # fmt: skip
        envelope = canonical_bytes(
            envelope_build(
                passport_id=passport.id, seq=seq, prev=prev, event_type="health_reported",
                time=now, actor_id=organisation.id, kid=signer.kid, payload=payload,
            )
        )  # fmt: skip
        rows.append(
            (uuid.uuid4(), passport.id, seq, prev, sha256_hex(envelope), "health_reported", now,
             organisation.id, signer.kid, envelope, signer.sign(envelope), None, "")
        )  # fmt: skip
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


if __name__ == "__main__":
    main()
