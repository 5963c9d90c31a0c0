"""PV module and magnet passports carry EN 50380 and CRMA Art. 28/29 data, at their tiers."""

import copy

import pytest

from lifecycle.canonical import canonical_bytes
from passports.declaration import PassportDeclaration
from passports.family_attributes import FAMILY_ATTRIBUTES, MAGNET_ATTRIBUTES, PV_MODULE_ATTRIBUTES
from passports.models import AccessTier
from passports.tiers import ATTRIBUTE_TIERS, DOCUMENT_TIERS, FIELD_TIERS
from tests.factories import declaration
from tests.passports.drf_reference import assert_same_as_drf

URL = "/api/v1/passports/"
HOST_PRODUCT = {
    "contains_magnets": True,
    "host_product": "Heat pump compressor HP-9",
    "magnets": [
        {
            "magnet_type": "NdFeB",
            "grade": "N38EH",
            "weight_kg": "0.35",
            "location_in_host": "Compressor motor rotor, behind the rear cover",
            "composition": [
                {"substance": "Nd", "mass_pct": "23"},
                {"substance": "Dy", "mass_pct": "6"},
                {"substance": "Fe", "mass_pct": "70"},
                {"substance": "B", "mass_pct": "1"},
            ],
            "coatings": ["Ni-Cu-Ni"],
            "glues": ["epoxy adhesive"],
            "additives": [],
        }
    ],
    "removal_information": "Open the rear cover (6 Torx T25), pull the rotor, keep it away "
    "from steel tools.",
    "recycled_content": [
        {"substance": "Nd", "post_consumer_share": "0.05"},
        {"substance": "Dy", "post_consumer_share": "0", "pre_consumer_share": "0.1"},
    ],
}


