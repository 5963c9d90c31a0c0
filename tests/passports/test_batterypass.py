"""Battery Pass v1.2.0: each aspect of a complete battery validates, tiers filter, import maps
back to the same declaration bytes and names every error by its Battery Pass JSON path."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.utils.encoders import JSONEncoder

from lifecycle.canonical import canonical_bytes
from passports.batterypass.export import SCHEMA_DEFECTS, document_build
from passports.batterypass.importer import declaration_from
from passports.batterypass.schemas import ASPECTS, SCHEMA_DIR, aspect_errors
from passports.declaration import PassportDeclaration, normalise_declaration
from passports.models import Passport, ProductType
from tests.factories import declaration

SHARED = Path(settings.BASE_DIR).parent / "shared" / "conformance" / "batterypass-1.2"
WHEN = "2026-06-01T10:00:00Z"
# Properties the v1.2.0 schemas type so that our exact values cannot fill them: the warranty
# period is an xsd:gMonth ("--MM") and the idle temperature range a single number. The export
# fills them as the schema demands and lists the loss in `missing`.
UNREPRESENTABLE = set(SCHEMA_DEFECTS)
HEALTH = {
    "state_of_certified_energy_pct": "97", "state_of_charge_pct": "80", "full_cycles": 120,
    "capacity_fade_pct": "2", "remaining_capacity_ah": "183.75",
    "remaining_usable_energy_kwh": "72.5", "remaining_power_capability_w": "240000",
    "remaining_power_capability_soc_pct": "80", "power_fade_pct": "4",
    "remaining_round_trip_efficiency_pct": "94", "round_trip_efficiency_fade_pct": "1",
    "current_self_discharge_pct_per_month": "2.1", "self_discharge_evolution_pct": "5",
    "internal_resistance_increase_pct": "3", "energy_throughput_kwh": "9000",
    "capacity_throughput_ah": "22500", "time_above_max_temperature_h": "1.5",
    "time_below_min_temperature_h": "0", "time_charging_above_max_temperature_h": "0.25",
    "time_charging_below_min_temperature_h": "0", "accidents": [],
}  # fmt: skip


def complete_battery() -> dict:
    """The factory battery with the optional attributes the data model requires filled too."""
    battery = declaration()
    a = battery["attributes"]
    a["operator"] = copy.deepcopy(a["manufacturer_information"])
    a["initial_self_discharge_pct_per_month"] = "2"
    a["power_energy_ratio_w_per_wh"] = "3.333"
    a["materials"][0]["cas"] = "346417-97-8"
    a["materials"][2]["cas"] = "21324-40-3"
    a["spare_parts_sources"][0].update(
        email="parts@example.com", web_address="https://parts.example.com"
    )
    return battery


def wire(document: dict) -> dict:
    """The document as a client reads it off the wire (Decimals become JSON numbers)."""
    return json.loads(json.dumps(document, cls=JSONEncoder))


def post_event(client, passport_id, event_type, payload):
    response = client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {"type": event_type, "occurred_at": WHEN, "payload": payload},
        format="json",
    )
    assert response.status_code == 201, response.json()


@pytest.fixture
def complete(manufacturer) -> str:
    response = manufacturer.client.post("/api/v1/passports/", complete_battery(), format="json")
    assert response.status_code == 201, response.json()
    passport_id = response.json()["id"]
    post_event(manufacturer.client, passport_id, "put_into_service",
               {"date": "2026-06-01", "application": "car"})  # fmt: skip
    post_event(manufacturer.client, passport_id, "health_reported", HEALTH)
    return passport_id


def export(client, passport_id) -> dict:
    response = client.get(f"/api/v1/passports/{passport_id}/batterypass/")
    assert response.status_code == 200, response.json()
    return response.json()


def invalid_paths(document: dict) -> set[str]:
    return {e["field"] for aspect in ASPECTS for e in aspect_errors(aspect, document[aspect])}


def test_every_aspect_of_a_complete_battery_validates_and_only_schema_defects_are_missing(
    manufacturer, complete
):
    document = export(manufacturer.client, complete)

    assert invalid_paths(document) == set()
    assert {m["field"] for m in document["missing"]} == UNREPRESENTABLE
    assert document["withheld"] == []


def test_a_warranty_over_twelve_months_is_given_as_twelve_and_the_loss_is_named(
    manufacturer, complete
):
    document = export(manufacturer.client, complete)

    assert document["GeneralProductInformation"]["warrentyPeriod"] == "--12"
    loss = next(m for m in document["missing"] if m["field"].endswith("warrentyPeriod"))
    assert "96 months" in loss["message"]
    assert document["declarationExtension"]["attributes"]["warranty"] == {"years": 8, "months": 0}


def test_a_warranty_of_up_to_twelve_months_is_exact_and_nothing_is_missing():
    battery = complete_battery()
    battery["attributes"]["warranty"] = {"years": 0, "months": 9}
    checked = PassportDeclaration(data=battery)
    assert checked.is_valid(), checked.errors

    document = wire(build(normalise_declaration(checked.validated_data)))

    assert document["GeneralProductInformation"]["warrentyPeriod"] == "--09"
    assert "GeneralProductInformation.warrentyPeriod" not in {
        m["field"] for m in document["missing"]
    }
    assert aspect_errors("GeneralProductInformation", document["GeneralProductInformation"]) == []


def test_the_idle_temperature_range_is_given_as_its_upper_boundary_within_the_schema_bounds():
    battery = complete_battery()
    battery["attributes"]["idle_temperature_range"] = {"lower_c": "-30", "upper_c": "70"}
    checked = PassportDeclaration(data=battery)
    assert checked.is_valid(), checked.errors

    document = wire(build(normalise_declaration(checked.validated_data)))

    technical = document["PerformanceAndDurability"]["batteryTechicalProperties"]
    assert technical["temperatureRangeIdleState"] == 60
    loss = next(m for m in document["missing"] if m["field"].endswith("temperatureRangeIdleState"))
    assert "-30 to 70" in loss["message"]


def build(declaration: dict) -> dict:
    """The owner's document of a declaration that was never registered (no events)."""
    import uuid

    return document_build(declaration=declaration, passport_id=uuid.uuid4(), status="original",
                          health={}, put_into_service="2026-06-01", tier="owner")  # fmt: skip


