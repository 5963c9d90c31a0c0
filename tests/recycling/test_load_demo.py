"""The load_demo command: every kind of organisation, 300+ valid signed passports, their end of
life through the real services, idempotent."""

import io
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from lifecycle.models import Event, EventType
from passports import gbt34014
from passports.identifiers import normalise_gtin
from passports.models import (
    CompositionEntry,
    Organisation,
    OrganisationKind,
    OriginShare,
    Passport,
    PassportStatus,
    ProductType,
)
from recycling import demo
from recycling.models import (
    Batch,
    BatchInput,
    BatchStatus,
    CloneAlert,
    Collection,
    CollectionItem,
    CountsAs,
    InventoryCell,
    Statistic,
)
from recycling.services.batches import mass_balance_problems

RESOLVER_URL = re.compile(r"https?://\S+/01/\d{14}/21/\S+")
TOKEN = re.compile(r"\b[0-9a-f]{64}\b")


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One load for the whole module, rolled back at its end: a load takes several seconds.

    Each test still runs in its own savepoint inside this transaction, so tests that write (a
    second load) leave nothing behind for the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


@pytest.fixture
def output(loaded, db) -> str:
    return loaded


def token_of(output: str, kind: str) -> str:
    """The token printed for the first organisation of a kind."""
    line = next(line for line in output.splitlines() if line.startswith(kind))
    return TOKEN.search(line).group()


def test_creates_passports_of_every_family_and_organisations_of_every_kind(output):
    counts = {t: Passport.objects.filter(product_type=t).count() for t in ProductType.values}

    assert sum(counts.values()) >= 300
    assert all(count >= 50 for count in counts.values()), counts
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    # Archived operators exist only where an archive was imported (import_archive).
    assert kinds == set(OrganisationKind.values) - {OrganisationKind.ARCHIVED_OPERATOR}
    assert Organisation.objects.filter(kind=OrganisationKind.RECYCLER).count() >= 2


def test_each_passport_has_exactly_one_registered_event_and_an_unbroken_chain(output):
    passports = Passport.objects.count()
    genesis = Event.objects.filter(type=EventType.REGISTERED, seq=0)

    assert Event.objects.filter(type=EventType.REGISTERED).count() == passports
    assert genesis.values("passport").distinct().count() == passports
    for passport in Passport.objects.prefetch_related("events"):
        events = sorted(passport.events.all(), key=lambda e: e.seq)
        assert [e.seq for e in events] == list(range(len(events)))
        assert all(e.prev == before.hash for before, e in zip(events, events[1:], strict=False))
        assert passport.head_hash == events[-1].hash


def test_compositions_fit_within_product_mass(output):
    totals: dict = defaultdict(Decimal)
    for passport_id, mass in CompositionEntry.objects.values_list("passport", "mass_kg"):
        totals[passport_id] += mass

    for passport in Passport.objects.all():
        assert 0 < totals[passport.id] <= passport.mass_kg, passport


def test_origin_shares_per_substance_sum_to_one(output):
    shares: dict = defaultdict(Decimal)
    for passport_id, substance, share in OriginShare.objects.values_list(
        "passport", "substance", "share"
    ):
        shares[(passport_id, substance)] += share

    assert {s for _, s in shares} >= {"Co", "Li", "Ni", "graphite", "Nd", "Dy", "Si"}
    assert all(total == 1 for total in shares.values())


def test_identifiers_dates_and_codes_are_valid(output):
    today = timezone.localdate()
    for passport in Passport.objects.select_related("manufacturer"):
        assert normalise_gtin(passport.gtin) == passport.gtin
        assert passport.gtin[1:].startswith(passport.manufacturer.gs1_company_prefix)
        assert re.fullmatch(r"[A-Z0-9-]{1,20}", passport.serial)
        assert date(2006, 1, 1) <= passport.manufactured_at <= today
    coded = Passport.objects.exclude(gbt_code=None)
    assert coded.exists()
    for passport in coded:
        parsed = gbt34014.parse(passport.gbt_code)
        assert gbt34014.chemistry_matches(parsed, passport.attributes["chemistry"])
        assert parsed.production_date == passport.manufactured_at


def test_running_twice_adds_nothing_and_issues_fresh_tokens(output):
    models = (Passport, Organisation, Event, Collection, CollectionItem, Batch, BatchInput)
    before = {model: model.objects.count() for model in models}
    statistics = set(Statistic.objects.values_list("metric", "year", "numerator_kg"))

    again = load_demo()

    assert {model: model.objects.count() for model in models} == before
    assert set(Statistic.objects.values_list("metric", "year", "numerator_kg")) == statistics
    assert "0 passports registered now" in again
    assert "End of life (recorded now)" in output
    assert "recorded by an earlier run" in again
    assert set(TOKEN.findall(again)).isdisjoint(TOKEN.findall(output))


