"""The manufacturer console's pages: registration, CSV import, the passport list, health
reports and label sheets, each with its happy path, bad input, other organisations' passports,
anonymous visitors and the wrong role."""

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from lifecycle.models import Event, EventType
from passports.identifiers import digital_link
from passports.models import Passport
from passports.services.organisations import person_create
from tests.factories import declaration
from web.console.csv_format import COLUMNS, example_cells, template_columns
from web.console.schema_inputs import flatten

PASSWORD = "a-long-test-password"


@pytest.fixture
def maker(manufacturer) -> Client:
    """A browser session signed in as a person of the manufacturer."""
    user = person_create(
        organisation=manufacturer.organisation, username="maker", password=PASSWORD
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_maker(other_manufacturer) -> Client:
    user = person_create(
        organisation=other_manufacturer.organisation, username="other-maker", password=PASSWORD
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def recycler_person(recycler) -> Client:
    user = person_create(organisation=recycler.organisation, username="recy", password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def register_api(actor, kind: str = "battery", **changes) -> Passport:
    response = actor.client.post("/api/v1/passports/", declaration(kind, **changes), format="json")
    assert response.status_code == 201, response.json()
    return Passport.objects.get(pk=response.json()["id"])


def form_data(item: dict) -> dict[str, str]:
    """A declaration as the registration form posts it: one input per field path (attributes
    under their product type), lists of plain values joined by semicolons, and "there are none"
    ticked for a list declared empty."""
    data = {}
    for path, value in flatten(item).items():
        if path.startswith("attributes."):
            path = f"attributes.{item['product_type']}.{path.removeprefix('attributes.')}"
        data[path] = "yes" if value == "" else value
    return data


def field_errors(html: str, input_id: str) -> str:
    """The error list rendered beside one input."""
    match = re.search(rf'<ul class="errorlist" id="{re.escape(input_id)}-errors">(.*?)</ul>', html)
    return match.group(1) if match else ""


def api_messages(actor, item: dict) -> dict[str, str]:
    response = actor.client.post("/api/v1/passports/", item, format="json")
    assert response.status_code == 400
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- Access -------------------------------------------------------------------------------------

CONSOLE_PAGES = [
    "web:console-passports",
    "web:console-register",
    "web:console-import",
    "web:console-labels",
    "web:console-import-template",
]


@pytest.mark.parametrize("name", CONSOLE_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", CONSOLE_PAGES)
def test_recyclers_may_not_open_the_console(recycler_person, name):
    assert recycler_person.get(reverse(name)).status_code == 403


def test_passport_pages_of_another_organisation_are_not_found(other_maker, manufacturer):
    passport = register_api(manufacturer)
    for name in ("web:console-passport", "web:console-health"):
        assert other_maker.get(reverse(name, args=[passport.pk])).status_code == 404
    response = other_maker.post(
        reverse("web:console-health", args=[passport.pk]),
        {"occurred_at": "2026-06-01T10:00", "payload.state_of_health_pct": "90"},
    )
    assert response.status_code == 404
    assert not passport.events.filter(type=EventType.HEALTH_REPORTED).exists()


def test_passport_pages_need_a_manufacturer(recycler_person, client, manufacturer):
    passport = register_api(manufacturer)
    url = reverse("web:console-passport", args=[passport.pk])
    assert recycler_person.get(url).status_code == 403
    assert client.get(url).status_code == 302


# --- Registration by form -----------------------------------------------------------------------


def test_register_form_offers_every_product_type(maker):
    response = maker.get(reverse("web:console-register"))
    assert response.status_code == 200
    html = response.content.decode()
    names = [
        "attributes.battery.chemistry",
        "attributes.pv_module.technology",
        "attributes.magnet.magnet_type",
        "composition[5].mass_kg",
        "origin[3].share",
    ]
    for name in names:
        assert f'name="{name}"' in html
    assert "<script>" not in html and "style=" not in html


@pytest.mark.parametrize("kind", ["battery", "pv_module", "magnet"])
def test_registering_by_form_stores_and_signs_the_passport(maker, manufacturer, kind):
    item = declaration(kind)
    response = maker.post(reverse("web:console-register"), form_data(item))
    passport = Passport.objects.get(serial=item["serial"])
    assert response.status_code == 302
    assert response["Location"] == reverse("web:console-passport", args=[passport.pk])
    assert passport.manufacturer == manufacturer.organisation
    assert passport.composition.count() == len(item["composition"])
    assert passport.origin.count() == len(item["origin"])
    genesis = Event.objects.get(passport=passport)
    assert genesis.type == EventType.REGISTERED and genesis.seq == 0


@pytest.mark.parametrize("kind", ["battery", "magnet"])
def test_form_and_api_store_the_same_declaration(maker, manufacturer, kind):
    item = declaration(kind)
    response = maker.post(reverse("web:console-register"), form_data(item))
    assert response.status_code == 302, response.content.decode()[:3000]
    by_form = Passport.objects.get(serial=item["serial"])
    serial = item["serial"][:-1] + "2"
    by_api = register_api(manufacturer, kind, serial=serial)
    form_bytes = bytes(by_form.declaration).replace(item["serial"].encode(), serial.encode())
    assert form_bytes == bytes(by_api.declaration)


def test_every_battery_attribute_has_an_input(maker):
    html = maker.get(reverse("web:console-register")).content.decode()

    for path in flatten(declaration("battery")["attributes"]):
        assert f'name="attributes.battery.{path}"' in html, path
    for name in (
        "documents[7].url",
        "carbon_footprint.stages.main_production",
        "attributes.battery.hazardous_substances[0].hazard_classes",
        "attributes.battery.due_diligence.third_party_assurances[0].scheme",
    ):
        assert f'name="{name}"' in html, name
    for legend in ("Identity and operator", "Labels and symbols", "Due diligence",
                   "Materials and hazardous substances", "Circularity",
                   "Performance and durability", "Documents",
                   "Carbon footprint and its life-cycle stages"):  # fmt: skip
        assert f"<legend>{legend}</legend>" in html


def test_invalid_form_shows_the_api_message_beside_the_field(maker, manufacturer):
    item = declaration()
    item["composition"][1]["mass_kg"] = "-5"
    item["attributes"]["chemistry"] = "unobtainium"
    response = maker.post(reverse("web:console-register"), form_data(item))
    assert response.status_code == 400
    html = response.content.decode()
    expected = api_messages(manufacturer, item)
    assert expected["composition[1].mass_kg"] in field_errors(html, "f-composition-1-mass_kg")
    chemistry_errors = field_errors(html, "f-attributes-battery-chemistry")
    assert expected["attributes.chemistry"].replace('"', "&quot;") in chemistry_errors
    assert 'value="P75"' in html  # what was typed is kept
    assert not Passport.objects.exists()


def test_messages_reach_the_right_row_when_rows_are_left_blank(maker):
    data = form_data(declaration())
    # Move the second substance to form row 4, leaving rows 2 and 3 empty.
    for key in [k for k in data if k.startswith("composition[1].")]:
        data[key.replace("[1]", "[3]")] = data.pop(key)
    data["composition[3].substance"] = "Unobtainium"
    response = maker.post(reverse("web:console-register"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown substance" in field_errors(html, "f-composition-3-substance")
    assert field_errors(html, "f-composition-1-substance") == ""


def test_origin_shares_that_do_not_add_up_are_shown_on_the_origin_group(maker):
    item = declaration()
    item["origin"][1]["share"] = "0.2"
    response = maker.post(reverse("web:console-register"), form_data(item))
    assert response.status_code == 400
    assert "Origin shares of Co add up to 0.9, not 1." in response.content.decode()


def test_missing_required_fields_are_named_beside_their_inputs(maker):
    response = maker.post(reverse("web:console-register"), {"product_type": "battery"})
    assert response.status_code == 400
    html = response.content.decode()
    for input_id in ("f-model", "f-manufacturing_place-country", "f-mass_kg",
                     "f-attributes-battery-category"):  # fmt: skip
        assert "This field is required." in field_errors(html, input_id)


def test_taken_serial_is_refused_with_the_service_message(maker, manufacturer):
    register_api(manufacturer)
    response = maker.post(reverse("web:console-register"), form_data(declaration()))
    assert response.status_code == 409
    assert "already exists" in field_errors(response.content.decode(), "f-serial")
    assert Passport.objects.count() == 1


def test_asking_for_more_rows_keeps_values_and_stores_nothing(maker):
    data = {**form_data(declaration()), "add_rows": "composition"}
    response = maker.post(reverse("web:console-register"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="composition[8].mass_kg"' in html
    assert 'name="composition[9].mass_kg"' not in html
    assert 'value="45.600"' in html
    assert not Passport.objects.exists()


# --- Passport list and detail -------------------------------------------------------------------


def test_list_shows_only_own_passports_and_searches(maker, manufacturer, other_manufacturer):
    register_api(manufacturer)
    register_api(manufacturer, "pv_module")
    other = register_api(other_manufacturer, "magnet", gtin=None, serial=None)
    url = reverse("web:console-passports")
    html = maker.get(url).content.decode()
    assert "BAT-000001" in html and "PV-000001" in html
    assert str(other.pk) not in html and "Rotor set R1" not in html

    html = maker.get(url, {"q": "bat-0"}).content.decode()
    assert "BAT-000001" in html and "PV-000001" not in html
    html = maker.get(url, {"product_type": "pv_module"}).content.decode()
    assert "PV-000001" in html and "BAT-000001" not in html
    html = maker.get(url, {"status": "waste"}).content.decode()
    assert "PV-000001" not in html and "No passport matches this search." in html


def test_list_is_paginated(maker, manufacturer):
    items = [declaration(serial=f"BAT-{n:06d}") for n in range(30)]
    response = manufacturer.client.post(
        "/api/v1/passports/bulk/", {"passports": items}, format="json"
    )
    assert response.status_code == 201
    first = maker.get(reverse("web:console-passports")).content.decode()
    second = maker.get(reverse("web:console-passports"), {"page": 2}).content.decode()
    assert first.count('name="id"') == 25 and second.count('name="id"') == 5
    assert "Page 2 of 2" in second


def test_detail_shows_the_passport_and_its_links(maker, manufacturer):
    passport = register_api(manufacturer)
    response = maker.get(reverse("web:console-passport", args=[passport.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    link = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk)
    assert link in html
    assert 'href="/01/09506000134352/21/BAT-000001"' in html
    assert reverse("web:console-health", args=[passport.pk]) in html


# --- Health report ------------------------------------------------------------------------------


def test_health_form_has_the_fields_of_the_product_type(maker, manufacturer):
    battery = register_api(manufacturer)
    magnet = register_api(manufacturer, "magnet")
    html = maker.get(reverse("web:console-health", args=[battery.pk])).content.decode()
    assert 'name="payload.state_of_health_pct"' in html and "remanence" not in html
    html = maker.get(reverse("web:console-health", args=[magnet.pk])).content.decode()
    assert 'name="payload.remanence_loss_pct"' in html and "state_of_health" not in html


def test_health_report_is_signed_into_the_chain(maker, manufacturer):
    passport = register_api(manufacturer)
    url = reverse("web:console-health", args=[passport.pk])
    data = {
        "occurred_at": "2026-06-01T10:00",
        "idempotency_key": "k1",
        "payload.state_of_health_pct": "93.5",
        "payload.full_cycles": "120",
        "payload.accidents": "Dropped in transit\n\n",
    }
    response = maker.post(url, data)
    assert response.status_code == 302
    passport.refresh_from_db()
    assert passport.health["state_of_health_pct"]["value"] == "93.5"
    event = passport.events.get(type=EventType.HEALTH_REPORTED)
    assert event.actor == manufacturer.organisation
    # Submitting the same form twice records one report.
    assert maker.post(url, data).status_code == 302
    assert passport.events.filter(type=EventType.HEALTH_REPORTED).count() == 1


def test_invalid_health_report_shows_messages_and_records_nothing(maker, manufacturer):
    passport = register_api(manufacturer)
    url = reverse("web:console-health", args=[passport.pk])
    response = maker.post(url, {"occurred_at": "2026-06-01T10:00", "payload.full_cycles": "-1"})
    assert response.status_code == 400
    api = manufacturer.client.post(
        f"/api/v1/passports/{passport.pk}/events/",
        {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
         "payload": {"full_cycles": "-1"}},
        format="json",
    )  # fmt: skip
    message = api.json()["errors"][0]["message"]
    assert message in field_errors(response.content.decode(), "f-payload-full_cycles")

    response = maker.post(url, {"occurred_at": "2026-06-01T10:00"})
    assert response.status_code == 400
    assert "Report at least one of" in response.content.decode()

    response = maker.post(url, {"occurred_at": "2090-01-01T10:00", "payload.full_cycles": "3"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "in the future" in field_errors(html, "f-occurred_at")
    assert not passport.events.filter(type=EventType.HEALTH_REPORTED).exists()


# --- CSV import ---------------------------------------------------------------------------------


def csv_text(rows: list[dict[str, str]], delimiter: str = ",") -> bytes:
    columns = list(dict.fromkeys([*COLUMNS, *(column for row in rows for column in row)]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, content: bytes, name: str = "passports.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("web:console-import"), {"file": file})


def template_rows(client) -> list[dict[str, str]]:
    """The example rows of both templates: a battery, then a PV module and a magnet."""
    rows = []
    for name in ("web:console-import-template", "web:console-import-template-pv-magnet"):
        response = client.get(reverse(name))
        rows += csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    return rows


@pytest.mark.parametrize(
    ("name", "family", "types"),
    [
        ("web:console-import-template", "battery", ["battery"]),
        ("web:console-import-template-pv-magnet", "pv_magnet", ["pv_module", "magnet"]),
    ],
)
def test_templates_have_every_column_and_an_example_per_type(maker, name, family, types):
    response = maker.get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(response.content.decode("utf-8")))
    assert next(reader) == template_columns(family)
    assert [row[0] for row in reader] == types


def test_battery_template_has_a_column_for_every_static_attribute(maker):
    response = maker.get(reverse("web:console-import-template"))
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    item = declaration("battery")
    part = {k: item[k] for k in ("attributes", "carbon_footprint", "documents")}
    for path in flatten(part):
        bare = path.removeprefix("attributes.")
        assert (
            path in header or bare in header or path.replace("_footprint.", "_footprint_") in header
        ), path
    assert "details" not in header


def test_uploading_the_template_registers_its_three_passports(maker, manufacturer):
    response = upload(maker, csv_text(template_rows(maker)))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:console-passports")
    passports = Passport.objects.filter(manufacturer=manufacturer.organisation)
    assert sorted(passports.values_list("product_type", flat=True)) == [
        "battery", "magnet", "pv_module"
    ]  # fmt: skip
    battery = passports.get(product_type="battery")
    co = battery.composition.get(substance="Co")
    assert str(co.recycled_share_post_consumer.normalize()) == "0.16"
    assert battery.origin.filter(substance="Co", supplier="Mine Co").exists()


def test_semicolon_separated_files_are_read(maker):
    response = upload(maker, csv_text(template_rows(maker), delimiter=";"))
    assert response.status_code == 302
    assert Passport.objects.count() == 3


def test_one_bad_row_imports_nothing_and_reports_it(maker, manufacturer):
    rows = template_rows(maker)
    rows[1]["mass_kg"] = "heavy"
    response = upload(maker, csv_text(rows))
    assert response.status_code == 400
    assert not Passport.objects.exists()
    problems = response.context["check"].problems
    assert [(p.row, p.column, p.field) for p in problems] == [(3, "mass_kg", "mass_kg")]
    html = response.content.decode()
    assert "A valid number is required." in html
    assert "Import the 2 valid rows" in html

    token = response.context["token"]
    response = maker.post(reverse("web:console-import-valid"), {"token": token})
    assert response.status_code == 302
    assert sorted(Passport.objects.values_list("product_type", flat=True)) == [
        "battery", "magnet"
    ]  # fmt: skip
    # The stored rows are used once.
    response = maker.post(reverse("web:console-import-valid"), {"token": token})
    assert response.status_code == 400
    assert Passport.objects.count() == 2


def test_rows_are_reported_by_column_and_entry(maker):
    rows = template_rows(maker)
    rows[0]["composition"] = "Li:6.9;Co"
    rows[1]["rated_energy_kwh"] = "12"
    rows[2]["origin"] = "Nd:CN:0.5"
    response = upload(maker, csv_text(rows))
    assert response.status_code == 400
    found = {(p.row, p.column) for p in response.context["check"].problems}
    assert found == {(2, "composition"), (3, "rated_energy_kwh"), (4, "origin")}
    assert response.context["check"].valid == []
    assert "Import the" not in response.content.decode()


def test_taken_and_repeated_identifiers_are_reported_by_row(maker, manufacturer):
    rows = template_rows(maker)
    register_api(manufacturer, "magnet", gtin=rows[2]["gtin"])
    rows.append({**rows[0]})
    response = upload(maker, csv_text(rows))
    assert response.status_code == 400
    problems = {(p.row, p.field): p.message for p in response.context["check"].problems}
    assert "already exists" in problems[(4, "serial")]
    assert problems[(5, "serial")] == "Same GTIN and serial as row 2."
    assert len(response.context["check"].valid) == 2
    assert Passport.objects.count() == 1


def test_unreadable_files_are_refused_as_a_whole(maker):
    bad_files = {
        b"product_type,colour\nbattery,red\n": "Unknown columns: colour",
        b"\xff\xfe\x00": "not UTF-8",
        b"product_type,model\n": "no passports",
        b"": "empty",
    }
    for content, message in bad_files.items():
        response = upload(maker, content)
        assert response.status_code == 400
        assert message in response.content.decode()
    response = maker.post(reverse("web:console-import"), {})
    assert response.status_code == 400
    assert not Passport.objects.exists()


def test_too_many_rows_are_refused(maker, settings):
    settings.BULK_MAX_ITEMS = 2
    response = upload(maker, csv_text(template_rows(maker)))
    assert response.status_code == 400
    assert "more than 2 passports" in response.content.decode()


def test_valid_rows_cannot_be_imported_with_a_stale_token(maker):
    response = maker.post(reverse("web:console-import-valid"), {"token": "nope"})
    assert response.status_code == 400
    assert not Passport.objects.exists()


# --- Label sheets -------------------------------------------------------------------------------


def test_labels_for_selected_passports(maker, manufacturer):
    first = register_api(manufacturer)
    second = register_api(manufacturer, "pv_module")
    response = maker.get(
        reverse("web:console-labels"), {"id": [first.pk, second.pk], "layout": "2x5"}
    )
    assert response.status_code == 200
    (sheet,) = response.context["sheets"]
    svg = maker.get(sheet["url"])
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")
    text = svg.content.decode()
    assert 'width="210mm" height="297mm" viewBox="0 0 210 297"' in text
    assert text.count("<path ") == 2
    assert "(01) 09506000134352" in text and "(21) PV-000001" in text
    assert "style=" not in text


def test_labels_for_a_search_fill_several_sheets(maker, manufacturer):
    items = [declaration(serial=f"BAT-{n:06d}") for n in range(12)]
    manufacturer.client.post("/api/v1/passports/bulk/", {"passports": items}, format="json")
    response = maker.get(reverse("web:console-labels"), {"all": "1", "q": "BAT", "layout": "2x5"})
    sheets = response.context["sheets"]
    assert len(sheets) == 2
    assert maker.get(sheets[1]["url"]).content.decode().count("<path ") == 2


def test_labels_of_another_organisation_are_not_found(maker, other_manufacturer):
    other = register_api(other_manufacturer, "magnet", gtin=None, serial=None)
    assert maker.get(reverse("web:console-labels"), {"id": other.pk}).status_code == 404
    url = reverse("web:console-label-sheet")
    assert maker.get(url, {"id": other.pk, "layout": "3x8"}).status_code == 404


def test_bad_label_requests_are_refused(maker, manufacturer):
    passport = register_api(manufacturer)
    labels, sheet = reverse("web:console-labels"), reverse("web:console-label-sheet")
    assert maker.get(labels, {"id": "not-a-uuid"}).status_code == 400
    assert maker.get(labels, {"id": passport.pk, "layout": "9x9"}).status_code == 400
    assert maker.get(sheet, {"id": passport.pk, "layout": "9x9"}).status_code == 400
    assert maker.get(sheet, {"layout": "3x8"}).status_code == 400


def test_odd_input_is_refused_without_a_server_error(maker, manufacturer):
    passport = register_api(manufacturer, "magnet")
    register, health = (
        reverse("web:console-register"),
        reverse("web:console-health", args=[passport.pk]),
    )
    odd_forms = [
        {},
        {"product_type": "car", "attributes.car.x": "1"},
        {**form_data(declaration()), "mass_kg": "1e999", "manufactured_at": "0000-01-01"},
        {**form_data(declaration()), "gbt_code": "nonsense", "composition[99999].mass_kg": "1"},
        {**form_data(declaration("pv_module")), "gbt_code": "001PE0A0000000A1A2100001"},
    ]
    for data in odd_forms:
        assert maker.post(register, data).status_code in (400, 409)
    odd_reports = [
        {"occurred_at": "yesterday", "payload.demagnetised": "maybe"},
        {"occurred_at": "2000-01-01T00:00", "payload.remanence_loss_pct": "1"},
        {"occurred_at": "2026-06-01T10:00", "payload.remanence_loss_pct": "NaN"},
    ]
    for data in odd_reports:
        assert maker.post(health, data).status_code == 400
    odd_rows = [
        {"product_type": "car", "category": "ev", "composition": "::;:"},
        {"product_type": "battery", "gbt_code": "x", "composition": "Li:abc", "origin": "Li"},
        {"product_type": "magnet", "composition": "Nd:1:2:3:4:5", "origin": "Nd:CN:1:A:B"},
    ]
    assert upload(maker, csv_text(odd_rows)).status_code == 400
    assert upload(maker, b'product_type\n"unterminated').status_code == 400
    assert Passport.objects.count() == 1


def test_a_battery_missing_mandatory_attributes_is_refused_by_the_form_too(maker):
    data = form_data(declaration())
    for name in [n for n in data if n.startswith("attributes.battery.labels.")]:
        del data[name]

    response = maker.post(reverse("web:console-register"), data)

    assert response.status_code == 400
    assert "longlist #12" in response.content.decode()
    assert not Passport.objects.exists()


@pytest.mark.parametrize(
    ("address", "target"),
    [("/console/", "web:console-passports"), ("/intake/", "web:intake-scan")],
)
def test_area_addresses_the_readme_names_open_the_area(maker, address, target):
    response = maker.get(address)

    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("web/favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"


def test_statuses_are_shown_in_words(maker, manufacturer):
    passport = register_api(manufacturer)

    listing = maker.get(reverse("web:console-passports")).content.decode()
    detail = maker.get(reverse("web:console-passport", args=[passport.pk])).content.decode()

    assert "<td>In its original use</td>" in listing
    assert "<dd>In its original use</dd>" in detail


def battery_row(item: dict) -> dict[str, str]:
    """A complete battery as one CSV row: flat columns, path columns, compact lists."""
    row = example_cells({k: v for k, v in item.items() if k not in ("composition", "origin")})
    for key, column in (("manufacturing_place.country", "manufacturing_country"),
                        ("manufacturing_place.facility", "manufacturing_facility")):  # fmt: skip
        if key in row:
            row[column] = row.pop(key)
    row["composition"] = ";".join(
        f"{c['substance']}:{c['mass_kg']}:{c.get('recycled_share_post_consumer', '0')}"
        for c in item["composition"]
    )
    row["origin"] = ";".join(
        f"{o['substance']}:{o['country']}:{o['share']}"
        + (f":{o['supplier']}" if "supplier" in o else "")
        for o in item["origin"]
    )
    for key, column in (("carbon_footprint.kg_co2e_per_kwh", "carbon_footprint_kg_co2e_per_kwh"),):
        if key in row:
            row[column] = row.pop(key)
    return row


def test_a_complete_battery_imports_with_the_path_columns(maker, manufacturer):
    item = declaration("battery")
    item["composition"] = [
        {**c, "recycled_share_post_consumer": c.get("recycled_share_post_consumer", "0")}
        for c in item["composition"]
    ]

    response = upload(maker, csv_text([battery_row(item)]))

    assert response.status_code == 302, response.context["check"].problems
    passport = Passport.objects.get(serial=item["serial"])
    attributes = passport.attributes
    assert attributes["hazardous_substances"][0]["hazard_classes"] == [
        "Acute Tox. 3",
        "Skin Corr. 1A",
    ]
    assert attributes["labels"]["cadmium_lead_symbols"] == []
    assert attributes["idle_temperature_range"] == {"lower_c": "-20", "upper_c": "45"}
    by_api = register_api(
        manufacturer, "battery", serial="BAT-000002", composition=item["composition"]
    )
    form_bytes = bytes(passport.declaration).replace(b"BAT-000001", b"BAT-000002")
    assert form_bytes == bytes(by_api.declaration)


def test_path_column_problems_are_reported_by_row_column_and_field(maker):
    row = battery_row(declaration("battery"))
    row["attributes.hazardous_substances[0].concentration_pct"] = "lots"
    row["attributes.hazardous_substances[0].hazard_classes"] = "Acute Tox. 3; =cmd()"
    row["attributes.magnets[0].grade"] = "N42"

    response = upload(maker, csv_text([row]))

    assert response.status_code == 400
    found = {(p.row, p.column, p.field) for p in response.context["check"].problems}
    for path in ("attributes.hazardous_substances[0].concentration_pct",
                 "attributes.hazardous_substances[0].hazard_classes",
                 "attributes.magnets[0].grade"):  # fmt: skip
        assert (2, path, path) in found, found
    assert not Passport.objects.exists()


def test_detail_shows_nested_attributes_in_words(maker, manufacturer):
    passport = register_api(manufacturer)

    html = maker.get(reverse("web:console-passport", args=[passport.pk])).content.decode()

    assert "<dt>Manufacturer › Postal address › City</dt>" in html
    assert "<dd>75 kWh</dd>" in html
    assert "{&#x27;" not in html  # no dict printed as Python


def test_register_form_is_in_chinese(maker):
    html = maker.get(reverse("web:console-register"), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    text = html.content.decode()

    for words in ("身份与经营者", "材料与有害物质", "循环性", "碳足迹及其生命周期阶段", "添加行："):
        assert words in text, words
