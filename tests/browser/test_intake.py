"""The intake area in Chromium: scanning with a fake camera fed the project's own QR code, a
photo of the code, a typed identifier, handing collected waste over to a recycler, and a batch's
live mass balance and refused closing."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from passports.identifiers import digital_link
from passports.models import Passport
from passports.qr import qr_png
from recycling.models import Collection
from tests.browser.accessibility import accessibility_problems
from tests.browser.conftest import launch_chromium
from tests.factories import BATTERY, declaration

FRAME_WIDTH, FRAME_HEIGHT = 640, 480
QR_SIDE = 400


@pytest.fixture
def collector(make_actor):
    return make_actor("collector", "Collect GmbH", country="DE")


@pytest.fixture
def battery(registered_battery) -> Passport:
    return Passport.objects.get(pk=registered_battery["id"])


def printed_qr(passport: Passport) -> bytes:
    """The PNG a manufacturer would print on the label."""
    link = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk)
    return qr_png(link)


def y4m_with_code(png: bytes, path: Path, frames: int = 5) -> Path:
    """A short YUV4MPEG2 video of the QR code centred on white; Chromium loops it."""
    code = Image.open(io.BytesIO(png)).convert("L").resize((QR_SIDE, QR_SIDE), Image.NEAREST)
    frame = Image.new("L", (FRAME_WIDTH, FRAME_HEIGHT), 255)
    frame.paste(code, ((FRAME_WIDTH - QR_SIDE) // 2, (FRAME_HEIGHT - QR_SIDE) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((FRAME_WIDTH // 2) * (FRAME_HEIGHT // 2))
    header = f"YUV4MPEG2 W{FRAME_WIDTH} H{FRAME_HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    with path.open("wb") as video:
        video.write(header)
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def camera_browser(playwright_instance, battery, tmp_path):
    video = y4m_with_code(printed_qr(battery), tmp_path / "qr.y4m")
    browser = launch_chromium(
        playwright_instance,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    yield browser
    browser.close()


def unexpected(console_errors: list[str]) -> list[str]:
    """Console errors other than Chromium's note that a refused form came back with 400/409."""
    return [e for e in console_errors if not re.search(r"status of 40[09] \(", e)]


def snap(screenshot, page, label: str) -> None:
    """Saves a screenshot, then scrolls back: after a full-page capture Chromium keeps a stale
    scroll offset and the next click can land beside its target."""
    screenshot(page, label)
    page.evaluate("window.scrollTo(0, 0)")


def passport_url(passport: Passport) -> re.Pattern:
    return re.compile(rf".*/intake/passports/{passport.pk}/$")


def test_scanning_with_the_camera_opens_the_passport_and_records_a_collection(
    new_page, camera_browser, battery, collector, person, screenshot
):
    page = new_page(user=person(collector), browser=camera_browser, phone=True)
    page.goto("/intake/scan/")
    snap(screenshot, page, "scan")

    page.get_by_role("button", name="Start camera").click()
    page.wait_for_url(passport_url(battery))

    assert page.get_by_role("heading", level=1).inner_text() == BATTERY["model"]
    assert page.locator("[data-serial]").inner_text() == battery.serial
    assert page.locator("[data-technology]").inner_text() == "NMC811"
    snap(screenshot, page, "passport")
    page.get_by_label("Collection date").fill("2026-09-01")
    page.get_by_label("Region").fill("DE-BY")
    page.get_by_label("Weighed mass (kg)").fill("448.5")
    page.get_by_role("button", name="Record collection").click()
    page.wait_for_url(passport_url(battery))

    collection = Collection.objects.get()
    assert collection.collector == collector.organisation
    assert collection.items.get().passport_id == battery.pk
    assert (
        page.locator("[data-collection]")
        .inner_text()
        .startswith("Collected on 2026-09-01 in DE-BY by Collect GmbH.")
    )
    assert "Weighed mass: 448.5 kg." in page.locator("[data-collection]").inner_text()
    assert (
        "Collected · 2026-09-01 · signed by Collect GmbH"
        in page.locator("[data-timeline]").inner_text()
    )
    screenshot(page, "collected")
    assert page.console_errors == []


def test_a_photo_of_the_code_opens_the_passport(
    new_page, battery, collector, person, screenshot, tmp_path
):
    photo = tmp_path / "label.png"
    photo.write_bytes(printed_qr(battery))
    page = new_page(user=person(collector))
    page.goto("/intake/scan/")

    page.get_by_label("Take or choose a photo").set_input_files(str(photo))
    page.wait_for_url(passport_url(battery))

    assert page.locator("[data-serial]").inner_text() == battery.serial
    snap(screenshot, page, "passport")
    assert page.console_errors == []


