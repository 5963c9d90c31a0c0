"""The regulator dashboard: statistics against targets, drill-down to passports, the log.

The scenario: two batteries collected, one smelted (its lithium goes to the slag, which is
backfilled) and one refined hydrometallurgically (its lithium comes back as carbonate), so one
recycler misses the lithium target and the other meets it.
"""

import base64
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lifecycle.canonical import canonical_bytes
from lifecycle.models import Cosignature
from lifecycle.services.events import event_record
from lifecycle.services.log import checkpoint_publish, log_integrate, log_key_record, log_vkey
from lifecycle.verify import verify_bundle
from passports.models import Passport, User
from passports.services.organisations import person_create
from recycling.models import Statistic
from recycling.services.aggregation import buckets_refresh
from recycling.services.batches import batch_close, batch_input_add, batch_open, batch_output_add
from recycling.services.collections import collection_record
from tests.factories import declaration

PLACED_AT = dt.datetime(2023, 5, 1, 8, tzinfo=dt.UTC)
COLLECTED_AT = dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
CLOSED_AT = dt.datetime(2026, 9, 2, 8, tzinfo=dt.UTC)
PASSWORD = "a-long-test-password"


def signed_in(actor, username: str) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password=PASSWORD)
    )
    return client


def _treat(recycler, passport, route: str, outputs: list[dict], loss: str, collector) -> str:
    event_record(
        passport_id=passport.pk, actor=collector.organisation,
        event_type="ownership_transferred", occurred_at=COLLECTED_AT,
        payload={"to": recycler.organisation.pk},
    )  # fmt: skip
    batch = batch_open(
        recycler=recycler.organisation, process_route=route, product_type="battery",
        chemistry_category="lithium", site_country="DE", site_region="", started_at=COLLECTED_AT,
        declared_loss_kg=Decimal(loss),
    )  # fmt: skip
    batch_input_add(batch_id=batch.pk, passport=passport, mass_kg=Decimal("450"))
    for output in outputs:
        batch_output_add(batch_id=batch.pk, destination="", **output)
    batch_close(batch_id=batch.pk, actor=recycler.organisation, closed_at=CLOSED_AT)
    return str(batch.pk)


def treatment_scenario(make_actor, manufacturer) -> dict:
    """Two batteries: one smelted with its lithium to slag, one refined with lithium recovered."""
    collector = make_actor("collector", "Collect GmbH", country="DE")
    smelter = make_actor("recycler", "Smelt AB", country="SE")
    refiner = make_actor("recycler", "Hydro GmbH", country="DE")
    passports = []
    for serial in ("EOL-1", "EOL-2"):
        response = manufacturer.client.post(
            "/api/v1/passports/",
            declaration(serial=serial, manufactured_at="2022-03-14"),
            format="json",
        )
        assert response.status_code == 201, response.json()
        passports.append(Passport.objects.get(pk=response.json()["id"]))
        event_record(
            passport_id=passports[-1].pk, actor=manufacturer.organisation,
            event_type="placed_on_market", occurred_at=PLACED_AT, payload={"country": "DE"},
        )  # fmt: skip
    collection_record(
        collector=collector.organisation, region="DE-BY", collected_at=COLLECTED_AT,
        items=[(p, Decimal("450")) for p in passports],
    )  # fmt: skip
    passports = [Passport.objects.get(pk=p.pk) for p in passports]
    smelted = _treat(smelter, passports[0], "pyrometallurgical", [
        {"fraction": "Ni-Co alloy", "counts_as": "recycling", "mass_kg": Decimal("60"),
         "origin_mass_kg": None, "elements": {"Co": Decimal("5.5"), "Ni": Decimal("44")}},
        {"fraction": "slag", "counts_as": "backfilling", "mass_kg": Decimal("200"),
         "origin_mass_kg": None, "elements": {"Li": Decimal("6.4")}},
    ], loss="150", collector=collector)  # fmt: skip
    refined = _treat(refiner, passports[1], "hydrometallurgical", [
        {"fraction": "lithium carbonate", "counts_as": "recycling", "mass_kg": Decimal("34"),
         "origin_mass_kg": Decimal("6.5"), "elements": {"Li": Decimal("6.5")}},
        {"fraction": "nickel cobalt sulphate", "counts_as": "recycling",
         "mass_kg": Decimal("300"), "origin_mass_kg": None,
         "elements": {"Ni": Decimal("45"), "Co": Decimal("5.6")}},
        {"fraction": "leach residue", "counts_as": "disposal", "mass_kg": Decimal("100"),
         "origin_mass_kg": None, "elements": {}},
    ], loss="40", collector=collector)  # fmt: skip
    buckets_refresh()  # test transactions never commit, so the on-commit refresh runs here
    log_integrate()
    checkpoint_publish()
    return {
        "smelter": smelter, "refiner": refiner, "collector": collector,
        "smelted": smelted, "refined": refined, "passports": passports,
    }  # fmt: skip


