"""make bench: seven workloads, each beside a limit measured in the same run.

    python -m bench [--only B1,B4] [--leaves 1000000] [--fleet 100000] [--quick]
    python -m bench --only B8 --tile-leaves 1000000

Runs against PostgreSQL database `bench` (created if missing, never the test database) and Redis
database 5, starting its own gunicorn server and Celery worker and stopping them at the end.
B3 and B4 use the fleet in that database; if it holds fewer passports than --fleet, the fleet is
extended first (generate_fleet, reported separately), and a larger fleet is reused as it is.
For B4 at 10^6 leaves build it once beforehand (generate_fleet --passports 450000 or more).
B5 uses the bench database's name with `_b5` appended (--b5-passports 160000 gives
about 10^6 element rows).
Workloads and their limits are timed alternately in rounds after warm-up (bench.paired); the
table gives the median of the per-round ratios with their spread, on wall and CPU time. If a
workload beats a true limit beyond noise the run is INVALID: the table says so, a banner names
the figure, and the exit status is 3.
Prints the table and writes bench/results/<timestamp>.json.
"""

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"
WORKLOADS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8")
# Servers other than the default (2 gthread workers of 4 threads). B1's goal is stated for
# 2 clients and 2 workers: sync workers take one request each, never both in one process.
SERVERS = {
    "B1": {"workers": 2, "threads": 1, "worker_class": "sync"},
    # B8 asks one thing at a time, and its goal is stated after the first fetches: with one
    # worker, the first fetch of each tile is the one its later proofs find (with two, a
    # connection lands on either, so most timed proofs were still a tile's first in theirs).
    "B8": {"workers": 1},
}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated ids")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument(
        "--fleet",
        type=int,
        default=100_000,
        help="passports the bench database should hold for B3/B4 (a larger fleet is reused); "
        "B3 scans a random sample of all of them",
    )
    parser.add_argument("--leaves", type=int, default=1_000_000, help="largest B4 log size")
    parser.add_argument(
        "--tile-leaves",
        type=int,
        default=0,
        help="B8 on a synthetic log of this many leaves, written as a tile folder the server "
        "is started on, instead of the bench database's log (0)",
    )
    parser.add_argument(
        "--b5-passports",
        type=int,
        default=30_000,
        help="fleet size of the B5 database (160,000 gives about 10^6 element rows)",
    )
    parser.add_argument("--b1-requests", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15, help="B2/B3 load duration")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke run (fleet 20,000, 10^4 leaves, 5 s loads); a B3 on "
        "fewer than 10^5 passports says it is a smoke run",
    )
    args = parser.parse_args()
    if args.quick:
        args.fleet, args.leaves, args.b5_passports = 20_000, 10_000, 5_000
        args.seconds, args.b1_requests = 5, 2
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    return args


def _database_ensure(url: str) -> None:
    """Creates the named PostgreSQL database if it does not exist yet."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in ("test", "postgres"):
        raise SystemExit(f"refusing to benchmark in database {name!r}; use its own database")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def _tile_folder(database_url: str) -> Path:
    """The log tiles of one bench database. Tiles describe one log: two databases writing to
    one folder each found the other's tiles and rewrote them all on every integration."""
    name = urlsplit(database_url).path.lstrip("/")
    return Path(__file__).resolve().parent.parent / "var" / "bench-tiles" / name


