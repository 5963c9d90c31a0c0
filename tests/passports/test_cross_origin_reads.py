"""Public answers can be read from other origins; writes cannot be sent from them."""

import pytest

LINK = "/01/09506000134352/21/BAT-000001"


def read_paths(passport_id: str, organisation_id: str) -> list[str]:
    return [
        f"/api/v1/passports/{passport_id}/",
        f"/api/v1/passports/{passport_id}/credential",
        f"/api/v1/passports/{passport_id}/batterypass/",
        f"/api/v1/passports/{passport_id}/qr.svg",
        f"/orgs/{organisation_id}/did.json",
        "/.well-known/jwks.json",
        "/.well-known/gs1resolver",
        "/api/v1/log/vkey",
    ]


def test_every_page_the_linkset_leads_to_is_readable_across_origins(
    anonymous, manufacturer, registered_battery
):
    organisation = str(manufacturer.organisation.pk)
    for path in read_paths(registered_battery["id"], organisation):
        response = anonymous.get(path, HTTP_ORIGIN="https://scanner.example")

        assert response.status_code == 200, path
        assert response["Access-Control-Allow-Origin"] == "*", path


def test_a_preflight_for_a_read_is_allowed_and_for_a_write_is_not(anonymous, registered_battery):
    path = f"/api/v1/passports/{registered_battery['id']}/events/"
    read = anonymous.options(
        path, HTTP_ORIGIN="https://scanner.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    write = anonymous.options(
        path, HTTP_ORIGIN="https://scanner.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert read.status_code == 204
    assert read["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in read["Access-Control-Allow-Headers"]
    assert write.status_code == 204
    assert "Access-Control-Allow-Origin" not in write


def test_write_answers_carry_no_cors_headers(manufacturer):
    response = manufacturer.client.post(
        "/api/v1/passports/", {}, format="json", HTTP_ORIGIN="https://elsewhere.example"
    )

    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response


def test_pages_of_the_site_are_not_shared(anonymous, db):
    response = anonymous.get("/accounts/login/", HTTP_ORIGIN="https://elsewhere.example")

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/linkset+json;q=0.5, text/html;q=0.9", "text/html"),
        ("text/html;q=0.1, application/json", "application/json"),
        ("application/json;q=0.2, application/linkset+json", "application/linkset+json"),
        ("*/*", "text/html"),
    ],
)
def test_the_resolver_honours_accept_quality_values(
    anonymous, registered_battery, accept, expected
):
    response = anonymous.get(LINK, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(expected)


@pytest.mark.parametrize("path", ["/01/09506000134352", "/01/09506000134352/10/LOT-1"])
def test_a_gtin_without_a_serial_is_a_json_404_for_json_clients(anonymous, db, path):
    response = anonymous.get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/21/" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_writes_to_the_resolver_are_a_json_405(anonymous, registered_battery, method):
    response = getattr(anonymous, method)(LINK, {}, content_type="application/json")

    assert response.status_code == 405
    assert response.json()["errors"][0]["field"] == "method"
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_the_tlog_checkpoint_and_tiles_are_readable_across_origins(anonymous, db):
    for path in ("/checkpoint", "/tile/0/000.p/1"):
        response = anonymous.get(path, HTTP_ORIGIN="https://monitor.example")

        assert response["Access-Control-Allow-Origin"] == "*", path
