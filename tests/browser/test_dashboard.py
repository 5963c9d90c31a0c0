"""The regulator dashboard in a browser: from a missed lithium target down to a passport and
its bundle, cosigning the log, and the charts on a phone."""

import json

import pytest

from tests.web.test_dashboard import treatment_scenario


@pytest.fixture
def scenario(make_actor, manufacturer) -> dict:
    return treatment_scenario(make_actor, manufacturer)


@pytest.fixture
def inspector(regulator, person):
    return person(regulator, "inspector")


def test_regulator_drills_down_from_a_statistic_to_a_passport_and_downloads_its_bundle(
    new_page, scenario, inspector, screenshot, tmp_path
):
    page = new_page(user=inspector)
    page.goto("/dashboard/")
    page.get_by_label("Element").select_option("Li")
    page.wait_for_url("**element=Li**")
    page.get_by_label("Targets of").select_option("CN")
    page.wait_for_url("**regime=CN**")
    smelter_row = page.locator("table.statistics tr", has_text="Smelt AB").filter(
        has_text="Material recovery"
    )
    assert "Not met" in smelter_row.inner_text()
    refiner_row = page.locator("table.statistics tr", has_text="Hydro GmbH").filter(
        has_text="Material recovery"
    )
    assert "Met" in refiner_row.inner_text() and "Not met" not in refiner_row.inner_text()
    assert page.locator("canvas[data-chart=recovery]").first.evaluate("c => !!c.chart")
    screenshot(page, "lithium-against-target")

    smelter_row.get_by_role("link", name="Records").click()
    page.wait_for_url("**/dashboard/statistics/**")
    fates = page.locator("section.fates")
    assert "slag" in fates.inner_text() and "Backfilling" in fates.inner_text()
    screenshot(page, "statistic-records")

    page.get_by_role("link", name="Passport P75 EOL-1").click()
    page.wait_for_url("**/dashboard/passports/**")
    # registered, placed on the market, collected, handed over to the recycler, recycled
    assert page.get_by_text("Inclusion proof verified").count() == 5
    screenshot(page, "passport-proofs")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the verifiable bundle").click()
    path = tmp_path / "bundle.json"
    download_info.value.save_as(path)
    bundle = json.loads(path.read_text())
    assert bundle["format"] == "passport-bundle/v1"
    assert [event["seq"] for event in bundle["events"]] == [0, 1, 2, 3, 4]
    assert page.console_errors == []


def test_regulator_cosigns_the_latest_checkpoint(new_page, scenario, inspector, screenshot):
    page = new_page(user=inspector)
    page.goto("/dashboard/log/")
    assert page.get_by_text("Not cosigned").is_visible()
    screenshot(page, "log-before")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cosign this checkpoint").click()

    page.wait_for_url("**/dashboard/log/")
    assert page.get_by_role("status").get_by_text("You cosigned checkpoint").is_visible()
    assert page.get_by_text("You have cosigned this checkpoint").is_visible()
    assert page.locator("ul.cosigners").get_by_text("Market Surveillance").is_visible()
    assert page.get_by_role("button", name="Cosign this checkpoint").count() == 0
    screenshot(page, "log-cosigned")
    assert page.console_errors == []


@pytest.mark.parametrize(
    "path",
    ["/dashboard/", "/dashboard/inventory/", "/dashboard/forecast/"],
    ids=["recovery", "inventory", "forecast"],
)
def test_dashboard_pages_fit_a_phone(new_page, scenario, inspector, screenshot, path):
    page = new_page(user=inspector, phone=True)
    page.goto(path)

    assert page.locator("canvas[data-chart]").first.evaluate("c => !!c.chart")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "phone")
    assert page.console_errors == []
