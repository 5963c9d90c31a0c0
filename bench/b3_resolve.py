"""B3: QR resolve (JSON and HTML) under load from a second process, and ETag revalidation.

Scans are of passports drawn at random from the whole fleet (at least 10^5 by default), so
that no small set sits in caches a real scanner would miss. Limit: the lightest Django view in
the same server, under the same load generator and the same number of clients. The limit and
the two workloads alternate in rounds of equal length after a warm-up round; CPU is the whole
system under test (bench.accounting). A repeated scan that sends its ETag must get 304.

Public answers are written through to the scan cache whenever a passport changes, so in use
every passport's answer is in the cache. The fleet here was written before the cache existed
(or under another code version), so the answers of the first FILLED sampled passports are
rendered into it first, by the same code a write runs, for this server's address and the
default language; scans past them are answered from the database.
"""

import sys
import tempfile
import time
import urllib.request

from django.conf import settings

from bench.accounting import load_block
from bench.common import Outcome, cpu_note, percentile
from bench.paired import Sample, alternate
from passports.identifiers import resolver_path
from passports.models import Passport
from passports.scan_fill import public_answers_fill

GOAL = 0.5
ROUNDS = 4
WARMUP_SECONDS = 1.5
FLEET_FLOOR = 100_000
# More than the load generator reaches in a round at the limit's rate (it restarts each round).
FILLED = 6_000


def _revalidates(url: str, accept: str) -> tuple[str | None, int]:
    first = urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}))
    first.read()
    etag = first.headers.get("ETag")
    if not etag:
        return None, first.status
    request = urllib.request.Request(url, headers={"Accept": accept, "If-None-Match": etag})
    try:
        second = urllib.request.urlopen(request)
        second.read()
        return etag, second.status
    except urllib.error.HTTPError as answer:
        return etag, answer.code


def _scanned(sample: int) -> tuple[list[tuple[str, str, str]], int]:
    """`sample` (gtin, serial, id) drawn uniformly at random from every passport with a GTIN."""
    population = Passport.objects.exclude(gtin=None)
    drawn = list(population.order_by("?").values_list("gtin", "serial", "pk")[:sample])
    return drawn, population.count()


def _filled(base_url: str, scanned: list[tuple[str, str, str]]) -> tuple[int, float]:
    """Writes the first FILLED sampled passports' answers through to the scan cache."""
    started = time.perf_counter()
    default = settings.LANGUAGE_CODE
    for _, _, pk in scanned[:FILLED]:
        public_answers_fill(passport_id=str(pk), base_url=base_url, languages=[default])
    return min(FILLED, len(scanned)), time.perf_counter() - started


def run(base_url: str, seconds: float = 10, clients: int = 8, sample: int = 20_000) -> Outcome:
    outcome = Outcome("B3", "QR resolve under load from a second process")
    scanned, fleet = _scanned(sample)
    if fleet < FLEET_FLOOR:
        outcome.notes.append(
            f"the database holds {fleet:,} passports, fewer than {FLEET_FLOOR:,}: a smoke run, "
            "not a measurement of scans over a fleet"
        )
    with (
        tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as urls,
        tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as minimal,
    ):
        urls.write("\n".join(base_url + resolver_path(g, s) for g, s, _ in scanned))
        minimal.write(base_url + "/bench/minimal\n")
    filled, fill_seconds = _filled(base_url, scanned)
    outcome.notes.append(
        f"answers of {filled:,} sampled passports written through to the scan cache first "
        f"({fill_seconds:.0f} s); scans of the others are answered from the database"
    )

    def command(urls_file: str, *headers: str) -> list[str]:
        arguments = [sys.executable, "-m", "bench.loadgen", "--url", base_url]
        arguments += ["--urls-file", urls_file, "--clients", str(clients)]
        for header in headers:
            arguments += ["--header", header]
        return arguments

    sides = {
        "limit": command(minimal.name),
        "JSON": command(urls.name, "Accept: application/json"),
        "HTML": command(urls.name, "Accept: text/html"),
    }
    block = max(1.5, seconds / ROUNDS)
    results: dict[str, list[dict]] = {name: [] for name in sides}

    def side(name: str):
        def load() -> Sample:
            warm = len(results[name]) == 0
            sample, result = load_block(sides[name], WARMUP_SECONDS if warm else block, "200")
            results[name].append(result)
            return sample

        return load

    paired = alternate(
        side("limit"), {"JSON": side("JSON"), "HTML": side("HTML")}, rounds=ROUNDS, warmup=1
    )
    latencies = {
        name: [ms for result in runs[1:] for ms in result["latencies_ms"]]
        for name, runs in results.items()
    }
    limit_p99 = percentile(latencies["limit"], 99)
    for name in ("JSON", "HTML"):
        rounds = paired[name]
        failed = sum(
            v for result in results[name][1:] for k, v in result["statuses"].items() if k != "200"
        )
        outcome.add(
            f"resolve {name} req/s",
            rounds.units_per_second(),
            "req/s",
            limit=rounds.units_per_second("limit"),
            limit_name="req/s minimal view",
            goal=f">= {GOAL} x limit",
            passed=not failed and rounds.wall.median >= GOAL and not rounds.invalid(),
            paired=rounds,
        )
        outcome.add(
            f"resolve {name} p99",
            percentile(latencies[name], 99),
            "ms",
            limit=limit_p99,
            limit_name="ms minimal view",
            higher_is_better=False,
        )
        outcome.notes.append(cpu_note(f"{name} scan", rounds))
        if failed:
            outcome.notes.append(f"{failed} {name} scans were not answered 200")
    url = base_url + resolver_path(*scanned[0][:2])
    checks = {accept: _revalidates(url, accept) for accept in ("application/json", "text/html")}
    revalidated = all(status == 304 for _, status in checks.values())
    outcome.add(
        "repeated scan with ETag",
        304 if revalidated else 0,
        "status",
        goal="304",
        passed=revalidated,
    )
    outcome.notes.append(
        f"{len(scanned):,} passports drawn at random from {fleet:,}; {ROUNDS} rounds of "
        f"{block:.1f} s a side after a {WARMUP_SECONDS:.1f} s warm-up"
    )
    for runs in results.values():
        for result in runs:
            result.pop("latencies_ms", None)
    outcome.details.update(
        fleet=fleet,
        sampled=len(scanned),
        loads=results,
        revalidation={k: {"etag": e, "status": s} for k, (e, s) in checks.items()},
    )
    return outcome
