"""QR codes decode to the Digital Link URI; the resolver answers HTML, JSON and linksets."""

import io

import pytest
import zxingcpp
from PIL import Image

from passports.models import AccessRecord


def test_qr_png_decodes_to_the_digital_link(anonymous, registered_battery):
    response = anonymous.get(f"/api/v1/passports/{registered_battery['id']}/qr.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [r.text for r in results] == [registered_battery["digital_link"]]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].ec_level in ("M", "Q", "H")


def test_qr_svg_is_served(anonymous, registered_battery):
    response = anonymous.get(f"/api/v1/passports/{registered_battery['id']}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_qr_of_unknown_passport_or_format_is_404(anonymous, registered_battery):
    unknown = anonymous.get("/api/v1/passports/00000000-0000-0000-0000-000000000000/qr.png")
    gif = anonymous.get(f"/api/v1/passports/{registered_battery['id']}/qr.gif")

    assert unknown.status_code == 404
    assert gif.status_code == 404


LINK = "/01/09506000134352/21/BAT-000001"


def test_resolver_answers_json_at_the_public_tier(anonymous, registered_battery):
    response = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    body = response.json()
    assert response.status_code == 200
    assert body["id"] == registered_battery["id"]
    assert body["tier"] == "public"
    assert "composition" not in body
    assert "Accept" in varies_on(response)


def test_resolver_answers_html_to_browsers(anonymous, registered_battery):
    response = anonymous.get(LINK, HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"P75" in response.content
    assert b"Acme Cells" in response.content


def test_resolver_gives_regulators_the_restricted_tiers(regulator, registered_battery):
    response = regulator.client.get(LINK, HTTP_ACCEPT="application/json")

    assert response.json()["tier"] == "authority"
    assert response.json()["composition"]
    assert AccessRecord.objects.get().via == "resolver"


@pytest.mark.parametrize(
    ("path", "accept"),
    [(LINK + "?linkType=all", "text/html"), (LINK, "application/linkset+json")],
)
def test_resolver_answers_an_rfc9264_linkset(anonymous, registered_battery, path, accept):
    response = anonymous.get(path, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/linkset+json"
    entry = response.json()["linkset"][0]
    assert entry["anchor"] == registered_battery["digital_link"]
    assert entry["https://gs1.org/voc/pip"][0]["href"].endswith(
        f"/api/v1/passports/{registered_battery['id']}/"
    )


def test_resolver_accepts_gtin13_and_uuid_paths(anonymous, registered_battery):
    short = anonymous.get("/01/9506000134352/21/BAT-000001", HTTP_ACCEPT="application/json")
    by_id = anonymous.get(f"/p/{registered_battery['id']}", HTTP_ACCEPT="application/json")

    assert short.json()["id"] == registered_battery["id"]
    assert by_id.json()["id"] == registered_battery["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/01/09506000134353/21/BAT-000001",
        "/01/12/21/X",
        "/p/not-a-uuid",
        "/01/09506000134352/21/a%20b",
    ],
)
def test_malformed_identifiers_are_400(anonymous, path):
    response = anonymous.get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_unknown_identifiers_are_404(anonymous):
    response = anonymous.get("/01/09506000134352/21/NOPE", HTTP_ACCEPT="application/json")

    assert response.status_code == 404


def test_serial_with_reserved_characters_round_trips(manufacturer, anonymous):
    from tests.factories import declaration

    created = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial="A/B+C"), format="json"
    ).json()

    assert created["digital_link"].endswith("/21/A%2FB%2BC")
    path = created["digital_link"].split("127.0.0.1:8000", 1)[1]
    assert anonymous.get(path, HTTP_ACCEPT="application/json").json()["id"] == created["id"]


def varies_on(response) -> list[str]:
    return [header.strip() for header in response.get("Vary", "").split(",")]


UNKNOWN = ["/01/09506000134352/21/NOPE", "/p/00000000-0000-4000-8000-000000000000"]


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("accept", ["application/json", "application/linkset+json"])
def test_unknown_identifiers_are_a_json_404_for_json_clients(anonymous, path, accept):
    response = anonymous.get(path, HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": [{"field": "path", "message": "No passport has this identifier."}]
    }
    assert "Accept" in varies_on(response)


@pytest.mark.parametrize("path", UNKNOWN)
def test_unknown_identifiers_are_an_html_404_for_browsers(anonymous, path):
    response = anonymous.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in varies_on(response)


@pytest.mark.parametrize("path", ["/api/v1/tokens/not-a-uuid/", "/api/v1/no-such-thing/"])
def test_unknown_api_addresses_are_a_json_404(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["field"] == "path"