@pytest.fixture
def scenario(make_actor, manufacturer) -> dict:
    return treatment_scenario(make_actor, manufacturer)


@pytest.fixture
def inspector(regulator) -> Client:
    return signed_in(regulator, "inspector")


def lithium(scenario: dict, recycler: str) -> Statistic:
    return Statistic.objects.get(
        metric="material_recovery", element="Li", recycler=scenario[recycler].organisation
    )


def drill_url(statistic: Statistic, regime: str = "CN") -> str:
    url = reverse("web:dashboard-statistic", kwargs={"digest": statistic.digest})
    return f"{url}?metric={statistic.metric}&element={statistic.element}&regime={regime}"


PAGES = ["web:dashboard", "web:dashboard-inventory", "web:dashboard-forecast",
         "web:dashboard-log", "web:dashboard-report"]  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_manufacturers_and_recyclers_may_not_open_the_dashboard(manufacturer, recycler, name):
    for actor, username in ((manufacturer, "maker"), (recycler, "smelter")):
        assert signed_in(actor, username).get(reverse(name)).status_code == 403


def test_drill_down_pages_are_for_regulators_only(scenario, client):
    passport = scenario["passports"][0]
    urls = [
        reverse("web:dashboard-passport", args=[passport.pk]),
        reverse("web:dashboard-bundle", args=[passport.pk]),
        reverse("web:dashboard-batch", args=[scenario["smelted"]]),
        drill_url(lithium(scenario, "smelter")),
    ]
    smelter = signed_in(scenario["smelter"], "smelter")

    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("login"))
        assert smelter.get(url).status_code == 403


def test_lithium_filter_shows_which_recycler_misses_the_target(scenario, inspector):
    response = inspector.get(reverse("web:dashboard"), {"element": "Li", "regime": "CN"})

    assert response.status_code == 200
    rows = {r["recycler_name"]: r for r in response.context["page"].object_list
            if r["metric"] == "material_recovery"}  # fmt: skip
    assert rows["Smelt AB"]["rate_pct"] == "0.00"
    assert rows["Smelt AB"]["verdict"] == "missed"
    assert rows["Hydro GmbH"]["rate_pct"] == "94.20"
    assert rows["Hydro GmbH"]["verdict"] == "met"
    assert rows["Smelt AB"]["target"]["percent"] == 90
    html = response.content.decode()
    assert "Not met" in html and "Met" in html
    digest = lithium(scenario, "smelter").digest
    assert rows["Smelt AB"]["drill_url"].startswith(f"/dashboard/statistics/{digest}/")
    assert rows["Smelt AB"]["drill_url"].replace("&", "&amp;") in html
    chart = response.context["charts"][0]
    assert chart["targets"] == [90, 90] and sorted(chart["verdicts"]) == ["met", "missed"]


def test_a_target_not_yet_in_force_is_named_with_its_date(scenario, inspector):
    response = inspector.get(reverse("web:dashboard"), {"element": "Li", "regime": "EU"})

    smelter = next(
        r
        for r in response.context["page"].object_list
        if (r["recycler_name"], r["metric"]) == ("Smelt AB", "material_recovery")
    )
    assert smelter["verdict"] == "no_target"
    assert smelter["upcoming"]["percent"] == 50
    assert smelter["upcoming_verdict"] == "missed"
    assert "Would not meet 50 % (2027)" in response.content.decode()


def test_recycling_efficiency_verdicts_against_the_eu_target(scenario, inspector):
    response = inspector.get(reverse("web:dashboard"), {"metric": "recycling_efficiency"})

    verdicts = {r["recycler_name"]: (r["rate_pct"], r["verdict"])
                for r in response.context["page"].object_list}  # fmt: skip
    assert verdicts == {"Smelt AB": ("13.33", "missed"), "Hydro GmbH": ("68.11", "met")}


def test_invalid_filters_are_shown_next_to_their_fields(scenario, inspector):
    response = inspector.get(reverse("web:dashboard"), {"year": "abc", "recycler": "nobody"})

    assert response.status_code == 400
    assert response.context["errors"] == {
        "year": ["A valid integer is required."],
        "recycler": ["Must be a valid UUID."],
    }
    assert 'id="f-year-errors"' in response.content.decode()


