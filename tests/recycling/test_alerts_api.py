"""/api/v1/alerts/: the passport's manufacturer and regulators list, read and dismiss cloned-label
alerts; anyone else gets a 404 (or an empty list), anonymous callers a 401."""

import datetime as dt
from decimal import Decimal

import pytest

from lifecycle.services.events import event_record
from passports.models import Passport
from recycling.models import CloneAlert
from recycling.services.collections import collection_record
from tests.factories import declaration


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.fixture
def french_collector(make_actor):
    return make_actor("collector", "Collecte SA", country="FR")


@pytest.fixture
def alert(manufacturer, french_collector) -> CloneAlert:
    """A battery placed on the German market and collected in France."""
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
        collector=french_collector.organisation,
        region="FR-IDF",
        collected_at=dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC),
        items=[(passport, Decimal("450"))],
    )
    return CloneAlert.objects.get()


def test_the_manufacturer_lists_its_passports_alerts_with_their_evidence(manufacturer, alert):
    response = manufacturer.client.get("/api/v1/alerts/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    listed = body["results"][0]
    assert listed["id"] == str(alert.pk)
    assert listed["passport"] == str(alert.passport_id)
    assert listed["rule"] == "collected_outside_market"
    assert listed["evidence"]["collection"]["region"] == "FR-IDF"
    assert listed["dismissed"] is None


def test_a_regulator_lists_every_alert_and_filters_them(regulator, alert):
    assert regulator.client.get("/api/v1/alerts/").json()["count"] == 1
    by_rule = regulator.client.get("/api/v1/alerts/?rule=scanned_by_two_organisations")
    assert by_rule.json()["count"] == 0
    by_passport = regulator.client.get(f"/api/v1/alerts/?passport={alert.passport_id}&state=open")
    assert by_passport.json()["count"] == 1
    assert regulator.client.get("/api/v1/alerts/?state=dismissed").json()["count"] == 0


def test_an_unknown_filter_value_is_a_400_naming_it(regulator, alert):
    response = regulator.client.get("/api/v1/alerts/?rule=cloned&passport=not-a-uuid")

    assert response.status_code == 400
    assert set(errors(response)) == {"rule", "passport"}


def test_another_manufacturer_and_waste_handlers_see_no_alert(
    other_manufacturer, french_collector, alert
):
    for actor in (other_manufacturer, french_collector):
        assert actor.client.get("/api/v1/alerts/").json()["count"] == 0
        assert actor.client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404


def test_the_manufacturer_reads_one_alert(manufacturer, alert):
    response = manufacturer.client.get(f"/api/v1/alerts/{alert.pk}/")

    assert response.status_code == 200
    assert response.json()["evidence"]["placed_on_market"]["country"] == "DE"


def test_anonymous_callers_are_refused(anonymous, alert):
    assert anonymous.get("/api/v1/alerts/").status_code == 401
    assert anonymous.get(f"/api/v1/alerts/{alert.pk}/").status_code == 401
    response = anonymous.post(f"/api/v1/alerts/{alert.pk}/dismiss/", {"reason": "x"}, format="json")
    assert response.status_code == 401


def test_dismissing_keeps_the_alert_with_who_dismissed_it_and_why(regulator, manufacturer, alert):
    response = regulator.client.post(
        f"/api/v1/alerts/{alert.pk}/dismiss/",
        {"reason": "The owner moved to France; confirmed by phone."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    dismissed = response.json()["dismissed"]
    assert dismissed["organisation"] == str(regulator.organisation.pk)
    assert dismissed["organisation_name"] == "Market Surveillance"
    assert dismissed["person"] is None  # a service account, not a person
    assert dismissed["reason"] == "The owner moved to France; confirmed by phone."
    alert.refresh_from_db()
    assert alert.dismissed_at is not None
    listed = manufacturer.client.get("/api/v1/alerts/?state=dismissed").json()
    assert [a["id"] for a in listed["results"]] == [str(alert.pk)]
    assert manufacturer.client.get("/api/v1/alerts/?state=open").json()["count"] == 0


def test_a_dismissal_needs_a_reason(manufacturer, alert):
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": 7}):
        response = manufacturer.client.post(
            f"/api/v1/alerts/{alert.pk}/dismiss/", body, format="json"
        )
        assert response.status_code == 400, body
        assert "reason" in errors(response), body
    alert.refresh_from_db()
    assert alert.dismissed_at is None


def test_an_alert_is_dismissed_once(manufacturer, regulator, alert):
    url = f"/api/v1/alerts/{alert.pk}/dismiss/"
    assert (
        manufacturer.client.post(url, {"reason": "Our test label."}, format="json").status_code
        == 200
    )

    response = regulator.client.post(url, {"reason": "Seen."}, format="json")

    assert response.status_code == 409
    alert.refresh_from_db()
    assert alert.dismissal_reason == "Our test label."
    assert alert.dismissed_by == manufacturer.organisation


def test_another_organisation_cannot_dismiss_an_alert(other_manufacturer, french_collector, alert):
    for actor in (other_manufacturer, french_collector):
        response = actor.client.post(
            f"/api/v1/alerts/{alert.pk}/dismiss/", {"reason": "Not ours."}, format="json"
        )
        assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.dismissed_at is None
