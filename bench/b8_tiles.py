"""B8: serving tlog tiles and tile-backed proofs, one request at a time, beside a same-size limit.

The log in the bench database is written out as tiles first (timed and reported apart). Then,
on the server the harness just started (a cold process: its tile cache is empty), rounds
alternate three sequential request streams after a warm-up round that does the first fetches:

- limit: /bench/bytes-8k, 8,192 constant bytes (a full tile's size) answered by the same
  server at the same point of the middleware chain as tiles and anonymous proofs
  (bench/middleware.py);
- tile: /tile/0/<N> for full level-0 tiles drawn at random;
- proof: /api/v1/log/proof/inclusion for random leaves in the whole tree, computed from tiles.

With --tile-leaves N the tiles are not the bench database's log but a log of N synthetic
leaves (entry i is `bench leaf i`), hashed here and written as a tile folder the server is
started on (LOG_TILE_ROOT). The server's code path is the same: proofs within the written tiles
never ask the database. This gives a log of 10^6 leaves in seconds where a fleet of 450,000
passports takes hours to build; every served proof in the first round is verified against the
root computed here, so the server is known to serve that tree.

Before the rounds, one proof is asked in every full bottom tile: the goal is stated after the
first fetches, and the server (one worker, see SERVERS in bench/__main__.py) has then read
and hashed each tile once. Those first proofs' p50 is reported as the cold cost of a tile.

The figure is the p50 latency of each stream, a request's wall time seen by the client. Each
stream keeps one connection open, as a tile client does (a verifier fetches a proof's tiles,
or many proofs, in a row); the same streams are then run again opening a connection per
request, a client that fetches one thing now and then, and reported beside without a goal.
The ratio is the per-round median latency of the limit over the workload's. Only wall time is
compared: the server's CPU is not read here, so no CPU ratio is claimed.

The client is a bare HTTP/1.1 one (a request line, a Host header, then the status line, the
headers up to Content-Length and the body): the standard library's client parses headers
through the email package, which took 0.1 to 0.15 ms of each request on this side of the
socket, about as much as what is measured on the other.
"""

import json
import random
import socket
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import Outcome, percentile
from bench.paired import Sample, alternate
from lifecycle import merkle
from lifecycle.services.log import log_root, log_size, log_tiles_catch_up
from lifecycle.services.tiles import WATERMARK
from lifecycle.tiles import TILE_HEIGHT, TILE_WIDTH, bundle_encode, index_path, tile_path, tiles_for
from lifecycle.verify import leaf_hash, node_hash, verify_inclusion

GOAL_MS = 1.0
ROUNDS = 6
WARMUP = 1
REQUESTS = 200


def synthetic_entry(index: int) -> bytes:
    """The data of leaf `index` in the synthetic log."""
    return b"bench leaf %d" % index


