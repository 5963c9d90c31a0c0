"""The lives of a chunk of fleet passports: signed chains, collections and treatment batches.

Every event is signed exactly as the services sign it (same envelope, same canonical payload),
chained in memory since the fleet owns the rows it writes, and the passport row is given the
state its chain ends in (head, status, holder, market, latest health).
"""

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from lifecycle.canonical import prepare, rfc3339
from lifecycle.models import EventType
from lifecycle.services.chain import event_sign
from lifecycle.services.registration import RegistrationRows
from passports.declaration import normalise_tree
from passports.models import Organisation, PassportStatus
from passports.substances import is_element
from recycling.categories import category_of
from recycling.models import (
    Basis,
    Batch,
    BatchInput,
    BatchOutput,
    BatchStatus,
    Collection,
    CollectionItem,
    CountsAs,
    InputElement,
    OutputElement,
)

SIX_PLACES = Decimal("0.000001")
LIFETIME_YEARS = {"battery": (15, 4), "magnet": (15, 5)}  # Normal mean, sd (reference defaults)
PV_WEIBULL = (30, 5.3759)  # scale, shape
REGIONS = {
    "DE": "DE-BY",
    "FR": "FR-IDF",
    "PL": "PL-MZ",
    "NL": "NL-NH",
    "IT": "IT-25",
    "ES": "ES-MD",
    "SE": "SE-AB",
    "BE": "BE-VAN",
    "AT": "AT-9",
    "CZ": "CZ-10",
}
ROUTES = {
    "battery": "hydrometallurgical",
    "pv_module": "mechanical",
    "magnet": "hydrometallurgical",
}
BATCH_MAX = 200


@dataclass
class Actors:
    """The organisations that act on fleet passports, with their unsealed signers."""

    collector: Organisation
    recycler: Organisation
    signers: dict  # organisation id -> Signer


@dataclass
class Chunk:
    """Every row one chunk of the fleet writes, in foreign-key order."""

    passports: list = field(default_factory=list)
    composition: list = field(default_factory=list)
    origin: list = field(default_factory=list)
    events: list = field(default_factory=list)
    collections: list = field(default_factory=list)
    collection_items: list = field(default_factory=list)
    batches: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    input_elements: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    output_elements: list = field(default_factory=list)
    buckets: set = field(default_factory=set)
    collecting: list = field(default_factory=list)  # (chain, market country, collection time)
    waste: list = field(default_factory=list)  # (chain, collection time)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _lifetime_days(rng: random.Random, product_type: str) -> int:
    if product_type == "pv_module":
        years = rng.weibullvariate(*PV_WEIBULL)
    else:
        years = max(1.0, rng.gauss(*LIFETIME_YEARS[product_type]))
    return int(years * 365)


class Chain:
    """A passport's chain as it is signed, event after event."""

    def __init__(self, rows: RegistrationRows, actors: Actors, chunk: Chunk):
        self.passport = rows.passport
        self.composition = rows.composition
        self.head = rows.genesis
        self.actors = actors
        self.chunk = chunk
        chunk.events.append(rows.genesis)

    def sign(self, event_type: str, actor: Organisation, occurred_at: dt.datetime, payload: dict):
        signed = {"occurred_at": rfc3339(occurred_at), **prepare(normalise_tree(payload))}
        event = event_sign(
            passport_id=self.passport.id,
            seq=self.head.seq + 1,
            prev=self.head.hash,
            event_type=event_type,
            actor=actor,
            signer=self.actors.signers[actor.id],
            payload=signed,
        )
        self.head = event
        self.passport.head.seq, self.passport.head.hash = event.seq, event.hash
        self.chunk.events.append(event)
        return event, signed


def live(rng: random.Random, rows: RegistrationRows, actors: Actors, chunk: Chunk, today) -> None:
    """Places the product on a market, reports health, and collects it if its life is over."""
    passport = rows.passport
    chain = Chain(rows, actors, chunk)
    chunk.buckets.add(("inventory", f"{passport.product_type}|{passport.manufacturing_country}"))
    if rng.random() < 0.1:
        return  # still in the manufacturer's warehouse
    placed = passport.manufactured_at + dt.timedelta(days=rng.randint(20, 120))
    country = rng.choice(tuple(REGIONS))
    chain.sign(EventType.PLACED_ON_MARKET, passport.manufacturer, _at(placed), {"country": country})
    passport.market_country, passport.placed_on_market_on = country, placed
    chunk.buckets.add(("inventory", f"{passport.product_type}|{country}"))
    chunk.buckets.add(("collection", passport.product_type))
    end = placed + dt.timedelta(days=_lifetime_days(rng, passport.product_type))
    if passport.product_type == "battery" and rng.random() < 0.3:
        checked = min(end, today) - dt.timedelta(days=30)
        if checked > placed:
            years = Decimal((checked - placed).days) / 365
            event, signed = chain.sign(
                EventType.HEALTH_REPORTED,
                passport.manufacturer,
                _at(checked),
                {
                    "state_of_health_pct": (100 - 2 * years).quantize(Decimal("0.1")),
                    "full_cycles": int(years * 150),
                },
            )
            at = signed["occurred_at"]
            passport.head.health = {
                name: {"value": value, "at": at, "seq": event.seq}
                for name, value in signed.items()
                if name != "occurred_at"
            }
    if end > today - dt.timedelta(days=30):
        return
    # Collections are monthly runs per region, so the collection time is the 15th.
    collected = _at(end.replace(day=15))
    chunk.collecting.append((chain, country, collected))


