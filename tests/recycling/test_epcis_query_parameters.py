"""GET /api/v1/epcis/events: every bad query parameter is a JSON 400 naming it, never a 500."""

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

URL = "/api/v1/epcis/events"
TIMES = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
# Well-formed but often impossible times: month 13, hour 99, offset +99:99.
TIME_SHAPE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"


def token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def assert_refused(response, field: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize("name", TIMES)
@pytest.mark.parametrize(
    "value",
    [
        "2026-13-01T00:00:00Z",  # no thirteenth month
        "2026-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:00+25:00",  # offsets stop short of a day
        "2026-01-01T00:00:00-24:00",
        "0001-01-01T00:00:00Z",  # the clock-skew margin would reach before year 1
        "9999-12-31T23:59:59-23:59",  # after year 9999 in UTC
        "2026-01-01T00:00:00",  # no zone
        "",
        "9" * 5000,
        "２０２６-01-01T00:00:00Z",
    ],
)
def test_an_impossible_event_time_is_a_json_400_naming_it(regulator, name, value):
    assert_refused(regulator.client.get(URL, {name: value}), name)


@pytest.mark.parametrize("value", ["", "0", "-1", "1.5", "²", "١٢", "9" * 5000, " 5", "ten"])
def test_a_page_size_that_is_not_a_plain_positive_number_is_refused(regulator, value):
    assert_refused(regulator.client.get(URL, {"perPage": value}), "perPage")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "x" * 5000,
        token(["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]),  # naive time
        token(["2026-13-01T00:00:00Z", "00000000-0000-0000-0000-000000000000"]),
        token({"a": 1, "b": 2}),
        token([1, 2]),
        token(["2026-01-01T00:00:00+00:00"]),
        token("text"),
        token(None),
    ],
)
def test_a_page_token_we_did_not_issue_is_refused(regulator, value):
    assert_refused(regulator.client.get(URL, {"nextPageToken": value}), "nextPageToken")


def test_a_repeated_single_valued_parameter_is_refused(regulator):
    response = regulator.client.get(
        URL + "?perPage=5&perPage=6&GE_eventTime=2026-01-01T00:00:00Z"
        "&GE_eventTime=2026-02-01T00:00:00Z"
    )

    assert_refused(response, "perPage")
    assert_refused(response, "GE_eventTime")


@pytest.mark.parametrize("value", ["http://[/01/1/21/2", "/01/x/21/y", "é" * 3000, "/p/", "/p/🔋"])
def test_an_epc_that_is_no_passport_matches_nothing(regulator, value):
    response = regulator.client.get(URL, {"MATCH_anyEPC": value})

    assert response.status_code == 200, response.content[:300]
    assert response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


@pytest.mark.parametrize("name", ["MATCH_anyEPC", *TIMES, "perPage", "nextPageToken", "x\x00"])
def test_a_nul_character_anywhere_in_the_query_is_refused(regulator, name):
    # PostgreSQL cannot hold NUL in text: refused for the whole query before any parameter.
    assert_refused(regulator.client.get(URL, {name: "2026\x00"}), "query")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(
        ["MATCH_anyEPC", "MATCH_epc", *TIMES, "EQ_bizStep", "eventType", "perPage",
         "nextPageToken", "purpose", "unknown"]
    ),
    value=st.text(max_size=60) | st.from_regex(TIME_SHAPE, fullmatch=True),
)  # fmt: skip
def test_no_query_value_makes_the_server_fail(regulator, name, value):
    response = regulator.client.get(URL, {name: value})

    assert response.status_code in (200, 400), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 400:
        expected = "query" if "\x00" in value else name
        assert {e["field"] for e in response.json()["errors"]} == {expected}
