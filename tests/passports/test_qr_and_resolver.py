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
    assert entry["https://gs1.org/voc/dpp"][0]["href"].endswith(
        f"/api/v1/passports/{registered_battery['id']}/"
    )
    assert entry["https://gs1.org/voc/pip"][0]["href"] == registered_battery["digital_link"]
    assert [link["type"] for link in entry["icon"]] == ["image/svg+xml", "image/png"]
    assert "describedby" not in entry


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


def linkset_of(client) -> dict:
    return client.get(LINK, {"linkType": "linkset"}).json()["linkset"][0]


def test_linktype_linkset_and_all_answer_the_same_linkset(anonymous, registered_battery):
    new = anonymous.get(LINK, {"linkType": "linkset"}, HTTP_ACCEPT="text/html")
    old = anonymous.get(LINK, {"linkType": "all"}, HTTP_ACCEPT="text/html")

    assert new["Content-Type"] == old["Content-Type"] == "application/linkset+json"
    assert new.json() == old.json()


@pytest.mark.parametrize(
    "spelling", ["gs1:{}", "https://gs1.org/voc/{}", "https://ref.gs1.org/voc/{}"]
)
def test_every_link_type_in_the_linkset_redirects_to_its_target(
    anonymous, registered_battery, spelling
):
    entry = linkset_of(anonymous)
    gs1_types = [key for key in entry if key.startswith("https://gs1.org/voc/")]
    assert {"pip", "dpp", "defaultLink", "traceability", "sustainabilityInfo"} <= {
        key.rsplit("/", 1)[1] for key in gs1_types
    }

    for key in gs1_types:
        requested = spelling.format(key.rsplit("/", 1)[1])
        response = anonymous.get(LINK, {"linkType": requested}, HTTP_ACCEPT="text/html")

        assert response.status_code == 307, requested
        assert response["Location"] == entry[key][0]["href"]


def test_iana_icon_link_redirects_to_the_qr_code(anonymous, registered_battery):
    response = anonymous.get(LINK, {"linkType": "icon"})

    assert response.status_code == 307
    assert response["Location"].endswith(f"/api/v1/passports/{registered_battery['id']}/qr.svg")
    assert anonymous.get(response["Location"])["Content-Type"] == "image/svg+xml"


def test_dpp_redirect_leads_to_the_passport_data_and_keeps_the_query(
    anonymous, regulator, registered_battery
):
    response = regulator.client.get(LINK, {"linkType": "gs1:dpp", "purpose": "market_surveillance"})

    assert response.status_code == 307
    assert response["Location"].endswith(
        f"/api/v1/passports/{registered_battery['id']}/?purpose=market_surveillance"
    )
    followed = regulator.client.get(response["Location"])
    assert followed.json()["tier"] == "authority"


def test_pv_module_has_no_battery_pass_link(manufacturer, anonymous):
    from tests.factories import declaration

    created = manufacturer.client.post(
        "/api/v1/passports/", declaration("pv_module"), format="json"
    ).json()
    path = created["digital_link"].split("127.0.0.1:8000", 1)[1]

    entry = anonymous.get(path, {"linkType": "linkset"}).json()["linkset"][0]
    asked = anonymous.get(
        path, {"linkType": "gs1:sustainabilityInfo"}, HTTP_ACCEPT="application/json"
    )

    assert "https://gs1.org/voc/sustainabilityInfo" not in entry
    assert asked.status_code == 404
    assert asked.json()["errors"][0]["field"] == "linkType"


def test_unknown_link_type_sends_browsers_to_the_default_link(anonymous, registered_battery):
    response = anonymous.get(LINK, {"linkType": "gs1:recipeInfo"}, HTTP_ACCEPT="text/html")

    assert response.status_code == 307
    assert response["Location"] == registered_battery["digital_link"]
    page = anonymous.get(LINK, HTTP_ACCEPT="text/html")
    assert page.status_code == 200


