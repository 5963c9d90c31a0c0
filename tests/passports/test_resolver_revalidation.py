"""A repeated public scan that sends its ETag gets 304; any change to the passport, a new one."""

import datetime as dt

import pytest
from django.utils import timezone

LINK = "/01/09506000134352/21/BAT-000001"


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_repeated_public_scan_with_its_etag_is_304(anonymous, registered_battery, accept):
    first = anonymous.get(LINK, HTTP_ACCEPT=accept)

    again = anonymous.get(LINK, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_json_and_html_answers_have_different_etags(anonymous, registered_battery):
    as_json = anonymous.get(LINK, HTTP_ACCEPT="application/json")
    as_html = anonymous.get(LINK, HTTP_ACCEPT="text/html")

    assert as_json["ETag"] != as_html["ETag"]


def test_an_event_changes_the_etag(anonymous, manufacturer, registered_battery):
    before = anonymous.get(LINK, HTTP_ACCEPT="application/json")["ETag"]
    posted = manufacturer.client.post(
        f"/api/v1/passports/{registered_battery['id']}/events/",
        {
            "type": "placed_on_market",
            "occurred_at": (timezone.now() - dt.timedelta(hours=1)),
            "payload": {"country": "DE"},
        },
        format="json",
    )
    assert posted.status_code == 201, posted.json()

    after = anonymous.get(LINK, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=before)

    assert after.status_code == 200
    assert after["ETag"] != before


def test_restricted_reads_are_not_revalidated(regulator, registered_battery):
    response = regulator.client.get(LINK, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "ETag" not in response


@pytest.mark.parametrize("header", ["*", "W/{etag}", '"other", {etag}'])
def test_if_none_match_is_compared_as_rfc_9110_says(anonymous, registered_battery, header):
    first = anonymous.get(LINK, HTTP_ACCEPT="application/json")
    anonymous.get(LINK, HTTP_ACCEPT="application/json")  # now answered from the cache too

    again = anonymous.get(
        LINK, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=header.format(etag=first["ETag"])
    )

    assert again.status_code == 304


def test_a_stale_or_other_tag_gets_the_answer(anonymous, registered_battery):
    response = anonymous.get(LINK, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH='"stale"')

    assert response.status_code == 200