def test_output_tokens_work_and_resolver_urls_resolve(output, client):
    tokens = TOKEN.findall(output)
    urls = RESOLVER_URL.findall(output)

    assert len(set(tokens)) == len(demo.ORGANISATIONS)
    assert len(urls) == len(ProductType.values)
    for url in urls:
        response = client.get(urlsplit(url).path, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, url
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    assert api.get("/api/v1/passports/").status_code == 200
    for path in ("/api/docs/", "/.well-known/jwks.json", "/healthz"):
        assert path in output


def test_quiet_prints_only_the_organisations(db):
    quiet = load_demo("--quiet")

    assert len(TOKEN.findall(quiet)) == len(demo.ORGANISATIONS)
    assert RESOLVER_URL.search(quiet) is None


def test_the_same_seed_generates_the_same_declarations():
    manufacturer = demo.MANUFACTURERS[1]
    today = date(2026, 6, 30)

    first = demo.declarations(random.Random(7), manufacturer, today)
    second = demo.declarations(random.Random(7), manufacturer, today)

    assert first == second
    assert first != demo.declarations(random.Random(8), manufacturer, today)


def test_most_products_are_sold_and_a_realistic_share_of_the_older_ones_collected(output):
    passports = Passport.objects.all()
    collected = Passport.objects.filter(pk__in=CollectionItem.objects.values("passport"))
    today = timezone.localdate()
    old = [p for p in collected if (today - p.manufactured_at).days > 8 * 365]

    assert passports.exclude(placed_on_market_on=None).count() >= 0.9 * passports.count()
    assert {p.market_country for p in passports.exclude(market_country="")} >= {"DE", "CN"}
    assert Event.objects.filter(type=EventType.HEALTH_REPORTED).exists()
    # Most of a growing stock is still in use: about one product in eight has been collected.
    assert 0.1 <= collected.count() / passports.count() <= 0.45
    assert len(old) > collected.count() / 2
    assert len({c.region[:2] for c in Collection.objects.all()}) >= 3
    assert len({c.collected_at.year for c in Collection.objects.all()}) >= 4
    for passport in collected:
        assert passport.status in (PassportStatus.WASTE, PassportStatus.RECYCLED)
        assert passport.placed_on_market_on <= passport.events.get(type="collected").time.date()


def test_ordinary_lives_raise_no_cloned_label_alert(output):
    """Every demo product is collected in the country it was sold in, so none looks copied."""
    assert CollectionItem.objects.exists()
    assert not CloneAlert.objects.exists()


def test_batches_span_recyclers_routes_and_years_and_balance(output):
    closed = Batch.objects.filter(status=BatchStatus.CLOSED)
    chains = BatchInput.objects.filter(source_output__isnull=False, batch__status="closed")

    assert len(set(closed.values_list("process_route", flat=True))) >= 2
    assert closed.values("recycler").distinct().count() == 2
    assert {b.closed_at.year for b in closed} >= {2022, 2023, 2024, 2025}
    assert set(closed.values_list("product_type", flat=True)) == set(ProductType.values)
    assert chains.exists()
    for chain in chains.select_related("source_output__batch", "batch"):
        assert chain.source_output.counts_as == CountsAs.INTERMEDIATE
        assert chain.source_output.batch.recycler != chain.batch.recycler
        assert chain.batch.process_route == "hydrometallurgical"
    for batch in closed:
        assert mass_balance_problems(batch) == []
    for passport in Passport.objects.filter(status=PassportStatus.RECYCLED):
        assert passport.events.order_by("-seq").first().type == EventType.RECYCLED


def test_statistics_exist_for_every_metric_and_targets_are_both_met_and_missed(output):
    metrics = set(Statistic.objects.values_list("metric", flat=True))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_of(output, 'regulator')}")

    rows = api.get("/api/v1/statistics/recovery?regime=EU&limit=1000").json()["results"]

    assert metrics >= {"recycling_efficiency", "material_recovery", "collection_rate"}
    verdicts = {(r["metric"], r["target_met"]) for r in rows}
    assert ("recycling_efficiency", True) in verdicts
    assert ("recycling_efficiency", False) in verdicts
    stages = set(InventoryCell.objects.values_list("stage", flat=True))
    assert stages >= {"in_use", "recovered", "lost"}
    assert "met)" in output
    assert "missed)" in output
    call_command("rebuild_aggregates", "--check", stdout=io.StringIO())
