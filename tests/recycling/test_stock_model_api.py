"""POST /api/v1/forecasts/stock-model: the dynamic stock model as a calculator for the signed-in."""

import json

import pytest

from recycling.api.forecasts import MAX_YEARS

URL = "/api/v1/forecasts/stock-model"
INFLOW = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
FIXED_5 = {"type": "Fixed", "mean": 5}
KEYS = {"inflow", "stock", "outflow", "stock_change", "stock_by_cohort", "outflow_by_cohort"}


def fields(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_inflow_driven_model_reproduces_the_fixed_lifetime_textbook_case(manufacturer):
    response = manufacturer.client.post(URL, {"inflow": INFLOW, "lifetime": FIXED_5}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == KEYS
    assert body["inflow"] == INFLOW
    assert body["stock"] == [1, 3, 6, 10, 15, 20, 25, 30, 35, 40]
    assert body["outflow"] == [0, 0, 0, 0, 0, 1, 2, 3, 4, 5]
    assert body["stock_change"] == [1, 2, 3, 4, 5, 5, 5, 5, 5, 5]
    assert body["stock_by_cohort"][5] == [0, 2, 3, 4, 5, 6, 0, 0, 0, 0]
    assert body["outflow_by_cohort"][6] == [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]
    assert all(isinstance(value, float) for value in body["stock"])


def test_stock_driven_model_solves_the_inflow_behind_a_stock(regulator):
    stock = [1, 3, 6, 10, 15, 20, 25, 30, 35, 40]
    response = regulator.client.post(URL, {"stock": stock, "lifetime": FIXED_5}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["inflow"] == pytest.approx(INFLOW)
    assert body["stock"] == stock
    assert body["outflow"] == pytest.approx([0, 0, 0, 0, 0, 1, 2, 3, 4, 5])


@pytest.mark.parametrize(
    "lifetime",
    [
        {"type": "Weibull", "shape": 1.2, "scale": 1},
        {"type": "Normal", "mean": 5, "sd": 1.5},
        {"type": "LogNormal", "mean": 20, "sd": 20},
    ],
)
def test_every_lifetime_type_balances_inflow_outflow_and_stock(manufacturer, lifetime):
    response = manufacturer.client.post(
        URL, {"inflow": INFLOW, "lifetime": lifetime}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    for year, inflow in enumerate(INFLOW):
        assert inflow - body["outflow"][year] == pytest.approx(body["stock_change"][year])
    assert len(body["stock_by_cohort"]) == len(INFLOW)
    assert all(len(row) == len(INFLOW) for row in body["outflow_by_cohort"])


def test_fractional_numbers_are_read_as_numbers(manufacturer):
    # The project's parser turns 1.5 into a Decimal; the model must still see a float.
    body = b'{"inflow": [0.5, 1.25], "lifetime": {"type": "Normal", "mean": 5.5, "sd": 1.5}}'
    response = manufacturer.client.post(URL, body, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["inflow"] == [0.5, 1.25]


@pytest.mark.parametrize(
    ("lifetime", "field", "words"),
    [
        ({"type": "Gamma", "mean": 5}, "lifetime.type", "not a valid choice"),
        ({"mean": 5}, "lifetime.type", "required"),
        ({"type": "Normal", "mean": 5, "sd": -1.5}, "lifetime.sd", "must not be negative"),
        ({"type": "Normal", "mean": 5}, "lifetime.sd", "required"),
        ({"type": "Fixed", "mean": 0}, "lifetime.mean", "greater than zero"),
        ({"type": "Weibull", "shape": 1.2, "scale": -1}, "lifetime.scale", "greater than zero"),
        ({"type": "Weibull", "shape": "wide", "scale": 1}, "lifetime.shape", "valid number"),
        ({"type": "LogNormal", "mean": 1, "sd": 1e300}, "lifetime.sd", "too large"),
    ],
)
def test_an_invalid_lifetime_is_a_400_naming_the_field(manufacturer, lifetime, field, words):
    response = manufacturer.client.post(
        URL, {"inflow": INFLOW, "lifetime": lifetime}, format="json"
    )
    assert response.status_code == 400
    assert words in fields(response)[field]


def test_a_lifetime_that_is_not_an_object_is_a_400(manufacturer):
    response = manufacturer.client.post(URL, {"inflow": INFLOW, "lifetime": 5}, format="json")
    assert response.status_code == 400
    assert "lifetime" in fields(response)


@pytest.mark.parametrize(
    "series",
    [{"inflow": INFLOW, "stock": INFLOW}, {}],
    ids=["both", "neither"],
)
def test_exactly_one_of_inflow_or_stock_is_required(manufacturer, series):
    response = manufacturer.client.post(URL, {**series, "lifetime": FIXED_5}, format="json")
    assert response.status_code == 400
    assert fields(response) == {"": "Give exactly one of inflow or stock."}


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ([1, "two", 3], "valid number"),
        ([1, "2", 3], "valid number"),
        ([1, True, 3], "valid number"),
        ([1, None, 3], "may not be null"),
        ([1, [2], 3], "valid number"),
        ([1, -2, 3], "greater than or equal to 0"),
    ],
)
def test_non_numeric_or_negative_entries_are_a_400_naming_the_entry(manufacturer, values, words):
    response = manufacturer.client.post(URL, {"stock": values, "lifetime": FIXED_5}, format="json")
    assert response.status_code == 400
    assert words in fields(response)["stock[1]"]


def test_numbers_beyond_float_range_are_a_400(manufacturer):
    body = b'{"inflow": [1, 1e400], "lifetime": {"type": "Fixed", "mean": 5}}'
    response = manufacturer.client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "inflow[1]" in fields(response)


def test_a_stock_that_overflows_in_the_sums_is_a_400_not_infinity(manufacturer):
    body = {"inflow": [1.5e308, 1.5e308], "lifetime": {"type": "Fixed", "mean": 5}}
    response = manufacturer.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert "too large" in fields(response)["inflow"]


@pytest.mark.parametrize(("series", "words"), [([], "at least 1"), ("10", "list")])
def test_an_empty_or_non_list_series_is_a_400(manufacturer, series, words):
    response = manufacturer.client.post(URL, {"inflow": series, "lifetime": FIXED_5}, format="json")
    assert response.status_code == 400
    assert words in fields(response)["inflow"].lower()


def test_more_than_the_year_limit_is_a_400_and_the_limit_itself_is_fine(manufacturer):
    too_long = {"inflow": [1] * (MAX_YEARS + 1), "lifetime": FIXED_5}
    response = manufacturer.client.post(URL, too_long, format="json")
    assert response.status_code == 400
    assert str(MAX_YEARS) in fields(response)["inflow"]
    at_limit = {"stock": [1] * MAX_YEARS, "lifetime": FIXED_5}
    response = manufacturer.client.post(URL, at_limit, format="json")
    assert response.status_code == 200
    assert len(json.loads(response.content)["stock_by_cohort"]) == MAX_YEARS


def test_unknown_keys_are_refused_rather_than_ignored(manufacturer):
    body = {"inflow": INFLOW, "lifetime": {**FIXED_5, "std": 1}, "years": 10}
    response = manufacturer.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert set(fields(response)) == {"lifetime.std", "years"}


def test_a_body_that_is_not_an_object_is_a_400(manufacturer):
    response = manufacturer.client.post(URL, [1, 2, 3], format="json")
    assert response.status_code == 400


def test_anonymous_callers_get_401(anonymous):
    response = anonymous.post(URL, {"inflow": INFLOW, "lifetime": FIXED_5}, format="json")
    assert response.status_code == 401
    assert response.json()["errors"]


def test_only_post_is_allowed(manufacturer):
    assert manufacturer.client.get(URL).status_code == 405
