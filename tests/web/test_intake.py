"""The intake area through Django's test client: scanning, collecting, batches.

Each page: the happy path, a validation error with the API's message, another organisation's
object as a 404, anonymous visitors sent to sign in, and other roles refused with 403.
"""

import copy
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import Event
from passports.models import AccessRecord, Passport
from passports.services.organisations import person_create
from recycling.models import Batch, BatchInput, BatchOutput, Collection
from recycling.services.balance import batch_balance
from recycling.services.batches import mass_balance_problems
from tests.factories import BATTERY, declaration

GTIN = BATTERY["gtin"]


def signed_in(actor, username: str) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password="pw-123456")
    )
    return client


@pytest.fixture
def collector(make_actor):
    return make_actor("collector", "Collect GmbH", country="DE")


@pytest.fixture
def other_recycler(make_actor):
    return make_actor("recycler", "Elsewhere Recycling", country="FR")


@pytest.fixture
def as_collector(collector) -> Client:
    return signed_in(collector, "collector-person")


@pytest.fixture
def as_recycler(recycler) -> Client:
    return signed_in(recycler, "recycler-person")


@pytest.fixture
def as_manufacturer(manufacturer) -> Client:
    return signed_in(manufacturer, "maker-person")


@pytest.fixture
def battery(manufacturer) -> Passport:
    attributes = {
        **copy.deepcopy(BATTERY["attributes"]),
        "extinguishing_agent": "Water in large quantities",
    }
    documents = [
        *BATTERY["documents"],
        {"kind": "safety", "url": "https://example.com/sds.pdf", "title": "Safety data sheet"},
    ]
    body = declaration(attributes=attributes, documents=documents)
    response = manufacturer.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 201, response.json()
    return Passport.objects.get(pk=response.json()["id"])


def collect(client: Client, passport: Passport, **fields):
    body = {"collected_on": "2026-09-01", "region": "DE-BY", "mass_kg": "450", **fields}
    return client.post(reverse("web:intake-collect", args=[passport.pk]), body)


@pytest.fixture
def waste_battery(battery, as_recycler) -> Passport:
    assert collect(as_recycler, battery).status_code == 302
    battery.refresh_from_db()
    return battery


def open_batch(client: Client, **fields) -> Batch:
    body = {
        "process_route": "mechanical",
        "product_type": "battery",
        "chemistry_category": "lithium",
        "site_country": "DE",
        "site_region": "DE-BY",
        "started_on": "2026-09-02",
        "declared_loss_kg": "10",
        **fields,
    }
    response = client.post(reverse("web:intake-batch-new"), body)
    assert response.status_code == 302, response.content.decode()
    return Batch.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1])


@pytest.fixture
def batch_with_input(as_recycler, waste_battery) -> Batch:
    batch = open_batch(as_recycler)
    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[waste_battery.pk]),
        {"batch": str(batch.pk), "mass_kg": "450"},
    )
    assert response.status_code == 302
    return batch


def add_output(client: Client, batch: Batch, **fields):
    body = {"fraction": "black mass", "counts_as": "intermediate", "mass_kg": "300", **fields}
    return client.post(reverse("web:intake-batch-output", args=[batch.pk]), body)


# Scanning


