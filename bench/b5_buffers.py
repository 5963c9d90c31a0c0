"""B5's refresh counted in PostgreSQL buffer accesses, a measure other load does not move.

On a shared machine the refresh's wall time mostly says how long it queued for a core. The
buffers it touched (heap and index pages, read or found in cache) and the rows each table
gave it depend only on the data and the plans, so two versions of the code can be compared
on one database at different times. Run against the B5 database:

    DATABASE_URL=postgres://.../bench_b5 python -m bench.b5_buffers --closes 3

Each round closes one batch as B5 does, then refreshes, and prints the counts of that refresh.
"""

import argparse
import json
import os
import time
from unittest import mock

BUFFERS = """SELECT COALESCE(SUM(COALESCE(heap_blks_hit, 0) + COALESCE(heap_blks_read, 0)
                 + COALESCE(idx_blks_hit, 0) + COALESCE(idx_blks_read, 0)), 0),
             COALESCE(SUM(COALESCE(toast_blks_hit, 0) + COALESCE(toast_blks_read, 0)
                 + COALESCE(tidx_blks_hit, 0) + COALESCE(tidx_blks_read, 0)), 0)
             FROM pg_statio_user_tables"""
ROWS = """SELECT relname, COALESCE(seq_tup_read, 0), COALESCE(idx_tup_fetch, 0)
          FROM pg_stat_user_tables"""


def _counters() -> tuple[int, int, dict]:
    from django.db import connection

    # A backend publishes its counters when it goes idle: ask it to, then read them afresh.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    connection.close()
    time.sleep(1.1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(BUFFERS)
        buffers, toast = map(int, cursor.fetchone())
        cursor.execute(ROWS)
        rows = {name: (seq, fetched) for name, seq, fetched in cursor.fetchall()}
    return buffers, toast, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closes", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    import django

    django.setup()
    from bench.b5_aggregate import _close_one_batch
    from recycling.services.aggregation import buckets_refresh

    buckets_refresh()
    for _ in range(args.closes):
        with mock.patch("recycling.services.dirty.enqueue_on_commit"):
            _close_one_batch()
        buffers, toast, rows = _counters()
        buckets_refresh()
        after, toast_after, rows_after = _counters()
        read = {
            name: {"seq_rows": seq - rows[name][0], "index_rows": fetched - rows[name][1]}
            for name, (seq, fetched) in rows_after.items()
            if name in rows and (seq, fetched) != rows[name]
        }
        print(
            json.dumps(
                {"buffers": after - buffers, "toast": toast_after - toast, "tables": read},
                sort_keys=True,
            )
        )


if __name__ == "__main__":
    main()