def collect(chunk: Chunk, actors: Actors) -> None:
    """Groups the chunk's collected products into monthly collections per region."""
    runs: dict[tuple, list] = defaultdict(list)
    for chain, country, collected in chunk.collecting:
        runs[(REGIONS[country], collected)].append(chain)
    for (region, collected), chains in sorted(runs.items()):
        collection = Collection(
            id=uuid.uuid4(), collector=actors.collector, region=region, collected_at=collected
        )
        chunk.collections.append(collection)
        for chain in chains:
            passport = chain.passport
            payload = {
                "region": region,
                "collector": actors.collector.pk,
                "mass_kg": passport.mass_kg,
            }
            event, _ = chain.sign(EventType.COLLECTED, actors.collector, collected, payload)
            passport.status, passport.holder = PassportStatus.WASTE, actors.collector
            chunk.collection_items.append(
                CollectionItem(
                    collection=collection, passport=passport, mass_kg=passport.mass_kg, event=event
                )
            )
            chunk.waste.append((chain, collected))


def treat(rng: random.Random, chunk: Chunk, actors: Actors, today) -> None:
    """Treats most waste a month or two after collection, in batches per product and category."""
    groups: dict[tuple, list] = defaultdict(list)
    for chain, collected in chunk.waste:
        if collected.date() > today - dt.timedelta(days=90) or rng.random() < 0.15:
            continue  # still waiting at the collection point
        passport = chain.passport
        category = category_of(passport.product_type, passport.attributes)
        groups[(passport.product_type, category, collected.year)].append((chain, collected))
    for (product_type, category, _), members in sorted(groups.items(), key=lambda g: g[0]):
        for start in range(0, len(members), BATCH_MAX):
            _batch(chunk, actors, product_type, category, members[start : start + BATCH_MAX], today)


def _batch(chunk: Chunk, actors: Actors, product_type, category, members, today) -> None:
    closed = min(max(c for _, c in members) + dt.timedelta(days=45), _at(today, 0))
    route = ROUTES[product_type]
    mass_in = sum((chain.passport.mass_kg for chain, _ in members), Decimal(0))
    batch = Batch(
        id=uuid.uuid4(),
        recycler=actors.recycler,
        process_route=route,
        product_type=product_type,
        chemistry_category=category,
        site_country="DE",
        site_region="DE-BY",
        started_at=closed - dt.timedelta(days=7),
        status=BatchStatus.CLOSED,
        closed_at=closed,
        declared_loss_kg=(mass_in * Decimal("0.02")).quantize(SIX_PLACES),
    )
    chunk.batches.append(batch)
    element_in: dict[str, Decimal] = defaultdict(Decimal)
    for chain, _ in members:
        passport = chain.passport
        row = BatchInput(
            id=uuid.uuid4(),
            batch=batch,
            passport=passport,
            mass_kg=passport.mass_kg,
            basis=Basis.COMPOSITION,
        )
        chunk.inputs.append(row)
        for entry in chain.composition:
            if is_element(entry.substance):
                mass = entry.mass_kg.quantize(SIX_PLACES)
                element_in[entry.substance] += mass
                chunk.input_elements.append(
                    InputElement(input=row, element=entry.substance, mass_kg=mass)
                )
        # The collector delivers the waste to the recycler before the batch starts, as the
        # rules require: only the holder of waste treats it.
        handed = {"to": actors.recycler.pk}
        chain.sign(EventType.OWNERSHIP_TRANSFERRED, actors.collector, batch.started_at, handed)
        chain.sign(
            EventType.RECYCLED, actors.recycler, closed, {"batch": batch.pk, "process_route": route}
        )
        passport.status, passport.holder = PassportStatus.RECYCLED, actors.recycler
        chunk.buckets.add(("inventory", f"{product_type}|{passport.market_country}"))
    recovered = _output(batch, "recovered metals", CountsAs.RECYCLING, mass_in, Decimal("0.92"))
    residue = _output(batch, "residue", CountsAs.DISPOSAL, mass_in, Decimal("0.05"))
    chunk.outputs += [recovered, residue]
    chunk.output_elements += [
        OutputElement(
            output=recovered, element=e, mass_kg=(m * Decimal("0.9")).quantize(SIX_PLACES)
        )
        for e, m in sorted(element_in.items())
    ]
    chunk.buckets.add(("recovery", product_type))
    chunk.buckets.add(("inventory", f"{product_type}|DE"))


def _output(batch, fraction: str, counts_as: str, mass_in: Decimal, share: Decimal) -> BatchOutput:
    """An output that is this share of the batch's input, all of it originating from the input."""
    mass = (mass_in * share).quantize(SIX_PLACES)
    return BatchOutput(
        id=uuid.uuid4(),
        batch=batch,
        fraction=fraction,
        counts_as=counts_as,
        mass_kg=mass,
        origin_mass_kg=mass,
    )