def test_scan_page_offers_camera_photo_and_typed_identifier(as_collector):
    response = as_collector.get(reverse("web:intake-scan"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Start camera" in html
    assert 'capture="environment"' in html
    assert 'name="code"' in html


@pytest.mark.parametrize(
    "code",
    [
        f"http://127.0.0.1:8000/01/{GTIN}/21/BAT-000001",
        f"https://id.example.com/resolver/01/{GTIN}/21/BAT-000001?linkType=all",
        f"01/{GTIN}/21/BAT-000001",
    ],
)
def test_a_scanned_digital_link_opens_the_intake_passport(as_collector, battery, code):
    response = as_collector.get(reverse("web:intake-scan"), {"code": code})

    assert response.status_code == 302
    assert response.url == reverse("web:intake-passport", args=[battery.pk])


def test_a_passport_id_opens_the_intake_passport(as_collector, battery):
    for code in (str(battery.pk), f"http://127.0.0.1:8000/p/{battery.pk}"):
        response = as_collector.get(reverse("web:intake-scan"), {"code": code})
        assert response.url == reverse("web:intake-passport", args=[battery.pk])


def test_an_unknown_serial_is_a_field_error(as_collector, battery):
    response = as_collector.get(
        reverse("web:intake-scan"), {"code": f"01/{GTIN}/21/NO-SUCH-SERIAL"}
    )

    assert response.status_code == 400
    assert "No passport has this identifier." in response.content.decode()


@pytest.mark.parametrize("code", ["hello", "01/123/21/X", "", "https://example.com/"])
def test_text_that_is_no_identifier_is_a_field_error(as_collector, code):
    response = as_collector.get(reverse("web:intake-scan"), {"code": code})

    assert response.status_code == 400
    assert 'class="field invalid"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("web:intake-scan"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_manufacturers_and_regulators_may_not_scan_here(as_manufacturer, regulator):
    assert as_manufacturer.get(reverse("web:intake-scan")).status_code == 403
    as_regulator = signed_in(regulator, "regulator-person")
    assert as_regulator.get(reverse("web:intake-scan")).status_code == 403


# The passport


def test_passport_shows_the_legitimate_interest_tier(as_collector, battery):
    response = as_collector.get(reverse("web:intake-passport", args=[battery.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "NMC811" in html
    assert "450 kg" in html
    assert "lithium hexafluorophosphate · CAS 21324-40-3 · Acute Tox. 3" in html
    assert "Water in large quantities" in html
    assert "https://example.com/sds.pdf" in html
    assert "https://example.com/dismantling.pdf" in html
    assert "https://example.com/tests.pdf" not in html  # test reports are for authorities
    assert "legitimate-interest" in html
    assert AccessRecord.objects.filter(passport=battery, via="intake").count() == 1


def test_an_unknown_passport_is_a_404(as_collector, db):
    response = as_collector.get(reverse("web:intake-passport", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_recording_a_collection_makes_the_product_waste(as_collector, collector, battery):
    response = collect(as_collector, battery)

    assert response.status_code == 302
    collection = Collection.objects.get()
    assert (collection.collector, collection.region) == (collector.organisation, "DE-BY")
    assert collection.collected_at.date() == dt.date(2026, 9, 1)
    battery.refresh_from_db()
    assert battery.status == "waste"
    page = as_collector.get(response.url).content.decode()
    assert "Collected on 2026-09-01 in DE-BY by Collect GmbH." in page
    assert "Weighed mass: 450 kg." in page
    assert "Collection recorded" in page


def test_a_bad_region_shows_the_api_message_and_writes_nothing(as_collector, battery):
    response = collect(as_collector, battery, region="XX-99")

    assert response.status_code == 400
    assert "is not an ISO 3166-2 subdivision code such as" in response.content.decode()
    assert not Collection.objects.exists()
    battery.refresh_from_db()
    assert battery.status == "original"


def test_a_collection_in_the_future_is_refused(as_collector, battery):
    response = collect(as_collector, battery, collected_on="2999-01-01")

    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    assert not Collection.objects.exists()


def test_a_product_cannot_be_collected_twice(as_collector, battery):
    collect(as_collector, battery)

    response = collect(as_collector, battery)

    assert response.status_code == 409
    assert "collected is not allowed while the passport is waste" in response.content.decode()
    assert Collection.objects.count() == 1


def test_anonymous_cannot_record_a_collection(client, battery):
    response = collect(client, battery)

    assert response.status_code == 302
    assert not Collection.objects.exists()


def test_manufacturers_cannot_record_a_collection_here(as_manufacturer, battery):
    assert collect(as_manufacturer, battery).status_code == 403


def test_a_recycler_adds_waste_to_an_open_batch_with_an_assay(as_recycler, waste_battery):
    batch = open_batch(as_recycler)

    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[waste_battery.pk]),
        {"batch": str(batch.pk), "mass_kg": "450", "assay_Co": "5.8"},
    )

    assert response.status_code == 302
    assert response.url == reverse("web:intake-batch", args=[batch.pk])
    row = BatchInput.objects.get(batch=batch)
    assert row.basis == "assay"
    assert row.elements.get(element="Co").mass_kg == Decimal("5.8")


def test_a_bad_assay_value_is_a_field_error(as_recycler, waste_battery):
    batch = open_batch(as_recycler)

    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[waste_battery.pk]),
        {"batch": str(batch.pk), "mass_kg": "450", "assay_Co": "lots"},
    )

    assert response.status_code == 400
    assert "A valid number is required." in response.content.decode()
    assert not BatchInput.objects.exists()


def test_only_waste_goes_into_a_batch(as_recycler, battery):
    batch = open_batch(as_recycler)

    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[battery.pk]),
        {"batch": str(batch.pk), "mass_kg": "450"},
    )

    assert response.status_code == 409
    assert "Only waste can be treated; this product is original." in response.content.decode()


def test_another_recyclers_batch_is_a_404(as_recycler, other_recycler, waste_battery):
    theirs = open_batch(signed_in(other_recycler, "other-person"))

    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[waste_battery.pk]),
        {"batch": str(theirs.pk), "mass_kg": "450"},
    )

    assert response.status_code == 404
    assert not BatchInput.objects.exists()


