"""The page behind the QR code in a real browser: charts drawn under the strict CSP, a phone
layout, the signed timeline, and a proof bundle that the offline verifier accepts."""

import json
from pathlib import Path

from lifecycle.verify import verify_bundle
from tests.browser.accessibility import accessibility_problems
from tests.factories import declaration
from tests.web.test_passport_page import GBT_CODE, register, rich_battery, with_history

PHONE_WIDTH = 390


def chart_drawn(page, canvas_id: str) -> bool:
    """Whether Chart.js made a chart on the canvas (it keeps a registry of its charts)."""
    page.wait_for_selector(f"canvas#{canvas_id}[data-chart-ready]", state="attached")
    return page.evaluate(
        "id => Chart.getChart(document.getElementById(id)) !== undefined", canvas_id
    )


def fits_the_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_anonymous_reader_of_a_battery_on_a_phone(new_page, manufacturer, screenshot):
    battery = register(manufacturer, rich_battery(gbt_code=GBT_CODE))
    page = new_page(phone=True)

    response = page.goto(f"/p/{battery['id']}")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.get_by_role("heading", name="P75", level=1).is_visible()
    assert chart_drawn(page, "chart-origin")
    assert chart_drawn(page, "chart-recycled")
    assert chart_drawn(page, "chart-carbon")
    marked = page.locator(".crm-tag")
    assert marked.count() == 4  # Li, Co, Ni and graphite; Fe is not critical
    assert "critical raw material" in marked.first.inner_text()
    assert page.get_by_role("img", name="QR code of this passport").is_visible()
    assert page.get_by_role("link", name="Download as Battery Pass (JSON)").is_visible()
    assert page.get_by_text(GBT_CODE).is_visible()
    assert page.get_by_role("link", name="Sign in to see more").first.is_visible()
    assert page.locator("#timeline").count() == 0
    assert page.locator("#composition-table").count() == 0
    # Country codes become names in the reader's language.
    assert "Congo" in page.locator("#origin-table").inner_text()
    assert fits_the_phone(page)
    assert accessibility_problems(page) == []
    screenshot(page, "battery-public-phone")
    assert page.console_errors == []


def test_regulator_sees_verified_timeline_and_downloads_a_bundle_that_verifies(
    new_page, manufacturer, regulator, person, screenshot, tmp_path
):
    battery = register(manufacturer, rich_battery())
    with_history(manufacturer, battery["id"])
    page = new_page(user=person(regulator), phone=True)

    page.goto(f"/p/{battery['id']}")

    assert chart_drawn(page, "chart-composition")
    assert chart_drawn(page, "chart-health")
    critical_rows = page.locator("#composition-table tr.is-crm")
    assert critical_rows.count() == 4
    assert "Yes" in critical_rows.first.inner_text()
    events = page.locator("ol.timeline > li")
    assert events.count() == 4
    for index in range(4):
        text = events.nth(index).inner_text()
        assert "Signature verified" in text
        assert "Included in checkpoint 4" in text
    assert fits_the_phone(page)
    page.locator("ol.timeline details").first.locator("summary").click()
    assert accessibility_problems(page) == []
    screenshot(page, "battery-regulator-phone")

    link = page.get_by_role("link", name="Download the proof bundle (JSON)")
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "bundle.json"
    download_info.value.save_as(saved)
    bundle = json.loads(Path(saved).read_text(encoding="utf-8"))

    checks = verify_bundle(bundle, bundle["log_vkey"], [])
    assert checks and all(check.ok for check in checks), [c for c in checks if not c.ok]
    assert [event["seq"] for event in bundle["events"]] == [0, 1, 2, 3]
    assert page.console_errors == []


def test_owner_reads_the_page_in_chinese_on_a_desktop(new_page, manufacturer, person, screenshot):
    battery = register(manufacturer, rich_battery())
    with_history(manufacturer, battery["id"])
    page = new_page(user=person(manufacturer), locale="zh-CN")

    page.goto(f"/p/{battery['id']}", wait_until="load")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert chart_drawn(page, "chart-composition")
    assert page.locator("#bundle-link").is_visible()
    screenshot(page, "battery-owner-desktop-zh")
    assert page.console_errors == []


def test_pv_module_page_renders(new_page, manufacturer, recycler, person, screenshot):
    module = register(manufacturer, declaration("pv_module"))
    for label, user in (("public", None), ("recycler", person(recycler))):
        page = new_page(user=user, phone=True)
        page.goto(f"/p/{module['id']}")

        assert page.get_by_role("heading", name="Mono 420", level=1).is_visible()
        assert chart_drawn(page, "chart-origin")
        if user is not None:
            assert chart_drawn(page, "chart-composition")
            assert "glass" in page.locator("#composition-table").inner_text()
        assert fits_the_phone(page)
        assert accessibility_problems(page) == []
        screenshot(page, f"pv-module-{label}-phone")
        assert page.console_errors == []


def test_magnet_page_renders(new_page, manufacturer, recycler, person, screenshot):
    magnet = declaration("magnet")
    magnet["attributes"]["removal_information"] = "Demagnetise above 350 C before shredding."
    passport = register(manufacturer, magnet)
    for label, user in (("public", None), ("recycler", person(recycler))):
        page = new_page(user=user, phone=True)
        page.goto(f"/p/{passport['id']}")

        assert page.get_by_role("heading", name="Rotor set R1", level=1).is_visible()
        assert chart_drawn(page, "chart-origin")
        # How to remove magnets safely is public information (CRMA Art. 28).
        removal = page.get_by_text("Demagnetise above 350 C before shredding.")
        assert removal.count() == 1
        assert fits_the_phone(page)
        assert accessibility_problems(page) == []
        screenshot(page, f"magnet-{label}-phone")
        assert page.console_errors == []


def test_battery_groups_symbols_and_life_charts_in_english_and_chinese(
    new_page, manufacturer, person, screenshot
):
    battery = register(manufacturer, rich_battery())
    with_history(manufacturer, battery["id"])
    expected = {
        "en-GB": ("Identity and operator", "Performance and durability",
                  "Mandatory values never reported"),
        "zh-CN": ("身份与经营者", "性能与耐久性", "从未报告的强制性数值"),
    }  # fmt: skip
    for locale, words in expected.items():
        page = new_page(user=person(manufacturer, f"owner-{locale}"), locale=locale)
        page.goto(f"/p/{battery['id']}", wait_until="load")
        for text in words:
            assert page.get_by_text(text).first.is_visible(), text
        assert "75 kWh" in page.locator("#group-performance").inner_text()
        symbol = page.locator("#group-labels img")
        assert symbol.get_attribute("alt") == "Collect separately from household waste."
        assert symbol.evaluate("img => img.complete && img.naturalWidth > 0")
        assert chart_drawn(page, "chart-dynamic-state_of_health_pct")
        assert chart_drawn(page, "chart-dynamic-full_cycles")
        assert accessibility_problems(page) == []
        screenshot(page, f"battery-groups-{locale}")
        assert page.console_errors == []


def test_public_reader_sees_who_may_read_dismantling(new_page, manufacturer):
    battery = register(manufacturer, rich_battery())
    page = new_page(phone=True)

    page.goto(f"/p/{battery['id']}")

    assert page.get_by_text("Dismantling and safety information is available to").is_visible()
    assert page.get_by_role("heading", name="Dismantling and safety").count() == 0
    assert fits_the_phone(page)
    assert page.console_errors == []
