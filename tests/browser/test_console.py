"""The manufacturer console in a real browser: registering by form (with a validation error
first), importing a CSV file with one bad row, and printing label sheets whose codes decode to
the passports' Digital Links."""

import csv
import io
import re

import zxingcpp
from django.test import Client
from PIL import Image

from passports.identifiers import digital_link
from passports.models import Passport
from tests.browser.conftest import SCREENSHOTS
from tests.factories import declaration
from tests.web.test_console import form_data


def expect_only_the_refused_post(page) -> None:
    """The form post answered 400 on purpose, and Chromium logs any 4xx document as a console
    error; anything else logged (a CSP violation, a script error) still fails the test."""
    assert page.console_errors
    assert all("status of 400" in error for error in page.console_errors), page.console_errors
    page.console_errors.clear()


def write_csv(path, rows: list[dict[str, str]]) -> None:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def test_registering_by_form_shows_the_error_beside_the_field(
    new_page, manufacturer, person, screenshot
):
    page = new_page(person(manufacturer, "maker"))
    page.goto("/console/register/")
    # Only the chosen product type's attributes are shown.
    assert page.get_by_label("Chemistry").is_visible()
    page.get_by_label("Product type").select_option("pv_module")
    assert page.locator("#f-attributes-pv_module-technology").is_visible()
    assert not page.get_by_label("Chemistry").is_visible()
    page.get_by_label("Product type").select_option("battery")

    page.get_by_label("Model").fill("P75")
    page.get_by_label("GTIN").fill("09506000134352")
    page.get_by_label("Serial number").fill("BAT-000001")
    page.get_by_label("Manufacture date").fill("2026-03-14")
    page.get_by_label("Country of manufacture").fill("DE")
    page.get_by_label("Product mass (kg)").fill("450")
    # A portable battery: an EV battery's mandatory Annex XIII data is the next test's.
    page.locator("#f-attributes-battery-category").select_option("portable")
    page.get_by_label("Chemistry").select_option("NMC811")
    page.get_by_label("Rated energy (kWh)").fill("75")
    page.get_by_label("Nominal voltage (V)").fill("400")
    page.locator("#f-composition-0-substance").fill("Co")
    page.locator("#f-composition-0-mass_kg").fill("5.7")
    page.locator("#f-composition-1-substance").fill("Li")
    page.locator("#f-composition-1-mass_kg").fill("-1")
    # A seventh row is added in the page, without a round trip.
    page.get_by_role("button", name="Add rows: Composition").click()
    assert page.locator("#f-composition-6-substance").is_visible()
    page.locator("#f-composition-6-substance").fill("graphite")
    page.locator("#f-composition-6-mass_kg").fill("64")
    page.locator("#f-origin-0-substance").fill("Co")
    page.locator("#f-origin-0-country").fill("CD")
    page.locator("#f-origin-0-share").fill("1")
    page.get_by_role("button", name="Register passport", exact=True).last.click()

    page.wait_for_selector("#form-errors")
    message = page.locator("#f-composition-1-mass_kg-errors")
    assert "greater than or equal to 0" in message.inner_text()
    assert page.locator("#f-composition-1-mass_kg").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-composition-6-substance").input_value() == "graphite"
    screenshot(page, "validation-error")
    assert not Passport.objects.exists()
    expect_only_the_refused_post(page)

    page.locator("#f-composition-1-mass_kg").fill("6.9")
    page.get_by_role("button", name="Register passport", exact=True).last.click()
    page.wait_for_url("**/console/passports/*/")
    assert page.get_by_text("Passport registered").is_visible()
    passport = Passport.objects.get(serial="BAT-000001")
    assert sorted(passport.composition.values_list("substance", flat=True)) == [
        "Co", "Li", "graphite"
    ]  # fmt: skip
    screenshot(page, "registered")
    assert page.console_errors == []


