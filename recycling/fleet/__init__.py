"""A fleet of passports at benchmark scale: registrations, lives and end of life, in bulk.

    python manage.py generate_fleet --passports 1000000 [--seed 1]

Writes through the same row builders and signatures as the services (registration_rows,
event_sign) but in chunks of a few thousand passports per transaction with COPY, and appends
each chunk's events to the transparency log in that transaction. Aggregate buckets are marked
dirty as the services would mark them, then refreshed. Running it again adds more passports.
"""

import datetime as dt
import multiprocessing
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone

from lifecycle.models import Event
from lifecycle.services.log import log_append_events, log_size
from lifecycle.services.registration import registration_rows
from passports.bulk import rows_insert
from passports.models import CompositionEntry, Organisation, OriginShare, Passport, PassportHead
from passports.services.keys import signer_for
from passports.services.organisations import organisation_bootstrap
from recycling.fleet.life import Actors, Chunk, collect, live, treat
from recycling.fleet.products import MANUFACTURERS, declaration, family_of
from recycling.models import (
    Batch,
    BatchInput,
    BatchOutput,
    Collection,
    CollectionItem,
    DirtyBucket,
    FeedCursor,
    InputElement,
    OutputElement,
)
from recycling.services.aggregation import buckets_refresh
from recycling.services.dirty import FEED

CHUNK = 2000


@dataclass
class FleetReport:
    """What a run wrote and how long each part took."""

    passports: int
    events: int
    collections: int
    batches: int
    write_seconds: float
    aggregate_seconds: float
    total_passports: int


def _organisation(name: str, kind: str, country: str, prefix: str = "") -> Organisation:
    found = Organisation.objects.filter(name=name, kind=kind).first()
    if found is None:
        found, _ = organisation_bootstrap(
            name=name, kind=kind, country=country, gs1_company_prefix=prefix
        )
    return found


def fleet_organisations() -> tuple[dict[str, Organisation], Organisation, Organisation]:
    """The fleet's manufacturers by family, its collector and its recycler (created once)."""
    makers = {
        m.family: _organisation(m.name, "manufacturer", m.country, m.gs1_prefix)
        for m in MANUFACTURERS
    }
    collector = _organisation("Fleet Collection", "collector", "DE")
    recycler = _organisation("Fleet Recycling", "recycler", "DE")
    return makers, collector, recycler


def fleet_generate(
    *,
    passports: int,
    seed: int = 1,
    aggregate: bool = True,
    workers: int = 1,
    progress: Callable[[int, float], None] | None = None,
) -> FleetReport:
    """Adds `passports` fleet passports with their lives; returns counts and timings.

    With workers > 1 the chunks are built and written by that many processes: building is
    CPU-bound Python (signing, canonical JSON, model instances) and the writes of one chunk
    overlap the building of the next; the log lock keeps leaf appends in one order.
    """
    makers, collector, recycler = fleet_organisations()
    existing = Passport.objects.filter(manufacturer__in=makers.values()).count()
    today = timezone.now().date()
    jobs = [
        (seed, existing + start, min(CHUNK, passports - start), today)
        for start in range(0, passports, CHUNK)
    ]
    events = collections = batches = 0
    buckets: set = set()
    started = time.perf_counter()
    if workers > 1:
        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_worker_init) as pool:
            results = list(_tracked(pool.imap_unordered(_job, jobs), started, progress))
    else:
        _worker_init()
        results = list(_tracked(map(_job, jobs), started, progress))
    for counts, chunk_buckets in results:
        events, collections, batches = (
            a + b for a, b in zip((events, collections, batches), counts, strict=True)
        )
        buckets |= chunk_buckets
    _mark(buckets)
    written = time.perf_counter() - started
    started = time.perf_counter()
    if aggregate:
        buckets_refresh()
    return FleetReport(
        passports=passports,
        events=events,
        collections=collections,
        batches=batches,
        write_seconds=written,
        aggregate_seconds=time.perf_counter() - started,
        total_passports=existing + passports,
    )


def _tracked(results, started: float, progress):
    count = 0
    for result in results:
        count += result[2]
        if progress:
            progress(count, time.perf_counter() - started)
        yield result[:2]


_state: dict = {}


def _worker_init() -> None:
    makers, collector, recycler = fleet_organisations()
    signers = {o.id: signer_for(organisation=o) for o in [*makers.values(), collector, recycler]}
    _state["makers"] = makers
    _state["actors"] = Actors(collector=collector, recycler=recycler, signers=signers)


def _job(job: tuple) -> tuple[tuple[int, int, int], set, int]:
    seed, first, size, today = job
    # One generator per chunk, seeded by position, so a run can be extended reproducibly.
    rng = random.Random(f"{seed}:{first}")
    chunk = _chunk(rng, _state["makers"], _state["actors"], first, size, today)
    _write(chunk)
    counts = (len(chunk.events), len(chunk.collections), len(chunk.batches))
    return counts, chunk.buckets, size


def _chunk(rng, makers, actors: Actors, first: int, size: int, today: dt.date) -> Chunk:
    chunk = Chunk()
    for number in range(first, first + size):
        manufacturer = family_of(rng)
        organisation = makers[manufacturer.family]
        item = declaration(rng, manufacturer, f"F{number:010d}", today)
        rows = registration_rows(
            organisation=organisation, signer=actors.signers[organisation.id], declaration=item
        )
        chunk.passports.append(rows.passport)
        chunk.composition += rows.composition
        chunk.origin += rows.origin
        live(rng, rows, actors, chunk, today)
    collect(chunk, actors)
    treat(rng, chunk, actors, today)
    return chunk


def _write(chunk: Chunk) -> None:
    with transaction.atomic():
        for model, rows in (
            (Passport, chunk.passports),
            (PassportHead, [p.head for p in chunk.passports]),
            (CompositionEntry, chunk.composition),
            (OriginShare, chunk.origin),
            (Event, chunk.events),
            (Collection, chunk.collections),
            (CollectionItem, chunk.collection_items),
            (Batch, chunk.batches),
            (BatchInput, chunk.inputs),
            (InputElement, chunk.input_elements),
            (BatchOutput, chunk.outputs),
            (OutputElement, chunk.output_elements),
        ):
            rows_insert(model, rows)
        log_append_events(chunk.events)


def _mark(buckets: set) -> None:
    """Marks every touched bucket, and moves the change feed past the leaves just written.

    The feed exists to mark the buckets of passports whose events it reads; these are marked
    here already, so reading a million leaves back would only mark them again. The cursor
    moves only if it had read everything before, so nobody else's events are skipped.
    """
    now = timezone.now()
    rows = [DirtyBucket(kind=kind, key=key, marked_at=now) for kind, key in sorted(buckets)]
    with transaction.atomic():
        # buckets_mark without its task: the caller refreshes, or leaves it to the sweeper.
        DirtyBucket.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["kind", "key"], update_fields=["marked_at"]
        )
        cursor, _ = FeedCursor.objects.select_for_update().get_or_create(name=FEED)
        unread = Event.objects.filter(leaf__index__gte=cursor.position)
        fleet = unread.filter(actor__name__startswith="Fleet ")
        if unread.count() == fleet.count():
            cursor.position = log_size()
            cursor.save(update_fields=["position"])
