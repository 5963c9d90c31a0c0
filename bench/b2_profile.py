"""B2 in one process: the server's CPU per single append, and where it goes.

    DATABASE_URL=postgres://.../<own database> CELERY_BROKER_URL=redis://.../<db> \\
        python -m bench.b2_profile [--events 300] [--passports 50] [--out FILE]

Posts health reports one at a time through the whole framework (middleware, token, parsing,
validation, the locked read, signing, the insert, commit and its hooks) with Django's test
client, as B2's gunicorn workers serve them but without HTTP or other processes. It times one
pass with `time.process_time` (no profiler: the figure to compare), then profiles a second pass
with cProfile on process time and prints the functions with the most cumulative and own time.
On a machine shared with other work this in-process CPU per append is steadier than B2's rates.
"""

import argparse
import cProfile
import datetime as dt
import io
import json
import pstats
import time

from bench.common import django_on_own_database


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.b2_profile", description=__doc__)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--passports", type=int, default=50)
    parser.add_argument("--out", help="also write the summary to this file")
    args = parser.parse_args()
    django_on_own_database()
    summary = _run(args)
    print(summary)
    if args.out:
        with open(args.out, "w") as out:
            out.write(summary)


def _run(args) -> str:
    from django.test import Client
    from django.utils import timezone

    from bench import fixtures
    from bench.b2_events import _passports

    organisation, token = fixtures.actor("Bench Profile Appender", "manufacturer", country="DE")
    targets = [str(p.id) for p in _passports(organisation, args.passports)]
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    occurred = (timezone.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps(
        {
            "type": "health_reported",
            "occurred_at": occurred,
            "payload": {"state_of_health_pct": "97.5", "full_cycles": 120},
        }
    )

    def appends(count: int) -> None:
        for n in range(count):
            response = client.post(
                f"/api/v1/passports/{targets[n % len(targets)]}/events/",
                body,
                content_type="application/json",
            )
            if response.status_code != 201:
                raise SystemExit(f"append refused: {response.status_code} {response.content!r}")

    appends(min(args.events, 50))  # warm-up: imports, connections, caches
    started = time.process_time()
    appends(args.events)
    cpu_ms = (time.process_time() - started) * 1000 / args.events
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    appends(args.events)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    head = (
        f"B2 in process: {args.events} single health reports over {len(targets)} passports, "
        f"{settings_backend()}\n"
        f"CPU per append (unprofiled pass): {cpu_ms:.2f} ms\n"
        f"profile (cProfile on process time, a second pass of {args.events}):\n"
    )
    return head + text.getvalue()


def settings_backend() -> str:
    from django.db import connection

    return f"database {connection.vendor}"


if __name__ == "__main__":
    main()