def test_collectors_put_nothing_into_batches(as_collector, waste_battery, recycler):
    response = as_collector.post(
        reverse("web:intake-batch-input", args=[waste_battery.pk]),
        {"batch": str(uuid.uuid4()), "mass_kg": "450"},
    )

    assert response.status_code == 403


# Handing waste over


@pytest.fixture
def held_by_collector(battery, as_collector) -> Passport:
    """A battery the collector recorded as collected, so the collector holds the waste."""
    assert collect(as_collector, battery).status_code == 302
    battery.refresh_from_db()
    return battery


def hand_over(client: Client, passport: Passport, to, **fields):
    body = {"recipient": str(to), "handed_on": "2026-09-02", **fields}
    return client.post(reverse("web:intake-handover", args=[passport.pk]), body)


def test_a_collector_hands_the_waste_it_holds_over_to_a_recycler(
    as_collector, collector, recycler, held_by_collector
):
    response = hand_over(as_collector, held_by_collector, recycler.organisation.pk)

    assert response.status_code == 302
    assert response.url == reverse("web:intake-passport", args=[held_by_collector.pk])
    held_by_collector.refresh_from_db()
    assert held_by_collector.holder == recycler.organisation
    event = Event.objects.get(passport=held_by_collector, type="ownership_transferred")
    assert event.actor == collector.organisation
    page = as_collector.get(response.url).content.decode()
    assert "Handed over to Recycle AG." in page
    assert (
        'Ownership transferred</strong> to Recycle AG · <time datetime="2026-09-02">'
        "2026-09-02</time> · signed by Collect GmbH" in page
    )
    assert "Hand over to a recycler" not in page  # the collector no longer holds it


def test_the_handover_offers_recyclers_first_and_never_the_holder_itself(
    as_collector, collector, recycler, other_recycler, make_actor, held_by_collector
):
    make_actor("collector", "Consolidate GmbH", country="DE")
    make_actor("manufacturer", "Maker Ltd", country="DE")

    response = as_collector.get(reverse("web:intake-passport", args=[held_by_collector.pk]))

    assert "Hand over to a recycler" in response.content.decode()
    groups = response.context["handover_form"].fields["recipient"].widget.choices[1:]
    named = [(group, [name for _, name in choices]) for group, choices in groups]
    assert named == [
        ("Recyclers", ["Elsewhere Recycling (FR)", "Recycle AG (DE)"]),
        ("Collectors", ["Consolidate GmbH (DE)"]),
    ]


def test_the_recycler_may_treat_the_waste_once_it_is_handed_over(
    as_collector, as_recycler, recycler, held_by_collector
):
    hand_over(as_collector, held_by_collector, recycler.organisation.pk)
    batch = open_batch(as_recycler)

    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[held_by_collector.pk]),
        {"batch": str(batch.pk), "mass_kg": "450"},
    )

    assert response.status_code == 302
    assert BatchInput.objects.filter(batch=batch, passport=held_by_collector).exists()


def test_the_handover_reads_in_chinese(as_collector, recycler, held_by_collector):
    url = reverse("web:intake-passport", args=[held_by_collector.pk])

    html = as_collector.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()

    assert "移交给回收企业" in html
    assert '<optgroup label="回收企业">' in html


def test_a_recycler_cannot_hand_over_waste_it_does_not_hold(
    as_recycler, other_recycler, collector, held_by_collector
):
    response = hand_over(as_recycler, held_by_collector, other_recycler.organisation.pk)

    assert response.status_code == 403
    assert "A recycler that does not hold this product may not post" in (response.content.decode())
    held_by_collector.refresh_from_db()
    assert held_by_collector.holder == collector.organisation
    assert not Event.objects.filter(type="ownership_transferred").exists()


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("manufacturer", "While the product is waste, it can be handed only to a collector "
                         "or recycler, not to a manufacturer."),
        (uuid.UUID(int=7), "No organisation has this id."),
        ("not-an-id", "Must be a valid UUID."),
        ("", "Choose the organisation that takes the product."),
    ],
)  # fmt: skip
def test_a_bad_recipient_is_a_field_error(
    as_collector, collector, manufacturer, held_by_collector, to, message
):
    recipient = manufacturer.organisation.pk if to == "manufacturer" else to

    response = hand_over(as_collector, held_by_collector, recipient)

    assert response.status_code == 400
    assert response.context["handover_form"].errors["recipient"] == [message]
    held_by_collector.refresh_from_db()
    assert held_by_collector.holder == collector.organisation
    assert not Event.objects.filter(type="ownership_transferred").exists()


