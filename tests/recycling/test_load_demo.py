"""The load_demo command: every kind of organisation, 300+ valid signed passports, idempotent."""

import io
import random
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
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
    ProductType,
)
from recycling import demo

RESOLVER_URL = re.compile(r"https?://\S+/01/\d{14}/21/\S+")
TOKEN = re.compile(r"\b[0-9a-f]{64}\b")


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def output(db) -> str:
    return load_demo()


def test_creates_passports_of_every_family_and_organisations_of_every_kind(output):
    counts = {t: Passport.objects.filter(product_type=t).count() for t in ProductType.values}

    assert sum(counts.values()) >= 300
    assert all(count >= 50 for count in counts.values()), counts
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(OrganisationKind.values)
    assert Organisation.objects.filter(kind=OrganisationKind.RECYCLER).count() >= 2


def test_each_passport_has_exactly_one_registered_event(output):
    passports = Passport.objects.count()
    genesis = Event.objects.filter(type=EventType.REGISTERED, seq=0)

    assert Event.objects.count() == passports
    assert genesis.values("passport").distinct().count() == passports
    for passport in Passport.objects.all():
        assert passport.head_hash == passport.events.get().hash


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
    passports, organisations = Passport.objects.count(), Organisation.objects.count()

    again = load_demo()

    assert Passport.objects.count() == passports
    assert Organisation.objects.count() == organisations
    assert Event.objects.count() == passports
    assert "0 passports registered now" in again
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
