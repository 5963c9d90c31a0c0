"""The log's public reads answered early by LogReadMiddleware give the views' own answers."""

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.lifecycle.test_tiles_api import _header_sets, log_of_300  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("log_of_300")

EARLY = "lifecycle.middleware.LogReadMiddleware"
LANGUAGE_HEADERS = {"vary", "content-language"}


@pytest.fixture
def without_early_answers(settings):
    """Takes the middleware out; returns a new client (a client keeps the chain it first built)."""

    def switch_off() -> APIClient:
        settings.MIDDLEWARE = [name for name in django_settings.MIDDLEWARE if name != EARLY]
        return APIClient(raise_request_exception=False)

    return switch_off


def _without_language(headers: dict) -> dict:
    return {name: value for name, value in headers.items() if name not in LANGUAGE_HEADERS}


@pytest.mark.parametrize("path", ["/tile/0/000", "/tile/0/001.p/44", "/tile/1/000.p/1"])
def test_a_hash_tile_answered_early_is_the_views_answer(anonymous, without_early_answers, path):
    early = anonymous.get(path)
    through_views = without_early_answers().get(path)

    # The locale middleware names the language of every answer it passes on.
    assert "Content-Language" not in early
    assert "Content-Language" in through_views
    assert early.status_code == through_views.status_code == 200
    assert early.content == through_views.content
    assert early["Content-Length"] == str(len(early.content))
    # A tile is the same bytes in every language: the early answer names none, so a shared
    # cache keeps one copy of it.
    assert "vary" not in _header_sets(early)
    assert _header_sets(early) == _without_language(_header_sets(through_views))


@pytest.mark.parametrize("path", ["/tile/0/00", "/tile/0/999", "/tile/0/001.p/300"])
def test_a_bad_or_unwritten_tile_answered_early_is_the_views_json_error(
    anonymous, without_early_answers, path
):
    early = anonymous.get(path)
    through_views = without_early_answers().get(path)

    assert early.status_code == through_views.status_code
    assert early.status_code in {400, 404}
    assert early.json() == through_views.json()
    assert early.json()["errors"][0]["field"] == "path"


def test_entry_bundles_and_other_methods_still_go_to_the_views(anonymous):
    assert anonymous.get("/tile/entries/001.p/44").status_code == 401
    assert anonymous.head("/tile/0/000").status_code == 405
    assert anonymous.post("/tile/0/000").status_code == 405


@pytest.mark.parametrize("path", ["/tile/0/000", "/api/v1/log/proof/inclusion?index=5&size=300"])
def test_an_early_answer_still_refuses_a_host_not_allowed(anonymous, path):
    assert anonymous.get(path).status_code == 200
    assert anonymous.get(path, HTTP_HOST="attacker.example").status_code == 400


def test_a_signed_in_proof_request_goes_to_the_api_view(regulator):
    response = regulator.client.get("/api/v1/log/proof/inclusion?index=5&size=300")

    assert response.status_code == 200
    assert response.resolver_match.url_name == "log-inclusion"
    assert hasattr(response, "accepted_renderer")  # DRF answered it


def test_a_throttled_early_proof_speaks_the_callers_language(anonymous, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "z"}
    }
    settings.API_THROTTLE_RATES = {**dict.fromkeys(settings.API_THROTTLE_RATES), "proofs": "1/min"}
    path = "/api/v1/log/proof/inclusion?index=5&size=300"
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

    assert anonymous.get(path, **chinese).status_code == 200
    refused = anonymous.get(path, **chinese)
    through_drf = anonymous.get(path, HTTP_ACCEPT="application/json, text/plain", **chinese)

    assert not hasattr(refused, "accepted_renderer")
    assert refused.status_code == through_drf.status_code == 429
    assert refused["Content-Language"] == through_drf["Content-Language"] == "zh-hans"
    assert "Accept-Language" in refused["Vary"]
    message = refused.json()["errors"][0]["message"]
    assert not message.startswith("Request was throttled")
    # The wait may differ by the second between the two answers; the sentence before it not.
    assert message.split("。")[0] == through_drf.json()["errors"][0]["message"].split("。")[0]


@pytest.mark.parametrize("path", ["/tile/", "/tile/0/000%0A", "/tile/0/001.p/44%0a"])
def test_a_path_the_tile_route_does_not_take_gets_the_chains_404(without_early_answers, path):
    early = APIClient().get(path)
    through_views = without_early_answers().get(path)

    assert early.status_code == through_views.status_code == 404
    assert early["Content-Type"] == through_views["Content-Type"]


def test_an_early_server_error_keeps_the_frame_and_security_policy_headers(
    without_early_answers, monkeypatch
):
    def storage_down(name):
        raise RuntimeError("the bucket did not answer")

    monkeypatch.setattr("lifecycle.api.tiles.tile_read", storage_down)
    early = APIClient(raise_request_exception=False).get("/tile/0/000")
    through_views = without_early_answers().get("/tile/0/000")

    assert early.status_code == through_views.status_code == 500
    assert early["X-Frame-Options"] == through_views["X-Frame-Options"] == "DENY"
    assert early["Content-Security-Policy"] == through_views["Content-Security-Policy"]


@pytest.mark.parametrize(("length", "status"), [("99999999", 413), ("abc", 400)])
def test_an_early_proof_still_gets_the_api_body_limit(without_early_answers, length, status):
    path = "/api/v1/log/proof/inclusion?index=5&size=300"

    early = APIClient().get(path, CONTENT_LENGTH=length)
    through_views = without_early_answers().get(path, CONTENT_LENGTH=length)

    assert early.status_code == through_views.status_code == status


def test_an_early_answer_applies_the_common_middlewares_user_agent_refusal(settings):
    import re

    settings.DISALLOWED_USER_AGENTS = [re.compile(r"^bad-crawler")]
    client = APIClient(raise_request_exception=False)

    for path in ["/tile/0/000", "/api/v1/log/proof/inclusion?index=5&size=300"]:
        assert client.get(path).status_code == 200
        assert client.get(path, HTTP_USER_AGENT="bad-crawler/1.0").status_code == 403


def test_a_proof_request_with_a_session_cookie_goes_to_the_api_view(regulator):
    from tests.web.test_dashboard import signed_in

    client = signed_in(regulator, "auditor")

    response = client.get("/api/v1/log/proof/inclusion?index=5&size=300")

    assert response.status_code == 200
    assert hasattr(response, "accepted_renderer")  # DRF answered it
