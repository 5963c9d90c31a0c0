"""A declaration's every problem comes back in one answer, field rules and cross-field rules."""

import copy

import pytest

from passports.api.errors import flatten_errors
from passports.declaration import PassportDeclaration
from passports.models import Passport
from tests.factories import declaration
from tests.passports.drf_reference import assert_same_as_drf

URL = "/api/v1/passports/"
CONTEXT = {"gs1_company_prefix": ""}


def three_problems() -> dict:
    """A wrong GTIN check digit, a composition over the mass, Co origin shares summing to 0.9."""
    item = copy.deepcopy(declaration(gtin="09506000134353", mass_kg="100"))
    item["origin"][1]["share"] = "0.2"
    return item


def fields(errors: list[dict]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in errors}


def assert_three_problems(found: dict[str, str]) -> None:
    assert "check digit" in found["gtin"]
    assert "more than the product mass of 100 kg" in found["composition"]
    assert "Origin shares of Co add up to 0.9, not 1." in found["origin"]


def test_registration_reports_every_problem_in_one_answer(manufacturer):
    response = manufacturer.client.post(URL, three_problems(), format="json")

    assert response.status_code == 400
    assert_three_problems(fields(response.json()["errors"]))
    assert Passport.objects.count() == 0


def test_the_serializer_names_all_three_problems():
    checked = PassportDeclaration(data=three_problems(), context=CONTEXT)

    assert not checked.is_valid()
    assert_three_problems(fields(flatten_errors(checked.errors)))
    assert_same_as_drf(three_problems(), context=CONTEXT)


def test_bulk_registration_indexes_every_problem_by_item(manufacturer):
    items = [declaration(serial="OK-1"), three_problems()]

    response = manufacturer.client.post(URL + "bulk/", {"passports": items}, format="json")

    assert response.status_code == 400
    found = fields(response.json()["errors"])
    assert {"passports[1].gtin", "passports[1].composition", "passports[1].origin"} <= set(found)
    assert not any(field.startswith("passports[0]") for field in found)
    assert Passport.objects.count() == 0


def test_masses_still_add_up_when_an_item_names_an_unknown_substance():
    item = copy.deepcopy(declaration(mass_kg="100"))
    item["composition"][3]["substance"] = "unobtainium"

    checked = PassportDeclaration(data=item, context=CONTEXT)

    assert not checked.is_valid()
    found = fields(flatten_errors(checked.errors))
    assert "Unknown substance" in found["composition[3].substance"]
    assert "adds up to 122.2 kg" in found["composition"]


@pytest.mark.parametrize(
    ("change", "absent"),
    [
        # A rule does not run on data that is itself invalid: no sum over an unreadable mass.
        (lambda d: d.update(mass_kg="heavy"), "composition"),
        (lambda d: d["composition"][0].update(mass_kg="-1"), "composition"),
        (lambda d: d["origin"][1].update(share="lots"), "origin"),
    ],
)
def test_rules_skip_what_they_cannot_read(change, absent):
    item = copy.deepcopy(declaration(mass_kg="1"))
    item["origin"][1]["share"] = "0.2"
    change(item)

    checked = PassportDeclaration(data=item, context=CONTEXT)

    assert not checked.is_valid()
    assert absent not in fields(flatten_errors(checked.errors))
