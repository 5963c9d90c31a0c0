"""The regulator dashboard's Alerts page: open alerts with their evidence, dismissed with a
reason that is kept; other roles are refused, anonymous visitors sent to sign in."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from lifecycle.services.events import event_record
from passports.models import Passport
from passports.services.organisations import person_create
from recycling.models import CloneAlert
from recycling.services.collections import collection_record
from tests.factories import declaration


def signed_in(actor, username: str) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password="pw-123456")
    )
    return client


@pytest.fixture
def inspector(regulator) -> Client:
    return signed_in(regulator, "inspector")


@pytest.fixture
def alert(manufacturer, make_actor) -> CloneAlert:
    """A battery placed on the German market and collected in France."""
    collector = make_actor("collector", "Collecte SA", country="FR")
    response = manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    passport = Passport.objects.get(pk=response.json()["id"])
    event_record(
        passport_id=passport.pk,
        actor=manufacturer.organisation,
        event_type="placed_on_market",
        occurred_at=dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC),
        payload={"country": "DE"},
    )
    collection_record(
        collector=collector.organisation,
        region="FR-IDF",
        collected_at=dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC),
        items=[(passport, Decimal("450"))],
    )
    return CloneAlert.objects.get()


def dismiss(client: Client, alert: CloneAlert, reason: str):
    return client.post(reverse("web:dashboard-alert-dismiss", args=[alert.pk]), {"reason": reason})


def test_open_alerts_are_listed_with_their_evidence(alert, inspector):
    response = inspector.get(reverse("web:dashboard-alerts"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Collected outside its market" in page
    assert "Placed on the market in DE on 2026-05-01." in page
    assert "Collected in FR-IDF by Collecte SA at 2026-09-01 08:00 UTC." in page
    assert "No handover to an organisation in FR before it." in page
    assert reverse("web:dashboard-passport", args=[alert.passport_id]) in page
    assert reverse("web:dashboard-alert-dismiss", args=[alert.pk]) in page
    assert "<script>" not in page and "style=" not in page


def test_a_regulator_dismisses_an_alert_with_a_reason(alert, inspector, regulator):
    response = dismiss(inspector, alert, "The owner moved to Paris.")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard-alerts")
    alert.refresh_from_db()
    assert alert.dismissal_reason == "The owner moved to Paris."
    assert alert.dismissed_by == regulator.organisation
    assert alert.dismissed_by_person.username == "inspector"
    page = inspector.get(response["Location"]).content.decode()
    assert "No open alerts." in page
    assert "Recently dismissed" in page and "The owner moved to Paris." in page


def test_a_dismissal_without_a_reason_is_refused_beside_the_form(alert, inspector):
    response = dismiss(inspector, alert, "   ")

    assert response.status_code == 400
    assert "Say why this is not a copied label." in response.content.decode()
    alert.refresh_from_db()
    assert alert.dismissed_at is None


def test_dismissing_an_unknown_alert_is_404(alert, inspector):
    response = inspector.post(
        reverse("web:dashboard-alert-dismiss", args=[uuid.uuid4()]), {"reason": "x"}
    )

    assert response.status_code == 404


def test_only_regulators_open_the_alerts_page(alert, manufacturer, recycler, client):
    for actor, username in ((manufacturer, "maker"), (recycler, "smelter")):
        person = signed_in(actor, username)
        assert person.get(reverse("web:dashboard-alerts")).status_code == 403
        assert dismiss(person, alert, "Not a clone.").status_code == 403
    response = client.get(reverse("web:dashboard-alerts"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    alert.refresh_from_db()
    assert alert.dismissed_at is None
