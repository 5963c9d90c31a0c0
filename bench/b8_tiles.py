"""B8: serving tlog tiles and tile-backed proofs, one request at a time, beside a same-size limit.

The log in the bench database is written out as tiles first (timed and reported apart). Then,
on the server the harness just started (a cold process: its tile cache is empty), rounds
alternate three sequential request streams after a warm-up round that does the first fetches:

- limit: /bench/bytes-8k, the lightest Django view answering 8,192 constant bytes (a full
  tile's size) through the same server and middleware;
- tile: /tile/0/<N> for full level-0 tiles drawn at random;
- proof: /api/v1/log/proof/inclusion for random leaves in the whole tree, computed from tiles.

The figure is the p50 latency of each stream (a request's wall time seen by the client, TCP
connection included as gunicorn's sync workers close it); the ratio is the per-round median
latency of the limit over the workload's. Only wall time is compared: the server's CPU is not
read here, so no CPU ratio is claimed.
"""

import http.client
import random
import statistics
import time
from urllib.parse import urlsplit

from bench.common import Outcome, percentile
from bench.paired import Sample, alternate
from lifecycle.services.log import log_size, log_tiles_catch_up
from lifecycle.tiles import TILE_WIDTH, index_path

GOAL_MS = 1.0
ROUNDS = 6
WARMUP = 1
REQUESTS = 200


def _stream(base: str, paths: list[str], latencies: list[float]) -> Sample:
    """GETs every path in turn; appends each latency; a non-200 answer stops the run."""
    parts = urlsplit(base)
    started = time.perf_counter()
    for path in paths:
        begun = time.perf_counter()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        latencies.append(time.perf_counter() - begun)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
    return Sample(units=len(paths), wall=time.perf_counter() - started, cpu=0.0)


def run(base_url: str, requests: int = REQUESTS) -> Outcome:
    outcome = Outcome("B8", "tlog tiles and tile-backed proofs, sequential requests")
    began = time.perf_counter()
    written = log_tiles_catch_up()
    outcome.notes.append(
        f"tiles written for the bench log: {written} files in {time.perf_counter() - began:.1f} s"
    )
    size = log_size()
    full = size // TILE_WIDTH
    if full == 0:
        outcome.notes.append(f"the log holds {size} leaves, no full tile; build a fleet first")
        return outcome
    rng = random.Random(8)
    latencies: dict[str, list[float]] = {"limit": [], "tile": [], "proof": []}
    rounds = {"limit": [], "tile": [], "proof": []}

    def side(name: str, make):
        def sample() -> Sample:
            before = len(latencies[name])
            result = _stream(base_url, [make() for _ in range(requests)], latencies[name])
            rounds[name].append(statistics.median(latencies[name][before:]))
            return result

        return sample

    limit = side("limit", lambda: "/bench/bytes-8k")
    tile = side("tile", lambda: f"/tile/0/{index_path(rng.randrange(full))}")
    proof = side(
        "proof", lambda: f"/api/v1/log/proof/inclusion?index={rng.randrange(size)}&size={size}"
    )
    paired = alternate(limit, {"tile": tile, "proof": proof}, rounds=ROUNDS, warmup=WARMUP)
    # The warm-up round's latencies are the cold ones; the figures are from the timed rounds.
    timed = {name: values[WARMUP * requests :] for name, values in latencies.items()}
    limit_p50 = percentile(timed["limit"], 50) * 1000
    for name, label in (("tile", "tile serve"), ("proof", "inclusion proof")):
        p50 = percentile(timed[name], 50) * 1000
        outcome.add(
            f"{label} p50 @{size:,} leaves",
            p50,
            "ms",
            limit=limit_p50,
            limit_name="ms 8 KiB minimal view",
            higher_is_better=False,
            goal=f"< {GOAL_MS} ms",
            passed=p50 < GOAL_MS,
            paired=paired[name],
        )
        wall = paired[name].wall
        outcome.notes.append(
            f"{label}: {wall.count} rounds of {requests} after {WARMUP} warm-up: time ratio "
            f"{wall.median:.2f} (IQR {wall.q1:.2f}-{wall.q3:.2f}); p99 "
            f"{percentile(timed[name], 99) * 1000:.2f} ms; first (cold) request "
            f"{latencies[name][0] * 1000:.2f} ms"
        )
    outcome.details.update(
        log_size=size,
        requests_per_round=requests,
        round_medians_ms={k: [v * 1000 for v in vals] for k, vals in rounds.items()},
    )
    return outcome
