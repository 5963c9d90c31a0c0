"""A battery's passport page offers its Battery Pass document at the reader's tier."""

import re

import pytest

from tests.factories import declaration
from tests.web.test_passport_page import HTML, browser_for, page, register

LABEL = "Download as Battery Pass (JSON)"


def batterypass_href(html: str) -> str | None:
    found = re.search(r'id="batterypass-link" href="([^"]+)"', html)
    return found.group(1) if found else None


@pytest.fixture
def battery(manufacturer) -> dict:
    return register(manufacturer, declaration())


@pytest.mark.parametrize("reader", [None, "recycler", "regulator"])
def test_battery_page_links_the_battery_pass_at_the_readers_tier(request, battery, reader):
    actor = request.getfixturevalue(reader) if reader else None
    client = browser_for(actor)
    html = page(client, battery).content.decode()

    href = batterypass_href(html)

    assert LABEL in html
    assert href == f"/api/v1/passports/{battery['id']}/batterypass/"
    document = client.get(href)
    assert document.status_code == 200
    expected = {None: "public", "recycler": "legitimate_interest", "regulator": "authority"}
    assert document.json()["tier"] == expected[reader]


@pytest.mark.parametrize("kind", ["pv_module", "magnet"])
def test_other_products_offer_no_battery_pass(manufacturer, kind):
    passport = register(manufacturer, declaration(kind))

    html = page(browser_for(), passport).content.decode()

    assert page(browser_for(), passport).status_code == 200
    assert LABEL not in html
    assert batterypass_href(html) is None


def test_battery_pass_download_is_offered_in_chinese(battery):
    html = (
        browser_for()
        .get(f"/p/{battery['id']}", HTTP_ACCEPT=HTML, HTTP_ACCEPT_LANGUAGE="zh-Hans")
        .content.decode()
    )

    assert "下载为 Battery Pass 格式（JSON）" in html
    assert LABEL not in html
