"""The dashboard's supply page: concentration beside the world's, import dependence, recycling."""

import pytest
from django.test import Client
from django.urls import reverse

from passports.services.organisations import person_create

PASSWORD = "a-long-test-password"


def signed_in(actor, username: str) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password=PASSWORD)
    )
    return client


@pytest.fixture
def inspector(regulator) -> Client:
    return signed_in(regulator, "inspector")


def test_supply_page_shows_cobalt_beside_the_world(registered_battery, inspector):
    response = inspector.get(reverse("web:dashboard-supply"), {"element": "Co"})

    assert response.status_code == 200
    concentration = response.context["concentration"]
    # The factory battery: 5.7 kg Co, 70 % from CD and 30 % from AU.
    assert concentration["hhi"] == pytest.approx(7000**2 / 10**4 + 3000**2 / 10**4)
    assert concentration["top_country"] == "CD"
    chart = response.context["chart"]
    assert chart["labels"][:2] == ["CD", "AU"]
    assert chart["declared"][:2] == [70.0, 30.0]
    assert chart["world"][0] == pytest.approx(73.91)
    page = response.content.decode()
    assert 'data-chart="supply"' in page
    assert "<script>" not in page  # no inline script: the chart reads its data attribute
    assert "format=csv" in response.context["downloads"]["concentration"]
    assert response.context["recycled"]["post_consumer_share"] == 0.16


def test_supply_page_csv_link_downloads_for_the_signed_in_regulator(registered_battery, inspector):
    page = inspector.get(reverse("web:dashboard-supply"), {"element": "Co", "group": "EU"})

    download = inspector.get(page.context["downloads"]["import_dependence"])

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")


def test_supply_page_names_the_invalid_filter(inspector):
    response = inspector.get(reverse("web:dashboard-supply"), {"element": "Xx", "market": "ZZ"})

    assert response.status_code == 400
    assert response.context["errors"]["element"] == ["'Xx' is not an element symbol."]
    assert "market" in response.context["errors"]


def test_supply_page_is_in_chinese_too(registered_battery, inspector):
    response = inspector.get(
        reverse("web:dashboard-supply"), {"element": "Co"}, HTTP_ACCEPT_LANGUAGE="zh-Hans"
    )

    assert response.status_code == 200
    assert "供应安全" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("web:dashboard-supply"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("kind", ["manufacturer", "recycler", "collector"])
def test_supply_page_is_for_regulators_only(make_actor, kind):
    actor = make_actor(kind, f"{kind} Ltd")

    assert signed_in(actor, kind).get(reverse("web:dashboard-supply")).status_code == 403
