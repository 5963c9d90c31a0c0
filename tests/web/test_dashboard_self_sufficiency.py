"""The dashboard's self-sufficiency page: demand against secondary supply, scenario beside it."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from passports.services.organisations import person_create
from tests.recycling.test_self_sufficiency_api import BASE_YEAR, placed_battery

PASSWORD = "a-long-test-password"
PAGE = "web:dashboard-self-sufficiency"
FIXED = {"element": "Li", "until": "2040", "demand_growth_pct": "0", "demand_base_years": "1",
         "collection_rate": "0.5", "recovery_rate": "0.8"}  # fmt: skip


def signed_in(actor, username: str) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password=PASSWORD)
    )
    return client


@pytest.fixture
def inspector(regulator) -> Client:
    return signed_in(regulator, "inspector")


@pytest.fixture
def battery(manufacturer):
    placed_battery(manufacturer, "DASH-1")


def test_page_charts_demand_against_secondary_supply_with_the_scenario(battery, inspector):
    response = inspector.get(reverse(PAGE), FIXED)

    assert response.status_code == 200
    chart = response.context["chart"]
    assert chart["labels"] == list(range(BASE_YEAR, 2041))
    assert chart["demand"] == [6.9] * len(chart["labels"])
    answer = response.context["answer"]
    assert chart["ssr"][-1] == pytest.approx(100 * answer["ssr"][-1], abs=0.01)
    assert chart["threshold"][0] == 20.0
    page = response.content.decode()
    assert 'data-chart="self-sufficiency"' in page
    assert "<script>" not in page  # no inline script: the chart reads its data element
    assert "self_sufficiency.js" in page
    assert "Observed rates" in page and "0.5" in page  # the parameters beside the chart
    assert "format=csv" in response.context["download"]


def test_csv_link_downloads_the_same_series(battery, inspector):
    page = inspector.get(reverse(PAGE), FIXED)

    download = inspector.get(page.context["download"])

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert download.content.decode().count("\n") == 1 + len(page.context["rows"])


def test_invalid_parameters_are_shown_beside_their_fields(inspector, db):
    response = inspector.get(reverse(PAGE), {"element": "Li", "threshold": "3"})

    assert response.status_code == 400
    assert response.context["errors"]["threshold"] == [
        "Ensure this value is less than or equal to 1."
    ]


def test_page_speaks_simplified_chinese(battery, inspector):
    with translation.override("zh-hans"):
        response = inspector.get(reverse(PAGE), {**FIXED, "scenario": "eu-targets"},
                                 headers={"accept-language": "zh-hans"})  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "自给率" in page
    assert "Self-sufficiency" not in page


def test_other_kinds_may_not_open_the_page(manufacturer, recycler, client, db):
    assert client.get(reverse(PAGE))["Location"].startswith(reverse("login"))
    for actor, username in ((manufacturer, "maker"), (recycler, "smelter")):
        assert signed_in(actor, username).get(reverse(PAGE)).status_code == 403