def test_drill_down_shows_the_lithium_lost_to_slag(scenario, inspector):
    response = inspector.get(drill_url(lithium(scenario, "smelter")))

    assert response.status_code == 200
    fates = {row["fraction"]: row for row in response.context["fates"]["rows"]}
    assert fates["slag"]["counts_as"] == "backfilling"
    assert fates["slag"]["mass_kg"] == Decimal("6.400")
    assert response.context["fates"]["entered_kg"] == Decimal("6.900")
    [batch] = response.context["batches"]
    assert str(batch["batch"].pk) == scenario["smelted"]
    assert (batch["element_in"], batch["element_recycled"]) == (Decimal("6.9"), Decimal("0"))
    passport = scenario["passports"][0]
    assert reverse("web:dashboard-passport", args=[passport.pk]) in response.content.decode()
    others = {(o["metric"], o["scope"].get("element")) for o in response.context["others"]}
    assert ("recycling_efficiency", None) in others


def test_an_unknown_statistic_is_404(scenario, inspector):
    assert inspector.get(reverse("web:dashboard-statistic", args=["0" * 64])).status_code == 404


def test_collection_rate_drills_down_to_the_collected_products(scenario, inspector):
    statistic = Statistic.objects.get(metric="collection_rate", basis="placed_on_market_3y_average")
    url = reverse("web:dashboard-statistic", kwargs={"digest": statistic.digest})

    response = inspector.get(url, {"metric": "collection_rate", "basis": statistic.basis})

    assert response.status_code == 200
    assert response.context["row"]["rate_pct"] == "300.00"  # 900 kg against 900 / 3 kg a year
    assert response.context["digest_matches"] is True
    assert {i.passport.serial for i in response.context["items"]} == {"EOL-1", "EOL-2"}


def test_batch_page_lists_inputs_and_outputs(scenario, inspector):
    response = inspector.get(
        reverse("web:dashboard-batch", args=[scenario["refined"]]), {"element": "Li"}
    )

    assert response.status_code == 200
    assert response.context["item"]["element_rate"] == Decimal("94.2")
    missing = reverse("web:dashboard-batch", args=["00000000-0000-0000-0000-000000000000"])
    assert inspector.get(missing).status_code == 404


def test_passport_page_proves_each_event_against_the_checkpoint(scenario, inspector):
    passport = scenario["passports"][0]

    response = inspector.get(reverse("web:dashboard-passport", args=[passport.pk]))

    assert response.status_code == 200
    states = [e["proof"]["state"] for e in response.context["events"]]
    assert [e["event"].type for e in response.context["events"]] == [
        "registered", "placed_on_market", "collected", "ownership_transferred", "recycled",
    ]  # fmt: skip
    assert states == ["verified"] * 5
    assert "Inclusion proof verified" in response.content.decode()
    # The status in words, as every other page shows it, not its code.
    assert "<dd>Recycled</dd>" in response.content.decode()
    # Long substance names wrap between syllables here too (site.css), not mid-letter.
    assert '<td class="substance">' in response.content.decode()
    missing = reverse("web:dashboard-passport", args=["00000000-0000-0000-0000-000000000000"])
    assert inspector.get(missing).status_code == 404


