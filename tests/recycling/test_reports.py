"""Signed audit reports and the urban-mine forecast, over a small recorded chain."""

import base64
import csv
import io
import json
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command

from lifecycle.canonical import canonical_bytes
from lifecycle.services.log import checkpoint_publish, log_integrate
from lifecycle.verify import parse_vkey
from recycling.services.aggregation import buckets_refresh
from tests.factories import declaration


def verify_detached(signature_b64: str, vkey: str, data: bytes) -> None:
    key = Ed25519PublicKey.from_public_bytes(parse_vkey(vkey).public_key)
    key.verify(base64.b64decode(signature_b64), data)


@pytest.fixture
def checkpointed_chain(chain):
    log_integrate()
    checkpoint_publish()
    return chain


def test_json_report_is_signed_over_its_canonical_bytes(checkpointed_chain, regulator):
    response = regulator.client.get("/api/v1/audit/report?year=2026&regime=EU")

    body = response.json()
    assert response.status_code == 200
    verify_detached(body["signature"], body["log_vkey"], canonical_bytes(body["report"]))
    metrics = {row["metric"] for row in body["report"]["statistics"]}
    assert {"recycling_efficiency", "material_recovery"} <= metrics
    assert body["report"]["checkpoint"].startswith("127.0.0.1:8000/log\n")


def test_csv_report_carries_its_signature_in_headers(checkpointed_chain, regulator):
    response = regulator.client.get("/api/v1/audit/report?year=2026&format=csv")

    verify_detached(response["X-Report-Signature"], response["X-Log-Vkey"], response.content)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    efficiency = next(r for r in rows if r["metric"] == "recycling_efficiency")
    assert (efficiency["rate_pct"], efficiency["target_pct"]) == ("18.80", "65")


def test_reports_are_for_regulators(checkpointed_chain, recycler, anonymous):
    assert recycler.client.get("/api/v1/audit/report?year=2026").status_code == 403
    assert anonymous.get("/api/v1/audit/report?year=2026").status_code == 401


def test_a_report_needs_a_year(regulator):
    response = regulator.client.get("/api/v1/audit/report")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "year"


def test_the_command_writes_the_same_signed_report(checkpointed_chain, tmp_path):
    target = tmp_path / "report.json"
    call_command("audit_report", year=2026, output=str(target), stdout=io.StringIO())

    signed = json.loads(target.read_text())
    verify_detached(signed["signature"], signed["log_vkey"], canonical_bytes(signed["report"]))


def test_urban_mine_forecast_puts_placed_cobalt_through_the_stock_model(
    manufacturer, regulator, checkpointed_chain
):
    response = regulator.client.get(
        "/api/v1/forecasts/urban-mine?element=Co&product_type=battery&until=2060"
        "&lifetime_type=Fixed&lifetime_mean=10"
    )

    body = response.json()
    assert response.status_code == 200, body
    placed = dict(zip(body["years"], body["inflow_kg"], strict=True))
    eol = dict(zip(body["years"], body["expected_eol_kg"], strict=True))
    assert placed[2026] == pytest.approx(2 * 5.7)
    assert eol[2036] == pytest.approx(2 * 5.7)
    assert dict(zip(body["years"], body["recovered_kg"], strict=True))[2026] == pytest.approx(10.8)
    assert dict(zip(body["years"], body["collected_kg"], strict=True))[2026] == pytest.approx(11.4)


@pytest.mark.parametrize(
    "query",
    ["element=Xx&product_type=battery&until=2050", "element=Co&product_type=car&until=2050",
     "element=Co&product_type=battery", "element=Co&product_type=battery&until=2050"
     "&lifetime_type=Normal&lifetime_mean=5&lifetime_sd=-1"],
)  # fmt: skip
def test_bad_forecast_queries_are_400(regulator, query):
    response = regulator.client.get(f"/api/v1/forecasts/urban-mine?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"]


def test_forecasts_need_a_signed_in_caller(anonymous):
    response = anonymous.get(
        "/api/v1/forecasts/urban-mine?element=Co&product_type=battery&until=2050"
    )

    assert response.status_code == 401


def test_unep_indicators_come_with_their_inputs(checkpointed_chain, regulator, manufacturer):
    rows = regulator.client.get(
        "/api/v1/statistics/recovery?product_type=battery&limit=1000"
    ).json()["results"]
    by_metric: dict[str, list] = {}
    for row in rows:
        by_metric.setdefault(row["metric"], []).append(row)

    cobalt_rc = next(r for r in by_metric["rc"] if r["scope"]["element"] == "Co")
    # Two batteries, each 5.7 kg Co with a 16 % post-consumer share: 1.824 of 11.4 kg.
    assert (cobalt_rc["numerator_kg"], cobalt_rc["denominator_kg"]) == ("1.824", "11.4")
    assert next(r for r in by_metric["osr"] if r["scope"]["element"] == "Co")["rate_pct"] == (
        "100.00"
    )
    assert any(r["scope"]["element"] == "Co" for r in by_metric["recycled_content"])


def test_inventory_forecasts_the_end_of_life_of_products_in_use(manufacturer, regulator):
    manufacturer.client.post("/api/v1/passports/", declaration(serial="IN-USE"), format="json")
    log_integrate()
    buckets_refresh()

    body = regulator.client.get("/api/v1/inventory?region=DE&element=Co").json()
    expected = [c for c in body["cells"] if c["stage"] == "expected_eol"]

    assert {c["unfc"] for c in expected} == {"E2 F2 G3"}
    in_use = [c for c in body["cells"] if c["stage"] == "in_use"]
    assert [Decimal(c["mass_kg"]) for c in in_use] == [Decimal("5.7")]
    # Normal(15, 4) years and a 15-year horizon: about half the cobalt is expected back.
    assert sum(Decimal(c["mass_kg"]) for c in expected) == pytest.approx(Decimal("2.85"), abs=0.1)
    assert {t["unfc"] for t in body["totals"]} == {"E3 F3 G1", "E2 F2 G3"}
