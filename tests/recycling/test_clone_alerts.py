"""Cloned labels: each rule raises an alert from the scans and collections it sees, once, and an
ordinary life (scanned, collected, handed over, scanned on delivery, ended) raises none."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lifecycle.services.events import event_record
from passports.models import AccessRecord, Passport
from passports.services.organisations import person_create
from recycling.models import AlertRule, CloneAlert
from recycling.services.collections import collection_record
from tests.factories import declaration

PLACED_AT = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)
COLLECTED_AT = dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)


def signed_in(actor, username: str) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password="pw-123456")
    )
    return client


def scan(client: Client, passport: Passport) -> None:
    """Opens the passport at intake, as the scan page does after reading its code."""
    response = client.get(reverse("web:intake-passport", args=[passport.pk]))
    assert response.status_code == 200


def event(actor, passport: Passport, event_type: str, payload: dict, at=COLLECTED_AT) -> None:
    event_record(
        passport_id=passport.pk,
        actor=actor.organisation,
        event_type=event_type,
        occurred_at=at,
        payload=payload,
    )


@pytest.fixture
def collector(make_actor):
    return make_actor("collector", "Collect GmbH", country="DE")


@pytest.fixture
def french_collector(make_actor):
    return make_actor("collector", "Collecte SA", country="FR")


@pytest.fixture
def as_collector(collector) -> Client:
    return signed_in(collector, "collector-person")


@pytest.fixture
def as_french_collector(french_collector) -> Client:
    return signed_in(french_collector, "collecte-person")


@pytest.fixture
def as_recycler(recycler) -> Client:
    return signed_in(recycler, "recycler-person")


@pytest.fixture
def battery(manufacturer) -> Passport:
    """A battery placed on the German market."""
    response = manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    assert response.status_code == 201, response.json()
    passport = Passport.objects.get(pk=response.json()["id"])
    event(manufacturer, passport, "placed_on_market", {"country": "DE"}, at=PLACED_AT)
    return passport


def collect(actor, passport: Passport, region: str = "DE-BY"):
    return collection_record(
        collector=actor.organisation,
        region=region,
        collected_at=COLLECTED_AT,
        items=[(passport, Decimal("450"))],
    )


def test_an_ordinary_life_raises_no_alert(battery, collector, recycler, as_collector, as_recycler):
    scan(as_collector, battery)
    response = as_collector.post(
        reverse("web:intake-collect", args=[battery.pk]),
        {"collected_on": "2026-09-01", "region": "DE-BY", "mass_kg": "450"},
    )
    assert response.status_code == 302
    scan(as_collector, battery)
    scan(as_recycler, battery)  # on delivery, before the collector records the handover
    response = as_collector.post(
        reverse("web:intake-handover", args=[battery.pk]),
        {"recipient": str(recycler.organisation.pk), "handed_on": "2026-09-02"},
    )
    assert response.status_code == 302
    scan(as_collector, battery)
    scan(as_recycler, battery)
    event(recycler, battery, "disposed", {"method": "incineration"})
    scan(as_recycler, battery)  # the organisation that ended it looks it up again

    assert AccessRecord.objects.filter(passport=battery, via="intake").count() == 6
    assert not CloneAlert.objects.exists()


def test_a_disposed_passport_scanned_again_elsewhere_raises_an_alert(
    battery, collector, recycler, french_collector, as_french_collector
):
    collect(collector, battery)
    event(collector, battery, "ownership_transferred", {"to": str(recycler.organisation.pk)})
    event(recycler, battery, "disposed", {"method": "landfill"})

    scan(as_french_collector, battery)
    scan(as_french_collector, battery)  # the same scanner again: the same alert

    alert = CloneAlert.objects.get()
    assert alert.rule == AlertRule.SCANNED_AFTER_END
    assert alert.passport == battery
    assert alert.evidence["status"] == "disposed"
    assert alert.evidence["scan"]["organisation"]["name"] == "Collecte SA"
    assert alert.evidence["scan"]["tier"] == "legitimate_interest"
    assert alert.evidence["ended_by"]["type"] == "disposed"
    assert alert.evidence["ended_by"]["actor"]["name"] == "Recycle AG"
    assert "user" not in str(alert.evidence)  # organisations, never people


def test_two_organisations_scanning_within_the_window_raise_an_alert(
    battery, as_collector, as_french_collector
):
    scan(as_collector, battery)
    scan(as_french_collector, battery)
    scan(as_collector, battery)  # the same pair again: no second alert

    alert = CloneAlert.objects.get()
    assert alert.rule == AlertRule.SCANNED_BY_TWO
    assert [s["organisation"]["name"] for s in alert.evidence["scans"]] == [
        "Collect GmbH",
        "Collecte SA",
    ]
    assert alert.evidence["window_hours"] == 24
    assert alert.evidence["transfers"] == []


def test_scans_further_apart_than_the_window_raise_none(
    settings, battery, as_collector, as_french_collector
):
    settings.CLONE_SCAN_WINDOW_HOURS = 6
    scan(as_collector, battery)
    AccessRecord.objects.filter(passport=battery).update(at=timezone.now() - dt.timedelta(hours=7))
    scan(as_french_collector, battery)

    assert not CloneAlert.objects.exists()


def test_a_handover_between_two_scanners_explains_their_scans(
    battery, collector, recycler, as_collector, as_recycler, make_actor
):
    collect(collector, battery)
    scan(as_collector, battery)
    event(collector, battery, "ownership_transferred", {"to": str(recycler.organisation.pk)})
    other = make_actor("recycler", "Refine AG", country="DE")
    event(recycler, battery, "ownership_transferred", {"to": str(other.organisation.pk)})
    scan(signed_in(other, "refine-person"), battery)  # two handovers away from the collector

    assert not CloneAlert.objects.exists()


def test_a_scan_by_a_third_organisation_while_waste_awaits_handover_raises_one_later(
    battery, collector, recycler, french_collector, as_collector, as_recycler, as_french_collector
):
    collect(collector, battery)
    scan(as_collector, battery)
    scan(as_french_collector, battery)  # might be the recipient: the collector still holds it
    assert not CloneAlert.objects.exists()

    event(collector, battery, "ownership_transferred", {"to": str(recycler.organisation.pk)})
    scan(as_recycler, battery)  # the real recipient: the French scan is left unexplained

    alert = CloneAlert.objects.get()
    assert alert.rule == AlertRule.SCANNED_BY_TWO
    assert {s["organisation"]["name"] for s in alert.evidence["scans"]} == {
        "Collecte SA",
        "Recycle AG",
    }


def test_a_collection_outside_the_market_raises_an_alert(battery, french_collector):
    collection = collect(french_collector, battery, region="FR-IDF")

    alert = CloneAlert.objects.get()
    assert alert.rule == AlertRule.COLLECTED_OUTSIDE_MARKET
    assert alert.key == f"collection:{collection.pk}"
    assert alert.evidence["placed_on_market"] == {"country": "DE", "date": "2026-05-01"}
    assert alert.evidence["collection"]["region"] == "FR-IDF"
    assert alert.evidence["collection"]["country"] == "FR"
    assert alert.evidence["collection"]["collector"]["name"] == "Collecte SA"
    assert alert.evidence["collected"]["type"] == "collected"


def test_a_collection_through_the_api_raises_the_alert_too(battery, french_collector):
    response = french_collector.client.post(
        "/api/v1/collections/",
        {"region": "FR-ARA", "collected_at": "2026-09-01T08:00:00Z",
         "items": [{"passport": str(battery.pk)}]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    assert CloneAlert.objects.get().rule == AlertRule.COLLECTED_OUTSIDE_MARKET


def test_a_collection_in_the_market_raises_none(battery, collector):
    collect(collector, battery, region="DE-NW")

    assert not CloneAlert.objects.exists()


def test_a_handover_to_an_organisation_in_the_collection_country_explains_it(
    battery, manufacturer, french_collector, make_actor
):
    workshop = make_actor("repairer", "Atelier SARL", country="FR")
    event(manufacturer, battery, "ownership_transferred", {"to": str(workshop.organisation.pk)})

    collect(french_collector, battery, region="FR-IDF")

    assert not CloneAlert.objects.exists()


def test_a_product_never_placed_on_the_market_is_not_judged_by_market(
    manufacturer, french_collector
):
    response = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial="NEVER-SOLD"), format="json"
    )
    passport = Passport.objects.get(pk=response.json()["id"])

    collect(french_collector, passport, region="FR-IDF")

    assert not CloneAlert.objects.exists()
