"""The per-caller limits read and written together decide as DRF's throttles one by one do."""

import uuid

import pytest
import redis.connection
from django.core.cache.backends.locmem import LocMemCache
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from passports.api.auth import CachedTokenAuthentication
from passports.api.throttling import PER_CALLER, CallerThrottle
from passports.services.organisations import service_account_token_create
from tests.conftest import uses_postgresql

RATES = {"anon": "2/min", "token": "3/min", "organisation": "4/min", "bulk": "2/hour"}


def one_by_one(request, cache, now: float) -> tuple[bool, float | None]:
    """What DRF's check_throttles decides with the PER_CALLER throttles, each on its own."""
    waits, refused = [], False
    for kind in PER_CALLER:
        throttle = kind()
        throttle.cache, throttle.timer = cache, lambda: now
        if not throttle.allow_request(request, None):
            refused = True
            waits.append(throttle.wait())
    return not refused, max([w for w in waits if w is not None], default=None)


def together(request, cache, now: float) -> tuple[bool, float | None]:
    throttle = CallerThrottle()
    throttle.cache, throttle.timer = cache, lambda: now
    allowed = throttle.allow_request(request, None)
    return allowed, None if allowed else throttle.wait()


def caller(token: str | None, address: str) -> Request:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    django_request = APIRequestFactory().get(
        "/api/v1/organisations/", REMOTE_ADDR=address, **headers
    )
    return Request(django_request, authenticators=[CachedTokenAuthentication()])


@pytest.fixture
def callers(manufacturer, other_manufacturer, settings) -> list[Request]:
    settings.API_THROTTLE_RATES = {**dict.fromkeys(settings.API_THROTTLE_RATES), **RATES}
    spare = service_account_token_create(organisation=manufacturer.organisation)
    return [
        caller(manufacturer.token, "10.0.0.1"),
        caller(spare, "10.0.0.1"),  # the same organisation, another token
        caller(other_manufacturer.token, "10.0.0.2"),
        caller(None, "10.0.0.3"),
        caller(None, "10.0.0.4"),
    ]


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=4), st.floats(min_value=0, max_value=40)),
        max_size=40,
    )
)
def test_the_limits_read_together_decide_as_each_throttle_alone(callers, steps):
    alone, combined = (LocMemCache(f"throttles-{uuid.uuid4()}", {}) for _ in range(2))
    now = 1_000_000.0
    for who, later in steps:
        now += later
        expected = one_by_one(callers[who], alone, now)
        assert together(callers[who], combined, now) == expected


def test_an_authenticated_call_counts_its_limits_in_two_round_trips(
    manufacturer, settings, monkeypatch
):
    if not uses_postgresql() or "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("counts round trips to Redis, configured with the PostgreSQL services")
    settings.API_THROTTLE_RATES = {**dict.fromkeys(settings.API_THROTTLE_RATES), **RATES}
    settings.API_THROTTLE_RATES.update(token="100/min", organisation="100/min")
    manufacturer.client.get("/api/v1/organisations/")  # connects to Redis
    sent = []
    send = redis.connection.Connection.send_packed_command
    monkeypatch.setattr(
        redis.connection.Connection,
        "send_packed_command",
        lambda self, command, check_health=True: sent.append(command) or send(self, command),
    )

    answer = manufacturer.client.get("/api/v1/organisations/")

    assert answer.status_code == 200
    # Token and organisation counters: one read of both, one write of both (before: four).
    assert len(sent) == 2, sent