def test_csv_import_with_one_bad_row(new_page, manufacturer, person, screenshot, tmp_path):
    page = new_page(person(manufacturer, "maker"), phone=True)
    page.goto("/console/import/")
    rows = []
    for name in ("Download the battery template", "Download the PV module and magnet template"):
        with page.expect_download() as download:
            page.get_by_role("link", name=name).click()
        rows += csv.DictReader(io.StringIO(download.value.path().read_text("utf-8")))
    assert [row["product_type"] for row in rows] == ["battery", "pv_module", "magnet"]
    rows[1]["composition"] = "glass:17.5;Al:lots"
    edited = tmp_path / "passports.csv"
    write_csv(edited, rows)

    page.get_by_label("CSV file").set_input_files(str(edited))
    page.get_by_role("button", name="Check and import").click()
    report = page.get_by_role("table")
    report.wait_for()
    assert "Nothing was imported" in page.get_by_role("alert").first.inner_text()
    cells = report.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "composition"
    assert cells[2] == "composition[1].mass_kg" and "valid number" in cells[3]
    screenshot(page, "report")
    assert not Passport.objects.exists()
    expect_only_the_refused_post(page)

    page.get_by_role("button", name="Import the 2 valid rows").click()
    page.wait_for_url("**/console/passports/")
    assert page.get_by_text("2 passports registered from passports.csv.").is_visible()
    assert sorted(Passport.objects.values_list("product_type", flat=True)) == [
        "battery", "magnet"
    ]  # fmt: skip
    screenshot(page, "imported")
    assert page.console_errors == []


def test_printed_label_codes_decode_to_the_digital_links(
    new_page, chromium, live_server, manufacturer, person, screenshot, request
):
    items = [declaration(serial=f"BAT-{n:06d}") for n in range(24)]
    items.append(declaration("magnet", gtin=None, serial=None))
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    )
    assert response.status_code == 201
    user = person(manufacturer, "maker")
    page = new_page(user)
    page.goto("/console/passports/")
    page.get_by_role("link", name="Print labels for all found").click()
    page.get_by_label("Label layout").select_option("3x8")
    page.get_by_role("button", name="Make sheets").click()
    assert page.get_by_role("heading", name="Labels: 25, A4 sheets: 2").is_visible()
    sheets = page.locator(".sheet img")
    assert sheets.count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('.sheet img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    screenshot(page, "sheets")
    assert page.console_errors == []
    # Printed, each sheet fills exactly one A4 page and nothing else is printed.
    page.emulate_media(media="print")
    box = sheets.first.bounding_box()
    assert round(box["width"] * 25.4 / 96) == 210 and round(box["height"] * 25.4 / 96) == 297
    assert not page.locator("header.site").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
    page.emulate_media(media="screen")
    sheet_urls = [sheets.nth(i).get_attribute("src") for i in range(2)]

    # Render each sheet at print-like resolution and read every code back.
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 800, "height": 1130}, device_scale_factor=3
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    decoded = []
    try:
        sheet_page = context.new_page()
        for number, url in enumerate(sheet_urls, start=1):
            sheet_page.goto(url)
            # The SVG fills the viewport; a full-page capture of an SVG document can stall.
            path = SCREENSHOTS / f"{request.node.name}-sheet-{number}.png"
            sheet_page.screenshot(path=str(path))
            decoded += [code.text for code in zxingcpp.read_barcodes(Image.open(path))]
    finally:
        context.close()
    expected = [
        digital_link(gtin=p.gtin, serial=p.serial, passport_id=p.pk) for p in Passport.objects.all()
    ]
    assert sorted(decoded) == sorted(expected)
    assert len(decoded) == 25


def test_finding_a_passport_and_reporting_its_health_on_a_phone(
    new_page, manufacturer, person, screenshot
):
    items = [declaration(serial=f"BAT-{n:06d}") for n in range(3)]
    items.append(declaration("pv_module"))
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    )
    assert response.status_code == 201
    page = new_page(person(manufacturer, "maker"), phone=True)
    page.goto("/console/passports/")
    page.get_by_label("Serial, GTIN, model or batch").fill("BAT-000002")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_text("1 passport found.").is_visible()
    screenshot(page, "search")
    page.get_by_role("link", name="P75").click()
    page.get_by_role("link", name="Report health").click()

    page.get_by_label("State of health (%)").fill("120")
    page.get_by_role("button", name="Sign and record report").click()
    assert (
        "less than or equal to 100"
        in page.locator("#f-payload-state_of_health_pct-errors").inner_text()
    )
    screenshot(page, "health-error")
    expect_only_the_refused_post(page)

    page.get_by_label("State of health (%)").fill("94")
    page.get_by_role("button", name="Sign and record report").click()
    page.wait_for_url("**/console/passports/*/")
    assert page.get_by_text("Health report signed").is_visible()
    assert page.get_by_text("State of health (%)").is_visible()
    passport = Passport.objects.get(serial="BAT-000002")
    assert passport.health["state_of_health_pct"]["value"] == "94"
    screenshot(page, "detail")
    assert page.console_errors == []