def test_a_handover_in_the_future_is_a_field_error(as_collector, recycler, held_by_collector):
    response = hand_over(
        as_collector, held_by_collector, recycler.organisation.pk, handed_on="2999-01-01"
    )

    assert response.status_code == 400
    errors = response.context["handover_form"].errors["handed_on"]
    assert errors == ["The date is more than a day in the future."]


def test_a_handover_without_a_date_happens_now(as_collector, recycler, held_by_collector):
    before = timezone.now()

    response = hand_over(as_collector, held_by_collector, recycler.organisation.pk, handed_on="")

    assert response.status_code == 302
    event = Event.objects.get(passport=held_by_collector, type="ownership_transferred")
    assert event.time >= before.replace(microsecond=0)


def test_anonymous_cannot_hand_over(client, recycler, held_by_collector):
    response = hand_over(client, held_by_collector, recycler.organisation.pk)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Event.objects.filter(type="ownership_transferred").exists()


def test_manufacturers_cannot_hand_over_here(as_manufacturer, recycler, held_by_collector):
    assert (
        hand_over(as_manufacturer, held_by_collector, recycler.organisation.pk).status_code == 403
    )
    assert not Event.objects.filter(type="ownership_transferred").exists()


def test_a_product_in_use_offers_no_handover(as_collector, battery):
    response = as_collector.get(reverse("web:intake-passport", args=[battery.pk]))

    assert "Hand over to a recycler" not in response.content.decode()


def test_a_recycler_is_told_the_holder_must_hand_the_waste_over_first(
    as_recycler, held_by_collector
):
    open_batch(as_recycler)

    response = as_recycler.get(reverse("web:intake-passport", args=[held_by_collector.pk]))

    html = response.content.decode()
    assert (
        "Collect GmbH holds this product: it must hand the product over to you before you can "
        "put it into a treatment batch." in html
    )
    assert "Add to batch" not in html
    assert "Hand over to a recycler" not in html


# Batches


def test_batch_list_shows_only_own_batches(as_recycler, other_recycler):
    mine = open_batch(as_recycler)
    theirs = open_batch(signed_in(other_recycler, "other-person"))

    html = as_recycler.get(reverse("web:intake-batches")).content.decode()

    assert str(mine.pk)[:8] in html
    assert str(theirs.pk)[:8] not in html


def test_batches_are_for_recyclers_only(as_collector, client, db):
    assert as_collector.get(reverse("web:intake-batches")).status_code == 403
    assert client.get(reverse("web:intake-batches")).status_code == 302