def synthetic_tiles(folder: Path, leaves: int) -> tuple[bytes, float]:
    """Writes the tiles and bundles of a synthetic log of `leaves` into folder (once).

    Returns the root and the seconds spent; a folder already holding that size is reused.
    """
    began = time.perf_counter()
    mark = folder / WATERMARK
    if mark.exists():
        size, root = mark.read_text().split()
        if int(size) == leaves:
            return bytes.fromhex(root), 0.0
    levels = [[leaf_hash(synthetic_entry(i)) for i in range(leaves)]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    for level, index, width in tiles_for(leaves):
        first = index * TILE_WIDTH
        hashes = levels[level * TILE_HEIGHT][first : first + width]
        _file(folder / tile_path(level, index, width), b"".join(hashes))
        if level == 0:
            entries = [synthetic_entry(i) for i in range(first, first + width)]
            _file(folder / tile_path("entries", index, width), bundle_encode(entries))
    nodes = {(level, index): levels[level][index] for level, index in merkle.root_plan(leaves)}
    root = merkle.root(leaves, nodes)
    _file(mark, f"{leaves} {root.hex()}\n".encode("ascii"))
    return root, time.perf_counter() - began


def _file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _stream(
    base: str, paths: list[str], latencies: list[float], bodies=None, reuse: bool = True
) -> Sample:
    """GETs every path in turn, over one connection or (reuse False) one per request; appends
    each latency (and body, given a list); a non-200 answer stops the run."""
    parts = urlsplit(base)
    started = time.perf_counter()
    connection = None
    for path in paths:
        begun = time.perf_counter()
        if connection is None:
            connection = _Connection(parts.hostname, parts.port)
        status, body = connection.get(path, close=not reuse)
        if not reuse:
            connection.close()
            connection = None
        latencies.append(time.perf_counter() - begun)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        if bodies is not None:
            bodies.append(body)
    if connection is not None:
        connection.close()
    return Sample(units=len(paths), wall=time.perf_counter() - started, cpu=0.0)


class _Connection:
    """One HTTP/1.1 connection for GETs whose answers carry a Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.socket = socket.create_connection((host, port), timeout=30)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.socket.makefile("rb")

    def get(self, path: str, close: bool = False) -> tuple[int, bytes]:
        """(status, body) of GET path; close asks the server to close after answering."""
        ending = "Connection: close\r\n" if close else ""
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{ending}\r\n".encode())
        status = int(self.reader.readline().split()[1])
        length = None
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"GET {path}: the answer has no Content-Length")
        return status, self.reader.read(length)

    def close(self) -> None:
        self.reader.close()
        self.socket.close()


def run(
    base_url: str, requests: int = REQUESTS, synthetic: tuple[int, bytes] | None = None
) -> Outcome:
    """B8 on the bench database's log, or with `synthetic` (size, root) on the tile folder the
    server was started on."""
    outcome = Outcome("B8", "tlog tiles and tile-backed proofs, sequential requests")
    if synthetic is None:
        began = time.perf_counter()
        written = log_tiles_catch_up()
        outcome.notes.append(
            f"tiles written for the bench log: {written} files in "
            f"{time.perf_counter() - began:.1f} s"
        )
        size = log_size()
        root = log_root(size) if size else b""
    else:
        size, root = synthetic
    full = size // TILE_WIDTH
    if full == 0:
        outcome.notes.append(f"the log holds {size} leaves, no full tile; build a fleet first")
        return outcome
    rng = random.Random(8)
    # The proofs of the warm-up round, checked after the rounds (not inside a timed one).
    proofs: list[bytes] = []
    paths = {
        "limit": lambda: "/bench/bytes-8k",
        "tile": lambda: f"/tile/0/{index_path(rng.randrange(full))}",
        "proof": lambda: f"/api/v1/log/proof/inclusion?index={rng.randrange(size)}&size={size}",
    }
    first = _first_fetches(base_url, size, full, rng)
    outcome.add(
        f"inclusion proof p50 @{size:,} leaves, first in its tile",
        percentile(first, 50) * 1000,
        "ms",
    )
    outcome.notes.append(
        f"first fetches: a proof in each of the {full:,} full bottom tiles, one connection, "
        f"p50 {percentile(first, 50) * 1000:.2f} ms, p99 {percentile(first, 99) * 1000:.2f} ms"
    )
    kept = _alternated(base_url, paths, requests, reuse=True, proofs=proofs)
    per_request = _alternated(base_url, paths, requests, reuse=False, proofs=None)
    _proofs_check(proofs, size, root, synthetic is not None)
    outcome.notes.append(f"{len(proofs)} served inclusion proofs verified against the root")
    for (paired, latencies), reuse in ((kept, True), (per_request, False)):
        # The warm-up round's latencies are the cold ones; the figures are from the timed rounds.
        timed = {name: values[WARMUP * requests :] for name, values in latencies.items()}
        limit_p50 = percentile(timed["limit"], 50) * 1000
        how = "one connection" if reuse else "a connection per request"
        for name, label in (("tile", "tile serve"), ("proof", "inclusion proof")):
            p50 = percentile(timed[name], 50) * 1000
            outcome.add(
                f"{label} p50 @{size:,} leaves, {how}",
                p50,
                "ms",
                limit=limit_p50,
                limit_name="ms 8 KiB constant answer, same middleware",
                higher_is_better=False,
                goal=f"< {GOAL_MS} ms" if reuse else "",
                passed=p50 < GOAL_MS if reuse else None,
                paired=paired[name],
            )
            wall = paired[name].wall
            outcome.notes.append(
                f"{label}, {how}: {wall.count} rounds of {requests} after {WARMUP} warm-up: "
                f"time ratio {wall.median:.2f} (IQR {wall.q1:.2f}-{wall.q3:.2f}); p99 "
                f"{percentile(timed[name], 99) * 1000:.2f} ms; first (cold) request "
                f"{latencies[name][0] * 1000:.2f} ms"
            )
        outcome.details[f"round_medians_ms_{'kept' if reuse else 'per_request'}"] = {
            name: [
                statistics.median(values[start : start + requests]) * 1000
                for start in range(0, len(values), requests)
            ]
            for name, values in latencies.items()
        }
    outcome.details.update(log_size=size, requests_per_round=requests)
    return outcome


def _first_fetches(base_url: str, size: int, full: int, rng: random.Random) -> list[float]:
    """One proof in every full bottom tile, so the server has read and hashed each once (the
    goal is stated "after the first fetches"); the latency of each, the tile's cold cost."""
    latencies: list[float] = []
    leaves = [tile * TILE_WIDTH + rng.randrange(TILE_WIDTH) for tile in range(full)]
    query = "/api/v1/log/proof/inclusion?index={}&size=" + str(size)
    _stream(base_url, [query.format(leaf) for leaf in leaves], latencies)
    return latencies


def _alternated(base_url: str, paths: dict, requests: int, *, reuse: bool, proofs):
    """The limit, tile and proof streams alternated in rounds; (paired ratios, latencies).

    Given a list, `proofs` receives the bodies of the proof stream's warm-up round.
    """
    latencies: dict[str, list[float]] = {name: [] for name in paths}

    def side(name: str):
        def sample() -> Sample:
            first = not latencies[name]
            kept = proofs if name == "proof" and first else None
            wanted = [paths[name]() for _ in range(requests)]
            return _stream(base_url, wanted, latencies[name], kept, reuse=reuse)

        return sample

    workloads = {"tile": side("tile"), "proof": side("proof")}
    paired = alternate(side("limit"), workloads, rounds=ROUNDS, warmup=WARMUP)
    return paired, latencies


def _proofs_check(proofs: list[bytes], size: int, root: bytes, synthetic: bool) -> None:
    """Every served proof verifies against the root, and names the synthetic entry if so."""
    for body in proofs:
        answer = json.loads(body)
        leaf = bytes.fromhex(answer["leaf_hash"])
        path = [bytes.fromhex(node) for node in answer["proof"]]
        if bytes.fromhex(answer["root"]) != root:
            raise RuntimeError(f"proof for leaf {answer['index']} names another root")
        if synthetic and leaf != leaf_hash(synthetic_entry(answer["index"])):
            raise RuntimeError(f"leaf {answer['index']} is not the synthetic entry")
        verify_inclusion(leaf, answer["index"], size, path, root)
