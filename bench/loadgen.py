"""A load generator run as its own process: N keep-alive clients hammering one or more URLs.

    python -m bench.loadgen --url http://127.0.0.1:8100/p/<id> --clients 8 --seconds 10 \
        [--header 'Accept: application/json'] [--method POST --bodies bodies.jsonl] [--latencies]

Prints one JSON line: requests, seconds, rate, latency percentiles (ms) and status counts, and
with --latencies every latency (ms), so that percentiles can be taken over several runs.
Pure Python (threads over http.client), so it needs nothing installed; the rate it can drive
is measured against the minimal view in the same run, so its own cost is in the limit too.
"""

import argparse
import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run(
    urls, headers, seconds, clients, method="GET", bodies=None, count=None, every=False
) -> dict:
    """Runs the clients until `seconds` pass (or `count` requests are made); returns stats."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    issued = iter(range(count)) if count else None
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        parts = urlsplit(urls[0])
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine, codes = [], Counter()
        position = number
        while time.perf_counter() < deadline:
            if issued is not None:
                with lock:
                    position = next(issued, None)
                if position is None:
                    break
            url = urlsplit(urls[position % len(urls)])
            target = url.path + (f"?{url.query}" if url.query else "")
            body = bodies[position % len(bodies)].encode() if bodies else None
            started = time.perf_counter()
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                codes[response.status] += 1
            except (OSError, http.client.HTTPException):
                codes["error"] += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                continue
            mine.append(time.perf_counter() - started)
            if issued is None:
                position += clients
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "statuses": {str(k): v for k, v in statuses.items()},
        **({"latencies_ms": [round(x * 1000, 3) for x in latencies]} if every else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--urls-file", help="one URL per line, used round-robin")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--bodies", help="a file of request bodies, one JSON document a line")
    parser.add_argument("--count", type=int, help="stop after this many requests")
    parser.add_argument("--latencies", action="store_true", help="print every latency too")
    args = parser.parse_args()
    urls = list(args.url)
    if args.urls_file:
        with open(args.urls_file, encoding="utf-8") as lines:
            urls = [line.strip() for line in lines if line.strip()]
    headers = dict(h.split(": ", 1) for h in args.header)
    bodies = None
    if args.bodies:
        with open(args.bodies, encoding="utf-8") as lines:
            bodies = [line.rstrip("\n") for line in lines if line.strip()]
    print(
        json.dumps(
            run(
                urls,
                headers,
                args.seconds,
                args.clients,
                args.method,
                bodies,
                args.count,
                args.latencies,
            )
        )
    )


if __name__ == "__main__":
    main()
