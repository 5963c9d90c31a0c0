"""B1: bulk registration through the API, 1,000 passports per request.

Limit: the same declarations canonicalised (RFC 8785), hashed, their genesis envelopes built,
canonicalised and signed (Ed25519), and the same rows (passports, composition, origins,
events) written with COPY straight from tuples, in one process with no framework at all.
The limit's rows are rolled back; the API's stay, as a registration's would.
"""

import json
import subprocess
import sys
import tempfile
import time
import uuid

from django.db import connection, transaction
from django.utils import timezone

from bench import fixtures
from bench.common import Outcome
from lifecycle.canonical import canonical_bytes, prepare, sha256_hex
from lifecycle.services.chain import envelope_build
from lifecycle.services.log import log_integrate
from passports.services.keys import signer_for

GOAL_RATIO = 0.3
GOAL_RATE = 2000


def _limit(organisation, items: list[dict]) -> float:
    """Passports per second with nothing but canonical JSON, signatures and COPY."""
    signer = signer_for(organisation=organisation)
    started = time.perf_counter()
    now = timezone.now()
    passports, entries, origins, events = [], [], [], []
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
                "{}",
                declaration,
                digest,
                now,
            )
        )
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
                    "status, market_country, placed_on_market_on, health, declaration, head_hash, "
                    "created_at",
                    passports,
                ),
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
            raise _Rollback
    except _Rollback:
        pass
    return len(items) / elapsed


class _Rollback(Exception):
    pass


def run(base_url: str, requests: int, per_request: int = 1000) -> Outcome:
    outcome = Outcome("B1", "bulk registration through the API, 1,000 per request")
    organisation, token = fixtures.actor("Bench Registrant", "manufacturer", country="DE")
    run_id = uuid.uuid4().hex[:6]
    items = fixtures.declarations(requests * per_request, f"B{run_id}")
    limit = max(
        _limit(organisation, items[i : i + per_request]) for i in range(0, len(items), per_request)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as bodies:
        for start in range(0, len(items), per_request):
            chunk = [fixtures.as_request(d) for d in items[start : start + per_request]]
            bodies.write(json.dumps({"passports": chunk}) + "\n")
    # The load comes from a second process, one client at a time: a bulk request is a batch job.
    result = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.loadgen",
                "--url",
                f"{base_url}/api/v1/passports/bulk/",
                "--method",
                "POST",
                "--bodies",
                bodies.name,
                "--clients",
                "1",
                "--count",
                str(requests),
                "--seconds",
                "3600",
                "--header",
                f"Authorization: Token {token}",
                "--header",
                "Content-Type: application/json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    created = result["statuses"].get("201", 0)
    rate = created * per_request / result["seconds"]
    outcome.add(
        "API passports/s",
        rate,
        "passports/s",
        limit=limit,
        limit_name="sign+JCS+COPY",
        goal=f">= {GOAL_RATIO} x limit and >= {GOAL_RATE}/s",
        passed=created == requests and rate >= GOAL_RATE and rate / limit >= GOAL_RATIO,
    )
    outcome.details.update(loadgen=result, passports=created * per_request)
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