def test_a_photo_without_a_code_says_so(new_page, collector, person, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    page = new_page(user=person(collector))
    page.goto("/intake/scan/")

    page.get_by_label("Take or choose a photo").set_input_files(str(blank))

    status = page.locator("[data-photo-status]")
    status.filter(has_text="No QR code could be read").wait_for()
    assert page.url.endswith("/intake/scan/")
    assert page.console_errors == []


def test_a_typed_unknown_serial_shows_the_field_error(
    new_page, battery, collector, person, screenshot
):
    page = new_page(user=person(collector))
    page.goto("/intake/scan/")

    page.get_by_label("Passport identifier").fill(f"01/{battery.gtin}/21/NO-SUCH-SERIAL")
    page.get_by_role("button", name="Open passport").click()

    field = page.locator(".field.invalid")
    assert "No passport has this identifier." in field.inner_text()
    assert page.get_by_label("Passport identifier").get_attribute("aria-invalid") == "true"
    screenshot(page, "unknown-serial")
    assert len(page.console_errors) == 1  # the 400 answer itself
    assert unexpected(page.console_errors) == []


def test_camera_denied_is_explained(new_page, collector, person, db):
    page = new_page(user=person(collector))
    page.goto("/intake/scan/")

    page.get_by_role("button", name="Start camera").click()

    status = page.locator("[data-scan-status]")
    status.filter(has_text="Take a photo or type the identifier instead").wait_for()
    assert unexpected(page.console_errors) == []


def test_a_collector_hands_collected_waste_over_to_a_recycler(
    new_page, battery, collector, recycler, person, screenshot
):
    collected = collector.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": "2026-09-01T08:00:00Z",
         "items": [{"passport": str(battery.pk)}]},
        format="json",
    )  # fmt: skip
    assert collected.status_code == 201
    page = new_page(user=person(collector), phone=True)
    page.goto(f"/intake/passports/{battery.pk}/")
    assert accessibility_problems(page) == []
    snap(screenshot, page, "handover")

    page.get_by_label("Hand over to", exact=True).select_option(label="Recycle AG (DE)")
    page.get_by_role("button", name="Hand over", exact=True).click()
    page.get_by_text("Handed over to Recycle AG.").wait_for()

    battery.refresh_from_db()
    assert battery.holder == recycler.organisation
    assert "Ownership transferred to Recycle AG" in page.locator("[data-timeline]").inner_text()
    screenshot(page, "handed-over")
    assert page.console_errors == []


@pytest.fixture
def batch_with_input(manufacturer, recycler):
    """A waste battery (5.7 kg Co by composition) in an open batch of the recycler."""
    created = manufacturer.client.post("/api/v1/passports/", declaration(), format="json").json()
    collected = recycler.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": "2026-09-01T08:00:00Z",
         "items": [{"passport": created["id"]}]},
        format="json",
    )  # fmt: skip
    assert collected.status_code == 201
    batch = recycler.client.post(
        "/api/v1/batches/",
        {"process_route": "mechanical", "product_type": "battery",
         "chemistry_category": "lithium", "site": {"country": "DE"},
         "started_at": "2026-09-02T08:00:00Z"},
        format="json",
    ).json()  # fmt: skip
    added = recycler.client.post(
        f"/api/v1/batches/{batch['id']}/inputs/",
        {"passport": created["id"], "mass_kg": "450"},
        format="json",
    )
    assert added.status_code == 201
    return batch["id"]


def test_the_live_balance_follows_typing_and_closing_shows_the_api_refusal(
    new_page, recycler, person, batch_with_input, screenshot
):
    page = new_page(user=person(recycler))
    page.goto(f"/intake/batches/{batch_with_input}/")
    cobalt = page.locator('[data-balance-element="Co"]')
    assert cobalt.locator("[data-remaining]").inner_text() == "5.7"
    assert "Within balance" in cobalt.locator("[data-verdict]").inner_text()

    page.get_by_label("Fraction").fill("cobalt concentrate")
    page.get_by_label("Counts as").select_option("recycling")
    page.get_by_label("Mass (kg)", exact=True).fill("20")
    page.get_by_label("Co recovered (kg)").fill("9")

    assert cobalt.locator("[data-out]").inner_text() == "9"
    assert cobalt.locator("[data-remaining]").inner_text() == "-3.3"
    assert "More out than in" in cobalt.locator("[data-verdict]").inner_text()
    assert "Out of balance" in page.locator("[data-balance-summary]").inner_text()
    snap(screenshot, page, "balance-typing")

    page.get_by_role("button", name="Record output").click()
    page.get_by_text("Output recorded.").wait_for()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close batch").click()

    refusal = page.locator("[data-close-errors]")
    assert "Co: 9 kg out but only 5.7 kg in." in refusal.inner_text()
    assert "Open" in page.locator("[data-batch-status]").inner_text()
    screenshot(page, "close-refused")
    assert unexpected(page.console_errors) == []


def test_a_recycler_opens_a_batch_and_adds_a_typed_product_to_it(
    new_page, manufacturer, recycler, person, screenshot
):
    created = manufacturer.client.post("/api/v1/passports/", declaration(), format="json").json()
    recycler.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": "2026-09-01T08:00:00Z",
         "items": [{"passport": created["id"]}]},
        format="json",
    )  # fmt: skip
    page = new_page(user=person(recycler), phone=True)
    page.goto("/intake/batches/")
    page.get_by_role("link", name="Open a new batch").click()
    page.get_by_label("Process route").select_option("mechanical")
    page.get_by_label("Chemistry category").select_option("lithium")
    page.get_by_label("Start date").fill("2026-09-02")
    page.get_by_role("button", name="Open batch").click()
    page.get_by_text("Batch opened.").wait_for()

    page.get_by_role("link", name="Scan", exact=True).click()
    page.get_by_label("Passport identifier").fill(created["digital_link"])
    page.get_by_role("button", name="Open passport").click()
    page.get_by_label("Input mass (kg)").fill("450")
    page.get_by_label("Co by assay (kg)").fill("5.8")
    page.get_by_role("button", name="Add to batch").click()
    page.get_by_text("Added to the batch.").wait_for()

    cobalt = page.locator('[data-balance-element="Co"]')
    assert cobalt.locator("[data-in]").inner_text() == "5.8"
    assert "P75" in page.locator("[data-inputs]").inner_text()
    snap(screenshot, page, "batch")
    assert page.console_errors == []
