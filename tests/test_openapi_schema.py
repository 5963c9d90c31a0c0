"""The OpenAPI document lists every API path that is served, and comes as JSON on request."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator


def api_routes(patterns=None, prefix: str = "") -> list[tuple[str, object]]:
    """(regex, view) for every route under /api/v1/, walking included URL lists."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        regex = prefix + str(entry.pattern.regex.pattern).lstrip("^")
        if isinstance(entry, URLResolver):
            found.extend(api_routes(entry.url_patterns, regex.rstrip("$")))
        elif isinstance(entry, URLPattern) and regex.startswith("api/v1/"):
            found.append((regex, entry.callback))
    return found


def test_every_api_route_is_a_view_the_schema_generator_documents():
    # drf-spectacular documents DRF views only; a plain Django view under /api/v1/ would be
    # served but missing from the document, as the QR codes once were.
    plain = [regex for regex, view in api_routes() if not hasattr(view, "cls")]

    assert plain == []


def test_qr_code_paths_are_documented_with_their_image_types():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    svg = paths["/api/v1/passports/{id}/qr.svg"]["get"]["responses"]
    png = paths["/api/v1/passports/{id}/qr.png"]["get"]["responses"]
    assert list(svg["200"]["content"]) == ["image/svg+xml"]
    assert list(png["200"]["content"]) == ["image/png"]
    assert svg["404"]["content"]["application/json"]


@pytest.mark.parametrize(
    ("query", "accept"), [({"format": "json"}, "*/*"), ({}, "application/json")]
)
def test_schema_is_json_when_asked(client, db, query, accept):
    response = client.get("/api/schema/", query, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "/api/v1/passports/{id}/qr.png" in json.loads(response.content)["paths"]


def test_schema_is_yaml_by_default(client, db):
    response = client.get("/api/schema/")

    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3")


def test_unknown_schema_format_is_a_json_400(client, db):
    response = client.get("/api/schema/", {"format": "xml"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"