def _setup(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["LOG_TILE_ROOT"] = str(_tile_folder(args.database_url))
    os.environ["CELERY_BROKER_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    _database_ensure(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    from settings.celery import app

    app.control.purge()  # leftovers of an interrupted run would be work for B2's worker


def _fleet_ensure(passports: int, note) -> dict:
    from passports.models import Passport
    from recycling.fleet import fleet_generate, fleet_organisations

    makers, _, _ = fleet_organisations()
    have = Passport.objects.filter(manufacturer__in=makers.values()).count()
    if have >= passports:
        note(f"fleet: reusing the {have:,} passports already in the database")
        return {"reused": have}
    note(f"fleet: {have:,} passports present, generating {passports - have:,} more")
    report = fleet_generate(passports=passports - have, workers=2)
    note(
        f"fleet: {report.passports:,} passports, {report.events:,} events written in "
        f"{report.write_seconds:.0f} s; aggregates refreshed in {report.aggregate_seconds:.0f} s"
    )
    return vars(report)


def _b5(args, note):
    """B5 on its own database, switched to for the duration of the workload."""
    from django.db import connections

    from bench import b5_aggregate

    # Named after the bench database, so a run against a fresh database starts B5 fresh too.
    parts = urlsplit(args.database_url)
    url = urlunsplit(parts._replace(path=parts.path + "_b5"))
    _database_ensure(url)
    connections.close_all()
    default = connections.settings["default"]
    saved = dict(default)
    default["NAME"] = urlsplit(url).path.lstrip("/")
    tiles = {"location": str(_tile_folder(url)), "allow_overwrite": True}
    try:
        from django.core.management import call_command
        from django.test import override_settings

        storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": tiles}
        with override_settings(LOG_TILE_STORAGE=storage):
            call_command("migrate", verbosity=0, skip_checks=True)
            _fleet_ensure(args.b5_passports, note)
            return b5_aggregate.run()
    finally:
        connections.close_all()
        default.clear()
        default.update(saved)


def main() -> int:
    args = _arguments()
    _setup(args)
    from bench import b1_register, b2_events, b3_resolve, b4_log, b6_verify, b7_stock, b8_tiles
    from bench.common import invalid_banner, table
    from bench.machine import describe
    from bench.services import celery_worker, server

    started = dt.datetime.now(dt.UTC)
    notes: list[str] = []

    def note(text: str) -> None:
        notes.append(text)
        print(text, file=sys.stderr, flush=True)

    record = {
        "started": started.isoformat(),
        "machine": describe(args.redis_url),
        "arguments": {k: v for k, v in vars(args).items() if k != "database_url"},
    }
    server_env = {
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.redis_url,
        "LOG_TILE_ROOT": str(_tile_folder(args.database_url)),
    }
    synthetic = None
    envs = {}  # a workload's server environment, where it differs from server_env
    if "B8" in args.only and args.tile_leaves:
        folder = Path(__file__).resolve().parent.parent / "var" / f"bench-tiles-{args.tile_leaves}"
        root, seconds = b8_tiles.synthetic_tiles(folder, args.tile_leaves)
        note(f"B8: synthetic log of {args.tile_leaves:,} leaves as tiles ({seconds:.0f} s)")
        synthetic = (args.tile_leaves, root)
        # B8's server alone: a worker or another workload's server integrating the bench
        # database's log into this folder would find the synthetic tiles and rewrite them.
        envs["B8"] = {**server_env, "LOG_TILE_ROOT": str(folder)}
    if {"B3", "B4"} & set(args.only) or ("B8" in args.only and synthetic is None):
        record["fleet"] = _fleet_ensure(args.fleet, note)
    outcomes = []
    runners = {
        "B1": lambda: b1_register.run(base, args.b1_requests),
        "B2": lambda: b2_events.run(base, args.seconds),
        "B3": lambda: b3_resolve.run(base, args.seconds),
        "B4": lambda: b4_log.run(args.leaves),
        "B5": lambda: _b5(args, note),
        "B6": lambda: b6_verify.run(),
        "B7": lambda: b7_stock.run(),
        "B8": lambda: b8_tiles.run(base, synthetic=synthetic),
    }
    with celery_worker(env=server_env):
        for workload in args.only:
            note(f"{workload}: running")
            begun = time.perf_counter()
            # A server per workload, so each gets the workers its goal is stated for.
            env = envs.get(workload, server_env)
            with server(args.port, env=env, **SERVERS.get(workload, {})) as base:
                try:
                    outcome = runners[workload]()
                except Exception:  # noqa: BLE001 - one failing workload must not hide the others
                    from bench.common import Outcome

                    outcome = Outcome(workload, "failed")
                    error = sys.exc_info()[1]
                    outcome.notes.append(
                        "failed: " + "".join(traceback.format_exception_only(error)).strip()
                    )
            outcome.seconds = time.perf_counter() - begun
            outcomes.append(outcome)
            for line in outcome.notes:
                note(f"{workload}: {line}")
    print(table(outcomes))
    banner = invalid_banner(outcomes)
    if banner:
        print("\n" + banner)
    record.update(
        finished=dt.datetime.now(dt.UTC).isoformat(),
        invalid=bool(banner),
        notes=notes,
        workloads=[
            {
                "id": o.workload,
                "title": o.title,
                "seconds": o.seconds,
                "notes": o.notes,
                "figures": [f.as_dict() for f in o.figures],
                "details": o.details,
            }
            for o in outcomes
        ],
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"\nwritten {path.relative_to(RESULTS.parent.parent)}")
    return 3 if banner else 0


if __name__ == "__main__":
    sys.exit(main())
