"""B1: bulk registration through the API, 1,000 passports per request, from 2 clients at once.

Two clients each post 1,000 declarations at the same moment to a server of 2 single-threaded
(sync) workers, so each request has a worker and a core of its own, as the issue's goal is
stated. Limit: the same declarations canonicalised (RFC 8785), hashed, their genesis
envelopes built, canonicalised and signed (Ed25519), and the same rows (passports,
composition, origins, events) written with COPY straight from tuples, with no framework at
all, by 2 processes at once (one per client; Python threads would share one core). The
limit's rows are rolled back, after its clock and CPU are read (so it skips one commit's
flush); the API's stay, as a registration's would. Each round pairs one request per client
with the limit over the same declarations, their order alternating, after a warm-up round
that is dropped. CPU is the whole system under test (bench.accounting): the limit's
processes form a process group of their own, counted like the server's.
"""

import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from dataclasses import replace

from django.db import connection, connections, transaction
from django.utils import timezone

from bench import fixtures
from bench.accounting import PROCESS_GROUPS, load_block, reading
from bench.common import Outcome, cpu_note
from bench.paired import Sample, alternate
from lifecycle.canonical import canonical_bytes, prepare, prepared_bytes, sha256_hex
from lifecycle.services.chain import envelope_build
from lifecycle.services.log import log_integrate
from passports.services.keys import signer_for

GOAL_RATIO = 0.5
GOAL_RATE = 2000


def _limit_write(organisation, signer, items: list[dict]) -> None:
    """The passports written with nothing but canonical JSON, signatures and COPY.

    In the caller's transaction, which rolls them back.
    """
    now = timezone.now()
    passports, heads, entries, origins, events = [], [], [], [], []
    for item in items:
        pid = uuid.uuid4()
        prepared = prepare(item)
        declaration = prepared_bytes(prepared)
        payload = {
            "product_type": item["product_type"],
            "gtin": item["gtin"],
            "serial": item["serial"],
            "gbt_code": None,
            "declaration_sha256": sha256_hex(declaration),
        }
        envelope = canonical_bytes(
            envelope_build(
                passport_id=pid,
                seq=0,
                prev=None,
                event_type="registered",
                time=now,
                actor_id=organisation.id,
                kid=signer.kid,
                payload=payload,
            )
        )
        digest = sha256_hex(envelope)
        place = item["manufacturing_place"]
        passports.append(
            (
                pid,
                organisation.id,
                organisation.id,
                item["product_type"],
                item["gtin"],
                item["serial"],
                None,
                item["model"],
                item["batch"],
                item["manufactured_at"],
                place["country"],
                place["facility"],
                item["mass_kg"],
                json.dumps(prepared["attributes"]),
                json.dumps(prepared["carbon_footprint"]),
                json.dumps(prepared["documents"]),
                "original",
                "",
                None,
                declaration,
                now,
                "",
            )
        )
        heads.append((pid, 0, digest, "{}"))
        entries += [
            (
                pid,
                i,
                e["substance"],
                e["cas"],
                e["mass_kg"],
                e["recycled_share_pre_consumer"],
                e["recycled_share_post_consumer"],
                e["critical"],
            )
            for i, e in enumerate(item["composition"])
        ]
        origins += [
            (pid, i, o["substance"], o["country"], o["supplier"], o["facility"], o["share"])
            for i, o in enumerate(item["origin"])
        ]
        events.append(
            (
                uuid.uuid4(),
                pid,
                0,
                None,
                digest,
                "registered",
                now,
                organisation.id,
                signer.kid,
                envelope,
                signer.sign(envelope),
                None,
                "",
            )
        )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table, columns, rows in (
            (
                "passports_passport",
                "id, manufacturer_id, holder_id, product_type, gtin, "
                "serial, gbt_code, model, batch, manufactured_at, manufacturing_country, "
                "manufacturing_facility, mass_kg, attributes, carbon_footprint, documents, "
                "status, market_country, placed_on_market_on, declaration, created_at, "
                "archived_from",
                passports,
            ),
            ("passports_passporthead", "passport_id, seq, hash, health", heads),
            (
                "passports_compositionentry",
                "passport_id, position, substance, cas, mass_kg, "
                "recycled_share_pre_consumer, recycled_share_post_consumer, critical",
                entries,
            ),
            (
                "passports_originshare",
                "passport_id, position, substance, country, supplier, facility, share",
                origins,
            ),
            (
                "lifecycle_event",
                "id, passport_id, seq, prev, hash, type, time, actor_id, kid, "
                "envelope, signature, idempotency_key, request_digest",
                events,
            ),
        ):
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


class _Rollback(Exception):
    pass


def _limit_client(organisation, chunks: list[list[dict]], pipe) -> None:
    """One client's share of the limit, in a forked process, round after round.

    Receives a chunk's index, writes it (the clock runs from receipt to the end of the COPY),
    answers with the two clock readings, and rolls back when told to, after the bench has read
    the CPU; None ends it. Errors are sent back as text.
    """
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["application_name"] = "bench-limit"
    signer = signer_for(organisation=organisation)
    connection.ensure_connection()
    while (index := pipe.recv()) is not None:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                _limit_write(organisation, signer, chunks[index])
                pipe.send((started, time.perf_counter()))
                pipe.recv()
                raise _Rollback
        except _Rollback:
            pipe.send("rolled back")
        except Exception as exc:  # noqa: BLE001 - the bench process reports it
            pipe.send(f"limit client failed: {exc!r}")