@pytest.mark.parametrize("accept", ["application/json", "application/linkset+json"])
def test_unknown_link_type_is_a_json_404_for_api_clients(anonymous, registered_battery, accept):
    response = anonymous.get(LINK, {"linkType": "gs1:recipeInfo"}, HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = response.json()["errors"][0]
    assert error["field"] == "linkType"
    assert "gs1:recipeInfo" in error["message"]


def link_header(response) -> str:
    return response.get("Link", "")


@pytest.mark.parametrize(
    ("query", "accept", "status"),
    [
        ({}, "text/html", 200),
        ({}, "application/json", 200),
        ({}, "application/linkset+json", 200),
        ({"linkType": "linkset"}, "text/html", 200),
        ({"linkType": "gs1:dpp"}, "application/json", 307),
        ({"linkType": "gs1:nothing"}, "text/html", 307),
        ({"linkType": "gs1:nothing"}, "application/json", 404),
    ],
)
def test_every_answer_names_the_linkset_in_a_link_header(
    anonymous, registered_battery, query, accept, status
):
    response = anonymous.get(LINK, query, HTTP_ACCEPT=accept)

    assert response.status_code == status
    expected = f"<{registered_battery['digital_link']}?linkType=linkset>"
    assert link_header(response).startswith(expected)
    assert 'rel="linkset"' in link_header(response)
    assert 'type="application/linkset+json"' in link_header(response)


def test_link_header_of_a_revalidated_scan_and_of_the_uuid_path(anonymous, registered_battery):
    first = anonymous.get(f"/p/{registered_battery['id']}", HTTP_ACCEPT="application/json")
    again = anonymous.get(
        f"/p/{registered_battery['id']}",
        HTTP_ACCEPT="application/json",
        HTTP_IF_NONE_MATCH=first["ETag"],
    )

    assert again.status_code == 304
    assert link_header(again) == link_header(first)
    assert link_header(first).startswith(f"<{registered_battery['digital_link']}?linkType=")


def test_the_link_header_target_is_the_linkset(anonymous, registered_battery):
    header = link_header(anonymous.get(LINK))
    target = header[1 : header.index(">")].split("127.0.0.1:8000", 1)[1]

    response = anonymous.get(target)

    assert response["Content-Type"] == "application/linkset+json"
    assert response.json()["linkset"][0]["anchor"] == registered_battery["digital_link"]


def test_a_bad_token_with_a_link_type_is_401(registered_battery):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = client.get(LINK, {"linkType": "gs1:dpp"})

    assert response.status_code == 401


def test_head_answers_like_get_without_a_body(anonymous, registered_battery):
    got = anonymous.get(LINK, HTTP_ACCEPT="application/json")
    head = anonymous.head(LINK, HTTP_ACCEPT="application/json")

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Link"] == got["Link"]


def test_preflight_allows_cross_origin_reads(anonymous, registered_battery):
    response = anonymous.options(
        LINK, HTTP_ORIGIN="https://scanner.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "Accept" in response["Access-Control-Allow-Headers"]


def test_every_resolver_answer_allows_cors_and_exposes_its_links(anonymous, registered_battery):
    answers = [
        anonymous.get(LINK, HTTP_ACCEPT="application/json"),
        anonymous.get(LINK, {"linkType": "gs1:pip"}),
        anonymous.get("/01/09506000134352/21/NOPE", HTTP_ACCEPT="application/json"),
    ]

    assert [a.status_code for a in answers] == [200, 307, 404]
    for answer in answers:
        assert answer["Access-Control-Allow-Origin"] == "*"
        assert "Location" in answer["Access-Control-Expose-Headers"]
        assert "Link" in answer["Access-Control-Expose-Headers"]


def test_resolver_refuses_writes_with_405(anonymous, registered_battery):
    response = anonymous.post(LINK, {})

    assert response.status_code == 405


def test_untp_curie_redirects_to_the_credential(anonymous, registered_battery):
    response = anonymous.get(LINK, {"linkType": "untp:dpp"})

    assert response.status_code == 307
    assert response["Location"].endswith(f"/api/v1/passports/{registered_battery['id']}/credential")


def test_resolver_description_file_names_root_keys_and_link_type_prefixes(anonymous, settings):
    response = anonymous.get("/.well-known/gs1resolver")

    body = response.json()
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body["resolverRoot"] == settings.RESOLVER_BASE_URL
    assert body["supportedPrimaryKeys"] == ["01"]
    assert {"namespace": "https://gs1.org/voc/", "prefix": "gs1:"} in body["supportedLinkType"]
    assert all(item["prefix"].endswith(":") for item in body["supportedLinkType"])
