"""B8 in one process: what the server spends on a tile and a proof, without HTTP.

    DATABASE_URL=postgres://.../<own database> \\
        python -m bench.b8_profile [--tile-leaves 1000000] [--requests 2000] [--rounds 5]

Calls Django's WSGI handler directly (the whole middleware chain, URL resolution, the view or
the early answer, the response's close) for B8's three streams, alternated in rounds: the 8 KiB
limit, a full level-0 tile, and an inclusion proof for a random leaf. The log is the synthetic
one `python -m bench --only B8 --tile-leaves N` writes (var/bench-tiles-N, made here if
missing). A warm-up pass first asks a proof in every bottom tile, so the figures are those of
a process whose tiles are all hashed ("after the first fetches"), and a "cold proof" stream
then reads a fresh process's cost for a tile it has not hashed. Prints the median per request
of each stream (microseconds of wall time; one process, nothing else between the calls).
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

from bench.common import django_on_own_database

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.b8_profile", description=__doc__)
    parser.add_argument("--tile-leaves", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = ROOT / "var" / f"bench-tiles-{args.tile_leaves}"
    os.environ["LOG_TILE_ROOT"] = str(folder)
    django_on_own_database()
    from bench.b8_tiles import synthetic_tiles

    synthetic_tiles(folder, args.tile_leaves)
    print(_run(args.tile_leaves, args.requests, args.rounds))


def _run(size: int, requests: int, rounds: int) -> str:
    from django.core.wsgi import get_wsgi_application

    from lifecycle.tiles import TILE_WIDTH, index_path

    application = get_wsgi_application()
    rng = random.Random(8)
    full = size // TILE_WIDTH

    def call(path: str, query: str = "") -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "localhost",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        answered = []
        body = application(environ, lambda status, headers, exc_info=None: answered.append(status))
        b"".join(body)
        body.close()
        if not answered[0].startswith("200"):
            raise SystemExit(f"GET {path}?{query}: {answered[0]}")

    def proof(leaf: int) -> None:
        call("/api/v1/log/proof/inclusion", f"index={leaf}&size={size}")

    streams = {
        "limit (8 KiB constant)": lambda: call("/bench/bytes-8k"),
        "tile": lambda: call(f"/tile/0/{index_path(rng.randrange(full))}"),
        "proof": lambda: proof(rng.randrange(size)),
    }
    cold = []
    for tile in range(0, full, max(1, full // 200)):  # a fresh process: each tile's first proof
        began = time.perf_counter()
        proof(tile * TILE_WIDTH + rng.randrange(TILE_WIDTH))
        cold.append(time.perf_counter() - began)
    for tile in range(full):
        proof(tile * TILE_WIDTH)
    medians: dict[str, list[float]] = {name: [] for name in streams}
    for _ in range(rounds):
        for name, ask in streams.items():
            times = []
            for _ in range(requests):
                began = time.perf_counter()
                ask()
                times.append(time.perf_counter() - began)
            medians[name].append(statistics.median(times))
    lines = [f"B8 in process, {size:,} leaves, {rounds} rounds of {requests} per stream:"]
    for name, values in medians.items():
        per_round = ", ".join(f"{v * 1e6:.0f}" for v in values)
        lines.append(f"  {name}: {statistics.median(values) * 1e6:.0f} us ({per_round})")
    lines.append(f"  cold proof (first in its tile): {statistics.median(cold) * 1e6:.0f} us")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
