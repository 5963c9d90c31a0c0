"""Battery Pass import refuses what it used to drop: bad extension values, values the aspects
contradict, and keys the data model does not define."""

from passports.models import Passport
from tests.passports.test_batterypass import complete, export, import_document, wire

__all__ = ["complete"]  # the fixture, used by name below

BULK = "/api/v1/passports/import/batterypass/bulk/"


def exported(manufacturer, passport_id: str, serial: str) -> dict:
    """An exported document renamed to a new serial, so that it would register."""
    document = wire(export(manufacturer.client, passport_id))
    document["declarationExtension"]["serial"] = serial
    identifier = f"(01)09506000134352(21){serial}"
    document["GeneralProductInformation"]["productIdentifier"] = identifier
    return document


def refused(manufacturer, document) -> dict[str, str]:
    response = import_document(manufacturer.client, document)
    assert response.status_code == 400, response.json()
    assert Passport.objects.count() == 1
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_renamed_export_still_imports(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000020")
    response = import_document(manufacturer.client, document)
    assert response.status_code == 201, response.json()


def test_an_extension_leaving_out_what_the_aspects_give_imports(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000021")
    for key in ("mass_kg", "manufactured_at", "carbon_footprint"):
        del document["declarationExtension"][key]
    response = import_document(manufacturer.client, document)
    assert response.status_code == 201, response.json()
    assert Passport.objects.get(serial="BAT-000021").mass_kg == 450


def test_a_negative_extension_mass_is_refused_at_its_path(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000022")
    document["declarationExtension"]["mass_kg"] = "-1"
    errors = refused(manufacturer, document)
    assert set(errors) == {"declarationExtension.mass_kg"}
    assert "greater than or equal to" in errors["declarationExtension.mass_kg"]


def test_an_impossible_extension_date_is_refused_at_its_path(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000023")
    document["declarationExtension"]["manufactured_at"] = "2026-02-30"
    errors = refused(manufacturer, document)
    assert set(errors) == {"declarationExtension.manufactured_at"}


def test_a_huge_extension_composition_is_refused_by_its_length(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000024")
    item = document["declarationExtension"]["composition"][0]
    document["declarationExtension"]["composition"] = [item] * 20_000
    response = import_document(manufacturer.client, document)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {
        "field": "declarationExtension.composition",
        "message": "Ensure this field has no more than 200 elements.",
    } in errors
    assert len(errors) <= 101
    assert len(response.content) < 20_000
    assert Passport.objects.count() == 1


def test_an_extension_value_the_aspects_contradict_is_refused_at_both_paths(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000025")
    document["declarationExtension"]["mass_kg"] = "451"
    errors = refused(manufacturer, document)
    assert set(errors) == {"declarationExtension.mass_kg", "GeneralProductInformation.batteryMass"}
    assert "'451'" in errors["GeneralProductInformation.batteryMass"]
    assert "GeneralProductInformation.batteryMass" in errors["declarationExtension.mass_kg"]


def test_a_composition_item_the_aspects_contradict_is_refused(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000026")
    document["declarationExtension"]["composition"].pop()
    errors = refused(manufacturer, document)
    assert "declarationExtension.composition" in errors
    assert "MaterialComposition.batteryMaterials" in errors


def test_an_unknown_aspect_is_refused_by_name(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000027")
    document["BatteryHealthAspect"] = {"stateOfHealth": 90}
    errors = refused(manufacturer, document)
    assert errors == {
        "BatteryHealthAspect": "Not a Battery Pass v1.2.0 aspect nor declarationExtension."
    }


def test_unknown_aspect_properties_are_refused_by_path(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000028")
    document["GeneralProductInformation"]["batteryMas"] = 450
    document["MaterialComposition"]["batteryMaterials"][0]["colour"] = "grey"
    errors = refused(manufacturer, document)
    assert set(errors) == {
        "GeneralProductInformation.batteryMas",
        "MaterialComposition.batteryMaterials[0].colour",
    }
    assert errors["GeneralProductInformation.batteryMas"] == (
        "The Battery Pass v1.2.0 schema has no such property."
    )


def test_unknown_extension_attributes_are_refused_by_path(manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000029")
    document["declarationExtension"]["attributes"]["colour"] = "grey"
    document["declarationExtension"]["product_type"] = "magnet"
    errors = refused(manufacturer, document)
    assert set(errors) == {
        "declarationExtension.attributes.colour",
        "declarationExtension.product_type",
    }


def test_bulk_import_names_the_document_of_an_extension_error(manufacturer, complete):
    good = exported(manufacturer, complete, "BAT-000030")
    bad = exported(manufacturer, complete, "BAT-000031")
    bad["declarationExtension"]["mass_kg"] = "-1"
    response = manufacturer.client.post(BULK, {"documents": [good, bad]}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [
        "documents[1].declarationExtension.mass_kg"
    ]
    assert Passport.objects.count() == 1


def test_anonymous_cannot_import(anonymous, manufacturer, complete):
    document = exported(manufacturer, complete, "BAT-000032")
    response = anonymous.post("/api/v1/passports/import/batterypass/", document, format="json")
    assert response.status_code == 401
    assert Passport.objects.count() == 1