def test_opening_a_batch_with_a_wrong_category_shows_the_api_message(as_recycler):
    response = as_recycler.post(
        reverse("web:intake-batch-new"),
        {"process_route": "mechanical", "product_type": "battery",
         "chemistry_category": "ndfeb", "site_country": "DE", "started_on": "2026-09-02"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "For battery: lead_acid, lithium, nickel_cadmium, other." in response.content.decode()
    assert not Batch.objects.exists()


def test_another_recyclers_batch_page_is_a_404(as_recycler, other_recycler):
    theirs = open_batch(signed_in(other_recycler, "other-person"))

    assert as_recycler.get(reverse("web:intake-batch", args=[theirs.pk])).status_code == 404
    assert add_output(as_recycler, theirs).status_code == 404
    close = as_recycler.post(reverse("web:intake-batch-close", args=[theirs.pk]))
    assert close.status_code == 404


def test_batch_page_shows_inputs_and_the_balance_per_element(as_recycler, batch_with_input):
    response = as_recycler.get(reverse("web:intake-batch", args=[batch_with_input.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-balance-element="Co"' in html
    assert 'id="balance-data"' in html
    assert response.context["balance"].within
    assert [row.element for row in response.context["balance"].elements] == ["Co", "Li", "Ni"]


def test_recording_an_output_with_element_masses(as_recycler, batch_with_input):
    response = add_output(as_recycler, batch_with_input, element_Co="5.5", element_Ni="40")

    assert response.status_code == 302
    output = BatchOutput.objects.get(batch=batch_with_input)
    masses = {e.element: e.mass_kg for e in output.elements.all()}
    assert masses == {"Co": Decimal("5.5"), "Ni": Decimal("40")}
    html = as_recycler.get(response.url).content.decode()
    assert "black mass" in html


def test_an_output_with_a_bad_mass_is_a_field_error(as_recycler, batch_with_input):
    response = add_output(as_recycler, batch_with_input, mass_kg="-3")

    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 0.000001." in response.content.decode()
    assert not BatchOutput.objects.exists()


def test_an_unknown_element_symbol_is_a_field_error(as_recycler, batch_with_input):
    response = add_output(as_recycler, batch_with_input, other_element="Xx", other_element_kg="1")

    assert response.status_code == 400
    assert "Not element symbols: Xx." in response.content.decode()


def test_closing_an_imbalanced_batch_shows_the_api_message(as_recycler, batch_with_input):
    add_output(as_recycler, batch_with_input, element_Co="9")

    response = as_recycler.post(reverse("web:intake-batch-close", args=[batch_with_input.pk]))

    assert response.status_code == 400
    assert "Co: 9 kg out but only 5.7 kg in." in response.content.decode()
    batch_with_input.refresh_from_db()
    assert batch_with_input.status == "open"
    assert not response.context["balance"].within


def test_closing_a_balanced_batch_recycles_its_inputs(as_recycler, batch_with_input, waste_battery):
    add_output(as_recycler, batch_with_input, element_Co="5.5")

    response = as_recycler.post(reverse("web:intake-batch-close", args=[batch_with_input.pk]))

    assert response.status_code == 302
    batch_with_input.refresh_from_db()
    waste_battery.refresh_from_db()
    assert (batch_with_input.status, waste_battery.status) == ("closed", "recycled")


def test_empty_required_fields_say_so_next_to_the_field(as_collector, battery):
    response = collect(as_collector, battery, collected_on="", region="")

    assert response.status_code == 400
    form = response.context["collection_form"]
    assert form.errors["collected_on"] == ["This field is required."]
    assert form.errors["region"] == ["This field is required."]


def test_adding_to_a_batch_without_choosing_one_is_a_field_error(as_recycler, waste_battery):
    response = as_recycler.post(
        reverse("web:intake-batch-input", args=[waste_battery.pk]), {"mass_kg": "450"}
    )

    assert response.status_code == 400
    assert response.context["input_form"].errors["batch"] == ["Choose one of your open batches."]


def test_the_new_batch_form_starts_with_today_and_the_recyclers_country(as_recycler):
    response = as_recycler.get(reverse("web:intake-batch-new"))

    form = response.context["form"]
    assert response.status_code == 200
    assert form["site_country"].value() == "DE"
    assert form["started_on"].value() == timezone.localdate().isoformat()


def test_the_displayed_balance_flags_what_closing_refuses(as_recycler, batch_with_input):
    add_output(as_recycler, batch_with_input, element_Co="9", element_Ni="45.6")

    balance = batch_balance(batch_with_input)

    flagged = {f"outputs.elements.{row.element}" for row in balance.elements if not row.within}
    refused = {p["field"] for p in mass_balance_problems(batch_with_input)}
    assert flagged == refused == {"outputs.elements.Co"}
    cobalt = next(row for row in balance.elements if row.element == "Co")
    assert cobalt.texts() == {"in": "5.7", "out": "9", "remaining": "-3.3"}


def test_recyclers_see_their_open_batches_on_a_collected_product(as_recycler, waste_battery):
    batch = open_batch(as_recycler)

    response = as_recycler.get(reverse("web:intake-passport", args=[waste_battery.pk]))

    assert response.context["batches"][0][0] == str(batch.pk)
    assert "Add to batch" in response.content.decode()


def test_collectors_are_not_offered_batches(as_collector, waste_battery):
    response = as_collector.get(reverse("web:intake-passport", args=[waste_battery.pk]))

    assert "Add to batch" not in response.content.decode()
    assert "Treatment batch" not in response.content.decode()


def test_a_closed_batch_shows_no_forms(as_recycler, batch_with_input):
    add_output(as_recycler, batch_with_input, element_Co="5.5")
    as_recycler.post(reverse("web:intake-batch-close", args=[batch_with_input.pk]))

    html = as_recycler.get(reverse("web:intake-batch", args=[batch_with_input.pk])).content.decode()

    assert "Closed" in html
    assert "Record output" not in html
    assert "Close batch" not in html
    response = add_output(as_recycler, batch_with_input)
    assert response.status_code == 409
    assert "The batch is closed; its records can no longer change." in response.content.decode()
