"""B1: bulk registration through the API, 1,000 passports per request.

Limit: the same declarations canonicalised (RFC 8785), hashed, their genesis envelopes built,
canonicalised and signed (Ed25519), and the same rows (passports, composition, origins,
events) written with COPY straight from tuples, in one process with no framework at all.
The limit's rows are rolled back (so it skips one commit's flush); the API's stay, as a
registration's would. Each round pairs one API request with the limit over the same 1,000
declarations, their order alternating, after a warm-up round that is dropped. CPU is the
whole system under test (bench.accounting).
"""

import json
import sys
import tempfile
import time
import uuid
from dataclasses import replace

from django.db import connection, transaction
from django.utils import timezone

from bench import fixtures
from bench.accounting import load_block, reading
from bench.common import Outcome, cpu_note
from bench.paired import Sample, alternate
from lifecycle.canonical import canonical_bytes, prepare, sha256_hex
from lifecycle.services.chain import envelope_build
from lifecycle.services.log import log_integrate
from passports.services.keys import signer_for

GOAL_RATIO = 0.3
GOAL_RATE = 2000


def _limit(organisation, items: list[dict]) -> Sample:
    """The passports written with nothing but canonical JSON, signatures and COPY."""
    signer = signer_for(organisation=organisation)
    before = reading()
    started = time.perf_counter()
    now = timezone.now()
    passports, heads, entries, origins, events = [], [], [], [], []
    for item in items:
        pid = uuid.uuid4()
        declaration = canonical_bytes(item)
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
                json.dumps(prepare(item["attributes"])),
                json.dumps(prepare(item["carbon_footprint"])),
                json.dumps(prepare(item["documents"])),
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
    try:
        with transaction.atomic(), connection.cursor() as cursor:
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
            elapsed = time.perf_counter() - started
            parts = before.parts(reading())
            raise _Rollback
    except _Rollback:
        pass
    return Sample(units=len(items), wall=elapsed, cpu=sum(parts.values()), parts=parts)


class _Rollback(Exception):
    pass


def run(base_url: str, requests: int, per_request: int = 1000) -> Outcome:
    outcome = Outcome("B1", "bulk registration through the API, 1,000 per request")
    organisation, token = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    run_id = uuid.uuid4().hex[:6]
    # One chunk more than rounds: the first round is the warm-up.
    items = fixtures.declarations((requests + 1) * per_request, f"B{run_id}")
    chunks = [items[i : i + per_request] for i in range(0, len(items), per_request)]
    # The limit writes the same declarations under other serials: when it runs after the
    # API's request of a round, the API's rows are already committed.
    twins = fixtures.declarations((requests + 1) * per_request, f"L{run_id}")
    twin_chunks = [twins[i : i + per_request] for i in range(0, len(twins), per_request)]
    bodies = []
    for chunk in chunks:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as body:
            request = {"passports": [fixtures.as_request(d) for d in chunk]}
            body.write(json.dumps(request) + "\n")
        bodies.append(body.name)
    # The load comes from a second process, one request at a time: a bulk request is a batch job.
    command = [sys.executable, "-m", "bench.loadgen", "--url", f"{base_url}/api/v1/passports/bulk/"]
    command += ["--method", "POST", "--clients", "1", "--count", "1"]
    command += ["--header", f"Authorization: Token {token}"]
    command += ["--header", "Content-Type: application/json"]
    results: list[dict] = []
    rounds = {"limit": 0, "api": 0}

    def limit() -> Sample:
        rounds["limit"] += 1
        return _limit(organisation, twin_chunks[rounds["limit"] - 1])

    def api() -> Sample:
        rounds["api"] += 1
        sample, result = load_block([*command, "--bodies", bodies[rounds["api"] - 1]], 3600, "201")
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
        passed=created == requests
        and rate >= GOAL_RATE
        and ratio >= GOAL_RATIO
        and not paired.invalid(),
        paired=paired,
    )
    outcome.notes.append(cpu_note("passport", paired))
    for result in results:
        result.pop("latencies_ms", None)
    outcome.details.update(loadgen=results, passports=created * per_request)
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