def test_the_export_converts_units_and_enumerations_exactly(manufacturer, complete):
    document = export(manufacturer.client, complete)

    technical = document["PerformanceAndDurability"]["batteryTechicalProperties"]
    assert {"ohmicResistance": 0.0008, "batteryComponent": "cell"} in technical[
        "initialInternalResistance"
    ]
    assert technical["lifetimeReferenceTest"] == "data:text/plain,IEC%2062660-1%3A2018"
    cobalt = next(r for r in document["Circularity"]["recycledContent"]
                  if r["recycledMaterial"] == "Cobalt")  # fmt: skip
    assert cobalt["postConsumerShare"] == 16
    assert document["MaterialComposition"]["batteryChemistry"]["shortName"] == "NMC811"
    assert document["GeneralProductInformation"]["batteryStatus"] == "Original"


def test_what_the_data_cannot_fill_is_named_in_missing(manufacturer, registered_battery):
    document = export(manufacturer.client, registered_battery["id"])

    missing = {m["field"] for m in document["missing"]}
    assert "GeneralProductInformation.puttingIntoService" in missing
    assert "PerformanceAndDurability.batteryCondition.stateOfCharge" in missing
    assert (
        "GeneralProductInformation.puttingIntoService" not in document["GeneralProductInformation"]
    )


