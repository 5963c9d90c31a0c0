"""Rate limits: 429 with Retry-After and the API's error shape, per token, organisation,
address and expensive endpoint; counters in the configured cache."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from passports.api.throttling import EXPENSIVE_SCOPES
from passports.services.organisations import service_account_token_create
from tests.factories import declaration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limits(settings):
    """Sets some rates (the rest stay off) in a cache of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttling-{uuid.uuid4()}",
        }
    }

    def set_rates(**rates: str) -> None:
        settings.API_THROTTLE_RATES = {**dict.fromkeys(settings.API_THROTTLE_RATES), **rates}

    return set_rates


def test_a_token_past_its_limit_gets_429_with_retry_after_and_an_error_body(manufacturer, limits):
    limits(token="2/min")

    answers = [manufacturer.client.get("/api/v1/organisations/") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 0 < int(answers[2]["Retry-After"]) <= 60
    (error,) = answers[2].json()["errors"]
    assert error["field"] == ""
    assert "throttled" in error["message"].lower()


def test_each_token_has_its_own_allowance(manufacturer, limits):
    limits(token="1/min")
    second = APIClient()
    second.credentials(
        HTTP_AUTHORIZATION="Token "
        + service_account_token_create(organisation=manufacturer.organisation)
    )

    assert manufacturer.client.get("/api/v1/organisations/").status_code == 200
    assert manufacturer.client.get("/api/v1/organisations/").status_code == 429
    assert second.get("/api/v1/organisations/").status_code == 200


def test_an_organisation_limit_counts_the_calls_of_all_its_tokens(manufacturer, limits):
    limits(organisation="2/min")
    second = APIClient()
    second.credentials(
        HTTP_AUTHORIZATION="Token "
        + service_account_token_create(organisation=manufacturer.organisation)
    )

    assert manufacturer.client.get("/api/v1/organisations/").status_code == 200
    assert second.get("/api/v1/organisations/").status_code == 200
    assert second.get("/api/v1/organisations/").status_code == 429


def test_an_organisation_limit_leaves_other_organisations_alone(
    manufacturer, other_manufacturer, limits
):
    limits(organisation="1/min")

    assert manufacturer.client.get("/api/v1/organisations/").status_code == 200
    assert manufacturer.client.get("/api/v1/organisations/").status_code == 429
    assert other_manufacturer.client.get("/api/v1/organisations/").status_code == 200


def test_anonymous_reads_are_limited_per_address_and_x_forwarded_for_is_not_trusted(
    anonymous, limits
):
    limits(anon="2/min")

    def get(address: str, forwarded: str):
        return anonymous.get(
            "/api/v1/log/checkpoints/", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert [get("10.0.0.1", f"192.0.2.{n}") for n in range(3)] == [200, 200, 429]
    assert get("10.0.0.2", "192.0.2.1") == 200


def test_bulk_registration_has_a_stricter_limit_than_other_calls(manufacturer, limits):
    limits(bulk="1/min", token="100/min")
    body = {"passports": [declaration(serial="BULK-1")]}

    first = manufacturer.client.post("/api/v1/passports/bulk/", body, format="json")
    second = manufacturer.client.post("/api/v1/passports/bulk/", body, format="json")

    assert first.status_code == 201, first.json()
    assert second.status_code == 429
    assert "Retry-After" in second
    assert manufacturer.client.get("/api/v1/passports/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/log/proof/inclusion?index=0&size=1",
        "/api/v1/log/proof/consistency?first=1&second=1",
    ],
)
def test_anonymous_proofs_have_their_own_limit(anonymous, limits, path):
    limits(proofs="1/min")

    anonymous.get(path)

    assert anonymous.get(path).status_code == 429
    assert anonymous.get("/api/v1/log/checkpoints/").status_code == 200


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/api/v1/statistics/recovery", "statistics"),
        ("/api/v1/inventory", "inventory"),
        ("/api/v1/audit/report?year=2025", "audit"),
        ("/api/v1/forecasts/urban-mine?element=Li&product_type=battery&until=2030", "forecasts"),
    ],
)
def test_expensive_reads_have_their_own_limit(regulator, limits, path, scope):
    limits(**{scope: "1/min"})

    regulator.client.get(path)

    assert regulator.client.get(path).status_code == 429
    assert regulator.client.get("/api/v1/organisations/").status_code == 200


def test_every_scope_has_a_default_rate():
    scopes = {"anon", "token", "organisation", "scan", *EXPENSIVE_SCOPES.values()}

    assert scopes == set(django_settings.API_THROTTLE_RATES)


def cache_settings(**environment: str) -> dict:
    """The CACHES the settings module builds from this environment, read in a fresh process."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "CACHE", "CELERY"))}
    code = "import json, django; django.setup(); from django.conf import settings; "
    code += "print(json.dumps(settings.CACHES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_cache_is_redis_when_configured_and_local_memory_otherwise():
    redis = "django.core.cache.backends.redis.RedisCache"

    assert cache_settings()["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert cache_settings(REDIS_URL="redis://r:6379/2") == {
        "BACKEND": redis,
        "LOCATION": "redis://r:6379/2",
        "KEY_PREFIX": "metalpass",
    }
    assert cache_settings(CELERY_BROKER_URL="redis://b:6379/0")["LOCATION"] == "redis://b:6379/0"
    assert cache_settings(CELERY_BROKER_URL="amqp://b//")["BACKEND"] != redis


@pytest.mark.parametrize("header", ["Bearer x", "Basic dXNlcjpwYXNz", "Token not-a-real-token"])
def test_a_made_up_authorization_header_does_not_escape_the_scan_limit(
    registered_battery, limits, header
):
    limits(scan="2/min")
    path = f"/p/{registered_battery['id']}"
    anonymous = APIClient()
    for _ in range(2):
        anonymous.get(path, HTTP_ACCEPT="application/json")

    answer = anonymous.get(path, HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=header)

    assert answer.status_code == 429


def test_anonymous_scans_of_the_resolver_are_limited_per_address(
    registered_battery, manufacturer, limits
):
    limits(scan="2/min")
    path = f"/p/{registered_battery['id']}"
    anonymous = APIClient()

    answers = [anonymous.get(path, HTTP_ACCEPT="application/json") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert "Too many scans" in answers[2].json()["errors"][0]["message"]
    signed_in = manufacturer.client.get(path, HTTP_ACCEPT="application/json")
    assert signed_in.status_code == 200  # tokens are counted by the API's limits instead
