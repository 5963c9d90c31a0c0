"""A bulk registration answers each passport exactly as a single registration would."""

from django.urls import reverse, set_script_prefix

from lifecycle.api.passports import registered_all
from passports.identifiers import digital_link
from passports.models import Passport
from tests.factories import declaration


def one_by_one(passport: Passport) -> dict:
    """The answer built with a reverse() per path, as registration answered before."""
    return {
        "id": str(passport.id),
        "digital_link": digital_link(
            gtin=passport.gtin, serial=passport.serial, passport_id=passport.id
        ),
        "qr_svg": reverse("passport-qr", kwargs={"pk": passport.id, "fmt": "svg"}),
        "qr_png": reverse("passport-qr", kwargs={"pk": passport.id, "fmt": "png"}),
        "head_hash": passport.head_hash,
    }


def test_the_bulk_answer_names_each_passports_own_paths(manufacturer):
    items = [declaration(serial=f"ANS-{n}") for n in range(3)]
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    )
    assert response.status_code == 201, response.json()
    passports = [Passport.objects.get(pk=p["id"]) for p in response.json()["passports"]]

    assert response.json()["passports"] == [one_by_one(p) for p in passports]
    assert len({answer["qr_svg"] for answer in response.json()["passports"]}) == 3


def test_the_paths_keep_a_script_prefix(manufacturer):
    manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    passport = Passport.objects.get()
    set_script_prefix("/mounted/")
    try:
        answers = registered_all([passport])
        assert answers == [one_by_one(passport)]
        assert answers[0]["qr_svg"].startswith("/mounted/")
    finally:
        set_script_prefix("/")
