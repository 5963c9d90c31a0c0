"""The passport page behind the QR code: what each access tier sees, and the signed timeline."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from lifecycle.models import Event
from lifecycle.services.log import checkpoint_publish, log_integrate
from passports.services.organisations import person_create
from tests.conftest import uses_postgresql
from tests.factories import declaration

HTML = "text/html,application/xhtml+xml"
PASSWORD = "a-long-test-password"
GBT_CODE = "ABCPE01TRACE01G3E0000042"  # a GB/T 34014 pack code matching NMC811


def rich_battery(**changes) -> dict:
    """A battery declared as a real manufacturer would: footprint stages, documents, safety."""
    battery = declaration(
        carbon_footprint={
            "kg_co2e_per_kwh": "61.2",
            "total_kg_co2e": "4590.0",
            "performance_class": "B",
            "study_url": "https://example.com/carbon-footprint-study.pdf",
            "stages": {
                "raw_material_acquisition": "37.9",
                "main_production": "17.1",
                "distribution": "1.2",
                "end_of_life_and_recycling": "5.0",
            },
        },
        documents=[
            {"kind": "dismantling", "url": "https://example.com/dismantling.pdf"},
            {"kind": "safety", "url": "https://example.com/safety.pdf"},
            {"kind": "declaration_of_conformity", "url": "https://example.com/doc.pdf"},
            {"kind": "test_report", "url": "https://example.com/tests.pdf"},
            {"kind": "waste_prevention", "url": "https://example.com/waste-prevention.pdf"},
            {"kind": "separate_collection", "url": "https://example.com/collection.pdf"},
            {"kind": "end_of_life_information", "url": "https://example.com/end-of-life.pdf"},
        ],
        **changes,
    )
    battery["composition"].append({"substance": "Fe", "mass_kg": "20.000"})
    battery["attributes"] |= {"extinguishing_agent": "Water in large quantities"}
    return battery


def register(actor, body: dict) -> dict:
    response = actor.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def post_event(actor, passport_id: str, event_type: str, payload: dict, when: str):
    response = actor.client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {"type": event_type, "occurred_at": when, "payload": payload},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def with_history(manufacturer, passport_id: str) -> None:
    """Placed on the market, two health reports, then everything logged and checkpointed."""
    post_event(
        manufacturer, passport_id, "placed_on_market", {"country": "FR"}, "2026-04-01T09:00:00Z"
    )
    post_event(
        manufacturer,
        passport_id,
        "health_reported",
        {"state_of_health_pct": "98.5", "full_cycles": 40},
        "2026-06-01T10:00:00Z",
    )
    post_event(
        manufacturer,
        passport_id,
        "health_reported",
        {"state_of_health_pct": "96.9", "full_cycles": 110},
        "2026-09-01T10:00:00Z",
    )
    log_integrate()
    checkpoint_publish()


def browser_for(actor=None) -> Client:
    client = Client()
    if actor is not None:
        username = f"{actor.organisation.kind}-{str(actor.organisation.id)[:6]}"
        client.force_login(
            person_create(organisation=actor.organisation, username=username, password=PASSWORD)
        )
    return client


def page(client: Client, passport: dict):
    return client.get(f"/p/{passport['id']}", HTTP_ACCEPT=HTML)


@pytest.fixture
def battery(manufacturer) -> dict:
    passport = register(manufacturer, rich_battery(gbt_code=GBT_CODE))
    with_history(manufacturer, passport["id"])
    return passport


def test_anonymous_reader_sees_the_public_tier_only(battery):
    response = page(browser_for(), battery)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Public information" in html
    assert "Sign in to see more" in html
    assert "P75" in html and "Acme Cells" in html
    assert 'class="crm">Co</span>' in html and "critical raw material" in html
    assert 'data-country="CD"' in html
    assert "61.2" in html and "kg CO₂e per kWh" in html and "Raw material acquisition" in html
    assert f"/api/v1/passports/{battery['id']}/qr.svg" in html
    assert battery["digital_link"] in html
    assert "GB/T 34014 code" in html and GBT_CODE in html
    assert "Extinguishing agent" in html
    for restricted in (
        'id="composition-table"',
        'id="timeline"',
        'id="health"',
        "bundle/",
        "dismantling.pdf",
        "safety.pdf",
        "tests.pdf",
        "Mine Co",
        ">45.6<",
    ):
        assert restricted not in html, restricted
    assert "Detailed composition (mass of each substance)" in html


def test_public_page_records_no_restricted_read(battery):
    from passports.models import AccessRecord

    page(browser_for(), battery)

    assert not AccessRecord.objects.exists()


def test_recycler_sees_legitimate_interest_but_not_test_reports(recycler, battery):
    html = page(browser_for(recycler), battery).content.decode()

    assert "Legitimate-interest information" in html
    assert 'id="composition-table"' in html and ">45.6<" in html
    assert html.count('<tr class="is-crm">') == 4 and '<strong class="crm">Yes</strong>' in html
    assert "70 %" in html  # the share of cobalt from CD
    assert "Mine Co" in html
    assert "dismantling.pdf" in html and "safety.pdf" in html
    assert 'id="timeline"' in html and 'id="health-table"' in html
    assert f"/api/v1/passports/{battery['id']}/bundle/" in html
    assert "tests.pdf" not in html
    assert "Sign in to see more" not in html


def test_notified_body_sees_test_reports_but_no_legitimate_interest_data(make_actor, battery):
    html = page(browser_for(make_actor("notified_body")), battery).content.decode()

    assert "Notified-body information (public data and test reports)" in html
    assert "tests.pdf" in html
    assert "dismantling.pdf" not in html and "Mine Co" not in html
    assert 'id="timeline"' not in html


def test_regulator_sees_verified_events_included_in_the_checkpoint(regulator, battery):
    html = page(browser_for(regulator), battery).content.decode()

    assert "Authority information (everything)" in html
    assert "tests.pdf" in html
    assert html.count("Signature verified") == 4
    assert html.count("Included in checkpoint 4") == 4
    assert "Every signature verifies" in html
    assert "Signature does not verify" not in html


def test_owner_sees_health_history_and_chart(manufacturer, battery):
    response = page(browser_for(manufacturer), battery)
    html = response.content.decode()

    assert "Manufacturer&#x27;s own passport (everything)" in html
    assert "98.5" in html and "96.9" in html
    health_chart = response.context["health_chart"]
    assert health_chart["labels"] == ["2026-06-01", "2026-09-01"]
    assert health_chart["datasets"][0]["values"] == [98.5, 96.9]
    assert [e["type"] for e in response.context["events"]] == [
        "Registered",
        "Placed on the market",
        "Health reported",
        "Health reported",
    ]


def test_events_not_yet_checkpointed_say_so(manufacturer, regulator):
    passport = register(manufacturer, rich_battery())
    log_integrate()

    html = page(browser_for(regulator), passport).content.decode()

    assert "Signature verified" in html
    assert "Included in checkpoint" not in html
    assert (
        "In the log, not yet in a signed checkpoint" in html
        or "No checkpoint has been signed yet." in html
    )


def test_other_manufacturer_signed_in_reads_the_public_tier(other_manufacturer, battery):
    html = page(browser_for(other_manufacturer), battery).content.decode()

    assert "Public information" in html
    assert "Your organisation reads this passport at the public level." in html
    assert 'id="timeline"' not in html
    assert "Sign in to see more" not in html


def test_composition_chart_marks_critical_raw_materials(recycler, battery):
    response = page(browser_for(recycler), battery)
    chart = response.context["charts"]["composition"]

    assert chart["labels"][0] == "graphite (CRM)"
    marked = dict(zip(chart["labels"], chart["datasets"][0]["highlight"], strict=True))
    assert marked["Co (CRM)"] is True and marked["Fe"] is False
    assert 'id="chart-composition-spec"' in response.content.decode()


def test_unknown_passport_is_404(db):
    response = Client().get("/p/00000000-0000-0000-0000-000000000000", HTTP_ACCEPT=HTML)

    assert response.status_code == 404


def test_json_is_still_served_to_api_clients(battery):
    response = Client().get(f"/p/{battery['id']}", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["tier"] == "public" and "composition" not in body


def test_a_tampered_event_shows_that_its_signature_does_not_verify(regulator, battery):
    if uses_postgresql():
        pytest.skip("PostgreSQL triggers refuse UPDATE on events")
    event = Event.objects.get(passport_id=battery["id"], seq=2)
    altered = bytes(event.envelope).replace(b'"98.5"', b'"99.9"')
    assert altered != bytes(event.envelope)
    Event.objects.filter(pk=event.pk).update(envelope=altered)

    html = page(browser_for(regulator), battery).content.decode()

    assert html.count("Signature does not verify") == 1
    assert "Some events do not verify" in html
    assert html.count("Signature verified") == 3


def test_timeline_queries_do_not_grow_with_the_number_of_events(
    manufacturer, regulator, django_assert_max_num_queries
):
    short = register(manufacturer, rich_battery())
    long = register(manufacturer, rich_battery(serial="BAT-000002"))
    with_history(manufacturer, long["id"])
    client = browser_for(regulator)
    client.get("/")  # the session and user are loaded the same way on both pages

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page(client, short)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, long)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "pv_module",
            ["Mono 420", "PV module", "Technology", "c-Si-mono", 'class="crm">Si</span>'],
        ),
        ("magnet", ["Rotor set R1", "Permanent magnet", "Grade", "N42SH", 'class="crm">Dy</span>']),
    ],
)
def test_pv_modules_and_magnets_render_for_every_tier(manufacturer, recycler, kind, expected):
    passport = register(manufacturer, declaration(kind))

    for client in (browser_for(), browser_for(recycler)):
        html = page(client, passport).content.decode()
        for text in expected:
            assert text in html, text


def test_magnet_removal_information_is_public_as_crma_art_28_asks(manufacturer):
    magnet = declaration("magnet")
    magnet["attributes"]["removal_information"] = "Demagnetise above 350 C first."
    passport = register(manufacturer, magnet)

    public = page(browser_for(), passport).content.decode()

    assert "Demagnetise above 350 C first." in public


def test_pv_datasheet_values_show_with_units_and_the_silver_mass_at_its_tier(
    manufacturer, recycler
):
    passport = register(manufacturer, declaration("pv_module"))

    public = page(browser_for(), passport).content.decode()
    legitimate = page(browser_for(recycler), passport).content.decode()

    assert "Maximum power at STC (W)" in public
    assert "Open-circuit voltage Voc (V)" in public
    assert "Temperature coefficient of Pmax (%/°C)" in public
    assert "First year (%)" in public  # the power warranty, readably
    assert "Silver mass (g)" in public  # listed among what is withheld
    assert "<dd>7</dd>" not in public
    assert "<dd>7</dd>" in legitimate


def test_page_is_served_in_chinese(battery):
    client = browser_for()
    response = client.get(f"/p/{battery['id']}", HTTP_ACCEPT=HTML, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_ownership_transfer_names_the_new_holder(manufacturer, make_actor, regulator, battery):
    workshop = make_actor("repairer", "Repair AG")
    post_event(
        manufacturer,
        battery["id"],
        "ownership_transferred",
        {"to": str(workshop.organisation.id)},
        "2026-10-01T10:00:00Z",
    )

    html = page(browser_for(regulator), battery).content.decode()

    assert "Ownership transferred" in html
    assert "<dt>New holder</dt><dd>Repair AG</dd>" in html
    assert "<dt>Current holder</dt><dd>Repair AG</dd>" in html


def test_signed_in_people_get_their_areas_next_step(manufacturer, recycler, regulator):
    from django.test import Client

    from passports.services.organisations import person_create
    from tests.factories import declaration

    created = manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    passport_id = created.json()["id"]
    expected = [
        (manufacturer, f"/console/passports/{passport_id}/"),
        (recycler, f"/intake/passports/{passport_id}/"),
        (regulator, f"/dashboard/passports/{passport_id}/"),
    ]
    for actor, link in expected:
        client = Client()
        client.force_login(
            person_create(
                organisation=actor.organisation,
                username=actor.organisation.kind,
                password="a-long-password",
            )
        )
        page = client.get(f"/p/{passport_id}").content.decode()
        assert f'href="{link}"' in page, actor.organisation.kind
    assert "Your actions" not in Client().get(f"/p/{passport_id}").content.decode()


def test_public_page_says_who_sees_dismantling_instead_of_an_empty_heading(battery):
    html = page(browser_for(), battery).content.decode()

    assert "Dismantling and safety information is available to repairers" in html
    assert ">Dismantling and safety<" not in html
    assert "Extinguishing agent" in html


def test_recycler_sees_the_dismantling_and_safety_section(recycler, battery):
    html = page(browser_for(recycler), battery).content.decode()

    assert ">Dismantling and safety<" in html
    assert "is available to repairers" not in html


def test_substance_names_may_wrap_between_syllables(battery):
    html = page(browser_for(), battery).content.decode()

    assert 'class="substance"' in html
    css = (Path(settings.BASE_DIR) / "web/static/web/site.css").read_text()
    assert ".substance { overflow-wrap: anywhere; hyphens: auto; }" in css


def test_battery_attributes_show_in_groups_with_units(battery):
    html = page(browser_for(), battery).content.decode()

    for heading in ("Identity and operator", "Labels and symbols", "Due diligence",
                    "Materials and hazardous substances", "Circularity",
                    "Performance and durability"):  # fmt: skip
        assert f">{heading}</h2>" in html, heading
    assert "<dt>Rated energy (kWh)</dt><dd>75 kWh</dd>" in html
    assert "<dd>0.8 mΩ</dd>" in html and "<dd>-20 °C</dd>" in html
    assert "Manufacturer › Postal address › City" in html
    assert "rated_energy_kwh" not in html and "Rated energy kwh" not in html


def test_label_symbols_are_shown_as_images_with_their_meaning(battery):
    html = page(browser_for(), battery).content.decode()

    assert 'src="/static/web/symbols/separate_collection.svg"' in html
    assert 'alt="Collect separately from household waste."' in html
    assert "<dt>Cadmium and lead symbols</dt><dd>none</dd>" in html


def test_hazardous_substances_are_a_table_for_readers_who_may_see_them(recycler, battery):
    html = page(browser_for(recycler), battery).content.decode()

    assert 'id="table-hazardous_substances"' in html
    assert '<td class="substance">lithium hexafluorophosphate</td>' in html


def test_each_reported_value_has_a_chart_over_life(manufacturer, battery):
    html = page(browser_for(manufacturer), battery).content.decode()

    assert 'id="chart-dynamic-state_of_health_pct"' in html
    assert 'id="chart-dynamic-full_cycles"' in html
    assert "Values over the product&#x27;s life" in html or "Values over the product's life" in html


def test_mandatory_values_never_reported_are_named(manufacturer, battery):
    html = page(browser_for(manufacturer), battery).content.decode()

    assert "Mandatory values never reported:" in html
    assert "Capacity fade (%)" in html and "Power fade (%)" in html


def test_new_sections_are_in_chinese(manufacturer, battery):
    client = browser_for(manufacturer)
    html = client.get(
        f"/p/{battery['id']}", HTTP_ACCEPT=HTML, HTTP_ACCEPT_LANGUAGE="zh-Hans"
    ).content.decode()

    for words in (
        "身份与经营者",
        "性能与耐久性",
        "额定能量",
        "从未报告的强制性数值",
        "产品生命周期中的数值",
    ):
        assert words in html, words
