"""Treatment chains for reuse: a shredder and a refiner through the API, and batches filled
through the services."""

from decimal import Decimal

import pytest
from hypothesis import strategies as st

from passports.models import Passport
from recycling.models import BatchOutput, CountsAs
from recycling.services.aggregation import buckets_refresh
from recycling.services.batches import batch_input_add, batch_open, batch_output_add
from tests.factories import declaration

WHEN = "2026-09-01T08:00:00Z"


@pytest.fixture
def collector(make_actor):
    return make_actor("collector", "Collect GmbH", country="DE")


@pytest.fixture
def refiner(make_actor):
    return make_actor("recycler", "Refine AG", country="DE")


@pytest.fixture
def two_waste_batteries(manufacturer, collector, recycler):
    """Two batteries collected by the collector and handed over to the recycler."""
    ids = []
    for serial in ("EOL-1", "EOL-2"):
        created = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial=serial), format="json"
        ).json()
        ids.append(created["id"])
    response = collector.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": WHEN,
         "items": [{"passport": ids[0], "mass_kg": "450"},
                   {"passport": "http://127.0.0.1:8000/01/09506000134352/21/EOL-2"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    hand_over(collector, recycler, ids)
    return ids


def collected_in_two_years(manufacturer, collector, prefix: str, count: int, split) -> list:
    """Registers batteries made in 2023; collects those `split` picks (a pair of slices) in
    2024 and in 2026. Returns every id, in order of serial."""
    ids = []
    for n in range(count):
        created = manufacturer.client.post(
            "/api/v1/passports/",
            declaration(serial=f"{prefix}-{n}", manufactured_at="2023-02-01"),
            format="json",
        )
        assert created.status_code == 201, created.json()
        ids.append(created.json()["id"])
    for when, items in zip(
        ("2024-05-02T10:00:00Z", WHEN), (ids[split[0]], ids[split[1]]), strict=True
    ):
        response = collector.client.post(
            "/api/v1/collections/",
            {"region": "DE-BY", "collected_at": when, "items": [{"passport": i} for i in items]},
            format="json",
        )
        assert response.status_code == 201, response.json()
    return ids


def hand_over(collector, recycler, passports) -> None:
    """The collector hands collected products over to the recycler, who may then treat them."""
    for passport in passports:
        handed = collector.client.post(
            f"/api/v1/passports/{passport}/events/",
            {"type": "ownership_transferred", "occurred_at": WHEN,
             "payload": {"to": str(recycler.organisation.id)}},
            format="json",
        )  # fmt: skip
        assert handed.status_code == 201, handed.json()


def open_batch(actor, route: str) -> str:
    response = actor.client.post(
        "/api/v1/batches/",
        {"process_route": route, "product_type": "battery", "chemistry_category": "lithium",
         "site": {"country": "DE", "region": "DE-BY"}, "started_at": WHEN,
         "declared_loss_kg": "10"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def post(actor, batch: str, what: str, body: dict, expect: int = 201):
    response = actor.client.post(f"/api/v1/batches/{batch}/{what}/", body, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def errors(body: dict) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture
def chain(recycler, refiner, two_waste_batteries):
    """Shredder -> black mass -> refiner, both closed."""
    shredder = open_batch(recycler, "mechanical")
    post(
        recycler,
        shredder,
        "inputs",
        {"passport": two_waste_batteries[0], "mass_kg": "450", "assay": {"Co": "5.8"}},
    )
    post(recycler, shredder, "inputs", {"passport": two_waste_batteries[1], "mass_kg": "450"})
    black_mass = post(
        recycler,
        shredder,
        "outputs",
        {
            "fraction": "black mass",
            "counts_as": "intermediate",
            "mass_kg": "300",
            "elements": {"Co": "11.2", "Ni": "88", "Li": "13"},
            "destination_recycler": str(refiner.organisation.id),
        },
    )["outputs"][0]["id"]
    post(
        recycler,
        shredder,
        "outputs",
        {"fraction": "Al/Cu scrap", "counts_as": "recycling", "mass_kg": "60"},
    )
    post(
        recycler,
        shredder,
        "outputs",
        {"fraction": "plastics", "counts_as": "energy_recovery", "mass_kg": "40"},
    )
    post(recycler, shredder, "close", {}, expect=200)
    refinery = open_batch(refiner, "hydrometallurgical")
    post(refiner, refinery, "inputs", {"source_output": black_mass, "mass_kg": "300"})
    post(
        refiner,
        refinery,
        "outputs",
        {
            "fraction": "cobalt sulphate",
            "counts_as": "recycling",
            "mass_kg": "51.6",
            "origin_mass_kg": "10.8",
            "elements": {"Co": "10.8"},
        },
    )
    post(
        refiner,
        refinery,
        "outputs",
        {
            "fraction": "nickel sulphate",
            "counts_as": "recycling",
            "mass_kg": "385",
            "origin_mass_kg": "86",
            "elements": {"Ni": "86"},
        },
    )
    post(
        refiner,
        refinery,
        "outputs",
        {
            "fraction": "lithium carbonate",
            "counts_as": "recycling",
            "mass_kg": "66",
            "origin_mass_kg": "12.4",
            "elements": {"Li": "12.4"},
        },
    )
    post(refiner, refinery, "outputs",
         {"fraction": "leach residue", "counts_as": "disposal", "mass_kg": "150",
          "origin_mass_kg": "150"})  # fmt: skip
    post(refiner, refinery, "close", {}, expect=200)
    buckets_refresh()  # test transactions never commit, so the on-commit refresh runs here
    return shredder, refinery


SIX = Decimal("0.000001")


@pytest.fixture
def waste(manufacturer, collector, recycler):
    """Six batteries collected and handed over to the recycler, as Passport rows.

    Collected in two years and declared with several lithium chemistries, so that the products
    a batch takes in leave more than one collected cell.
    """
    ids = collected_in_two_years(
        manufacturer, collector, "CHAIN", 6, (slice(0, 6, 2), slice(1, 6, 2))
    )
    hand_over(collector, recycler, ids)
    for pk, chemistry in zip(ids[2:], ("LFP", "NCA", "LFP", "NMC622"), strict=True):
        passport = Passport.objects.get(pk=pk)
        attributes = {**passport.attributes, "chemistry": chemistry}
        Passport.objects.filter(pk=pk).update(attributes=attributes)
    return list(Passport.objects.filter(pk__in=ids).order_by("serial"))


def _part(elements: dict, share: Decimal) -> dict:
    return {e: (m * share).quantize(SIX, rounding="ROUND_DOWN") for e, m in elements.items()}


def fill_batch(recycler, batch, passports, intermediate, with_intermediate: bool):
    """Inputs, then a recycled output and perhaps an intermediate, within the mass balance."""
    mass, elements = Decimal(0), {}
    for passport in passports:
        row = batch_input_add(batch_id=batch.pk, passport=passport, mass_kg=passport.mass_kg)
        mass += row.mass_kg
        for e in row.elements.all():
            elements[e.element] = elements.get(e.element, Decimal(0)) + e.mass_kg
    if intermediate is not None:
        intermediate = BatchOutput.objects.get(pk=intermediate.pk)  # its batch closed since
        row = batch_input_add(
            batch_id=batch.pk, source_output=intermediate, mass_kg=intermediate.mass_kg
        )
        mass += row.mass_kg
        for e in row.elements.all():
            elements[e.element] = elements.get(e.element, Decimal(0)) + e.mass_kg
    batch_output_add(
        batch_id=batch.pk, fraction="metals", counts_as=CountsAs.RECYCLING,
        mass_kg=(mass * Decimal("0.3")).quantize(SIX), origin_mass_kg=None,
        elements=_part(elements, Decimal("0.3")),
    )  # fmt: skip
    if with_intermediate:
        return batch_output_add(
            batch_id=batch.pk, fraction="black mass", counts_as=CountsAs.INTERMEDIATE,
            mass_kg=(mass * Decimal("0.4")).quantize(SIX), origin_mass_kg=None,
            elements=_part(elements, Decimal("0.4")),
        )  # fmt: skip
    return None


def open_battery_batch(recycler, started_at=WHEN, category="lithium"):
    return batch_open(
        recycler=recycler, process_route="mechanical", product_type="battery",
        chemistry_category=category, site_country="DE", site_region="DE-BY",
        started_at=started_at,
    )  # fmt: skip


def draw_inputs(data, pool: list, intermediates: list, likely) -> tuple | None:
    """What a new batch takes: perhaps an intermediate, and up to two products of the pool.

    At least one product without an intermediate; None when the pool cannot give that. What
    is drawn is taken out of `pool` and `intermediates`.
    """
    upstream = None
    if intermediates and data.draw(likely, label="takes an intermediate"):
        upstream = intermediates.pop(data.draw(st.integers(0, len(intermediates) - 1)))
    fewest = 0 if upstream is not None else 1
    if len(pool) < fewest:
        return None
    take = data.draw(st.integers(fewest, min(2, len(pool))), label="products")
    passports = pool[:take]
    del pool[:take]
    return upstream, passports