def test_without_an_operator_the_manufacturer_is_the_operator_and_import_adds_none(
    manufacturer, complete
):
    battery = complete_battery()
    del battery["attributes"]["operator"]
    checked = PassportDeclaration(data=battery)
    assert checked.is_valid(), checked.errors
    declaration = normalise_declaration(checked.validated_data)

    document = wire(build(declaration))

    general = document["GeneralProductInformation"]
    assert general["operatorInformation"] == general["manufacturerInformation"]
    assert "operator" not in declaration_from(document)["attributes"]


def test_the_shipped_schemas_equal_the_conformance_copies():
    if not SHARED.is_dir():
        pytest.skip(f"the conformance schemas are not present at {SHARED.name}")
    for aspect in ASPECTS:
        name = f"{aspect}-schema.json"
        assert (SCHEMA_DIR / name).read_bytes() == (SHARED / name).read_bytes(), name
    assert (SCHEMA_DIR / "NOTICE.md").is_file()


def test_the_registering_organisation_is_shown_beside_the_declared_manufacturer(
    manufacturer, complete
):
    document = export(manufacturer.client, complete)

    declared = document["GeneralProductInformation"]["manufacturerInformation"]
    assert declared["identifier"] == "DE123456789"  # the registrant's statement, kept as is
    assert document["registeredBy"] == {
        "id": str(manufacturer.organisation.id),
        "name": "Acme Cells",
        "country": "DE",
        "gs1CompanyPrefix": "9506000",
        "matchesManufacturerInformation": False,
    }


def test_a_declared_manufacturer_with_the_registrants_prefix_matches(manufacturer):
    battery = complete_battery()
    battery["attributes"]["manufacturer_information"]["identifier"] = "9506000"
    response = manufacturer.client.post("/api/v1/passports/", battery, format="json")
    assert response.status_code == 201, response.json()

    document = export(manufacturer.client, response.json()["id"])

    assert document["registeredBy"]["matchesManufacturerInformation"] is True
    assert declaration_from(document)["attributes"]["manufacturer_information"]["identifier"] == (
        "9506000"
    )


def test_public_export_has_no_legitimate_interest_property(anonymous, complete):
    document = export(anonymous, complete)

    assert document["tier"] == "public"
    assert "batteryStatus" not in document["GeneralProductInformation"]
    # Only the public static value the data model files under the condition.
    assert list(document["PerformanceAndDurability"]["batteryCondition"]) == [
        "roundTripEfficiencyat50PerCentCycleLife"
    ]
    assert (
        "expectedLifetime" not in document["PerformanceAndDurability"]["batteryTechicalProperties"]
    )
    assert "dismantlingAndRemovalInformation" not in document["Circularity"]
    assert "batteryMaterials" not in document["MaterialComposition"]
    assert "resultOfTestReport" not in document["Labeling"]
    extension = document["declarationExtension"]
    assert "materials" not in extension["attributes"]
    assert "composition" not in extension and "batch" not in extension
    assert all("supplier" not in item for item in extension["origin"])
    assert "GeneralProductInformation.batteryStatus" in document["withheld"]
    assert not any("batteryCondition" in m["field"] for m in document["missing"])


def test_another_organisation_exports_only_the_public_tier(other_manufacturer, complete):
    document = export(other_manufacturer.client, complete)

    assert document["tier"] == "public"
    assert "stateOfCharge" not in document["PerformanceAndDurability"]["batteryCondition"]


def test_a_recycler_sees_the_condition(recycler, complete):
    document = export(recycler.client, complete)

    assert document["tier"] == "legitimate_interest"
    assert "stateOfCharge" in document["PerformanceAndDurability"]["batteryCondition"]


def test_export_then_import_gives_the_same_declaration_bytes(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))

    checked = PassportDeclaration(data=declaration_from(document))
    assert checked.is_valid(), checked.errors
    stored = bytes(Passport.objects.get(pk=complete).declaration)
    assert canonical_bytes(normalise_declaration(checked.validated_data)) == stored