def errors_by_field(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


def host_declaration(**attribute_changes) -> dict:
    body = declaration("magnet")
    body["attributes"] = copy.deepcopy(HOST_PRODUCT) | attribute_changes
    return body


def test_every_mandatory_pv_field_has_a_source_and_a_tier():
    for rows in FAMILY_ATTRIBUTES.values():
        for row in rows:
            assert row.source and row.tier in ("public", "legitimate_interest", "authority")
            if row.kind == "documents":
                kind = row.path.split("#", 1)[1]
                assert DOCUMENT_TIERS.get(kind, AccessTier.PUBLIC) == row.tier, row
            if row.kind == "health":
                assert row.tier == FIELD_TIERS["health"], row
    assert ATTRIBUTE_TIERS["pv_module"] == {"silver_mass_g": "legitimate_interest"}
    assert ATTRIBUTE_TIERS["magnet"] == {}  # Art. 28 information is public


def test_a_pv_module_round_trips_every_datasheet_value(manufacturer):
    body = declaration("pv_module")
    body["attributes"] |= {"bifacial": True, "bifaciality_pct": "70"}

    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    shown = manufacturer.client.get(f"{URL}{response.json()['id']}/").json()["attributes"]
    assert shown == body["attributes"] | {"thickness_mm": "30", "nmot_c": "43"}
    assert shown["degradation_warranty"] == {
        "first_year_pct": "2", "per_year_pct": "0.55", "years": 25,
    }  # fmt: skip


def test_a_public_reader_does_not_see_the_silver_mass(manufacturer, anonymous):
    response = manufacturer.client.post(URL, declaration("pv_module"), format="json")

    shown = anonymous.get(f"{URL}{response.json()['id']}/").json()

    assert "silver_mass_g" not in shown["attributes"]
    assert "attributes.silver_mass_g" in shown["withheld"]
    assert shown["attributes"]["pmax_w"] == "420"
    assert shown["attributes"]["lead_g"] == "12"


def test_a_recycler_sees_the_silver_mass(manufacturer, recycler):
    response = manufacturer.client.post(URL, declaration("pv_module"), format="json")

    shown = recycler.client.get(f"{URL}{response.json()['id']}/").json()

    assert shown["attributes"]["silver_mass_g"] == "7"


def test_missing_pv_fields_are_named_at_once_with_their_source(manufacturer):
    body = declaration("pv_module", mass_kg="-1")
    for name in ("pmax_w", "voc_v", "nmot_c", "lead_g", "degradation_warranty"):
        del body["attributes"][name]

    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 400
    errors = errors_by_field(response)
    assert "mass_kg" in errors
    assert "EN 50380:2022" in errors["attributes.pmax_w"][0]
    assert "attributes.voc_v" in errors and "attributes.nmot_c" in errors
    assert "RoHS" in errors["attributes.lead_g"][0]
    assert "attributes.degradation_warranty.first_year_pct" in errors


def test_a_bifacial_module_must_state_its_bifaciality(manufacturer):
    body = declaration("pv_module")
    body["attributes"]["bifacial"] = True

    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "bifacial PV modules" in errors_by_field(response)["attributes.bifaciality_pct"][0]


def test_a_monofacial_module_is_refused_a_bifaciality(manufacturer):
    body = declaration("pv_module")
    body["attributes"]["bifaciality_pct"] = "70"

    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "bifacial true" in errors_by_field(response)["attributes.bifaciality_pct"][0]


@pytest.mark.parametrize(
    ("old", "new"), [("rated_power_w", "pmax_w"), ("efficiency_pct", "module_efficiency_pct")]
)
def test_old_pv_field_names_are_refused_naming_the_new_one(manufacturer, old, new):
    body = declaration("pv_module")
    body["attributes"][old] = body["attributes"].pop(new)

    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 400
    errors = errors_by_field(response)
    assert new in errors[f"attributes.{old}"][0]
    assert f"attributes.{new}" in errors  # and the missing field is named too


def test_a_host_product_states_its_magnets_publicly(manufacturer, anonymous):
    response = manufacturer.client.post(URL, host_declaration(), format="json")

    assert response.status_code == 201, response.json()
    shown = anonymous.get(f"{URL}{response.json()['id']}/").json()["attributes"]
    assert shown["magnets"][0]["location_in_host"].startswith("Compressor motor rotor")
    assert shown["magnets"][0]["weight_kg"] == "0.35"
    assert shown["removal_information"].startswith("Open the rear cover")
    assert shown["recycled_content"][0] == {"substance": "Nd", "post_consumer_share": "0.05"}


def test_a_host_product_lacking_art28_information_is_told_every_missing_part(manufacturer):
    body = host_declaration()
    del body["attributes"]["magnets"]
    del body["attributes"]["removal_information"]

    response = manufacturer.client.post(URL, body, format="json")

    errors = errors_by_field(response)
    assert "Art. 28(4)(b)" in errors["attributes.magnets"][0]
    assert "Art. 28(4)(b)" in errors["attributes.removal_information"][0]


def test_art29_recycled_content_is_due_above_0_2_kg_of_magnets(manufacturer):
    heavy = host_declaration()
    del heavy["attributes"]["recycled_content"]
    light = copy.deepcopy(heavy)
    light["attributes"]["magnets"][0]["weight_kg"] = "0.15"

    assert (
        "Art. 29(1)"
        in errors_by_field(manufacturer.client.post(URL, heavy, format="json"))[
            "attributes.recycled_content"
        ][0]
    )
    assert manufacturer.client.post(URL, light, format="json").status_code == 201


def test_a_product_without_magnets_says_so_and_nothing_more(manufacturer):
    body = declaration("magnet", attributes={"contains_magnets": False})

    assert manufacturer.client.post(URL, body, format="json").status_code == 201


def test_a_magnet_itself_still_needs_type_grade_and_application(manufacturer):
    body = declaration("magnet", attributes={"coating": "Ni-Cu-Ni"})

    errors = errors_by_field(manufacturer.client.post(URL, body, format="json"))

    assert {"attributes.magnet_type", "attributes.grade", "attributes.application"} <= set(errors)


def test_magnet_items_are_checked_field_by_field(manufacturer):
    body = host_declaration()
    body["attributes"]["magnets"][0] |= {"magnet_type": "unobtanium", "weight_kg": "-1"}
    del body["attributes"]["magnets"][0]["glues"]

    errors = errors_by_field(manufacturer.client.post(URL, body, format="json"))

    assert {"attributes.magnets[0].magnet_type", "attributes.magnets[0].weight_kg",
            "attributes.magnets[0].glues"} <= set(errors)  # fmt: skip


@pytest.mark.parametrize("body", [host_declaration(), declaration("pv_module")])
def test_the_new_fields_validate_as_drfs_fields_alone_would(body):
    body = copy.deepcopy(body)
    if body["product_type"] == "pv_module":
        body["attributes"] |= {"bifacial": True, "bifaciality_pct": "70"}
    checked = PassportDeclaration(data=body, context={"gs1_company_prefix": ""})
    assert checked.is_valid(), checked.errors

    assert assert_same_as_drf(body) == (True, canonical_bytes(checked.validated_data))


def test_pv_health_reports_measured_power_at_stc(manufacturer):
    passport = manufacturer.client.post(URL, declaration("pv_module"), format="json").json()["id"]
    events = f"{URL}{passport}/events/"
    report = {"type": "health_reported", "occurred_at": "2026-06-01T00:00:00Z"}

    old = manufacturer.client.post(events, report | {"payload": {"pmax_w": "400"}}, format="json")
    new = manufacturer.client.post(
        events,
        report | {"payload": {"pmax_stc_w": "409.5", "degradation_pct": "2.5",
                              "measured_on": "2026-05-30"}},
        format="json",
    )  # fmt: skip

    assert old.status_code == 400
    assert "pmax_stc_w" in errors_by_field(old)["payload.pmax_w"][0]
    assert new.status_code == 201, new.json()


def test_the_tables_name_pv_and_magnet_rows_once():
    for rows in (PV_MODULE_ATTRIBUTES, MAGNET_ATTRIBUTES):
        paths = [row.path for row in rows]
        assert len(paths) == len(set(paths))