def test_a_complete_battery_is_registered_by_the_grouped_form(
    new_page, manufacturer, person, screenshot
):
    page = new_page(person(manufacturer, "maker"))
    page.goto("/console/register/")
    for legend in ("Identity and operator", "Labels and symbols", "Due diligence",
                   "Materials and hazardous substances", "Circularity",
                   "Performance and durability", "Documents",
                   "Carbon footprint and its life-cycle stages"):  # fmt: skip
        assert page.locator("legend", has_text=legend).first.is_visible(), legend
    # A third hazardous substance row is added in the page.
    page.get_by_role("button", name="Add rows: Hazardous substances").click()
    assert page.locator("#f-attributes-battery-hazardous_substances-2-name").is_visible()

    item = declaration("battery")
    for name, value in form_data(item).items():
        field = page.locator(f'[name="{name}"]')
        tag = field.evaluate("element => element.tagName + ':' + element.type")
        if tag.startswith("SELECT"):
            field.select_option(value)
        elif tag.endswith("checkbox"):
            field.check()
        else:
            field.fill(value)
    screenshot(page, "complete-battery-form")
    page.get_by_role("button", name="Register passport", exact=True).last.click()

    page.wait_for_url("**/console/passports/*/")
    passport = Passport.objects.get(serial=item["serial"])
    attributes = passport.attributes
    assert attributes["hazardous_substances"][0]["hazard_classes"] == [
        "Acute Tox. 3", "Skin Corr. 1A"
    ]  # fmt: skip
    assert attributes["labels"]["cadmium_lead_symbols"] == []
    assert len(passport.documents) == len(item["documents"])
    assert page.console_errors == []


def test_csv_import_with_the_nested_columns(new_page, manufacturer, person, screenshot, tmp_path):
    page = new_page(person(manufacturer, "maker"))
    page.goto("/console/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the battery template").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8"))))
    column = "attributes.hazardous_substances[0].concentration_pct"
    assert rows[0][column] and rows[0]["attributes.labels.cadmium_lead_symbols"] == "none"
    rows[0][column] = "lots"
    edited = tmp_path / "batteries.csv"
    write_csv(edited, rows)

    page.get_by_label("CSV file").set_input_files(str(edited))
    page.get_by_role("button", name="Check and import").click()
    report = page.get_by_role("table")
    report.wait_for()
    cells = report.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "2" and cells[1] == column and cells[2] == column
    assert "valid number" in cells[3]
    screenshot(page, "nested-column-report")
    expect_only_the_refused_post(page)

    rows[0][column] = "1.2"
    write_csv(edited, rows)
    page.get_by_label("CSV file").set_input_files(str(edited))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url("**/console/passports/")
    battery = Passport.objects.get(product_type="battery")
    assert battery.attributes["hazardous_substances"][0]["concentration_pct"] == "1.2"
    assert page.console_errors == []


def test_the_grouped_form_reads_in_chinese(new_page, manufacturer, person, screenshot):
    page = new_page(person(manufacturer, "maker"), locale="zh-CN")
    page.goto("/console/register/")

    for legend in ("身份与经营者", "标签与标志", "材料与有害物质", "性能与耐久性"):
        assert page.locator("legend", has_text=legend).first.is_visible(), legend
    page.get_by_role("button", name="添加行：文件").click()
    assert page.locator("#f-documents-8-url").is_visible()
    screenshot(page, "form-zh")
    assert page.console_errors == []