def test_import_registers_the_document_with_a_signed_genesis(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    extension = document["declarationExtension"]
    extension["serial"] = "BAT-000002"
    document["GeneralProductInformation"]["productIdentifier"] = "(01)09506000134352(21)BAT-000002"

    response = manufacturer.client.post(
        "/api/v1/passports/import/batterypass/", document, format="json"
    )

    assert response.status_code == 201, response.json()
    imported = Passport.objects.get(pk=response.json()["id"])
    assert imported.serial == "BAT-000002"
    assert imported.events.get(seq=0).type == "registered"


def test_import_schema_error_names_the_battery_pass_path(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    del document["GeneralProductInformation"]["manufacturerInformation"]["contactName"]
    document["GeneralProductInformation"]["batteryCategory"] = "portable"

    response = manufacturer.client.post(
        "/api/v1/passports/import/batterypass/", document, format="json"
    )

    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert "GeneralProductInformation.manufacturerInformation.contactName" in fields
    assert "GeneralProductInformation.batteryCategory" in fields
    assert Passport.objects.count() == 1


def test_import_rule_error_names_the_battery_pass_path(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    document["GeneralProductInformation"]["batteryMass"] = 10

    response = manufacturer.client.post(
        "/api/v1/passports/import/batterypass/", document, format="json"
    )

    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert "MaterialComposition.batteryMaterials" in fields


def import_document(client, document):
    return client.post("/api/v1/passports/import/batterypass/", document, format="json")


def test_import_refuses_a_product_identifier_the_extension_contradicts(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    document["GeneralProductInformation"]["productIdentifier"] = "(01)09506000134352(21)BAT-000009"

    response = import_document(manufacturer.client, document)

    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {
        "GeneralProductInformation.productIdentifier",
        "declarationExtension.serial",
    }
    assert "BAT-000009" in errors["declarationExtension.serial"]
    assert Passport.objects.count() == 1


def test_import_refuses_an_aspect_naming_another_battery(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    document["declarationExtension"]["serial"] = "BAT-000004"
    general = document["GeneralProductInformation"]
    general["productIdentifier"] = "(01)09506000134352(21)BAT-000004"
    document["Circularity"]["productIdentifier"] = "(01)09506000134352(21)BAT-000005"
    document["Labeling"]["batteryPassportIdentifier"] = general["batteryPassportIdentifier"]

    response = import_document(manufacturer.client, document)

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "GeneralProductInformation.productIdentifier",
        "Circularity.productIdentifier",
    }
    assert Passport.objects.count() == 1


def test_import_accepts_an_aspect_repeating_the_same_identifiers(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    document["declarationExtension"]["serial"] = "BAT-000006"
    general = document["GeneralProductInformation"]
    general["productIdentifier"] = "(01)09506000134352(21)BAT-000006"
    for aspect in ("Circularity", "MaterialComposition"):
        document[aspect]["productIdentifier"] = general["productIdentifier"]
        document[aspect]["batteryPassportIdentifier"] = general["batteryPassportIdentifier"]

    response = import_document(manufacturer.client, document)

    assert response.status_code == 201, response.json()


def test_import_refuses_a_manufacturer_identifier_the_extension_contradicts(manufacturer, complete):
    document = wire(export(manufacturer.client, complete))
    document["GeneralProductInformation"]["manufacturerInformation"]["identifier"] = "FR999"

    response = import_document(manufacturer.client, document)

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "GeneralProductInformation.manufacturerInformation.identifier",
        "declarationExtension.attributes.manufacturer_information.identifier",
    }


def test_bulk_import_indexes_errors_and_writes_nothing(manufacturer, complete):
    good = wire(export(manufacturer.client, complete))
    good["declarationExtension"]["serial"] = "BAT-000003"
    good["GeneralProductInformation"]["productIdentifier"] = "(01)09506000134352(21)BAT-000003"
    bad = copy.deepcopy(good)
    del bad["Labeling"]

    response = manufacturer.client.post(
        "/api/v1/passports/import/batterypass/bulk/", {"documents": [good, bad]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "documents[1].Labeling", "message": "This aspect is required."}
    ]
    assert Passport.objects.count() == 1


def test_a_non_manufacturer_cannot_import(recycler):
    response = recycler.client.post("/api/v1/passports/import/batterypass/", {}, format="json")

    assert response.status_code == 403


def test_anonymous_cannot_import(anonymous):
    response = anonymous.post("/api/v1/passports/import/batterypass/", {}, format="json")

    assert response.status_code == 401


def test_the_resolver_linkset_names_the_battery_pass_document(anonymous, complete):
    response = anonymous.get(f"/p/{complete}", HTTP_ACCEPT="application/linkset+json")

    links = json.dumps(response.json())
    assert f"/api/v1/passports/{complete}/batterypass/" in links


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        transaction.set_rollback(True)


def test_every_demo_battery_in_use_validates_with_only_schema_defects_missing(demo, db):
    """Each category's batteries that were put into service and reported their health fill
    every property; the rest lack only what their life has not given yet, and say so."""
    from passports.batterypass.export import passport_batterypass

    complete_by_category: dict[str, int] = {}
    for passport in Passport.objects.filter(product_type=ProductType.BATTERY):
        document = wire(passport_batterypass(passport, "owner"))
        missing = {m["field"] for m in document["missing"]}
        in_use = "puttingIntoService" in document["GeneralProductInformation"] and bool(
            passport.health
        )
        assert document["registeredBy"]["matchesManufacturerInformation"], passport.serial
        category = passport.attributes["category"]
        # The data model enumerates only the categories that need a passport.
        beyond = {"GeneralProductInformation.batteryCategory"} if category == "portable" else set()
        if in_use:
            assert invalid_paths(document) == beyond, passport.serial
            assert missing <= UNREPRESENTABLE | beyond, (passport.serial, missing)
            complete_by_category[category] = complete_by_category.get(category, 0) + 1
        else:
            assert invalid_paths(document) <= missing, passport.serial
            assert missing - UNREPRESENTABLE, passport.serial
    assert set(complete_by_category) == {"ev", "lmt", "industrial", "stationary", "portable"}


def test_every_demo_battery_round_trips_to_the_same_declaration_bytes(demo, db):
    from passports.batterypass.export import passport_batterypass

    for passport in Passport.objects.filter(product_type=ProductType.BATTERY):
        document = wire(passport_batterypass(passport, "owner"))
        checked = PassportDeclaration(data=declaration_from(document))
        assert checked.is_valid(), (passport.serial, checked.errors)
        assert canonical_bytes(normalise_declaration(checked.validated_data)) == bytes(
            passport.declaration
        ), passport.serial


def test_a_battery_not_yet_in_service_round_trips_through_the_import_endpoint(
    manufacturer, registered_battery
):
    document = wire(export(manufacturer.client, registered_battery["id"]))
    assert "GeneralProductInformation.puttingIntoService" in {
        m["field"] for m in document["missing"]
    }
    document["declarationExtension"]["serial"] = "BAT-000002"
    document["GeneralProductInformation"]["productIdentifier"] = "(01)09506000134352(21)BAT-000002"

    response = import_document(manufacturer.client, document)

    assert response.status_code == 201, response.json()
    imported = Passport.objects.get(pk=response.json()["id"])
    original = Passport.objects.get(pk=registered_battery["id"])
    assert imported.attributes == original.attributes
    assert imported.model == original.model


def test_a_required_property_missing_without_saying_so_is_still_refused(
    manufacturer, registered_battery
):
    document = wire(export(manufacturer.client, registered_battery["id"]))
    document["missing"] = []
    document["declarationExtension"]["serial"] = "BAT-000002"
    document["GeneralProductInformation"]["productIdentifier"] = "(01)09506000134352(21)BAT-000002"

    response = import_document(manufacturer.client, document)

    assert response.status_code == 400
    assert "GeneralProductInformation.puttingIntoService" in {
        e["field"] for e in response.json()["errors"]
    }