@contextlib.contextmanager
def _limit_clients(organisation, chunks: list[list[dict]], clients: int):
    """`clients` limit processes in a process group of their own; yields a round's runner."""
    connections.close_all()  # each forked process opens its own connection
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for _ in range(clients):
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_limit_client, args=(organisation, chunks, theirs), daemon=True
        )
        process.start()
        # Before it is sent any work, so all its CPU is counted in the limit's group.
        os.setpgid(process.pid, processes[0].pid if processes else process.pid)
        pipes.append(ours)
        processes.append(process)
    PROCESS_GROUPS["limit"] = processes[0].pid

    def answer(pipe):
        reply = pipe.recv()
        if isinstance(reply, str) and reply != "rolled back":
            raise RuntimeError(reply)
        return reply

    def one_round(indexes: list[int]) -> Sample:
        units = sum(len(chunks[index]) for index in indexes)
        before = reading()
        for pipe, index in zip(pipes, indexes, strict=True):
            pipe.send(index)
        clocks = [answer(pipe) for pipe in pipes]
        parts = before.parts(reading())
        for pipe in pipes:
            pipe.send("roll back")
        for pipe in pipes:
            answer(pipe)
        wall = max(end for _, end in clocks) - min(start for start, _ in clocks)
        return Sample(units=units, wall=wall, cpu=sum(parts.values()), parts=parts)

    try:
        yield one_round
    finally:
        PROCESS_GROUPS.pop("limit", None)
        for pipe in pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def run(base_url: str, requests: int, per_request: int = 1000, clients: int = 2) -> Outcome:
    outcome = Outcome(
        "B1", f"bulk registration through the API, 1,000 per request, {clients} clients"
    )
    organisation, token = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    run_id = uuid.uuid4().hex[:6]
    # One request per client and round, and one round more than counted: the warm-up.
    total = (requests + 1) * clients * per_request
    items = fixtures.declarations(total, f"B{run_id}")
    chunks = [items[i : i + per_request] for i in range(0, len(items), per_request)]
    # The limit writes the same declarations under other serials: when it runs after the
    # API's requests of a round, the API's rows are already committed.
    twins = fixtures.declarations(total, f"L{run_id}")
    twin_chunks = [twins[i : i + per_request] for i in range(0, len(twins), per_request)]
    bodies = []
    for first in range(0, len(chunks), clients):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as body:
            for chunk in chunks[first : first + clients]:
                request = {"passports": [fixtures.as_request(d) for d in chunk]}
                body.write(json.dumps(request) + "\n")
        bodies.append(body.name)
    # The load comes from a second process: each client posts one request of the round's file.
    command = [sys.executable, "-m", "bench.loadgen", "--url", f"{base_url}/api/v1/passports/bulk/"]
    command += ["--method", "POST", "--clients", str(clients), "--count", str(clients)]
    command += ["--header", f"Authorization: Token {token}"]
    command += ["--header", "Content-Type: application/json"]
    results: list[dict] = []
    rounds = {"limit": 0, "api": 0}

    with _limit_clients(organisation, twin_chunks, clients) as limit_round:

        def limit() -> Sample:
            first = rounds["limit"] * clients
            rounds["limit"] += 1
            return limit_round(list(range(first, first + clients)))

        def api() -> Sample:
            rounds["api"] += 1
            sample, result = load_block(
                [*command, "--bodies", bodies[rounds["api"] - 1]], 3600, "201"
            )
            results.append(result)
            return replace(sample, units=sample.units * per_request)

        paired = alternate(limit, {"api": api}, rounds=requests, warmup=1)["api"]
    created = sum(r["statuses"].get("201", 0) for r in results[1:])
    rate = paired.units_per_second()
    ratio = paired.wall.median
    outcome.add(
        "API passports/s",
        rate,
        "passports/s",
        limit=paired.units_per_second("limit"),
        limit_name="sign+JCS+COPY",
        goal=f">= {GOAL_RATIO} x limit and >= {GOAL_RATE}/s",
        passed=created == requests * clients
        and rate >= GOAL_RATE
        and ratio >= GOAL_RATIO
        and not paired.invalid(),
        paired=paired,
    )
    outcome.notes.append(cpu_note("passport", paired))
    for result in results:
        result.pop("latencies_ms", None)
    outcome.details.update(loadgen=results, passports=created * per_request, clients=clients)
    integrate = time.perf_counter()
    added = log_integrate(limit=5000)
    seconds = time.perf_counter() - integrate
    outcome.details["log_integration"] = {"leaves": added, "seconds": seconds}
    if added:
        outcome.notes.append(
            f"log integration of the registered passports afterwards: {added} leaves in "
            f"{seconds:.1f} s ({added / seconds:.0f} leaves/s), as a worker would"
        )
    return outcome