def test_bundle_download_verifies_offline(scenario, inspector):
    passport = scenario["passports"][0]

    response = inspector.get(reverse("web:dashboard-bundle", args=[passport.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    bundle = json.loads(response.content)
    checks = verify_bundle(bundle, log_vkey(), [])
    assert checks and all(check.ok for check in checks), [str(c) for c in checks]
    missing = reverse("web:dashboard-bundle", args=["00000000-0000-0000-0000-000000000000"])
    assert inspector.get(missing).status_code == 404


def test_signed_report_downloads_as_json_and_csv(scenario, inspector):
    url = reverse("web:dashboard-report")

    signed = inspector.get(url, {"download": "1", "year": "2026", "regime": "EU"})
    csv = inspector.get(url, {"download": "1", "year": "2026", "format": "csv"})
    signature = inspector.get(
        url, {"download": "1", "year": "2026", "format": "csv", "part": "signature"}
    )

    assert signed.status_code == 200
    assert 'filename="recovery-2026-EU.json"' in signed["Content-Disposition"]
    body = json.loads(signed.content)
    assert body["algorithm"] == "Ed25519" and body["report"]["year"] == 2026
    # EOL-RR rows carry the stock model's lifetime, whose float parameters become text.
    assert {s["metric"] for s in body["report"]["statistics"]} >= {"recycling_efficiency", "eol_rr"}
    public = Ed25519PublicKey.from_public_bytes(bytes(log_key_record().public_key))
    public.verify(base64.b64decode(body["signature"]), canonical_bytes(body["report"]))
    assert csv.content.startswith(b"metric,product_type,recycler")
    assert csv["X-Report-Signature"]
    assert json.loads(signature.content)["signature"] == csv["X-Report-Signature"]


def test_report_with_a_bad_year_is_refused_by_field(scenario, inspector):
    response = inspector.get(reverse("web:dashboard-report"), {"download": "1", "year": "1800"})

    assert response.status_code == 400
    assert response.context["errors"]["year"] == [
        "Ensure this value is greater than or equal to 1900."
    ]


def test_inventory_by_element_and_stage(scenario, inspector):
    response = inspector.get(reverse("web:dashboard-inventory"), {"stage": "recovered"})

    assert response.status_code == 200
    rows = {row["element"]: row["cells"][0]["mass_kg"] for row in response.context["rows"]}
    assert rows["Li"] == "6.5"
    assert response.context["stage_heads"][0]["unfc"] == "E1 F1 G1"
    bad = inspector.get(reverse("web:dashboard-inventory"), {"stage": "buried"})
    assert bad.status_code == 400
    assert bad.context["errors"]["stage"] == ['"buried" is not a valid choice.']


def test_forecast_puts_expected_end_of_life_beside_actuals(scenario, inspector):
    response = inspector.get(
        reverse("web:dashboard-forecast"), {"element": "Li", "product_type": "battery",
                                            "until": "2030"}
    )  # fmt: skip

    assert response.status_code == 200
    result = response.context["result"]
    assert result["years"][-1] == 2030
    assert sum(result["collected_kg"]) == pytest.approx(13.8)
    assert sum(result["recovered_kg"]) == pytest.approx(6.5)
    bad = inspector.get(reverse("web:dashboard-forecast"), {"element": "Xx", "until": "2030"})
    assert bad.status_code == 400
    assert bad.context["errors"]["element"] == ["'Xx' is not an element symbol."]


def test_log_page_shows_the_latest_checkpoint(scenario, inspector):
    response = inspector.get(reverse("web:dashboard-log"))

    assert response.status_code == 200
    latest = response.context["latest"]
    assert latest.size == response.context["log_size"]
    assert response.context["note_text"].startswith(latest.body)
    assert response.context["has_cosigned"] is False
    assert "Cosign this checkpoint" in response.content.decode()


def test_regulator_cosigns_a_checkpoint_once(scenario, regulator, inspector):
    size = inspector.get(reverse("web:dashboard-log")).context["latest"].size

    first = inspector.post(reverse("web:dashboard-cosign"), {"size": size}, follow=True)
    again = inspector.post(reverse("web:dashboard-cosign"), {"size": size})

    assert first.status_code == 200
    assert "You cosigned checkpoint" in first.content.decode()
    assert first.context["has_cosigned"] is True
    [cosignature] = Cosignature.objects.all()
    assert cosignature.witness == regulator.organisation
    assert cosignature.line in first.context["note_text"]
    assert again.status_code == 409
    assert again.context["cosign_errors"] == ["This witness has already cosigned this checkpoint."]


def test_cosigning_needs_an_existing_checkpoint(scenario, inspector):
    assert inspector.post(reverse("web:dashboard-cosign"), {"size": "99999"}).status_code == 404
    for size in ("first", "²", "9" * 5000):
        bad = inspector.post(reverse("web:dashboard-cosign"), {"size": size})
        assert bad.status_code == 400, size
    assert Cosignature.objects.count() == 0


def test_only_regulators_cosign(scenario):
    recycler = signed_in(scenario["smelter"], "smelter")

    assert recycler.post(reverse("web:dashboard-cosign"), {"size": "1"}).status_code == 403


def test_recycled_content_drills_down_to_passports(scenario, inspector):
    response = inspector.get(reverse("web:dashboard"), {"metric": "rc", "element": "Co"})
    [row] = response.context["page"].object_list

    drill = inspector.get(str(row["drill_url"]))

    assert drill.status_code == 200
    assert drill.context["digest"] == row["digest"]
    assert len(drill.context["entries"]) == 2
    bad = inspector.get(reverse("web:dashboard-content"), {"metric": "rc", "year": "2026"})
    assert bad.status_code == 400
    none = inspector.get(
        reverse("web:dashboard-content"),
        {"metric": "rc", "product_type": "magnet", "year": "2026", "element": "Co"},
    )
    assert none.status_code == 404


def test_demo_data_shows_which_recycler_misses_lithium_recovery_and_why(db):
    """The demo's question: who misses the lithium target, and where does the lithium go?"""
    call_command("load_demo", stdout=io.StringIO())
    federal = Client()
    federal.force_login(User.objects.get(username="federal"))

    response = federal.get(
        reverse("web:dashboard"), {"metric": "material_recovery", "element": "Li"}
    )

    failing = [
        row for row in response.context["page"].object_list
        if "missed" in (row["verdict"], row["upcoming_verdict"])
    ]  # fmt: skip
    assert "Nordic Metal Recovery AB" in {row["recycler_name"] for row in failing}
    nordic = next(row for row in failing if row["recycler_name"] == "Nordic Metal Recovery AB")
    drill = federal.get(str(nordic["drill_url"]))
    lost = [row for row in drill.context["fates"]["rows"] if not row["counts"]]
    assert lost[0]["fraction"] == "slag"
    assert lost[0]["share_pct"] > 50
